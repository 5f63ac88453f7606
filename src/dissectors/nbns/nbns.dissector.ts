import { u16be as u16 } from '../../bytes/words.js';
import {
  createTransaction,
  type IdentityFact,
  type IdentityObservation,
  type TransactionObservation,
} from '../../observations/observation.js';
import { ip4ToString, macToString } from '../../util/net.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { HEADER_LEN, MAX_RECORDS } from '../dns/dns.consts.js';
import {
  type DnsHeader,
  type DnsRecord,
  type NameResult,
  newDnsHeader,
  newDnsRecord,
  newNameResult,
  parseHeader,
  readName,
  readRecord,
} from '../dns/dns.parse.js';
import { NB, NBSTAT, opcodeName, rcodeName, suffixName, suffixTag } from './nbns.consts.js';
import { decodeNbName, type NbName, parseNodeStatus } from './nbns.parse.js';

/** Requests waiting for their answer per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 32;
const MAX_SEEN = 128;
/** Addresses read from one NB record (a multi-homed or group name lists several). */
const MAX_ADDRS = 16;

interface Pending {
  id: number;
  tx: TransactionObservation;
}

export interface NbnsState {
  readonly pending: Pending[];
  readonly seen: Set<string>;
  messages: number;
  violated: boolean;
}

const hdr: DnsHeader = newDnsHeader();
const nm: NameResult = newNameResult();
const rr: DnsRecord = newDnsRecord();
/** Facts of the message being parsed, by IP (reused: the fact arrays themselves go out). */
const factsByIp = new Map<string, IdentityFact[]>();
/** B flag of the message being parsed. */
let broadcast = false;

/**
 * NetBIOS name service (UDP 137, RFC 1002 §4.2): the DNS packet format with first-level
 * encoded names. Queries (NB), node status requests (NBSTAT), registrations, releases and
 * refreshes become transactions paired by id (fn QUERY, NODE_STATUS, REGISTRATION...; op
 * 'discovery' for queries, 'other' otherwise; a non-zero rcode is an 'exception'). Broadcast
 * registrations have no answer by design: they end 'no-response'.
 *
 * Identity (precedence 50): a registration's or positive answer's NB record binds a name to
 * addresses: unique `<00>`/`<20>` names are the 'hostname' of those IPs; group `<00>` names and
 * `<1B>`/`<1C>`/`<1D>`/`<1E>` names are the 'netbios_domain'. A node status answer lists the
 * responder's own names (same rules, about the sender) and its unit id ('netbios_unit_id',
 * usually the MAC).
 */
