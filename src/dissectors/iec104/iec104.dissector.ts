import {
  createTransaction,
  type Direction,
  type IdentityObservation,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { badHeader, type Framer, FrameSync, goodFrame, resume } from '../framing.js';
import {
  APCI_LEN,
  Cot,
  causeName,
  isCommandType,
  isKnownType,
  MAX_APDU_LENGTH,
  MIN_APDU_LENGTH,
  START,
  typeName,
  typeOp,
  uFunctionName,
} from './iec104.consts.js';
import { ASDU_HEADER_LEN, newApci, newAsdu, parseApci, parseAsdu } from './iec104.parse.js';

/** Commands waiting for their confirmation per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 32;
export const MAX_BAD_FRAMES = 4;
export const MAX_RESYNC_BYTES = 4096;
const MAX_ANNOUNCED = 16;

interface Pending {
  /** type << 40 | common address << 24 | IOA, or -(U function) for STARTDT/STOPDT. */
  key: number;
  dir: Direction;
  tx: TransactionObservation;
}

export interface Iec104State {
  /** Frame boundaries: resync after gaps, bad headers, giving up (src/dissectors/framing.ts). */
  readonly sync: FrameSync;
  readonly pending: Pending[];
  /** Next expected N(S) per direction, -1 before the first I frame (or after a gap). */
  readonly nextSend: [number, number];
  /** Common addresses already reported per side (`side|ca`). */
  announced: Set<string> | null;
}

const apci = newApci();
const asdu = newAsdu();

/** True when a plausible APDU starts at `off` (start, length, control format; known type for I). */
export function plausibleApdu(buf: Uint8Array, off: number, len: number): boolean {
  if (len < APCI_LEN || buf[off] !== START) return false;
  const l = buf[off + 1] as number;
  if (l < MIN_APDU_LENGTH || l > MAX_APDU_LENGTH) return false;
  const o1 = buf[off + 2] as number;
  if ((o1 & 1) === 0) return l >= MIN_APDU_LENGTH + ASDU_HEADER_LEN && (len < 7 || isKnownType(buf[off + 6] as number));
  if (l !== MIN_APDU_LENGTH) return false;
  if ((o1 & 3) === 1) return o1 === 1 && buf[off + 3] === 0;
  return uFunctionName(o1).startsWith('unknown-') === false && buf[off + 3] === 0 && buf[off + 4] === 0;
}

function key(type: number, ca: number, ioa: number): number {
  return type * 2 ** 40 + ca * 2 ** 24 + Math.max(ioa, 0);
}

/**
 * IEC 60870-5-104 (TCP 2404): APDUs of APCI + ASDU. Commands (C_*, P_*) are paired with their
 * activation confirmation; monitoring ASDUs become one 'read' transaction each; STARTDT/STOPDT
 * are paired act/con; TESTFR and S frames are link upkeep and emit nothing. See README.md.
 */
