import { latin1 } from '../../bytes/reader.js';
import {
  type CredentialObservation,
  createTransaction,
  type Direction,
  type IdentityFact,
  type IdentityObservation,
  type Op,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { badHeader, type Framer, FrameSync, goodFrame, resume } from '../framing.js';
import {
  areaName,
  blockTypeName,
  Cotp,
  cotpPduName,
  cpuModeName,
  cpuModeShort,
  errorClassName,
  errorName,
  Fn,
  filesystemName,
  Group,
  groupName,
  isKnownJobFunction,
  jobFunctionName,
  jobFunctionOp,
  PLUS_VERSION_KEEPALIVE,
  PlusOpcode,
  piServiceOp,
  plusFunctionName,
  plusFunctionOp,
  Rosctr,
  returnCodeName,
  S7_PROTOCOL_ID,
  S7PLUS_PROTOCOL_ID,
  subfunctionName,
  szlName,
  szlOp,
  transportSizeName,
  userdataOp,
} from './s7comm.consts.js';
import {
  type CotpPdu,
  decodePassword,
  frameLength,
  looksLikeTls,
  newCotpPdu,
  newItemResults,
  newPlusPdu,
  newS7Header,
  newS7Job,
  newS7Userdata,
  parseBlockFile,
  parseCotp,
  parseCotpParams,
  parseItemResults,
  parseJob,
  parsePlus,
  parseS7Header,
  parseSzl001c,
  parseSzl0011,
  parseSzl0131,
  parseSzl0424,
  parseSzlHeader,
  parseUserdata,
  plausibleTpkt,
  scanPlusStrings,
  tpktLength,
  tsapRackSlot,
  tsapText,
} from './s7comm.parse.js';

/** Requests waiting for their answer per flow (both protocols together); beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 64;
/** Bad TPKT headers in a row on a confirmed flow before we give up on it. */
export const MAX_BAD_FRAMES = 4;
/** Bytes skipped looking for a TPKT boundary before we give up on the flow. */
export const MAX_RESYNC_BYTES = 4096;
/** Largest TSDU reassembled from COTP DT fragments (an S7 PDU is at most 960 bytes; S7comm-plus frames are larger). */
export const MAX_TSDU = 65_536;
/** Largest SZL answer reassembled from userdata fragments. */
export const MAX_SZL = 16_384;
/** Distinct identity answers remembered per flow (the same SZL read repeated emits once). */
const MAX_IDENTITY_KEYS = 16;

/** Which protocol the flow's COTP payloads carry. */
enum Kind {
  NONE = 0,
  S7 = 1,
  PLUS = 2,
  TLS = 3,
}

/** What a userdata request needs at its answer besides its transaction (null for other requests). */
interface PendingExtra {
  /** Security / PLC password: fingerprint of the de-obfuscated password, emitted with the answer. */
  fingerprint: string | null;
  /** Read SZL follow-up request (the answer continues an earlier answer). */
  continuation: boolean;
  /** A PLC password request: a credential is emitted with its answer (or at the end). */
  password: boolean;
}

/**
 * Requests waiting for their answer, oldest first, as parallel arrays (key, transaction,
 * extra): no object per request. A flow rarely has more than one or two outstanding.
 */
interface PendingList {
  readonly keys: number[];
  readonly txs: TransactionObservation[];
  readonly extras: (PendingExtra | null)[];
}

/** SZL answer split over several userdata PDUs, by data unit reference. */
interface SzlAccumulator {
  dataUnitRef: number;
  id: number;
  index: number;
  recLen: number;
  count: number;
  buf: Uint8Array;
  len: number;
  tx: TransactionObservation;
}

interface Reassembly {
  buf: Uint8Array | null;
  len: number;
  overflow: boolean;
}

/** Per-flow state. */
export interface S7State {
  /** Frame boundaries: resync after gaps, bad headers, giving up (src/dissectors/framing.ts). */
  readonly sync: FrameSync;
  readonly pending: PendingList;
  readonly rx: [Reassembly, Reassembly];
  /** S7comm-plus: the next fragment in this direction continues a frame. */
  readonly plusCont: [boolean, boolean];
  szl: SzlAccumulator | null;
  /** COTP connection request waiting for the first data to know which protocol it carries. */
  conn: TransactionObservation | null;
  connFacts: IdentityFact[] | null;
  kind: Kind;
  identityKeys: Set<string> | null;
}

const cotp: CotpPdu = newCotpPdu();
const hdr = newS7Header();
const job = newS7Job();
const ud = newS7Userdata();
const items = newItemResults();
const plus = newPlusPdu();

/**
 * S7comm and S7comm-plus on ISO-on-TCP (port 102): TPKT (RFC 1006) frames carrying COTP
 * (ISO 8073 class 0) PDUs; DT fragments are reassembled into TSDUs whose first byte says
 * S7comm (0x32) or S7comm-plus (0x72). Jobs are paired with their ACK/ACK-Data and userdata
 * requests with their responses by PDU reference; S7comm-plus requests with responses by
 * sequence number. Emits `transaction`s (protocol 's7comm' or 's7comm-plus'), `asset.identity`
 * from SZL 0x0011/0x001C/0x0424 answers, COTP TSAPs and S7comm-plus session strings, a
 * `credential` for PLC passwords (fingerprint only), and named anomalies.
 */
export const s7commDissector: Dissector<S7State> = {
  name: 's7comm',
  transports: ['tcp'],
  defaultPorts: [102],

  newState(_flow: FlowInfo): S7State {
    return {
      sync: new FrameSync(),
      pending: { keys: [], txs: [], extras: [] },
      rx: [
        { buf: null, len: 0, overflow: false },
        { buf: null, len: 0, overflow: false },
      ],
      plusCont: [false, false],
      szl: null,
      conn: null,
      connFacts: null,
      kind: Kind.NONE,
      identityKeys: null,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.sync.violated) return len;
    const dir = ctx.dir;
    const end = off + len;
    let pos = resume(FRAMER, s.sync, buf, off, end, dir, ctx);
    if (s.sync.violated) return len;
    if (s.sync.resync[dir]) return pos - off;
    while (end - pos >= 4) {
      const n = frameLength(buf, pos, end - pos);
      if (n < 0) {
        const tl = tpktLength(buf, pos, end - pos);
        const what = `bytes ${buf[pos]?.toString(16)} ${buf[pos + 1]?.toString(16)}, length ${tl}`;
        pos = badHeader(FRAMER, s.sync, 's7comm-tpkt-bad-header', what, buf, pos, end, dir, ctx);
        if (s.sync.violated) return len;
        if (s.sync.resync[dir]) break;
        continue;
      }
      if (end - pos < n) break;
      const err = parseCotp(buf, pos, n, cotp);
      goodFrame(s.sync);
      if (err !== null) ctx.anomaly(err, `TPKT length ${n}, COTP LI ${cotp.li}, dir ${dir}`);
      else onCotp(s, buf, ctx);
      if (s.sync.violated) return len;
      pos += n;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.sync.resync[dir] = true;
    s.plusCont[dir] = false;
    const r = s.rx[dir];
    r.len = 0;
    r.overflow = false;
  },

  onEnd(s, ctx) {
    if (s.conn !== null && !s.sync.violated) flushConn(s, ctx);
    if (s.szl !== null) {
      const a = s.szl;
      s.szl = null;
      onSzlRecords(s, a.id, a.index, a.buf, 0, a.len, a.recLen, a.count, a.tx, ctx);
    }
    const l = s.pending;
    for (let i = 0; i < l.keys.length; i++) {
      const tx = l.txs[i] as TransactionObservation;
      const e = l.extras[i];
      ctx.emit(tx);
      if (e?.password)
        emitPasswordCredential(tx, e.fingerprint, (l.keys[i] as number) & 0x10000 ? 'server' : 'client', ctx);
    }
    l.keys.length = 0;
    l.txs.length = 0;
    l.extras.length = 0;
  },
};

/** TPKT frames; a start is plausible when a TPKT header and a COTP PDU type make sense (6 bytes). */
const FRAMER: Framer = {
  protocol: 's7comm',
  start: 'TPKT boundary',
  keep: 5,
  maxBad: MAX_BAD_FRAMES,
  maxSkip: MAX_RESYNC_BYTES,
  find(buf, from, end) {
    for (let i = from; i + 6 <= end; i++) if (plausibleTpkt(buf, i, end - i)) return i;
    return -1;
  },
};

/** A transaction with every optional field present from the start (one hidden class). */
function newTx(
  ctx: DissectContext,
  protocol: string,
  op: Op,
  fn: string,
  fnCode: number,
  status: TransactionObservation['status'],
  tid: number | undefined,
): TransactionObservation {
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, protocol, op, fn, fnCode, status);
  tx.tid = tid;
  return tx;
}

function detailOf(tx: TransactionObservation): Record<string, string | number | boolean> {
  tx.detail ??= {};
  return tx.detail;
}

/** `0x00`..`0xff`, from a table: error codes are printed for every answer. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => `0x${i.toString(16).padStart(2, '0')}`);
const hex2 = (n: number): string => (n >= 0 && n < 256 ? (HEX2[n] as string) : `0x${n.toString(16).padStart(2, '0')}`);
const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

// ---- pending requests -------------------------------------------------------------------

/** Reference spaces: jobs and userdata count PDU references separately (WinCC does), S7comm-plus uses sequence numbers. */
enum Space {
  JOB = 0,
  USERDATA = 0x20000,
  PLUS = 0x40000,
}

/** Key of a request: its reference space, the direction it was sent in, and its reference. */
function pendingKey(ref: number, space: Space, dir: number): number {
  return space + dir * 0x10000 + ref;
}

function pendingIndex(l: PendingList, key: number): number {
  const keys = l.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
  return -1;
}

/** Removes entry `i`; the answer is usually to the newest request, and pop keeps the arrays' capacity. */
function removePending(l: PendingList, i: number): void {
  if (i === l.keys.length - 1) {
    l.keys.pop();
    l.txs.pop();
    l.extras.pop();
  } else {
    l.keys.splice(i, 1);
    l.txs.splice(i, 1);
    l.extras.splice(i, 1);
  }
}

function addPending(
  s: S7State,
  key: number,
  tx: TransactionObservation,
  extra: PendingExtra | null,
  ctx: DissectContext,
): void {
  const l = s.pending;
  const i = pendingIndex(l, key);
  if (i >= 0) {
    // Reference reused before the answer: the older request stays unanswered.
    ctx.emit(l.txs[i] as TransactionObservation);
    removePending(l, i);
  }
  l.keys.push(key);
  l.txs.push(tx);
  l.extras.push(extra);
  if (l.keys.length > MAX_PENDING) {
    l.keys.shift();
    l.extras.shift();
    ctx.emit(l.txs.shift() as TransactionObservation);
  }
}

/** The extra of the request `takePending` returned last (read it right after the call). */
let takenExtra: PendingExtra | null = null;

/** Removes and returns the request waiting under `key` (its extra in `takenExtra`). */
function takePending(s: S7State, key: number): TransactionObservation | undefined {
  const l = s.pending;
  const i = pendingIndex(l, key);
  if (i < 0) {
    takenExtra = null;
    return undefined;
  }
  const tx = l.txs[i] as TransactionObservation;
  takenExtra = l.extras[i] as PendingExtra | null;
  removePending(l, i);
  return tx;
}

function answer(tx: TransactionObservation, ctx: DissectContext): void {
  tx.status = 'ok';
  tx.rttUs = ctx.tsUs - tx.ts;
}

// ---- COTP -------------------------------------------------------------------------------

function onCotp(s: S7State, buf: Uint8Array, ctx: DissectContext): void {
  switch (cotp.type) {
    case Cotp.DT:
      onDt(s, buf, ctx);
      return;
    case Cotp.CR:
      onConnectionRequest(s, buf, ctx);
      return;
    case Cotp.CC: {
      const c = s.conn;
      if (c === null) return;
      answer(c, ctx);
      const prm = parseCotpParams(buf, cotp.paramOff, cotp.paramLen);
      if (prm.tpduSize > 0) detailOf(c).tpduSize = prm.tpduSize;
      if (s.kind !== Kind.NONE) flushConn(s, ctx);
      return;
    }
    case Cotp.DR: {
      const c = s.conn;
      if (c === null || c.status !== 'no-response') return;
      c.status = 'exception';
      c.rttUs = ctx.tsUs - c.ts;
      c.exception = `${cotpPduName(Cotp.DR)} reason ${cotp.classOrReason}`;
      return;
    }
    default:
      return;
  }
}

/** CR: calling/called TSAPs (rack and slot of classic S7; 'SIMATIC-ROOT-ES/HMI/OTH' for S7-1200/1500). */
function onConnectionRequest(s: S7State, buf: Uint8Array, ctx: DissectContext): void {
  const prm = parseCotpParams(buf, cotp.paramOff, cotp.paramLen);
  if (prm.error !== null) ctx.anomaly(prm.error, `CR parameters, ${cotp.paramLen} byte(s)`);
  if (s.conn !== null && s.kind !== Kind.NONE) flushConn(s, ctx);
  const tx = newTx(ctx, 's7comm', 'other', cotpPduName(Cotp.CR), Cotp.CR, 'no-response', cotp.srcRef);
  const d = detailOf(tx);
  if (prm.callingTsap) d.callingTsap = tsapText(prm.callingTsap);
  if (prm.calledTsap) {
    d.calledTsap = tsapText(prm.calledTsap);
    const rs = tsapRackSlot(prm.calledTsap);
    if (rs.rack >= 0) {
      d.connectionType = rs.connType;
      d.rack = rs.rack;
      d.slot = rs.slot;
    }
  }
  if (prm.tpduSize > 0) d.tpduSize = prm.tpduSize;
  s.conn = tx;
  const called = typeof d.calledTsap === 'string' ? d.calledTsap : '';
  s.connFacts = called.startsWith('SIMATIC-ROOT-')
    ? [{ field: 's7_client_type', value: called.slice('SIMATIC-ROOT-'.length), source: 's7comm.cotp.called_tsap' }]
    : null;
}

/** Emits the held COTP connection transaction once we know which protocol the flow carries. */
function flushConn(s: S7State, ctx: DissectContext): void {
  const c = s.conn;
  if (c === null) return;
  s.conn = null;
  c.protocol = s.kind === Kind.PLUS || s.kind === Kind.TLS ? 's7comm-plus' : 's7comm';
  ctx.emit(c);
  if (s.connFacts !== null) {
    emitIdentity(s, ctx, c.protocol, 'client', s.connFacts, c.ts);
    s.connFacts = null;
  }
}

function onDt(s: S7State, buf: Uint8Array, ctx: DissectContext): void {
  const r = s.rx[ctx.dir];
  const n = cotp.payloadLen;
  if (!cotp.eot || r.len > 0 || r.overflow) {
    if (n > 0 && !r.overflow) {
      if (r.len + n > MAX_TSDU) {
        r.overflow = true;
        ctx.anomaly('s7comm-cotp-reassembly-overflow', `TSDU over ${MAX_TSDU} bytes, dir ${ctx.dir}`);
      } else {
        if (r.buf === null || r.buf.length < r.len + n) {
          const nb = new Uint8Array(Math.min(MAX_TSDU, Math.max(1024, (r.len + n) * 2)));
          if (r.buf !== null) nb.set(r.buf.subarray(0, r.len));
          r.buf = nb;
        }
        r.buf.set(buf.subarray(cotp.payloadOff, cotp.payloadOff + n), r.len);
        r.len += n;
      }
    }
    if (!cotp.eot) return;
    const overflow = r.overflow;
    const total = r.len;
    r.len = 0;
    r.overflow = false;
    if (overflow || total === 0 || r.buf === null) return;
    onTsdu(s, r.buf, 0, total, ctx);
    return;
  }
  if (n > 0) onTsdu(s, buf, cotp.payloadOff, n, ctx);
}

function setKind(s: S7State, k: Kind, ctx: DissectContext): void {
  if (s.kind !== Kind.NONE) return;
  s.kind = k;
  flushConn(s, ctx);
}

/** One complete TSDU: S7comm, S7comm-plus, TLS (S7comm-plus with TLS), or not ours. */
function onTsdu(s: S7State, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const b0 = buf[off] as number;
  if (b0 === S7_PROTOCOL_ID) {
    setKind(s, Kind.S7, ctx);
    onS7(s, buf, off, len, ctx);
  } else if (b0 === S7PLUS_PROTOCOL_ID) {
    setKind(s, Kind.PLUS, ctx);
    onPlus(s, buf, off, len, ctx);
  } else if (looksLikeTls(buf, off, len)) {
    if (s.kind === Kind.TLS) return;
    const first = s.kind === Kind.NONE;
    setKind(s, Kind.TLS, ctx);
    if (!first) s.kind = Kind.TLS;
    // The S7comm-plus session continues inside TLS: name it once, it is not garbage.
    const tx = newTx(ctx, 's7comm-plus', 'other', 'TLS', 0, 'ok', 0);
    detailOf(tx).encrypted = true;
    ctx.emit(tx);
  } else if (s.kind === Kind.NONE) {
    // ISO-on-TCP also carries MMS (IEC 61850), ICCP...: not S7.
    s.sync.violated = true;
    s.conn = null;
    ctx.violation(`s7comm-not-s7: COTP payload starts with ${hex2(b0)}`);
  } else {
    ctx.anomaly('s7comm-unknown-protocol-id', `COTP payload starts with ${hex2(b0)}, ${len} byte(s), dir ${ctx.dir}`);
  }
}

// ---- S7comm -----------------------------------------------------------------------------

function onS7(s: S7State, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseS7Header(buf, off, len, hdr);
  if (err !== null) {
    ctx.anomaly(err, `ROSCTR ${hdr.rosctr}, PDU ref ${hdr.pduRef}, ${len} byte(s), dir ${ctx.dir}`);
    if (err !== 's7comm-length-mismatch') return;
  }
  switch (hdr.rosctr) {
    case Rosctr.JOB:
      onJob(s, buf, ctx);
      return;
    case Rosctr.ACK:
    case Rosctr.ACK_DATA:
      onAck(s, buf, ctx);
      return;
    default:
      onUserdata(s, buf, ctx);
  }
}

/**
 * Read/write var (most of the traffic): the detail with the keys of the job and of its answer
 * (setHeaderError) present from the start, undefined while absent: one shape, no properties
 * added on the answer. JSON drops undefined values and the keys are in the order they are
 * filled in, so the output is what adding them one by one gave (itemErrors/itemError, set only
 * when items fail, come last as before).
 */
function readWriteDetail(tx: TransactionObservation): void {
  if (job.itemCount >= 0) tx.quantity = job.itemCount;
  if (job.area >= 0) {
    tx.address = job.address;
    tx.detail = {
      rosctr: Rosctr.JOB,
      functionCode: job.fn,
      area: areaName(job.area),
      db: job.area === 0x84 ? job.db : undefined,
      transportSize: transportSizeName(job.transportSize),
      length: job.length,
      respRosctr: undefined,
      errorClass: undefined,
      errorCode: undefined,
    } as unknown as Record<string, string | number | boolean>;
    return;
  }
  const d = detailOf(tx);
  d.rosctr = Rosctr.JOB;
  d.functionCode = job.fn;
  if (job.syntaxId >= 0) d.syntaxId = job.syntaxId;
}

/** Fills a job transaction's op, detail, address and quantity from the parsed parameters. */
function describeJob(tx: TransactionObservation, buf: Uint8Array): void {
  if (job.fn === Fn.READ_VAR || job.fn === Fn.WRITE_VAR) {
    readWriteDetail(tx);
    return;
  }
  const d = detailOf(tx);
  d.rosctr = Rosctr.JOB;
  d.functionCode = job.fn;
  switch (job.fn) {
    case Fn.SETUP_COMMUNICATION:
      if (job.pduSize >= 0) {
        d.pduSize = job.pduSize;
        d.amqCalling = job.amqCalling;
        d.amqCalled = job.amqCalled;
      }
      return;
    case Fn.PLC_CONTROL:
    case Fn.PLC_STOP: {
      const pi = latin1(buf.subarray(job.piOff, job.piOff + job.piLen));
      d.piService = pi;
      tx.op = job.fn === Fn.PLC_STOP ? 'control' : piServiceOp(pi);
      if (job.blockLen > 0) d.piArgument = latin1(buf.subarray(job.blockOff, job.blockOff + job.blockLen), 64);
      return;
    }
    default:
      if (job.fn >= Fn.REQUEST_DOWNLOAD && job.fn <= Fn.END_UPLOAD) {
        if (job.status >= 0) {
          d.functionStatus = job.status;
          d.sessionId = job.sessionId;
        }
        if (job.fileLen > 0) {
          const f = parseBlockFile(buf, job.fileOff, job.fileLen);
          d.filename = f.name;
          if (f.blockType !== '') {
            d.blockType = blockTypeName(f.blockType);
            d.blockNumber = f.blockNumber;
            d.filesystem = filesystemName(f.filesystem);
          }
        }
      }
  }
}

function onJob(s: S7State, buf: Uint8Array, ctx: DissectContext): void {
  const err = parseJob(buf, hdr.paramOff, hdr.paramLen, job);
  if (err !== null) ctx.anomaly(err, `job ${jobFunctionName(job.fn)} PDU ref ${hdr.pduRef}`);
  if (job.fn >= 0 && !isKnownJobFunction(job.fn))
    ctx.anomaly('s7comm-unknown-function', `job function ${hex2(job.fn)}`);
  const fn = Math.max(job.fn, 0);
  const tx = newTx(ctx, 's7comm', jobFunctionOp(fn), jobFunctionName(fn), fn, 'no-response', hdr.pduRef);
  describeJob(tx, buf);
  addPending(s, pendingKey(hdr.pduRef, Space.JOB, ctx.dir), tx, null, ctx);
}

/** ICSNPP's error columns: class name and code in hex ('No error', '0x00'). */
function setHeaderError(tx: TransactionObservation): void {
  const d = detailOf(tx);
  d.respRosctr = hdr.rosctr;
  if (hdr.errorClass < 0) return;
  d.errorClass = errorClassName(hdr.errorClass);
  d.errorCode = hex2(hdr.errorCode);
  if (hdr.errorClass !== 0 || hdr.errorCode !== 0) {
    tx.status = 'exception';
    tx.exception = errorName((hdr.errorClass << 8) | hdr.errorCode);
  }
}

function onAck(s: S7State, buf: Uint8Array, ctx: DissectContext): void {
  const fnByte = hdr.paramLen >= 1 ? (buf[hdr.paramOff] as number) : -1;
  const key = pendingKey(hdr.pduRef, Space.JOB, ctx.dir ^ 1);
  let p = takePending(s, key);
  if (p !== undefined && (p.detail?.rosctr !== Rosctr.JOB || (fnByte >= 0 && p.fnCode !== fnByte))) {
    ctx.anomaly(
      's7comm-function-mismatch',
      `PDU ref ${hdr.pduRef}: request ${p.fn}, answer ${jobFunctionName(fnByte)}`,
    );
    addPending(s, key, p, takenExtra, ctx);
    p = undefined;
  }
  let tx: TransactionObservation;
  if (p === undefined) {
    const fn = Math.max(fnByte, 0);
    tx = newTx(ctx, 's7comm', jobFunctionOp(fn), jobFunctionName(fn), fn, 'unsolicited', hdr.pduRef);
    detailOf(tx).functionCode = fn;
  } else {
    tx = p;
    answer(tx, ctx);
  }
  setHeaderError(tx);
  if (hdr.rosctr === Rosctr.ACK_DATA && tx.status !== 'exception') onAckData(tx, buf, ctx);
  ctx.emit(tx);
}

/** ACK-Data results: item return codes, negotiated PDU size, upload block length. */
function onAckData(tx: TransactionObservation, buf: Uint8Array, ctx: DissectContext): void {
  const d = detailOf(tx);
  const p = hdr.paramOff;
  const n = hdr.paramLen;
  const fn = n >= 1 ? (buf[p] as number) : -1;
  if (fn === Fn.READ_VAR || fn === Fn.WRITE_VAR) {
    const count = n >= 2 ? (buf[p + 1] as number) : 0;
    const err = parseItemResults(buf, hdr.dataOff, hdr.dataLen, count, fn === Fn.WRITE_VAR, items);
    if (err !== null) ctx.anomaly(err, `${jobFunctionName(fn)} answer, PDU ref ${hdr.pduRef}`);
    if (items.failed > 0) {
      d.itemErrors = items.failed;
      d.itemError = returnCodeName(items.firstError);
      if (items.failed === items.count) {
        tx.status = 'exception';
        tx.exception = returnCodeName(items.firstError);
      }
    }
  } else if (fn === Fn.SETUP_COMMUNICATION && n >= 8) {
    d.pduSize = ((buf[p + 6] as number) << 8) | (buf[p + 7] as number);
  } else if (fn === Fn.START_UPLOAD && n >= 9) {
    const l = buf[p + 8] as number;
    const v = latin1(buf.subarray(p + 9, p + 9 + Math.min(l, n - 9)));
    if (/^\d+$/.test(v)) d.blockLength = Number(v);
  }
}

// ---- userdata ---------------------------------------------------------------------------

function onUserdata(s: S7State, buf: Uint8Array, ctx: DissectContext): void {
  const err = parseUserdata(buf, hdr.paramOff, hdr.paramLen, hdr.dataOff, hdr.dataLen, ud);
  if (err !== null) {
    ctx.anomaly(err, `userdata PDU ref ${hdr.pduRef}, dir ${ctx.dir}`);
    if (err === 's7comm-userdata-bad-head' || err === 's7comm-param-truncated') return;
  }
  const fnCode = (ud.group << 8) | ud.sub;
  const name = ud.group === Group.NC ? 'NC Programming' : subfunctionName(ud.group, ud.sub);
  if (ud.type === 0x4) {
    const tx = newTx(ctx, 's7comm', userdataOp(ud.group, ud.sub), name, fnCode, 'no-response', hdr.pduRef);
    const d = describeUserdata(tx);
    let extra: PendingExtra | null = null;
    if (ud.group === Group.CPU && ud.sub === 0x01) {
      if (ud.payloadLen >= 4) {
        const id = ((buf[ud.payloadOff] as number) << 8) | (buf[ud.payloadOff + 1] as number);
        const index = ((buf[ud.payloadOff + 2] as number) << 8) | (buf[ud.payloadOff + 3] as number);
        d.szlId = hex4(id);
        d.szlIndex = hex4(index);
        d.szlName = szlName(id);
        tx.op = szlOp(id);
      } else {
        d.continuation = true;
        extra = { fingerprint: null, continuation: true, password: false };
        tx.op = s.szl !== null ? (s.szl.tx.op as Op) : 'diagnostic';
      }
    } else if (ud.group === Group.SECURITY && ud.sub === 0x01 && ud.payloadLen > 0) {
      const pw = decodePassword(buf, ud.payloadOff, ud.payloadLen);
      d.passwordPresent = pw.length > 0;
      extra = { fingerprint: pw.length > 0 ? ctx.fingerprint(pw) : null, continuation: false, password: true };
      pw.fill(0);
    }
    addPending(s, pendingKey(hdr.pduRef, Space.USERDATA, ctx.dir), tx, extra, ctx);
    return;
  }
  if (ud.type === 0x8) {
    const key = pendingKey(hdr.pduRef, Space.USERDATA, ctx.dir ^ 1);
    let p = takePending(s, key);
    const extra = takenExtra;
    if (p !== undefined && (p.detail?.rosctr !== Rosctr.USERDATA || p.fnCode !== fnCode)) {
      ctx.anomaly('s7comm-function-mismatch', `PDU ref ${hdr.pduRef}: request ${p.fn}, answer ${name}`);
      addPending(s, key, p, extra, ctx);
      p = undefined;
    }
    let tx: TransactionObservation;
    if (p === undefined) {
      tx = newTx(ctx, 's7comm', userdataOp(ud.group, ud.sub), name, fnCode, 'unsolicited', hdr.pduRef);
      describeUserdata(tx);
    } else {
      tx = p;
      answer(tx, ctx);
    }
    const d = detailOf(tx);
    d.respRosctr = Rosctr.USERDATA;
    d.respFunctionCode = ud.typeGroup;
    if (ud.paramError >= 0) {
      d.errorClass = ud.paramError === 0 ? 'No error' : 'Parameter Error';
      d.errorCode = hex2(ud.paramError);
      if (ud.paramError !== 0) {
        tx.status = 'exception';
        tx.exception = errorName(ud.paramError);
      }
    }
    // A data part with return code 0x0A and no payload is how answers without data look
    // (Set Clock, Flash LED): named, not an error; only the parameter error code fails.
    if (ud.returnCode >= 0 && ud.returnCode !== 0xff) d.returnCode = returnCodeName(ud.returnCode);
    if (ud.group === Group.CPU && ud.sub === 0x01 && tx.status !== 'exception') {
      onSzlAnswer(s, buf, tx, p !== undefined && extra?.continuation === true, ctx);
    }
    if (p !== undefined && extra?.password) {
      emitPasswordCredential(tx, extra.fingerprint, ctx.dir === 1 ? 'client' : 'server', ctx);
    }
    ctx.emit(tx);
    return;
  }
  // Push (type 0): the PLC reports on its own (alarms, mode transitions, cyclic data).
  if (ud.type !== 0x0)
    ctx.anomaly('s7comm-userdata-bad-type', `type ${ud.type}, group ${ud.group}, PDU ref ${hdr.pduRef}`);
  const tx = newTx(ctx, 's7comm', 'other', name, fnCode, 'unsolicited', hdr.pduRef);
  const d = describeUserdata(tx);
  if (ud.group === Group.MODE_TRANSITION) d.cpuMode = name;
  ctx.emit(tx);
}

function describeUserdata(tx: TransactionObservation): Record<string, string | number | boolean> {
  const d = detailOf(tx);
  d.rosctr = Rosctr.USERDATA;
  d.functionCode = ud.typeGroup;
  d.subfunction = ud.sub;
  d.group = groupName(ud.group);
  if (ud.seq !== 0) d.sequence = ud.seq;
  return d;
}

/** Read SZL answers: single PDU, first fragment (more follows) or a continuation. */
function onSzlAnswer(
  s: S7State,
  buf: Uint8Array,
  tx: TransactionObservation,
  continuation: boolean,
  ctx: DissectContext,
): void {
  const acc = s.szl;
  if (
    acc !== null &&
    (continuation || (acc.dataUnitRef === ud.dataUnitRef && parseSzlHeader(buf, ud.payloadOff, ud.payloadLen) === null))
  ) {
    const n = Math.min(ud.payloadLen, acc.buf.length - acc.len);
    if (n < ud.payloadLen) ctx.anomaly('s7comm-szl-too-long', `SZL ${hex4(acc.id)} over ${MAX_SZL} bytes`);
    acc.buf.set(buf.subarray(ud.payloadOff, ud.payloadOff + n), acc.len);
    acc.len += n;
    if (!ud.lastUnit) return;
    s.szl = null;
    onSzlRecords(s, acc.id, acc.index, acc.buf, 0, acc.len, acc.recLen, acc.count, acc.tx, ctx);
    return;
  }
  const h = parseSzlHeader(buf, ud.payloadOff, ud.payloadLen);
  if (h === null) return;
  const d = detailOf(tx);
  d.szlId ??= hex4(h.id);
  d.szlIndex ??= hex4(h.index);
  d.szlName ??= szlName(h.id);
  const recOff = ud.payloadOff + 8;
  const recLen = ud.payloadLen - 8;
  if (ud.lastUnit) {
    onSzlRecords(s, h.id, h.index, buf, recOff, recLen, h.recLen, h.count, tx, ctx);
    return;
  }
  const a: SzlAccumulator = {
    dataUnitRef: ud.dataUnitRef,
    id: h.id,
    index: h.index,
    recLen: h.recLen,
    count: h.count,
    buf: new Uint8Array(MAX_SZL),
    len: Math.min(recLen, MAX_SZL),
    tx,
  };
  a.buf.set(buf.subarray(recOff, recOff + a.len));
  s.szl = a;
}

/** The records of a complete SZL answer -> identity facts and transaction details. */
function onSzlRecords(
  s: S7State,
  id: number,
  index: number,
  buf: Uint8Array,
  off: number,
  len: number,
  recLen: number,
  count: number,
  tx: TransactionObservation,
  ctx: DissectContext,
): void {
  const facts: IdentityFact[] = [];
  const src = `s7comm.szl.${hex4(id)}`;
  switch (id & 0xff) {
    case 0x11: {
      const m = parseSzl0011(buf, off, len, recLen, count);
      if (m.orderNumber !== '') {
        if (/^6[A-Z]{2}\d/.test(m.orderNumber))
          facts.push({ field: 'vendor', value: 'Siemens', source: `${src}.mlfb` });
        facts.push({ field: 'order_number', value: m.orderNumber, source: `${src}.mlfb` });
      }
      if (m.hardware !== '') facts.push({ field: 'hardware_revision', value: m.hardware, source: `${src}.ausbg` });
      if (m.firmware !== '') facts.push({ field: 'firmware', value: m.firmware, source: `${src}.firmware` });
      break;
    }
    case 0x1c: {
      const c = parseSzl001c(buf, off, len, recLen, count);
      for (const [i, v] of c) {
        const f = COMPONENT_FIELDS[i];
        if (f === undefined || v === '') continue;
        facts.push({ field: f[0], value: v, source: `${src}.${f[1]}` });
      }
      break;
    }
    case 0x24: {
      const m = parseSzl0424(buf, off, len, recLen);
      if (m === null) break;
      const d = detailOf(tx);
      d.cpuMode = cpuModeName(m.mode);
      d.previousCpuMode = cpuModeName(m.previous);
      facts.push({ field: 'cpu_mode', value: cpuModeShort(m.mode), source: `${src}.bzu_id` });
      break;
    }
    case 0x31: {
      if (index !== 1) break;
      const pdu = parseSzl0131(buf, off, len, recLen);
      if (pdu >= 0) detailOf(tx).maxPdu = pdu;
      break;
    }
    default:
      break;
  }
  if (facts.length > 0) emitIdentity(s, ctx, 's7comm', 'server', facts, tx.ts);
}

/** SZL 0x001C component index -> [identity field, source name]. */
const COMPONENT_FIELDS: Record<number, readonly [string, string]> = {
  1: ['device_name', 'plc_name'],
  2: ['module_name', 'module_name'],
  3: ['plant_id', 'plant_id'],
  4: ['copyright', 'copyright'],
  5: ['serial', 'serial'],
  7: ['model', 'module_type_name'],
  8: ['memory_card_serial', 'memory_card_serial'],
  9: ['vendor_id', 'manufacturer_id'],
  10: ['oem_id', 'oem_id'],
  11: ['location', 'location'],
};

function emitIdentity(
  s: S7State,
  ctx: DissectContext,
  protocol: string,
  about: 'client' | 'server',
  facts: IdentityFact[],
  ts: number,
): void {
  let key = about;
  for (const f of facts) key += `\u0000${f.field}=${f.value}`;
  s.identityKeys ??= new Set();
  if (s.identityKeys.has(key)) return;
  if (s.identityKeys.size < MAX_IDENTITY_KEYS) s.identityKeys.add(key);
  const obs: IdentityObservation = { kind: 'asset.identity', ts, flowId: ctx.flow.id, protocol, about, facts };
  ctx.emit(obs);
}

function emitPasswordCredential(
  tx: TransactionObservation,
  fp: string | null,
  by: 'client' | 'server',
  ctx: DissectContext,
): void {
  const cred: CredentialObservation = {
    kind: 'credential',
    ts: tx.ts,
    flowId: ctx.flow.id,
    protocol: 's7comm',
    mechanism: 'device-password',
    user: '',
    secretFingerprint: fp,
    // The obfuscation is a fixed, public XOR: anyone on the path can read the password.
    cleartext: true,
    outcome: tx.status === 'ok' ? 'success' : tx.status === 'exception' ? 'failure' : 'unknown',
    source: 's7comm.userdata.security.plc_password',
    by,
  };
  ctx.emit(cred);
}

// ---- S7comm-plus ------------------------------------------------------------------------

function onPlus(s: S7State, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const dir = ctx.dir;
  const first = !s.plusCont[dir];
  const err = parsePlus(buf, off, len, first, plus);
  if (err !== null) {
    s.plusCont[dir] = false;
    ctx.anomaly(err, `S7comm-plus version ${plus.version}, length ${plus.dataLen}, ${len} byte(s), dir ${dir}`);
    return;
  }
  s.plusCont[dir] = !plus.last;
  if (!first || plus.version === PLUS_VERSION_KEEPALIVE) return;
  if (plus.opcode === PlusOpcode.REQUEST) {
    const tx = newTx(
      ctx,
      's7comm-plus',
      plusFunctionOp(plus.fn),
      plusFunctionName(plus.fn),
      plus.fn,
      'no-response',
      plus.seq,
    );
    const d = describePlus(tx);
    d.sessionId = `0x${plus.sessionId.toString(16).padStart(8, '0')}`;
    plusStrings(s, buf, tx, ctx);
    addPending(s, pendingKey(plus.seq, Space.PLUS, dir), tx, null, ctx);
    return;
  }
  if (plus.opcode === PlusOpcode.RESPONSE || plus.opcode === PlusOpcode.RESPONSE2) {
    const key = pendingKey(plus.seq, Space.PLUS, dir ^ 1);
    let p = takePending(s, key);
    if (p !== undefined && p.fnCode !== plus.fn) {
      ctx.anomaly(
        's7comm-plus-function-mismatch',
        `sequence ${plus.seq}: request ${p.fn}, answer ${plusFunctionName(plus.fn)}`,
      );
      addPending(s, key, p, takenExtra, ctx);
      p = undefined;
    }
    let tx: TransactionObservation;
    if (p === undefined) {
      tx = newTx(
        ctx,
        's7comm-plus',
        plusFunctionOp(plus.fn),
        plusFunctionName(plus.fn),
        plus.fn,
        'unsolicited',
        plus.seq,
      );
      describePlus(tx);
    } else {
      tx = p;
      answer(tx, ctx);
    }
    detailOf(tx).respOpcode = plus.opcode;
    plusStrings(s, buf, tx, ctx);
    ctx.emit(tx);
    return;
  }
  if (plus.opcode === PlusOpcode.NOTIFICATION) {
    const tx = newTx(ctx, 's7comm-plus', 'other', 'Notification', 0, 'unsolicited', undefined);
    const d = describePlus(tx);
    d.subscription = `0x${plus.subscription.toString(16).padStart(8, '0')}`;
    ctx.emit(tx);
    return;
  }
  ctx.anomaly('s7comm-plus-unknown-opcode', `opcode ${hex2(plus.opcode)}, dir ${dir}`);
}

function describePlus(tx: TransactionObservation): Record<string, string | number | boolean> {
  const d = detailOf(tx);
  d.version = plus.version;
  d.opcode = plus.opcode;
  // V3 frames carry a 32-byte integrity digest: named, not decoded (the data itself is readable).
  if (plus.integrity) d.integrity = true;
  return d;
}

/** Session names and the server's order number/firmware, readable in CreateObject and session setup. */
function plusStrings(s: S7State, buf: Uint8Array, tx: TransactionObservation, ctx: DissectContext): void {
  if (plus.fn !== 0x04ca && plus.fn !== 0x0542) return;
  const r = scanPlusStrings(buf, plus.bodyOff, plus.bodyLen);
  if (r.session !== '') detailOf(tx).sessionName = r.session;
  if (r.orderNumber === '') return;
  const src = `s7comm-plus.${plus.fn === 0x04ca ? 'create_object' : 'set_multi_variables'}.server_session_version`;
  const facts: IdentityFact[] = [
    { field: 'vendor', value: 'Siemens', source: src },
    { field: 'order_number', value: r.orderNumber, source: src },
    { field: 'firmware', value: r.firmware, source: src },
  ];
  emitIdentity(s, ctx, 's7comm-plus', 'server', facts, ctx.tsUs);
}