export const nbnsDissector: Dissector<NbnsState> = {
  name: 'nbns',
  transports: ['udp'],
  defaultPorts: [137],

  newState(_flow: FlowInfo): NbnsState {
    return { pending: [], seen: new Set(), messages: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    onMessage(s, buf, off, len, ctx);
    return len;
  },

  onEnd(s, ctx) {
    for (const p of s.pending) ctx.emit(p.tx);
    s.pending.length = 0;
  },
};

function senderIp(ctx: DissectContext): string {
  return ctx.dir === 0 ? ctx.flow.clientIp : ctx.flow.serverIp;
}

/** First label of the name just read (the encoded NetBIOS name), decoded. */
function nbName(full: string): NbName | null {
  const dot = full.indexOf('.');
  return decodeNbName(dot < 0 ? full : full.slice(0, dot));
}

function onMessage(s: NbnsState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const end = off + len;
  if (parseHeader(buf, off, len, hdr) !== null) {
    fail(s, ctx, 'nbns-header-truncated', `${len} bytes`);
    return;
  }
  let pos = off + HEADER_LEN;
  let name: NbName | null = null;
  let qtype = NB;
  if (hdr.qd > 0) {
    if (readName(buf, off, end, pos, true, nm) !== null) {
      fail(s, ctx, nm.err as string, `id ${hdr.id}`);
      return;
    }
    name = nbName(nm.name);
    if (name === null) {
      fail(s, ctx, 'nbns-bad-name', `id ${hdr.id}: not a NetBIOS name`);
      return;
    }
    if (nm.end + 4 > end) {
      fail(s, ctx, 'dns-record-truncated', `id ${hdr.id}`);
      return;
    }
    qtype = u16(buf, nm.end);
    pos = nm.end + 4;
  }
  s.messages++;
  // NM_FLAGS bit B (RFC 1002 §4.2.1.1): sent as a broadcast.
  broadcast = (u16(buf, off + 2) & 0x0010) !== 0;
  const fn = hdr.opcode === 0 ? (qtype === NBSTAT ? 'NODE_STATUS' : 'QUERY') : opcodeName(hdr.opcode);
  let tx: TransactionObservation;
  if (!hdr.qr) {
    tx = newTx(ctx, fn, 'no-response', name);
    const i = s.pending.findIndex((p) => p.id === hdr.id);
    if (i >= 0) ctx.emit((s.pending.splice(i, 1)[0] as Pending).tx);
    s.pending.push({ id: hdr.id, tx });
    if (s.pending.length > MAX_PENDING) ctx.emit((s.pending.shift() as Pending).tx);
  } else {
    const i = s.pending.findIndex((p) => p.id === hdr.id);
    if (i >= 0) {
      tx = (s.pending.splice(i, 1)[0] as Pending).tx;
      tx.status = 'ok';
      tx.rttUs = ctx.tsUs - tx.ts;
    } else {
      tx = newTx(ctx, fn, 'unsolicited', name);
    }
    const d = tx.detail as Record<string, string | number | boolean>;
    d.rcode = hdr.rcode;
    if (hdr.rcode !== 0) {
      if (tx.status === 'ok') tx.status = 'exception';
      tx.exception = rcodeName(hdr.rcode);
    }
  }
  // Records: answers of responses, the additional record of registrations/releases/refreshes.
  const facts = factsByIp;
  facts.clear();
  const total = Math.min(hdr.an + hdr.ns + hdr.ar, MAX_RECORDS);
  for (let i = 0; i < total; i++) {
    if (readName(buf, off, end, pos, true, nm) !== null) {
      ctx.anomaly(nm.err as string, `id ${hdr.id} record ${i + 1}`);
      break;
    }
    const owner = nbName(nm.name);
    const d = tx.detail as Record<string, string | number | boolean>;
    if (i === 0 && owner && d.name === undefined) {
      // Responses carry no question: the first record names what was asked.
      d.name = `${owner.name}${suffixTag(owner.suffix)}`;
      d.suffix = suffixName(owner.suffix);
    }
    const e = readRecord(buf, end, nm.end, rr);
    if (e !== null) {
      ctx.anomaly(e, `id ${hdr.id} record ${i + 1}`);
      break;
    }
    pos = rr.end;
    if (owner === null || hdr.rcode !== 0) continue;
    if (rr.type === NB) {
      for (let p = rr.rdOff, n = 0; p + 6 <= rr.end && n < MAX_ADDRS; p += 6, n++) {
        const group = ((buf[p] as number) & 0x80) !== 0;
        const ip = ((((buf[p + 2] as number) << 24) |
          ((buf[p + 3] as number) << 16) |
          ((buf[p + 4] as number) << 8) |
          (buf[p + 5] as number)) >>>
          0) as number;
        if (ip === 0 || ip === 0xffffffff) continue;
        nameFacts(facts, ip4ToString(ip), owner, group, `nbns.${fn.toLowerCase()}.nb`);
      }
    } else if (rr.type === NBSTAT) {
      const st = parseNodeStatus(buf, rr.rdOff, rr.rdLen);
      if (st.truncated) ctx.anomaly('nbns-node-status-truncated', `id ${hdr.id}`);
      const me = senderIp(ctx);
      for (const n of st.names) nameFacts(facts, me, n, n.group, 'nbns.node_status.names');
      if (st.unitId > 0) {
        push(facts, me, {
          field: 'netbios_unit_id',
          value: macToString(st.unitId),
          source: 'nbns.node_status.unit_id',
          precedence: 50,
        });
      }
      d.names = st.names.length;
    }
  }
  if (hdr.qr) ctx.emit(tx);
  for (const [ip, list] of facts) emitIdentity(s, ctx, ip, list);
}

function fail(s: NbnsState, ctx: DissectContext, code: string, detail: string): void {
  if (s.messages === 0) {
    s.violated = true;
    ctx.violation(`${code}: ${detail}`);
  } else ctx.anomaly(code, detail);
}

function newTx(
  ctx: DissectContext,
  fn: string,
  status: TransactionObservation['status'],
  name: NbName | null,
): TransactionObservation {
  const detail: Record<string, string | number | boolean> = { broadcast };
  if (name) {
    detail.name = `${name.name}${suffixTag(name.suffix)}`;
    detail.suffix = suffixName(name.suffix);
  }
  const tx = createTransaction(
    ctx.tsUs,
    ctx.flow.id,
    'nbns',
    fn === 'QUERY' || fn === 'NODE_STATUS' ? 'discovery' : 'other',
    fn,
    hdr.opcode,
    status,
  );
  tx.tid = hdr.id;
  tx.detail = detail;
  return tx;
}

function nameFacts(facts: Map<string, IdentityFact[]>, ip: string, n: NbName, group: boolean, source: string): void {
  if (!n.name || n.name.startsWith('\u0001') || n.name.startsWith('..')) return;
  const sfx = n.suffix;
  if (!group && (sfx === 0x00 || sfx === 0x20)) {
    push(facts, ip, { field: 'hostname', value: n.name, source, precedence: 50 });
  } else if ((group && sfx === 0x00) || sfx === 0x1b || sfx === 0x1c || sfx === 0x1d || sfx === 0x1e) {
    push(facts, ip, { field: 'netbios_domain', value: n.name, source, precedence: 50 });
  }
}

function push(facts: Map<string, IdentityFact[]>, ip: string, f: IdentityFact): void {
  let list = facts.get(ip);
  if (!list) {
    list = [];
    facts.set(ip, list);
  }
  if (!list.some((x) => x.field === f.field && x.value === f.value)) list.push(f);
}

function emitIdentity(s: NbnsState, ctx: DissectContext, ip: string, facts: IdentityFact[]): void {
  const fresh = facts.filter((f) => {
    const key = `${ip}|${f.field}|${f.value}`;
    if (s.seen.has(key)) return false;
    if (s.seen.size < MAX_SEEN) s.seen.add(key);
    return true;
  });
  if (fresh.length === 0) return;
  const about: IdentityObservation['about'] = ip === senderIp(ctx) ? (ctx.dir === 0 ? 'client' : 'server') : { ip };
  ctx.emit({ kind: 'asset.identity', ts: ctx.tsUs, flowId: ctx.flow.id, protocol: 'nbns', about, facts: fresh });
}
