import { latin1 } from '../../bytes/reader.js';
import { createTransaction } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { MAX_APPS, MAX_HOSTNAMES, MAX_PRI, MAX_PRI_KEYS, MAX_TCP_MESSAGE, priName } from './syslog.consts.js';
import { newSyslogHeader, parseSyslog, type SyslogHeader } from './syslog.parse.js';

/** Per-flow state: message counters (the one summary transaction at the end), names seen. */
export interface SyslogState {
  /** Messages per PRI (index 192: no PRI). Allocated with the first message. */
  counts: Uint32Array | null;
  messages: number;
  firstUs: number;
  /** FNV-1a hashes of the host and app names already taken (no string built for a repeat). */
  readonly hostnames: Set<number>;
  readonly appHashes: Set<number>;
  readonly apps: string[];
  violated: boolean;
}

const hdr: SyslogHeader = newSyslogHeader();
const NO_PRI = MAX_PRI + 1;

/**
 * Syslog (UDP 514, RFC 5424 / RFC 3164; TCP 514 with RFC 6587 octet-counting or LF framing).
 * Source only: the PRI (facility, severity), HOSTNAME and APP-NAME of each message; the text is
 * never stored. A busy device sends thousands of messages, so instead of a transaction per
 * message the flow gets ONE summary transaction when it ends (fn 'SYSLOG', op 'other', ts of
 * the first message) whose detail counts the messages per `FACILITY.SEVERITY` (Zeek's names)
 * and lists the app names. The HOSTNAME names the sender (precedence 50), once per name.
 */
export const syslogDissector: Dissector<SyslogState> = {
  name: 'syslog',
  transports: ['udp', 'tcp'],
  defaultPorts: [514],

  newState(_flow: FlowInfo): SyslogState {
    return {
      counts: null,
      messages: 0,
      firstUs: 0,
      hostnames: new Set(),
      appHashes: new Set(),
      apps: [],
      violated: false,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    if (ctx.flow.transport === 'udp') {
      onMessage(s, buf, off, len, ctx);
      return len;
    }
    return parseStream(s, buf, off, len, ctx);
  },

  onEnd(s, ctx) {
    if (s.messages === 0 || s.counts === null) return;
    const detail: Record<string, string | number | boolean> = { messages: s.messages };
    let keys = 0;
    let other = 0;
    for (let pri = 0; pri <= NO_PRI; pri++) {
      const n = s.counts[pri] as number;
      if (n === 0) continue;
      if (keys < MAX_PRI_KEYS) {
        detail[priName(pri === NO_PRI ? -1 : pri)] = n;
        keys++;
      } else other += n;
    }
    if (other > 0) detail.other = other;
    if (s.apps.length > 0) detail.apps = s.apps.join(',');
    const tx = createTransaction(s.firstUs, ctx.flow.id, 'syslog', 'other', 'SYSLOG', 0, 'ok');
    tx.detail = detail;
    ctx.emit(tx);
  },
};

/**
 * TCP (RFC 6587): a message is either `LEN SP MSG` (octet counting, §3.4.1) or MSG ending in LF
 * (non-transparent framing, §3.4.2). Incomplete messages wait for more bytes.
 */
function parseStream(s: SyslogState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): number {
  const end = off + len;
  let p = off;
  while (p < end) {
    const c = buf[p] as number;
    if (c === 0x0a || c === 0x0d || c === 0) {
      p++;
      continue;
    }
    if (c >= 0x31 && c <= 0x39) {
      let n = 0;
      let q = p;
      while (q < end && q - p < 6 && (buf[q] as number) >= 0x30 && (buf[q] as number) <= 0x39) {
        n = n * 10 + ((buf[q] as number) - 0x30);
        q++;
      }
      if (q >= end) return p - off;
      if (buf[q] !== 0x20 || n > MAX_TCP_MESSAGE) return bad(s, ctx, len, `octet count ${n}`);
      if (q + 1 + n > end) return p - off;
      onMessage(s, buf, q + 1, n, ctx);
      p = q + 1 + n;
      continue;
    }
    if (c !== 0x3c && s.messages === 0) return bad(s, ctx, len, `first byte ${c}`);
    let e = p;
    while (e < end && buf[e] !== 0x0a && buf[e] !== 0) e++;
    if (e >= end) {
      if (e - p > MAX_TCP_MESSAGE) return bad(s, ctx, len, `no LF in ${e - p} bytes`);
      return p - off;
    }
    onMessage(s, buf, p, e - p, ctx);
    p = e + 1;
  }
  return p - off;
}

function bad(s: SyslogState, ctx: DissectContext, len: number, why: string): number {
  s.violated = true;
  ctx.violation(`syslog-bad-framing: ${why}`);
  return len;
}

function onMessage(s: SyslogState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseSyslog(buf, off, len, hdr);
  if (err !== null) ctx.anomaly(err, `${len} bytes`);
  if (s.counts === null) {
    s.counts = new Uint32Array(NO_PRI + 1);
    s.firstUs = ctx.tsUs;
  }
  s.messages++;
  s.counts[hdr.pri < 0 ? NO_PRI : hdr.pri]++;
  if (hdr.appLen > 0 && s.apps.length < MAX_APPS) {
    const h = fnv(buf, hdr.appOff, hdr.appLen);
    if (!s.appHashes.has(h)) {
      s.appHashes.add(h);
      const app = latin1(buf.subarray(hdr.appOff, hdr.appOff + hdr.appLen), 48);
      if (app) s.apps.push(app);
    }
  }
  if (hdr.hostLen > 0 && s.hostnames.size < MAX_HOSTNAMES) {
    const h = fnv(buf, hdr.hostOff, hdr.hostLen);
    const name = s.hostnames.has(h) ? '' : latin1(buf.subarray(hdr.hostOff, hdr.hostOff + hdr.hostLen));
    if (name) {
      s.hostnames.add(h);
      ctx.emit({
        kind: 'asset.identity',
        ts: ctx.tsUs,
        flowId: ctx.flow.id,
        protocol: 'syslog',
        about: ctx.dir === 0 ? 'client' : 'server',
        facts: [{ field: 'hostname', value: name, source: `syslog.${hdr.format}.hostname`, precedence: 50 }],
      });
    }
  }
}

function fnv(buf: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = off; i < off + len; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0;
}