export const iec104Dissector: Dissector<Iec104State> = {
  name: 'iec104',
  transports: ['tcp'],
  defaultPorts: [2404],

  probe(buf, off, len) {
    if (len < APCI_LEN) return len >= 1 && buf[off] !== START ? 'no-match' : 'need-more';
    const end = off + len;
    let pos = off;
    while (end - pos >= APCI_LEN) {
      if (!plausibleApdu(buf, pos, end - pos)) return 'no-match';
      pos += 2 + (buf[pos + 1] as number);
    }
    if (pos === end) return 'match';
    return pos > end || buf[pos] === START ? 'need-more' : 'no-match';
  },

  newState(_flow: FlowInfo): Iec104State {
    return { sync: new FrameSync(), pending: [], nextSend: [-1, -1], announced: null };
  },

  parse(s, buf, off, len, ctx) {
    if (s.sync.violated) return len;
    const dir = ctx.dir;
    const end = off + len;
    let pos = resume(FRAMER, s.sync, buf, off, end, dir, ctx);
    if (s.sync.violated) return len;
    if (s.sync.resync[dir]) return pos - off;
    while (end - pos >= APCI_LEN) {
      const err = parseApci(buf, pos, end - pos, apci);
      if (err !== null) {
        pos = badHeader(FRAMER, s.sync, err, `start ${buf[pos]}, length ${buf[pos + 1]}`, buf, pos, end, dir, ctx);
        if (s.sync.violated) return len;
        if (s.sync.resync[dir]) break;
        continue;
      }
      const frameLen = 2 + apci.length;
      if (end - pos < frameLen) break;
      goodFrame(s.sync);
      if (apci.format === 'I') onI(s, buf, pos + APCI_LEN, apci.length - 4, ctx);
      else if (apci.format === 'U') onU(s, ctx);
      pos += frameLen;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.sync.resync[dir] = true;
    s.nextSend[dir] = -1;
  },

  onEnd(s, ctx) {
    for (const p of s.pending) ctx.emit(p.tx);
    s.pending.length = 0;
  },
};

/** APDUs; a start is plausible when a start byte begins an APCI that makes sense. */
const FRAMER: Framer = {
  protocol: 'iec104',
  start: 'APDU start',
  keep: APCI_LEN - 1,
  maxBad: MAX_BAD_FRAMES,
  maxSkip: MAX_RESYNC_BYTES,
  find(buf, from, end) {
    for (let i = from; i + APCI_LEN <= end; i++) if (buf[i] === START && plausibleApdu(buf, i, end - i)) return i;
    return -1;
  },
};

function newTx(
  ctx: DissectContext,
  fn: string,
  fnCode: number,
  op: TransactionObservation['op'],
  status: TransactionObservation['status'],
): TransactionObservation {
  return createTransaction(ctx.tsUs, ctx.flow.id, 'iec104', op, fn, fnCode, status);
}

function addPending(s: Iec104State, p: Pending, ctx: DissectContext): void {
  s.pending.push(p);
  if (s.pending.length > MAX_PENDING) ctx.emit((s.pending.shift() as Pending).tx);
}

function takePending(s: Iec104State, k: number, dir: Direction): TransactionObservation | undefined {
  const p = s.pending;
  for (let i = 0; i < p.length; i++) {
    const q = p[i] as Pending;
    if (q.key === k && q.dir !== dir) {
      p.splice(i, 1);
      return q.tx;
    }
  }
  return undefined;
}

/** U frames: STARTDT/STOPDT act paired with con; TESTFR is keep-alive and emits nothing. */
function onU(s: Iec104State, ctx: DissectContext): void {
  const f = apci.uFunction;
  const dir = ctx.dir;
  if (f === 0x07 || f === 0x13) {
    const tx = newTx(ctx, f === 0x07 ? 'STARTDT' : 'STOPDT', f, 'other', 'no-response');
    addPending(s, { key: -f, dir, tx }, ctx);
  } else if (f === 0x0b || f === 0x23) {
    const act = f === 0x0b ? 0x07 : 0x13;
    const tx = takePending(s, -act, dir);
    if (tx === undefined) {
      ctx.emit(newTx(ctx, f === 0x0b ? 'STARTDT' : 'STOPDT', act, 'other', 'unsolicited'));
      return;
    }
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
    ctx.emit(tx);
  } else if (f !== 0x43 && f !== 0x83) {
    ctx.anomaly('iec104-unknown-u-function', `U function 0x${f.toString(16)}`);
  }
}

function onI(s: Iec104State, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const dir = ctx.dir;
  const expected = s.nextSend[dir];
  if (expected >= 0 && apci.sendSeq !== expected) {
    ctx.anomaly('iec104-sequence-gap', `N(S) ${apci.sendSeq}, expected ${expected}, dir ${dir}`);
  }
  s.nextSend[dir] = (apci.sendSeq + 1) & 0x7fff;
  const err = parseAsdu(buf, off, len, asdu);
  if (err === 'iec104-asdu-truncated' && len < ASDU_HEADER_LEN) {
    ctx.anomaly(err, `I frame with ${len} ASDU byte(s)`);
    return;
  }
  const name = typeName(asdu.type);
  if (err !== null) ctx.anomaly(err, `${name} cot ${causeName(asdu.cause)} ca ${asdu.commonAddress} n ${asdu.count}`);
  const cause = asdu.cause;
  if (isCommandType(asdu.type)) {
    const k = key(asdu.type, asdu.commonAddress, asdu.ioa);
    if (cause === Cot.ACT || cause === Cot.DEACT) {
      announce(s, ctx, dir === 0 ? 1 : 0, 'controlled-station');
      const tx = describe(newTx(ctx, name, asdu.type, typeOp(asdu.type), 'no-response'));
      addPending(s, { key: k, dir, tx }, ctx);
      return;
    }
    if (cause === Cot.ACTTERM) return; // end of an activation already confirmed
    announce(s, ctx, dir, 'controlled-station');
    let tx = takePending(s, k, dir);
    if (tx === undefined) {
      tx = describe(newTx(ctx, name, asdu.type, typeOp(asdu.type), 'unsolicited'));
    } else {
      tx.rttUs = ctx.tsUs - tx.ts;
      tx.status = 'ok';
    }
    (tx.detail as Record<string, string | number | boolean>).confirmCause = causeName(cause);
    if (asdu.negative || cause >= 44) {
      tx.status = tx.status === 'unsolicited' ? 'unsolicited' : 'exception';
      tx.exception = cause >= 44 ? causeName(cause).toUpperCase() : 'NEGATIVE_CONFIRM';
    }
    ctx.emit(tx);
    return;
  }
  // Monitoring (and file transfer) ASDUs: one transaction each, reported by the controlled station.
  if (asdu.type < 45 || asdu.type === 70) announce(s, ctx, dir, 'controlled-station');
  ctx.emit(describe(newTx(ctx, name, asdu.type, typeOp(asdu.type), 'unsolicited')));
}

/** Common ASDU fields of a transaction (from the module-level `asdu`). */
function describe(tx: TransactionObservation): TransactionObservation {
  tx.unit = asdu.commonAddress;
  tx.address = asdu.ioa >= 0 ? asdu.ioa : undefined;
  tx.quantity = asdu.count;
  tx.tid = apci.sendSeq;
  const d: Record<string, string | number | boolean> = {
    cause: causeName(asdu.cause),
    originator: asdu.originator,
  };
  if (asdu.sq) d.sq = true;
  if (asdu.test) d.test = true;
  if (asdu.negative) d.negative = true;
  // Qualifier of interrogation (100: 20 = station) and command qualifiers (S/E bit) tell more.
  if (asdu.firstValue >= 0 && isCommandType(asdu.type)) {
    d.qualifier = asdu.firstValue;
    if (asdu.type >= 45 && asdu.type <= 64) d.select = (asdu.firstValue & 0x80) !== 0;
  }
  tx.detail = d;
  return tx;
}

/** The common address of the controlled station on one side of the flow, once. */
function announce(s: Iec104State, ctx: DissectContext, side: Direction, role: string): void {
  const k = `${side}|${asdu.commonAddress}`;
  s.announced ??= new Set();
  if (s.announced.has(k) || s.announced.size >= MAX_ANNOUNCED) return;
  s.announced.add(k);
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'iec104',
    about: side === 0 ? 'client' : 'server',
    facts: [
      { field: 'iec104_common_address', value: String(asdu.commonAddress), source: 'iec104.asdu.common_address' },
      { field: 'iec104_role', value: role, source: 'iec104.asdu.type' },
    ],
  };
  ctx.emit(obs);
}
