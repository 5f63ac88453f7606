import { u16be as u16 } from '../../bytes/words.js';
import {
  createTransaction,
  type IdentityFact,
  type IdentityObservation,
  type TransactionObservation,
} from '../../observations/observation.js';
import { ip6ToString } from '../../util/net.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  HEADER_LEN,
  MAX_FACTS_PER_MESSAGE,
  MAX_RECORDS,
  opcodeName,
  rcodeName,
  TXT_IDENTITY,
  Type,
  typeName,
} from './dns.consts.js';
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
  reverseName,
  text,
  txtPairs,
} from './dns.parse.js';

/** Queries waiting for their answer per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 64;
/** Identity facts remembered per flow so a repeated answer is not repeated. */
const MAX_SEEN = 256;
/** Largest DNS message over TCP (2-byte length). */
const MAX_TCP_MESSAGE = 65535;

type Variant = 'dns' | 'mdns' | 'llmnr';

interface Pending {
  id: number;
  qtype: number;
  qname: string;
  tx: TransactionObservation;
}

export interface DnsState {
  readonly variant: Variant;
  readonly pending: Pending[];
  readonly seen: Set<string>;
  messages: number;
  violated: boolean;
}

const hdr: DnsHeader = newDnsHeader();
const nm: NameResult = newNameResult();
const rr: DnsRecord = newDnsRecord();
const v6 = new Uint8Array(16);

function makeDnsDissector(variant: Variant, transports: readonly ('tcp' | 'udp')[], port: number): Dissector<DnsState> {
  return {
    name: variant,
    transports,
    defaultPorts: [port],
    newState(_flow: FlowInfo): DnsState {
      return { variant, pending: [], seen: new Set(), messages: 0, violated: false };
    },
    parse(s, buf, off, len, ctx) {
      if (s.violated) return len;
      if (ctx.flow.transport === 'udp') {
        onMessage(s, buf, off, len, ctx);
        return len;
      }
      // TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by its length (u16).
      let p = off;
      const end = off + len;
      while (end - p >= 2) {
        const n = u16(buf, p);
        if (n < HEADER_LEN || n > MAX_TCP_MESSAGE) {
          s.violated = true;
          ctx.violation(`dns-bad-tcp-length: ${n}`);
          return len;
        }
        if (end - p - 2 < n) break;
        onMessage(s, buf, p + 2, n, ctx);
        if (s.violated) return len;
        p += 2 + n;
      }
      return p - off;
    },
    onEnd(s, ctx) {
      for (const p of s.pending) ctx.emit(p.tx);
      s.pending.length = 0;
    },
  };
}

/**
 * DNS (UDP/TCP 53, RFC 1035), mDNS (UDP 5353, RFC 6762) and LLMNR (UDP 5355, RFC 4795): one
 * parser. Queries and responses are paired by (id, first question) in a flow: one `transaction`
 * per pair, op 'discovery', fn = the question's type name (Zeek's spelling: A, AAAA, PTR, '*'),
 * a non-zero rcode = 'exception' named by the rcode (NXDOMAIN...). Multicast queries and
 * announcements (mDNS) have no pair in their flow: 'no-response' / 'unsolicited'.
 *
 * Identity (precedence 50): A/AAAA answers name the answered address ('hostname' about
 * {ip}); PTR answers for in-addr.arpa / ip6.arpa name the reversed address. In mDNS/LLMNR the
 * responder names itself (about the sender when the address is its own), and mDNS TXT records
 * (model=, md=, manufacturer=, usb_MFG=...) and HINFO give model/vendor/os guesses
 * (precedence 30), PTR answers the services it offers ('mdns_service').
 */
export const dnsDissector: Dissector<DnsState> = makeDnsDissector('dns', ['udp', 'tcp'], 53);
export const mdnsDissector: Dissector<DnsState> = makeDnsDissector('mdns', ['udp'], 5353);
export const llmnrDissector: Dissector<DnsState> = makeDnsDissector('llmnr', ['udp'], 5355);

function senderIp(ctx: DissectContext): string {
  return ctx.dir === 0 ? ctx.flow.clientIp : ctx.flow.serverIp;
}

