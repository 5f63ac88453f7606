import { createTransaction, type IdentityFact, type TransactionObservation } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { controlOpName, MON_GETLIST, MON_GETLIST_1, Mode, modeName, privateReqName } from './ntp.consts.js';
import { type NtpPacket, newNtpPacket, parseNtp, plausibleNtp, refIdString } from './ntp.parse.js';

/** Requests waiting for their answer per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 16;
/** Seconds between the NTP era 0 epoch (1900) and the Unix epoch. */
const NTP_UNIX_OFFSET = 2_208_988_800;

interface Pending {
  /** Pairing key: client transmit timestamp (modes 1/3), or mode|code|sequence (modes 6/7). */
  k1: number;
  k2: number;
  tx: TransactionObservation;
}

/** Per-flow state: requests waiting for their answer, the server facts last emitted. */
export interface NtpState {
  readonly pending: Pending[];
  /** `stratum|reference` of the last server identity emitted per direction ('' none yet). */
  readonly lastServer: [string, string];
  /** Last answered mode 6 sequence: later fragments of the same answer are not new transactions. */
  lastControlSeq: number;
  packets: number;
  violated: boolean;
}

const pkt: NtpPacket = newNtpPacket();

/**
 * NTP (UDP 123, RFC 5905). Client/server (modes 3/4) and symmetric (1/2) packets become
 * transactions paired by timestamp (the answer's origin timestamp is the request's transmit
 * timestamp, RFC 5905 §8), op 'other'; a Kiss-o'-Death answer (stratum 0) is an 'exception'
 * named by its code; broadcast (5) packets stand alone. Control (6) and private (7) messages
 * are 'diagnostic' transactions paired by sequence; a monlist request (private 20/42, the
 * amplification vector of CVE-2013-5211) is also an anomaly. A server's answer tells its
 * stratum and reference source: identity facts about the sender.
 */
export const ntpDissector: Dissector<NtpState> = {
  name: 'ntp',
  transports: ['udp'],
  defaultPorts: [123],

  newState(_flow: FlowInfo): NtpState {
    return { pending: [], lastServer: ['', ''], lastControlSeq: -1, packets: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    if (s.packets === 0 && !plausibleNtp(buf, off, len)) {
      s.violated = true;
      ctx.violation(`ntp-not-ntp: ${len} bytes, first byte ${buf[off] ?? -1}`);
      return len;
    }
    s.packets++;
    const err = parseNtp(buf, off, len, pkt);
    if (err !== null) {
      ctx.anomaly(err, `mode ${pkt.mode} version ${pkt.version}, ${len} bytes`);
      if (err !== 'ntp-bad-extension') return len;
    }
    if (pkt.mode === Mode.CONTROL) onControl(s, ctx);
    else if (pkt.mode === Mode.PRIVATE) onPrivate(s, ctx);
    else onTime(s, buf, ctx);
    return len;
  },

  onEnd(s, ctx) {
    for (const p of s.pending) ctx.emit(p.tx);
    s.pending.length = 0;
  },
};

function newTx(
  ctx: DissectContext,
  op: TransactionObservation['op'],
  fn: string,
  fnCode: number,
  status: TransactionObservation['status'],
  detail: Record<string, string | number | boolean>,
): TransactionObservation {
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'ntp', op, fn, fnCode, status);
  tx.detail = detail;
  return tx;
}

/** `mode` -> `respMode` for the answer's fields. */
function key(prefix: string, name: string): string {
  return prefix ? `${prefix}${name.charAt(0).toUpperCase()}${name.slice(1)}` : name;
}

function unixTime(sec: number, frac = 0): number {
  if (sec === 0 && frac === 0) return 0;
  return Math.round((sec - NTP_UNIX_OFFSET + frac / 4294967296) * 1e6) / 1e6;
}

function take(s: NtpState, k1: number, k2: number): TransactionObservation | undefined {
  const i = s.pending.findIndex((p) => p.k1 === k1 && p.k2 === k2);
  if (i < 0) return undefined;
  return (s.pending.splice(i, 1)[0] as Pending).tx;
}

function hold(s: NtpState, k1: number, k2: number, tx: TransactionObservation, ctx: DissectContext): void {
  const old = take(s, k1, k2);
  if (old) ctx.emit(old);
  s.pending.push({ k1, k2, tx });
  if (s.pending.length > MAX_PENDING) ctx.emit((s.pending.shift() as Pending).tx);
}

/** Fields of a mode 1-5 packet, as Zeek's ntp.log names them (prefix 'resp' for the answer). */
function timeFields(d: Record<string, string | number | boolean>, buf: Uint8Array, prefix: string): string {
  const ref = refIdString(buf, pkt.refIdOff, pkt.stratum);
  const k = (name: string) => key(prefix, name);
  d[k('version')] = pkt.version;
  d[k('mode')] = pkt.mode;
  d[k('stratum')] = pkt.stratum;
  d[k('poll')] = pkt.poll;
  d[k('precision')] = pkt.precision;
  d[k('refId')] = ref;
  d[k('refTime')] = unixTime(pkt.refTsSec);
  d[k('xmtTime')] = unixTime(pkt.xmtTsSec, pkt.xmtTsFrac);
  d[k('numExts')] = pkt.numExts;
  return ref;
}

