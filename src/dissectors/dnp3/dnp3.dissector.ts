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
  deviceAttributeField,
  deviceAttributeName,
  Fc,
  functionName,
  functionOp,
  iinException,
  iinNames,
  LINK_HEADER_LEN,
  LINK_MAX_FRAME,
  LINK_START_0,
  LINK_START_1,
  linkFunctionName,
  MAX_APP_FRAGMENT,
  TP_FIN,
  TP_FIR,
} from './dnp3.consts.js';
import {
  copyUserData,
  crcOk,
  newAppHeader,
  newLinkHeader,
  newObjectSummary,
  type ObjectSummary,
  parseAppHeader,
  parseLinkHeader,
  walkObjects,
} from './dnp3.parse.js';

/** Requests waiting for their response per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 16;
/** Consecutive bad frames on a confirmed flow before we give up on it. */
export const MAX_BAD_FRAMES = 8;
/** Bytes skipped while looking for a frame start before we give up on the flow. */
export const MAX_RESYNC_BYTES = 4096;
/** Identity facts remembered per flow to avoid re-emitting the same answer on every poll. */
const MAX_SEEN_FACTS = 64;

/** Transport-layer reassembly of one direction (1815 §8). */
interface Reassembly {
  buf: Uint8Array | null;
  len: number;
  active: boolean;
  nextSeq: number;
  source: number;
}

interface Pending {
  seq: number;
  dir: Direction;
  tx: TransactionObservation;
}

/** Per-flow state. */
export interface Dnp3State {
  /** Frame boundaries: resync after gaps, bad headers, giving up (src/dissectors/framing.ts). */
  readonly sync: FrameSync;
  readonly rx: [Reassembly, Reassembly];
  readonly pending: Pending[];
  /** A response split over several application fragments, waiting for its FIN fragment. */
  multi: { tx: TransactionObservation; dir: Direction; nextSeq: number } | null;
  /** The last response asked for a confirmation (CON): held until the CONFIRM or the next message. */
  awaitConfirm: { tx: TransactionObservation; dir: Direction; seq: number } | null;
  /** `address|role` and `variation=value` keys already reported as identity. */
  seenFacts: Set<string> | null;
}

const link = newLinkHeader();
const app = newAppHeader();
const objs = newObjectSummary();
/** User data of one link frame without its CRCs; [0] is the transport header. */
const scratch = new Uint8Array(LINK_MAX_FRAME);

/** True when a link header with a valid CRC starts at `off` (needs 10 bytes). */
export function plausibleFrame(buf: Uint8Array, off: number, len: number): boolean {
  return (
    len >= LINK_HEADER_LEN &&
    buf[off] === LINK_START_0 &&
    buf[off + 1] === LINK_START_1 &&
    (buf[off + 2] as number) >= 5 &&
    crcOk(buf, off, off + 8)
  );
}

/**
 * DNP3 over TCP and UDP (port 20000, IEEE 1815 §A / DNP3 "LAN/WAN"): link frames with CRCs,
 * transport reassembly of application fragments, application requests paired with responses
 * by sequence number. Emits one `transaction` per request/response (unsolicited responses on
 * their own), `asset.identity` for DNP3 addresses and device attributes (group 0), and named
 * anomalies. See README.md.
 */