function onMessage(s: DnsState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const end = off + len;
  const herr = parseHeader(buf, off, len, hdr);
  if (herr !== null) {
    if (s.messages === 0) {
      s.violated = true;
      ctx.violation(`${herr}: ${len} bytes`);
    } else ctx.anomaly(herr, `${len} bytes`);
    return;
  }
  // The first question names the transaction.
  let pos = off + HEADER_LEN;
  let qname = '';
  let qtype = 0;
  let err: string | null = null;
  const questions = Math.min(hdr.qd, MAX_RECORDS);
  for (let i = 0; i < questions; i++) {
    if (readName(buf, off, end, pos, i === 0, nm) !== null) {
      err = nm.err;
      break;
    }
    if (nm.end + 4 > end) {
      err = 'dns-record-truncated';
      break;
    }
    if (i === 0) {
      qname = nm.name;
      qtype = u16(buf, nm.end);
    }
    pos = nm.end + 4;
  }
  if (err === null && hdr.qd === 0 && hdr.qr && hdr.an > 0) {
    // mDNS announcements have no question: the first answer names the transaction.
    if (readName(buf, off, end, pos, true, nm) === null && nm.end + 2 <= end) {
      qname = nm.name;
      qtype = u16(buf, nm.end);
    }
  }
  if (err !== null && s.messages === 0 && hdr.qd > 0 && qname === '') {
    // Not even a first question: this flow is not DNS.
    s.violated = true;
    ctx.violation(`${err}: id ${hdr.id}, ${len} bytes`);
    return;
  }
  s.messages++;
  if (hdr.qd > MAX_RECORDS) ctx.anomaly('dns-too-many-records', `qdcount ${hdr.qd}`);

  let tx: TransactionObservation | undefined;
  if (!hdr.qr) {
    tx = newTx(ctx, s.variant, qname, qtype, 'no-response');
    const i = s.pending.findIndex((p) => p.id === hdr.id && p.qtype === qtype && p.qname === qname);
    if (i >= 0) ctx.emit((s.pending.splice(i, 1)[0] as Pending).tx);
    s.pending.push({ id: hdr.id, qtype, qname, tx });
    if (s.pending.length > MAX_PENDING) ctx.emit((s.pending.shift() as Pending).tx);
  } else {
    const lname = qname.toLowerCase();
    const i = s.pending.findIndex((p) => p.id === hdr.id && p.qtype === qtype && p.qname.toLowerCase() === lname);
    if (i >= 0) {
      tx = (s.pending.splice(i, 1)[0] as Pending).tx;
      tx.status = 'ok';
      tx.rttUs = ctx.tsUs - tx.ts;
    } else {
      tx = newTx(ctx, s.variant, qname, qtype, 'unsolicited');
    }
    const d = tx.detail as Record<string, string | number | boolean>;
    d.rcode = hdr.rcode;
    d.rcodeName = rcodeName(hdr.rcode);
    d.AA = hdr.aa;
    d.TC = hdr.tc;
    d.RA = hdr.ra;
    d.answers = hdr.an;
    if (hdr.rcode !== 0) {
      if (tx.status === 'ok') tx.status = 'exception';
      tx.exception = rcodeName(hdr.rcode);
    }
  }
  const facts = err === null && hdr.qr ? records(s, buf, off, end, pos, ctx) : null;
  if (err !== null) ctx.anomaly(err, `id ${hdr.id} ${typeName(qtype)} ${qname}`);
  if (hdr.qr) ctx.emit(tx);
  if (facts) flushFacts(s, facts, ctx);
}

function newTx(
  ctx: DissectContext,
  protocol: Variant,
  qname: string,
  qtype: number,
  status: TransactionObservation['status'],
): TransactionObservation {
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, protocol, 'discovery', typeName(qtype), qtype, status);
  tx.tid = hdr.id;
  tx.detail = { query: qname, opcode: opcodeName(hdr.opcode), RD: hdr.rd, questions: hdr.qd };
  return tx;
}

/** Identity facts found in one response, grouped by whom they describe. */
type Facts = Map<string, { about: IdentityObservation['about']; facts: IdentityFact[] }>;

