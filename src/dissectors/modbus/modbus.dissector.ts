import { LIMITS } from '../../bytes/errors.js';
import { hex, latin1 } from '../../bytes/reader.js';
import {
  createTransaction,
  type Direction,
  type IdentityFact,
  type IdentityObservation,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { badHeader, type Framer, FrameSync, goodFrame, resume } from '../framing.js';
import {
  deviceIdObjectField,
  deviceIdObjectName,
  diagnosticName,
  diagnosticOp,
  EXCEPTION_BIT,
  exceptionName,
  Fn,
  functionName,
  functionOp,
  MBAP_HEADER_LEN,
  Mei,
  meiTypeName,
  readDeviceIdCodeName,
} from './modbus.consts.js';
import {
  newMbap,
  newPdu,
  type Pdu,
  parseDeviceIdResponse,
  parseMbap,
  parseRequest,
  parseResponse,
  parseServerIdResponse,
  plausibleFrame,
} from './modbus.parse.js';
import { umasRequest, umasResponse } from './umas.js';

/** Requests waiting for a response per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 64;
/** Consecutive bad MBAP headers on a confirmed flow before we give up on it. */
export const MAX_BAD_HEADERS = 4;
/** Bytes skipped while looking for a frame boundary before we give up on the flow. */
export const MAX_RESYNC_BYTES = 4096;
/** Device identification accumulations (multi-part 43/14) held per flow. */
const MAX_DEVID_UNITS = 16;

interface DeviceIdAccumulator {
  ts: number;
  facts: IdentityFact[];
  /** Object ids already recorded (a repeated request must not duplicate facts). */
  seen: Set<number>;
}

/** Per-flow state: requests waiting for their answer and framing health per direction. */
export interface ModbusState {
  /** Frame boundaries: resync after gaps, bad headers, giving up (src/dissectors/framing.ts). */
  readonly sync: FrameSync;
  /** Pending requests by transaction id; the Map keeps insertion order, oldest first. */
  readonly pending: PendingRequests;
  /** Multi-part 43/14 answers being merged, by unit id. */
  devId: Map<number, DeviceIdAccumulator> | null;
}

/**
 * Requests waiting for their answer, oldest first, keyed by transaction id. A flow rarely has
 * more than one or two outstanding, so two parallel arrays with a linear search beat a Map
 * (whose deletions make it rehash under constant churn). Bounded by MAX_PENDING.
 */
export class PendingRequests {
  private readonly tids: number[] = [];
  private readonly txs: TransactionObservation[] = [];

  get size(): number {
    return this.tids.length;
  }
  private indexOf(tid: number): number {
    const t = this.tids;
    for (let i = 0; i < t.length; i++) if (t[i] === tid) return i;
    return -1;
  }
  has(tid: number): boolean {
    return this.indexOf(tid) >= 0;
  }
  get(tid: number): TransactionObservation | undefined {
    const i = this.indexOf(tid);
    return i >= 0 ? this.txs[i] : undefined;
  }
  delete(tid: number): void {
    const i = this.indexOf(tid);
    if (i < 0) return;
    if (i === this.tids.length - 1) {
      this.tids.pop();
      this.txs.pop();
    } else {
      this.tids.splice(i, 1);
      this.txs.splice(i, 1);
    }
  }
  /** Append (the caller removed any request with the same tid first). */
  set(tid: number, tx: TransactionObservation): void {
    this.tids.push(tid);
    this.txs.push(tx);
  }
  /** Remove and return the oldest request. */
  shift(): TransactionObservation | undefined {
    this.tids.shift();
    return this.txs.shift();
  }
  keys(): number[] {
    return this.tids.slice();
  }
  values(): TransactionObservation[] {
    return this.txs.slice();
  }
  clear(): void {
    this.tids.length = 0;
    this.txs.length = 0;
  }
}

const mbap = newMbap();
const pdu = newPdu();

/**
 * Modbus/TCP (port 502): frames are MBAP header + PDU (TCP §3.1); requests and responses are
 * paired by transaction id. Emits one `transaction` per pair, `asset.identity` for 43/14 and 17
 * answers, and named anomalies for malformed frames.
 */
export const modbusDissector: Dissector<ModbusState> = {
  name: 'modbus',
  transports: ['tcp'],
  defaultPorts: [502],

  probe(buf, off, len, dir) {
    if (len < MBAP_HEADER_LEN + 1) {
      // Reject early when the bytes we have already rule Modbus out.
      if (len >= 4 && (buf[off + 2] !== 0 || buf[off + 3] !== 0)) return 'no-match';
      return 'need-more';
    }
    // Every frame in the segment must be plausible and the frames must tile it exactly: other
    // protocols' bytes (MELSOFT, for one) often pass the header test for one frame by chance.
    const end = off + len;
    let pos = off;
    while (end - pos >= MBAP_HEADER_LEN + 1) {
      if (!plausibleFrame(buf, pos, end - pos, dir)) return 'no-match';
      pos += 6 + (((buf[pos + 4] as number) << 8) | (buf[pos + 5] as number));
    }
    if (pos === end) return 'match';
    return pos > end ? 'need-more' : 'no-match';
  },

  newState(_flow: FlowInfo): ModbusState {
    return { sync: new FrameSync(), pending: new PendingRequests(), devId: null };
  },

  parse(s, buf, off, len, ctx) {
    if (s.sync.violated) return len;
    const dir = ctx.dir;
    const end = off + len;
    let pos = resume(FRAMER, s.sync, buf, off, end, dir, ctx);
    if (s.sync.violated) return len;
    if (s.sync.resync[dir]) return pos - off;
    while (end - pos >= MBAP_HEADER_LEN) {
      const err = parseMbap(buf, pos, end - pos, mbap);
      if (err !== null) {
        const detail = `protocol id ${mbap.protocolId}, length ${mbap.length}`;
        pos = badHeader(FRAMER, s.sync, err, detail, buf, pos, end, dir, ctx);
        if (s.sync.violated) return len;
        if (s.sync.resync[dir]) break;
        continue;
      }
      const frameLen = 6 + mbap.length;
      if (end - pos < frameLen) break;
      goodFrame(s.sync);
      if (dir === 0) onRequest(s, buf, pos + MBAP_HEADER_LEN, mbap.length - 1, ctx);
      else onResponse(s, buf, pos + MBAP_HEADER_LEN, mbap.length - 1, ctx);
      pos += frameLen;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.sync.resync[dir] = true;
  },

  onEnd(s, ctx) {
    for (const tx of s.pending.values()) ctx.emit(tx);
    s.pending.clear();
    if (s.devId) {
      for (const acc of s.devId.values()) emitIdentity(acc.ts, acc.facts, ctx);
      s.devId = null;
    }
  },
};

/** MBAP frames; a start is plausible when its header and first PDU byte are (it needs 8 bytes). */
const FRAMER: Framer = {
  protocol: 'modbus',
  start: 'frame boundary',
  keep: MBAP_HEADER_LEN,
  maxBad: MAX_BAD_HEADERS,
  maxSkip: MAX_RESYNC_BYTES,
  find(buf, from, end, dir) {
    for (let i = from; i + MBAP_HEADER_LEN + 1 <= end; i++) {
      if (plausibleFrame(buf, i, end - i, dir)) return i;
    }
    return -1;
  },
};

function onRequest(s: ModbusState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseRequest(buf, off, len, pdu);
  const raw = buf[off] as number;
  if (raw & EXCEPTION_BIT) ctx.anomaly('modbus-exception-bit-in-request', `function ${raw}, tid ${mbap.tid}`);
  if (err !== null) ctx.anomaly(err, `request ${functionName(pdu.fn)} tid ${mbap.tid} unit ${mbap.unit}`);
  const tx = newTransaction(ctx, pdu, 'no-response');
  if (pdu.fn === Fn.UMAS) umasRequest(tx, buf, pdu.dataOff, pdu.dataLen, ctx);
  if (s.pending.has(mbap.tid)) {
    // Transaction id reused before the first answer: the older request will not be paired.
    const old = s.pending.get(mbap.tid) as TransactionObservation;
    s.pending.delete(mbap.tid);
    ctx.emit(old);
  }
  s.pending.set(mbap.tid, tx);
  if (s.pending.size > MAX_PENDING) {
    ctx.emit(s.pending.shift() as TransactionObservation);
  }
}

/** Builds the transaction at request (or unsolicited response) time; fields in a stable order. */
function newTransaction(ctx: DissectContext, p: Pdu, status: TransactionObservation['status']): TransactionObservation {
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'modbus', functionOp(p.fn), functionName(p.fn), p.fn, status);
  tx.tid = mbap.tid;
  tx.unit = mbap.unit;
  tx.address = p.address >= 0 ? p.address : undefined;
  tx.quantity = p.quantity >= 0 ? p.quantity : undefined;
  if (p.fn === Fn.DIAGNOSTICS && p.subFunction >= 0) {
    tx.op = diagnosticOp(p.subFunction);
    tx.detail = { subFunction: p.subFunction, subFunctionName: diagnosticName(p.subFunction) };
  } else if (p.fn === Fn.ENCAP_INTERFACE_TRANSPORT && p.subFunction >= 0) {
    if (p.subFunction !== Mei.READ_DEVICE_IDENTIFICATION) tx.op = 'other';
    tx.detail = { meiType: p.subFunction, meiTypeName: meiTypeName(p.subFunction) };
    if (p.readCode >= 0) {
      tx.detail.readCode = p.readCode;
      tx.detail.readCodeName = readDeviceIdCodeName(p.readCode);
    }
    if (p.objectId >= 0) tx.detail.objectId = p.objectId;
  } else if (p.fn === Fn.MASK_WRITE_REGISTER && p.andMask >= 0) {
    tx.detail = { andMask: p.andMask, orMask: p.orMask };
  } else if (p.fn === Fn.READ_WRITE_MULTIPLE_REGISTERS && p.writeAddress >= 0) {
    tx.detail = { writeAddress: p.writeAddress, writeQuantity: p.writeQuantity };
  }
  return tx;
}

function onResponse(s: ModbusState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseResponse(buf, off, len, pdu);
  const isException = ((buf[off] as number) & EXCEPTION_BIT) !== 0;
  if (err !== null) ctx.anomaly(err, `response ${functionName(pdu.fn)} tid ${mbap.tid} unit ${mbap.unit}`);
  let tx = s.pending.get(mbap.tid);
  if (tx !== undefined && tx.fnCode !== pdu.fn) {
    // A response echoes its request's function code; this one answers something else.
    ctx.anomaly('modbus-function-mismatch', `tid ${mbap.tid}: request ${tx.fn}, response ${functionName(pdu.fn)}`);
    tx = undefined;
  }
  if (tx === undefined) {
    tx = newTransaction(ctx, pdu, 'unsolicited');
  } else {
    s.pending.delete(mbap.tid);
    tx.status = isException ? 'exception' : 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
    if (!isException && err === null) checkAgainstRequest(tx, pdu, ctx);
    if (tx.quantity === undefined && pdu.quantity >= 0) tx.quantity = pdu.quantity;
  }
  if (isException) tx.exception = exceptionName(pdu.exception);
  else if (pdu.fn === Fn.UMAS) umasResponse(tx, buf, pdu.dataOff, pdu.dataLen, ctx);
  ctx.emit(tx);
  // Identity answers count even without their request (the capture may start after it).
  if (isException) return;
  if (pdu.fn === Fn.ENCAP_INTERFACE_TRANSPORT && pdu.subFunction === Mei.READ_DEVICE_IDENTIFICATION) {
    onDeviceId(s, buf, off, len, ctx);
  } else if (pdu.fn === Fn.REPORT_SLAVE_ID) {
    onServerId(buf, off, len, err === null, ctx);
  }
}

/** Response sizes that follow from the request (AP §6.1-6.4, §6.17). */
function checkAgainstRequest(tx: TransactionObservation, p: Pdu, ctx: DissectContext): void {
  const q = tx.quantity;
  if (q === undefined) return;
  let expect = -1;
  if (p.fn === Fn.READ_COILS || p.fn === Fn.READ_DISCRETE_INPUTS) expect = (q + 7) >> 3;
  else if (p.fn === Fn.READ_HOLDING_REGISTERS || p.fn === Fn.READ_INPUT_REGISTERS) expect = q * 2;
  else if (p.fn === Fn.READ_WRITE_MULTIPLE_REGISTERS) expect = q * 2;
  if (expect >= 0 && p.byteCount !== expect) {
    ctx.anomaly('modbus-byte-count-mismatch', `tid ${tx.tid}: ${tx.fn} quantity ${q}, byte count ${p.byteCount}`);
  }
}

/** 43/14 answers: merge multi-part answers per unit; emit one identity when complete. */
function onDeviceId(s: ModbusState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const r = parseDeviceIdResponse(buf, off, len);
  if (r.error !== null) ctx.anomaly(r.error, `43/14 unit ${mbap.unit}: ${r.objects.length} of ${r.declared} object(s)`);
  s.devId ??= new Map();
  let acc = s.devId.get(mbap.unit);
  if (acc === undefined) {
    if (s.devId.size >= MAX_DEVID_UNITS) {
      const [unit, first] = s.devId.entries().next().value as [number, DeviceIdAccumulator];
      emitIdentity(first.ts, first.facts, ctx);
      s.devId.delete(unit);
    }
    acc = { ts: ctx.tsUs, facts: [], seen: new Set() };
    s.devId.set(mbap.unit, acc);
  }
  for (const o of r.objects) {
    if (acc.seen.has(o.id) || acc.facts.length >= LIMITS.maxItems) continue;
    acc.seen.add(o.id);
    acc.facts.push({
      field: deviceIdObjectField(o.id),
      value: o.value,
      source: `modbus.43/14.${deviceIdObjectName(o.id)}`,
    });
  }
  if (r.moreFollows && r.error === null) return;
  s.devId.delete(mbap.unit);
  emitIdentity(acc.ts, acc.facts, ctx);
}

function emitIdentity(ts: number, facts: IdentityFact[], ctx: DissectContext): void {
  if (facts.length === 0) return;
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts,
    flowId: ctx.flow.id,
    protocol: 'modbus',
    about: 'server',
    facts,
  };
  ctx.emit(obs);
}

/** 17 Report Server ID: server id (hex), run indicator, and any printable additional data. */
function onServerId(buf: Uint8Array, off: number, len: number, report: boolean, ctx: DissectContext): void {
  const r = parseServerIdResponse(buf, off, len);
  if (r.error !== null && report) ctx.anomaly(r.error, `17 unit ${mbap.unit}`);
  if (r.serverId.length === 0) return;
  const facts: IdentityFact[] = [{ field: 'modbus_server_id', value: hex(r.serverId), source: 'modbus.17.server_id' }];
  if (r.runIndicator >= 0) {
    facts.push({
      field: 'run_indicator',
      value: r.runIndicator === 0xff ? 'on' : 'off',
      source: 'modbus.17.run_indicator',
    });
  }
  const extra = latin1(r.additional);
  if (extra.length > 0) facts.push({ field: 'modbus_server_info', value: extra, source: 'modbus.17.additional_data' });
  emitIdentity(ctx.tsUs, facts, ctx);
}