export const dnp3Dissector: Dissector<Dnp3State> = {
  name: 'dnp3',
  transports: ['tcp', 'udp'],
  defaultPorts: [20000],

  probe(buf, off, len) {
    if (len < LINK_HEADER_LEN) {
      if (len >= 1 && buf[off] !== LINK_START_0) return 'no-match';
      if (len >= 2 && buf[off + 1] !== LINK_START_1) return 'no-match';
      return 'need-more';
    }
    return plausibleFrame(buf, off, len) ? 'match' : 'no-match';
  },

  newState(_flow: FlowInfo): Dnp3State {
    return {
      sync: new FrameSync(),
      rx: [newReassembly(), newReassembly()],
      pending: [],
      multi: null,
      awaitConfirm: null,
      seenFacts: null,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.sync.violated) return len;
    const udp = ctx.flow.transport === 'udp';
    const dir = ctx.dir;
    const end = off + len;
    let pos = resume(FRAMER, s.sync, buf, off, end, dir, ctx);
    if (s.sync.violated) return len;
    if (s.sync.resync[dir]) return udp ? len : pos - off;
    while (end - pos >= LINK_HEADER_LEN) {
      const err = parseLinkHeader(buf, pos, end - pos, link);
      if (err !== null) {
        pos = badHeader(FRAMER, s.sync, err, describeStart(buf, pos), buf, pos, end, dir, ctx);
        if (s.sync.violated) return len;
        if (s.sync.resync[dir]) break;
        continue;
      }
      if (!link.headerCrcOk) {
        // A corrupted header may carry a corrupted length: only trust it when the bytes at the
        // frame's end start another frame (or end the data), else look for the next start.
        ctx.anomaly('dnp3-bad-crc', `link header, src ${link.source} dst ${link.destination}, dir ${dir}`);
        const after = pos + link.frameLen;
        if (after > end || (after < end && !(buf[after] === LINK_START_0 && buf[after + 1] === LINK_START_1))) {
          const at = FRAMER.find(buf, pos + 1, end, dir);
          if (at < 0) {
            s.sync.resync[dir] = true;
            pos = Math.max(pos + 1, end - LINK_HEADER_LEN + 1);
            break;
          }
          pos = at;
          continue;
        }
      }
      if (end - pos < link.frameLen) {
        if (udp) ctx.anomaly('dnp3-frame-truncated', `frame of ${link.frameLen} bytes, ${end - pos} in datagram`);
        break;
      }
      goodFrame(s.sync);
      onFrame(s, buf, pos, ctx);
      pos += link.frameLen;
    }
    if (udp) {
      if (pos < end && end - pos < LINK_HEADER_LEN && pos > off) {
        ctx.anomaly('dnp3-frame-truncated', `${end - pos} trailing byte(s) in datagram`);
      }
      s.sync.resync[dir] = false;
      return len;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.sync.resync[dir] = true;
    const r = s.rx[dir];
    r.active = false;
    r.len = 0;
  },

  onEnd(s, ctx) {
    flushHeld(s, ctx);
    for (const p of s.pending) ctx.emit(p.tx);
    s.pending.length = 0;
  },
};

function newReassembly(): Reassembly {
  return { buf: null, len: 0, active: false, nextSeq: 0, source: -1 };
}

function describeStart(buf: Uint8Array, pos: number): string {
  const b = (i: number) => ((buf[pos + i] ?? 0) as number).toString(16).padStart(2, '0');
  return `start ${b(0)}${b(1)}, length ${buf[pos + 2] ?? 0}`;
}

/** Link frames; a start is plausible when a link header with a valid CRC starts there. */
const FRAMER: Framer = {
  protocol: 'dnp3',
  start: 'frame start',
  keep: LINK_HEADER_LEN - 1,
  maxBad: MAX_BAD_FRAMES,
  maxSkip: MAX_RESYNC_BYTES,
  find(buf, from, end) {
    for (let i = from; i + LINK_HEADER_LEN <= end; i++) {
      if (buf[i] === LINK_START_0 && plausibleFrame(buf, i, end - i)) return i;
    }
    return -1;
  },
};

/** One whole link frame at `off` (header in `link`): transport layer, then application. */
function onFrame(s: Dnp3State, buf: Uint8Array, off: number, ctx: DissectContext): void {
  if (link.userLen === 0) return; // link-layer only (reset, test, status, ACK)
  const bad = copyUserData(buf, off, link, scratch);
  if (bad > 0) {
    ctx.anomaly('dnp3-bad-crc', `${bad} user data block(s), src ${link.source} dst ${link.destination}`);
  }
  if (!link.primary || (link.fn !== 3 && link.fn !== 4)) {
    ctx.anomaly(
      'dnp3-unexpected-user-data',
      `link function ${linkFunctionName(link.primary, link.fn)} carries ${link.userLen} byte(s)`,
    );
    return;
  }
  const th = scratch[0] as number;
  const fin = (th & TP_FIN) !== 0;
  const fir = (th & TP_FIR) !== 0;
  const seq = th & 0x3f;
  const dataLen = link.userLen - 1;
  const r = s.rx[ctx.dir];
  if (fir) {
    if (r.active) ctx.anomaly('dnp3-transport-incomplete', `fragment of ${r.len} byte(s) dropped: new FIR`);
    r.active = false;
    r.len = 0;
    if (fin) {
      onApp(s, scratch, 1, dataLen, ctx);
      return;
    }
    r.active = true;
    r.source = link.source;
  } else if (!r.active || seq !== r.nextSeq || link.source !== r.source) {
    ctx.anomaly(
      'dnp3-transport-sequence',
      r.active ? `segment ${seq}, expected ${r.nextSeq}` : `segment ${seq} without a first segment`,
    );
    r.active = false;
    r.len = 0;
    return;
  }
  if (r.len + dataLen > MAX_APP_FRAGMENT) {
    ctx.anomaly('dnp3-fragment-too-long', `application fragment over ${MAX_APP_FRAGMENT} bytes`);
    r.active = false;
    r.len = 0;
    return;
  }
  r.buf ??= new Uint8Array(MAX_APP_FRAGMENT);
  r.buf.set(scratch.subarray(1, 1 + dataLen), r.len);
  r.len += dataLen;
  r.nextSeq = (seq + 1) & 0x3f;
  if (!fin) return;
  r.active = false;
  const n = r.len;
  r.len = 0;
  onApp(s, r.buf, 0, n, ctx);
}

/** One reassembled application fragment. */
function onApp(s: Dnp3State, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseAppHeader(buf, off, len, app);
  if (err !== null) {
    ctx.anomaly(err, `${len} byte(s), src ${link.source} dst ${link.destination}`);
    return;
  }
  const fc = app.fc;
  const name = functionName(fc);
  if (name.startsWith('unknown-')) ctx.anomaly('dnp3-unknown-function', `function ${fc}, src ${link.source}`);
  const oerr = walkObjects(buf, app.objOff, off + len, fc, objs);
  if (oerr !== null) ctx.anomaly(oerr, `${name}: ${objs.list || 'no objects'}, src ${link.source}`);
  const dir = ctx.dir;

  // A held response is released by its CONFIRM or by any other message.
  const held = s.awaitConfirm;
  if (held !== null) {
    s.awaitConfirm = null;
    if (fc === Fc.CONFIRM && held.dir !== dir && held.seq === app.seq) {
      (held.tx.detail as Record<string, string | number | boolean>).confirmed = true;
      ctx.emit(held.tx);
      return;
    }
    ctx.emit(held.tx);
  }
  if (fc === Fc.CONFIRM) return;

  if (fc < 0x80) {
    onRequest(s, ctx, dir);
    return;
  }
  onResponse(s, ctx, dir);
  if (objs.attributes !== null) onAttributes(s, objs.attributes, ctx);
}

function newTransaction(
  ctx: DissectContext,
  o: ObjectSummary,
  status: TransactionObservation['status'],
): TransactionObservation {
  const fc = app.fc;
  let op = functionOp(fc);
  // Time synchronisation and clearing the restart bit are WRITEs of groups 50 and 80 only.
  if (fc === Fc.WRITE && o.headers > 0 && o.onlyTimeOrIin) op = 'other';
  const fromMaster = fc < 0x80;
  const detail: Record<string, string | number | boolean> = {
    master: fromMaster ? link.source : link.destination,
    objects: o.list,
    objectHeaders: o.headers,
  };
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'dnp3', op, functionName(fc), fc, status);
  tx.tid = app.seq;
  tx.unit = fromMaster ? link.destination : link.source;
  tx.address = o.rangeStart >= 0 ? o.rangeStart : undefined;
  tx.quantity = o.headers > 0 ? o.objects : undefined;
  tx.detail = detail;
  return tx;
}