function onTime(s: NtpState, buf: Uint8Array, ctx: DissectContext): void {
  const mode = pkt.mode;
  const isRequest = mode === Mode.CLIENT || mode === Mode.SYMMETRIC_ACTIVE;
  const isAnswer = mode === Mode.SERVER || mode === Mode.SYMMETRIC_PASSIVE;
  if (isRequest) {
    const d: Record<string, string | number | boolean> = {};
    timeFields(d, buf, '');
    const tx = newTx(ctx, 'other', modeName(mode), mode, 'no-response', d);
    hold(s, pkt.xmtTsSec, pkt.xmtTsFrac, tx, ctx);
    return;
  }
  let tx = isAnswer ? take(s, pkt.orgTsSec, pkt.orgTsFrac) : undefined;
  let ref: string;
  if (tx) {
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
    ref = timeFields(tx.detail as Record<string, string | number | boolean>, buf, 'resp');
  } else {
    const d: Record<string, string | number | boolean> = {};
    ref = timeFields(d, buf, '');
    tx = newTx(ctx, 'other', modeName(mode), mode, isAnswer ? 'unsolicited' : 'ok', d);
  }
  if (pkt.stratum === 0 && isAnswer) {
    // Kiss-o'-Death (RFC 5905 §7.4): the reference id is the code (RATE, DENY, RSTR...).
    if (tx.status === 'ok') tx.status = 'exception';
    tx.exception = ref || 'KISS';
  }
  ctx.emit(tx);
  if (mode !== Mode.SERVER && mode !== Mode.BROADCAST) return;
  if (pkt.stratum === 0 || pkt.stratum > 15) return;
  const key = `${pkt.stratum}|${ref}`;
  if (s.lastServer[ctx.dir] === key) return;
  s.lastServer[ctx.dir] = key;
  const src = `ntp.${modeName(mode).toLowerCase()}`;
  const facts: IdentityFact[] = [
    { field: 'role', value: 'ntp_server', source: `${src}.mode` },
    { field: 'ntp_stratum', value: String(pkt.stratum), source: `${src}.stratum` },
  ];
  if (ref) facts.push({ field: 'ntp_reference', value: ref, source: `${src}.reference_id` });
  ctx.emit({
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'ntp',
    about: ctx.dir === 0 ? 'client' : 'server',
    facts,
  });
}

function controlDetail(d: Record<string, string | number | boolean>, prefix: string): void {
  d[key(prefix, 'mode')] = pkt.mode;
  d[key(prefix, 'version')] = pkt.version;
  d[key(prefix, 'sequence')] = pkt.sequence;
  d[key(prefix, 'status')] = pkt.status;
  d[key(prefix, 'associationId')] = pkt.associationId;
  d[key(prefix, 'response')] = pkt.response;
  d[key(prefix, 'error')] = pkt.error;
  d[key(prefix, 'more')] = pkt.more;
  d[key(prefix, 'opcode')] = pkt.opcode;
}

/** Mode 6 (RFC 9327): requests pending by opcode and sequence; fragments of one answer count once. */
function onControl(s: NtpState, ctx: DissectContext): void {
  const name = controlOpName(pkt.opcode);
  if (!pkt.response) {
    const d: Record<string, string | number | boolean> = {};
    controlDetail(d, '');
    hold(s, 6 * 256 + pkt.opcode, pkt.sequence, newTx(ctx, 'diagnostic', name, pkt.opcode, 'no-response', d), ctx);
    return;
  }
  let tx = take(s, 6 * 256 + pkt.opcode, pkt.sequence);
  if (tx) {
    tx.status = pkt.error ? 'exception' : 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
    controlDetail(tx.detail as Record<string, string | number | boolean>, 'resp');
    s.lastControlSeq = pkt.sequence;
  } else {
    if (pkt.sequence === s.lastControlSeq) return;
    const d: Record<string, string | number | boolean> = {};
    controlDetail(d, '');
    tx = newTx(ctx, 'diagnostic', name, pkt.opcode, 'unsolicited', d);
  }
  if (pkt.error) tx.exception = `ERROR_${pkt.status >> 8}`;
  ctx.emit(tx);
}

function privateDetail(d: Record<string, string | number | boolean>, prefix: string): void {
  d[key(prefix, 'mode')] = pkt.mode;
  d[key(prefix, 'version')] = pkt.version;
  d[key(prefix, 'reqCode')] = pkt.reqCode;
  d[key(prefix, 'sequence')] = pkt.sequence;
  d[key(prefix, 'implementation')] = pkt.implementation;
  d[key(prefix, 'response')] = pkt.response;
  d[key(prefix, 'err')] = pkt.errCode;
  d[key(prefix, 'items')] = pkt.nItems;
}

/** Mode 7 (ntpd private): paired by request code and sequence. */
function onPrivate(s: NtpState, ctx: DissectContext): void {
  const name = privateReqName(pkt.reqCode);
  if (!pkt.response) {
    if (pkt.reqCode === MON_GETLIST || pkt.reqCode === MON_GETLIST_1) {
      ctx.anomaly('ntp-monlist-request', `${name} (implementation ${pkt.implementation}): an amplification probe`);
    }
    const d: Record<string, string | number | boolean> = {};
    privateDetail(d, '');
    hold(s, 7 * 256 + pkt.reqCode, pkt.sequence, newTx(ctx, 'diagnostic', name, pkt.reqCode, 'no-response', d), ctx);
    return;
  }
  let tx = take(s, 7 * 256 + pkt.reqCode, pkt.sequence);
  if (tx) {
    tx.status = pkt.errCode !== 0 ? 'exception' : 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
    privateDetail(tx.detail as Record<string, string | number | boolean>, 'resp');
  } else {
    const d: Record<string, string | number | boolean> = {};
    privateDetail(d, '');
    tx = newTx(ctx, 'diagnostic', name, pkt.reqCode, 'unsolicited', d);
  }
  if (pkt.errCode !== 0) tx.exception = `ERROR_${pkt.errCode}`;
  ctx.emit(tx);
}