/** Walks answers, authority and additional records of a response; collects identity facts. */
function records(
  s: DnsState,
  buf: Uint8Array,
  msgOff: number,
  end: number,
  pos: number,
  ctx: DissectContext,
): Facts | null {
  const total = hdr.an + hdr.ns + hdr.ar;
  if (total > MAX_RECORDS) ctx.anomaly('dns-too-many-records', `${total} records`);
  const n = Math.min(total, MAX_RECORDS);
  const sender = senderIp(ctx);
  const multicast = s.variant !== 'dns';
  const proto = s.variant;
  let facts: Facts | null = null;
  let count = 0;
  const add = (aboutIp: string, f: IdentityFact) => {
    if (count >= MAX_FACTS_PER_MESSAGE) return;
    const key = `${aboutIp}|${f.field}|${f.value}`;
    if (s.seen.has(key)) return;
    if (s.seen.size < MAX_SEEN) s.seen.add(key);
    count++;
    facts ??= new Map();
    let g = facts.get(aboutIp);
    if (!g) {
      const about: IdentityObservation['about'] =
        aboutIp === sender ? (ctx.dir === 0 ? 'client' : 'server') : { ip: aboutIp };
      g = { about, facts: [] };
      facts.set(aboutIp, g);
    }
    g.facts.push(f);
  };
  for (let i = 0; i < n; i++) {
    // Owner names are only needed for the record types we read.
    if (readName(buf, msgOff, end, pos, false, nm) !== null) {
      ctx.anomaly(nm.err as string, `record ${i + 1} of ${total}`);
      return facts;
    }
    const ownerAt = pos;
    const e = readRecord(buf, end, nm.end, rr);
    if (e !== null) {
      ctx.anomaly(e, `record ${i + 1} of ${total}`);
      return facts;
    }
    pos = rr.end;
    const type = rr.type;
    if (
      type !== Type.A &&
      type !== Type.AAAA &&
      type !== Type.PTR &&
      !(multicast && (type === Type.TXT || type === Type.HINFO))
    ) {
      continue;
    }
    if (readName(buf, msgOff, end, ownerAt, true, nm) !== null) continue;
    const owner = nm.name;
    const src = `${proto}.answer.${typeName(type)}`;
    if (type === Type.A && rr.rdLen === 4) {
      const ip = `${buf[rr.rdOff]}.${buf[rr.rdOff + 1]}.${buf[rr.rdOff + 2]}.${buf[rr.rdOff + 3]}`;
      if (owner) add(ip, { field: 'hostname', value: owner, source: src, precedence: 50 });
    } else if (type === Type.AAAA && rr.rdLen === 16) {
      const ip = ip6ToString(buf, rr.rdOff);
      if (owner) add(ip, { field: 'hostname', value: owner, source: src, precedence: 50 });
    } else if (type === Type.PTR) {
      const rev = reverseName(owner, v6);
      if (readName(buf, msgOff, end, rr.rdOff, true, nm) !== null || !nm.name) continue;
      const target = nm.name;
      if (rev) {
        const ip = rev === 'v6' ? ip6ToString(v6, 0) : rev;
        add(ip, { field: 'hostname', value: target, source: src, precedence: 50 });
      } else if (multicast && owner.startsWith('_') && !owner.includes('_dns-sd.') && !owner.includes('._mdns.')) {
        // `_ipp._tcp.local` -> `Office Printer._ipp._tcp.local`: the sender offers that service.
        add(sender, { field: 'mdns_service', value: owner, source: src, precedence: 50 });
      }
    } else if (type === Type.TXT) {
      txtPairs(buf, rr.rdOff, rr.rdLen, (k, v) => {
        const field = TXT_IDENTITY[k];
        if (field && v) add(sender, { field, value: v, source: `${proto}.txt.${k}`, precedence: 30 });
      });
    } else if (type === Type.HINFO && rr.rdLen >= 2) {
      const cl = buf[rr.rdOff] as number;
      if (1 + cl >= rr.rdLen) continue;
      const cpu = text(buf, rr.rdOff + 1, cl);
      const ol = buf[rr.rdOff + 1 + cl] as number;
      const os = text(buf, rr.rdOff + 2 + cl, Math.min(ol, rr.rdLen - 2 - cl));
      if (cpu) add(sender, { field: 'hardware', value: cpu, source: `${proto}.hinfo.cpu`, precedence: 30 });
      if (os) add(sender, { field: 'os', value: os, source: `${proto}.hinfo.os`, precedence: 30 });
    }
  }
  return facts;
}

function flushFacts(s: DnsState, facts: Facts, ctx: DissectContext): void {
  for (const g of facts.values()) {
    ctx.emit({
      kind: 'asset.identity',
      ts: ctx.tsUs,
      flowId: ctx.flow.id,
      protocol: s.variant,
      about: g.about,
      facts: g.facts,
    });
  }
}