function onRequest(s: Dnp3State, ctx: DissectContext, dir: Direction): void {
  const tx = newTransaction(ctx, objs, 'no-response');
  announce(s, ctx, dir, link.source, 'master');
  announce(s, ctx, dir === 0 ? 1 : 0, link.destination, 'outstation');
  // The *_NR functions never get a response (1815 Table 4-4).
  if (app.fc === 0x06 || app.fc === 0x08 || app.fc === 0x0a || app.fc === 0x0c) {
    ctx.emit(tx);
    return;
  }
  s.pending.push({ seq: app.seq, dir, tx });
  if (s.pending.length > MAX_PENDING) ctx.emit((s.pending.shift() as Pending).tx);
}

function setResponse(tx: TransactionObservation, ctx: DissectContext): void {
  const d = tx.detail as Record<string, string | number | boolean>;
  d.replyFn = functionName(app.fc);
  d.iin = app.iin;
  const flags = iinNames(app.iin);
  if (flags !== '') d.iinFlags = flags;
  const ex = iinException(app.iin);
  if (ex !== undefined && tx.status !== 'unsolicited') {
    tx.status = 'exception';
    tx.exception = ex;
  }
  if (tx.status !== 'unsolicited') tx.rttUs = ctx.tsUs - tx.ts;
}

function onResponse(s: Dnp3State, ctx: DissectContext, dir: Direction): void {
  announce(s, ctx, dir, link.source, 'outstation');
  const multi = s.multi;
  if (!app.fir && multi !== null && multi.dir === dir && multi.nextSeq === app.seq && app.fc === Fc.RESPONSE) {
    // Next fragment of a multi-fragment response: count it, keep the latest IIN.
    const d = multi.tx.detail as Record<string, string | number | boolean>;
    d.fragments = ((d.fragments as number) ?? 1) + 1;
    d.iin = app.iin;
    const flags = iinNames(app.iin);
    if (flags !== '') d.iinFlags = flags;
    else delete d.iinFlags;
    multi.nextSeq = (app.seq + 1) & 0x0f;
    if (app.fin) {
      s.multi = null;
      finish(s, multi.tx, dir, ctx);
    }
    return;
  }
  if (multi !== null) {
    (multi.tx.detail as Record<string, string | number | boolean>).incomplete = true;
    s.multi = null;
    ctx.emit(multi.tx);
  }
  let tx: TransactionObservation | undefined;
  if (app.fc !== Fc.UNSOLICITED_RESPONSE && app.fir) {
    const p = s.pending;
    for (let i = 0; i < p.length; i++) {
      const q = p[i] as Pending;
      if (q.seq === app.seq && q.dir !== dir) {
        tx = q.tx;
        p.splice(i, 1);
        break;
      }
    }
  }
  if (tx === undefined && app.fc !== Fc.UNSOLICITED_RESPONSE && app.fir) {
    // An outstation has one request outstanding: a response with another sequence number still
    // answers the newest request from the master (1815 §4.2.2.4.3 says it must echo the SEQ).
    const p = s.pending;
    for (let i = p.length - 1; i >= 0; i--) {
      const q = p[i] as Pending;
      if (q.dir === dir) continue;
      tx = q.tx;
      p.splice(i, 1);
      ctx.anomaly('dnp3-sequence-mismatch', `${tx.fn} seq ${q.seq} answered with seq ${app.seq}`);
      break;
    }
  }
  if (tx === undefined) {
    tx = newTransaction(ctx, objs, 'unsolicited');
    if (!app.fir) (tx.detail as Record<string, string | number | boolean>).continuation = true;
  } else {
    tx.status = 'ok';
  }
  setResponse(tx, ctx);
  if (!app.fin && app.fc === Fc.RESPONSE) {
    (tx.detail as Record<string, string | number | boolean>).fragments = 1;
    s.multi = { tx, dir, nextSeq: (app.seq + 1) & 0x0f };
    return;
  }
  finish(s, tx, dir, ctx);
}

/** A complete response: held for its CONFIRM when it asked for one, else emitted. */
function finish(s: Dnp3State, tx: TransactionObservation, dir: Direction, ctx: DissectContext): void {
  if (app.con) {
    s.awaitConfirm = { tx, dir, seq: app.seq };
    return;
  }
  ctx.emit(tx);
}

function flushHeld(s: Dnp3State, ctx: DissectContext): void {
  if (s.multi !== null) {
    (s.multi.tx.detail as Record<string, string | number | boolean>).incomplete = true;
    ctx.emit(s.multi.tx);
    s.multi = null;
  }
  if (s.awaitConfirm !== null) {
    ctx.emit(s.awaitConfirm.tx);
    s.awaitConfirm = null;
  }
}

function remember(s: Dnp3State, key: string): boolean {
  s.seenFacts ??= new Set();
  if (s.seenFacts.has(key)) return false;
  if (s.seenFacts.size >= MAX_SEEN_FACTS) return true;
  s.seenFacts.add(key);
  return true;
}

/** The DNP3 address and role of one side, once per flow. */
function announce(s: Dnp3State, ctx: DissectContext, side: Direction, address: number, role: string): void {
  if (!remember(s, `${side}|${address}|${role}`)) return;
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'dnp3',
    about: side === 0 ? 'client' : 'server',
    facts: [
      { field: 'dnp3_address', value: String(address), source: 'dnp3.link.address' },
      { field: 'dnp3_role', value: role, source: 'dnp3.application.function' },
    ],
  };
  ctx.emit(obs);
}

/** Device attributes (group 0) in a response: identity facts about the outstation. */
function onAttributes(s: Dnp3State, attrs: readonly { variation: number; value: string }[], ctx: DissectContext): void {
  const facts: IdentityFact[] = [];
  for (const a of attrs) {
    const field = deviceAttributeField(a.variation);
    if (field === null || a.value === '') continue;
    if (!remember(s, `${a.variation}=${a.value}`)) continue;
    facts.push({ field, value: a.value, source: `dnp3.g0v${a.variation}.${deviceAttributeName(a.variation)}` });
  }
  if (facts.length === 0) return;
  facts.push({ field: 'dnp3_address', value: String(link.source), source: 'dnp3.link.address' });
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'dnp3',
    about: ctx.dir === 0 ? 'client' : 'server',
    facts,
  };
  ctx.emit(obs);
}
