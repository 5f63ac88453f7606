import type { ChunkPool } from '../capture/source.js';
import type { Flow } from '../decode/flow-table.js';
import type { Direction } from '../observations/observation.js';
import type { BackSink } from './front.js';

/**
 * The front's events (front.ts `BackSink`) as records in a shared-memory ring, so that the
 * front can run in a worker thread while the back runs in the main thread (parallel.ts).
 *
 * One writer, one reader. `ctrl` holds two byte counters that only grow (modulo 2^32): how far
 * the writer has published and how far the reader has finished. A record is never split at the
 * end of the ring: a PAD record fills the tail and the record starts again at 0. The writer
 * blocks (Atomics.wait, in its worker) while the ring is full; the reader waits with
 * Atomics.waitAsync so the main thread's event loop keeps running.
 *
 * Every record starts at a multiple of 8 with `u32 size` (a multiple of 8, header included) and
 * `u8 type`. Fields are read and written through aligned typed-array views of the same memory
 * (DataView on shared memory is several times slower) in the machine's byte order, which both
 * threads share; MACs and times are float64 (exact up to 2^53); strings are latin1 with a
 * one-byte length (addresses and protocol names, all ASCII).
 *
 * Bytes for dissectors are not copied when they lie in the capture chunk the packet came from:
 * the worker reads the file into shared memory too (`SharedChunks`, the input area), and a
 * DATA/UDP record then holds the bytes' offset there instead of the bytes. A chunk's buffer is
 * read into again only after the reader has finished every record written while it was parsed.
 * Bytes from elsewhere (a record that crossed chunks, out-of-order segments held by the TCP
 * reassembly, IP fragments, L2 payloads) are copied into the record. Either way the back gets a
 * view valid only during the call, as the dissector contract says.
 */
export const RING_WRITE = 0;
const RING_READ = 1;
/** Set while the reader waits for data / the writer for room: the other side notifies only then. */
const READER_WAITING = 2;
const WRITER_WAITING = 3;
/** Int32 slots in the control buffer. */
export const RING_CTRL_SLOTS = 4;

const PAD = 0;
const DATA = 1;
const UDP = 2;
const NEW_FLOW = 3;
const FLOW_END = 4;
const ATTACH = 5;
const IP = 6;
const ARP = 7;
const L2 = 8;
const PROGRESS = 9;
const GAP = 10;

/** Offset of the addresses in flow records. */
const FLOW_STR = 136;
/** Header of DATA/UDP records; the bytes follow, unless the record refers to the input area. */
const SEG_HDR = 32;
/** DATA/UDP flag byte (at +6): the bytes are in the input area, at the offset in word 4. */
const IN_INPUT = 1;
/** Records published between notifications, at most. */
const PUBLISH_EVERY = 1024;
/** Bytes the reader processes between releases of ring space. */
const RELEASE_EVERY = 256 * 1024;

export interface RingProgress {
  bytesRead: number;
  totalBytes: number | null;
  packets: number;
}

/** Byte order of this machine (the ring's words are in it). */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function align4(n: number): number {
  return (n + 3) & ~3;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

export class RingWriter implements BackSink {
  private readonly u8: Uint8Array;
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  private readonly size: number;
  private readonly mask: number;
  private w = 0;
  /** The last source buffer and a DataView of it (packets come from a few reused buffers). */
  private srcBuf: Uint8Array | null = null;
  private srcDv: DataView = new DataView(new ArrayBuffer(0));
  /** Offset of the last source buffer in the input area, or -1 when it lies elsewhere. */
  private srcInput = -1;
  /** The reader's position when last read (it only moves forward). */
  private readSeen = 0;
  private unpublished = 0;

  /**
   * `input`: the input area the worker reads the capture into (see SharedChunks); bytes in it
   * are passed by offset.
   */
  constructor(
    data: SharedArrayBuffer,
    private readonly ctrl: Int32Array,
    private readonly input: SharedArrayBuffer | null = null,
  ) {
    this.u8 = new Uint8Array(data);
    this.u32 = new Uint32Array(data);
    this.f64 = new Float64Array(data);
    this.size = data.byteLength;
    this.mask = this.size - 1;
    if ((this.size & this.mask) !== 0) throw new Error('ring size must be a power of two');
  }

  /** Room for a record of `size` bytes; returns its offset. Blocks while the reader is behind. */
  private reserve(size: number): number {
    let pos = this.w & this.mask;
    const pad = pos + size > this.size ? this.size - pos : 0;
    // The reader's position as last read: atomics only when that is not enough room.
    if (((this.w - this.readSeen) | 0) + pad + size > this.size) this.waitForRoom(pad + size);
    if (pad > 0) {
      this.u32[pos >> 2] = pad;
      this.u8[pos + 4] = PAD;
      this.w = (this.w + pad) | 0;
      pos = 0;
    }
    return pos;
  }

  private waitForRoom(need: number): void {
    if (need > this.size / 2) throw new Error(`record of ${need} bytes does not fit the ring`);
    this.waitForReader(this.size - need);
  }

  /** Where the next record goes, as a position that only grows (modulo 2^32). */
  get position(): number {
    return this.w;
  }

  /** Blocks until the reader is at most `behind` bytes behind the writer; publishes first so it can get there. */
  waitForReader(behind: number): void {
    const ctrl = this.ctrl;
    for (;;) {
      const r = Atomics.load(ctrl, RING_READ);
      this.readSeen = r;
      if (((this.w - r) | 0) <= behind) return;
      this.publish();
      Atomics.store(ctrl, WRITER_WAITING, 1);
      // The reader may have moved on between the check and the flag: look again before sleeping.
      if (Atomics.load(ctrl, RING_READ) === r) Atomics.wait(ctrl, RING_READ, r, 1000);
      Atomics.store(ctrl, WRITER_WAITING, 0);
    }
  }

  private commit(pos: number, size: number, type: number): void {
    this.u32[pos >> 2] = size;
    this.u8[pos + 4] = type;
    this.w = (this.w + size) | 0;
    if (++this.unpublished >= PUBLISH_EVERY) this.publish();
  }

  /** Make everything written so far visible to the reader. */
  publish(): void {
    this.unpublished = 0;
    Atomics.store(this.ctrl, RING_WRITE, this.w);
    if (Atomics.load(this.ctrl, READER_WAITING) !== 0) Atomics.notify(this.ctrl, RING_WRITE);
  }

  /**
   * Copies bytes in: four at a time, read from the source with a DataView (any alignment) and
   * stored as aligned words (`pos` is a multiple of 4). Shared memory makes TypedArray#set and
   * byte loops slow (2.5x and 3x for a 60-byte payload).
   */
  private bytes(pos: number, buf: Uint8Array, off: number, len: number): void {
    if (buf !== this.srcBuf) this.source(buf);
    const dv = this.srcDv;
    const u32 = this.u32;
    let k = pos >> 2;
    let i = 0;
    for (; i + 4 <= len; i += 4) u32[k++] = dv.getUint32(off + i, HOST_LE);
    const u8 = this.u8;
    for (; i < len; i++) u8[pos + i] = buf[off + i] as number;
  }

  private source(buf: Uint8Array): void {
    this.srcBuf = buf;
    this.srcDv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.srcInput = this.input !== null && buf.buffer === this.input ? buf.byteOffset : -1;
  }

  /** Writes a short latin1 string at `pos` (length byte first); returns the next offset. */
  private str(pos: number, s: string): number {
    const n = Math.min(s.length, 255);
    this.u8[pos] = n;
    for (let i = 0; i < n; i++) this.u8[pos + 1 + i] = s.charCodeAt(i) & 0xff;
    return pos + 1 + n;
  }

  private bytesRecord(
    type: number,
    slot: number,
    dir: Direction,
    tsUs: number,
    buf: Uint8Array,
    off: number,
    len: number,
  ): void {
    if (buf !== this.srcBuf) this.source(buf);
    const inInput = this.srcInput >= 0;
    const size = inInput ? SEG_HDR : align8(SEG_HDR + len);
    const pos = this.reserve(size);
    const i = pos >> 2;
    this.u8[pos + 5] = dir;
    this.u32[i + 2] = slot;
    this.u32[i + 5] = len;
    this.f64[(pos >> 3) + 3] = tsUs;
    if (inInput) {
      this.u8[pos + 6] = IN_INPUT;
      this.u32[i + 4] = this.srcInput + off;
    } else {
      this.u8[pos + 6] = 0;
      this.bytes(pos + SEG_HDR, buf, off, len);
    }
    this.commit(pos, size, type);
  }

  streamData(slot: number, dir: Direction, tsUs: number, buf: Uint8Array, off: number, len: number): void {
    this.bytesRecord(DATA, slot, dir, tsUs, buf, off, len);
  }

  udp(slot: number, dir: Direction, tsUs: number, buf: Uint8Array, off: number, len: number): void {
    this.bytesRecord(UDP, slot, dir, tsUs, buf, off, len);
  }

  streamGap(slot: number, dir: Direction, bytes: number, tsUs: number): void {
    const pos = this.reserve(32);
    const i = pos >> 2;
    this.u8[pos + 5] = dir;
    this.u32[i + 2] = slot;
    this.f64[(pos >> 3) + 2] = bytes;
    this.f64[(pos >> 3) + 3] = tsUs;
    this.commit(pos, 32, GAP);
  }

  private flow(type: number, slot: number, flow: Flow, d: number): void {
    const size = align8(FLOW_STR + 2 + flow.clientIp.length + flow.serverIp.length);
    const pos = this.reserve(size);
    const i = pos >> 2;
    const j = pos >> 3;
    const u32 = this.u32;
    const f64 = this.f64;
    u32[i + 2] = slot;
    u32[i + 3] = d + 1;
    f64[j + 2] = flow.id;
    this.u8[pos + 24] = flow.ipVersion;
    this.u8[pos + 25] = flow.proto;
    u32[i + 7] = flow.vlan;
    u32[i + 8] = flow.clientPort;
    u32[i + 9] = flow.serverPort;
    u32[i + 10] = flow.clientIp4;
    u32[i + 11] = flow.serverIp4;
    u32[i + 12] = flow.tcpState;
    f64[j + 7] = flow.clientMac;
    f64[j + 8] = flow.serverMac;
    f64[j + 9] = flow.firstUs;
    f64[j + 10] = flow.lastUs;
    f64[j + 11] = flow.pkts0;
    f64[j + 12] = flow.pkts1;
    f64[j + 13] = flow.bytes0;
    f64[j + 14] = flow.bytes1;
    f64[j + 15] = flow.payload0;
    f64[j + 16] = flow.payload1;
    this.str(this.str(pos + FLOW_STR, flow.clientIp), flow.serverIp);
    this.commit(pos, size, type);
  }

  newFlow(slot: number, flow: Flow, d: number): void {
    this.flow(NEW_FLOW, slot, flow, d);
  }

  flowEnded(slot: number, flow: Flow): void {
    this.flow(FLOW_END, slot, flow, -1);
  }

  attach(slot: number, d: number): void {
    const pos = this.reserve(16);
    this.u32[(pos >> 2) + 2] = slot;
    this.u32[(pos >> 2) + 3] = d + 1;
    this.commit(pos, 16, ATTACH);
  }

  ipPacket(
    srcMac: number,
    srcIp: string,
    dstMac: number,
    dstIp: string,
    tsUs: number,
    vlan: number,
    len: number,
  ): void {
    const size = align8(40 + 2 + srcIp.length + dstIp.length);
    const pos = this.reserve(size);
    const j = pos >> 3;
    this.f64[j + 1] = srcMac;
    this.f64[j + 2] = dstMac;
    this.f64[j + 3] = tsUs;
    this.u32[(pos >> 2) + 8] = vlan;
    this.u32[(pos >> 2) + 9] = len;
    this.str(this.str(pos + 40, srcIp), dstIp);
    this.commit(pos, size, IP);
  }

  arp(
    op: number,
    senderMac: number,
    senderIp: number,
    targetMac: number,
    targetIp: number,
    tsUs: number,
    vlan: number,
    len: number,
  ): void {
    const pos = this.reserve(56);
    const i = pos >> 2;
    const j = pos >> 3;
    this.u32[i + 2] = op;
    this.u32[i + 3] = senderIp;
    this.u32[i + 4] = targetIp;
    this.u32[i + 5] = vlan;
    this.f64[j + 3] = senderMac;
    this.f64[j + 4] = targetMac;
    this.f64[j + 5] = tsUs;
    this.u32[i + 12] = len;
    this.commit(pos, 56, ARP);
  }

  l2(
    d: number,
    name: string,
    srcMac: number,
    dstMac: number,
    tsUs: number,
    vlan: number,
    len: number,
    buf: Uint8Array,
    off: number,
    plen: number,
  ): void {
    // The payload starts at a word boundary after the name (bytes() copies whole words).
    const nameEnd = align4(48 + 1 + Math.min(name.length, 255));
    const size = align8(nameEnd + plen);
    const pos = this.reserve(size);
    const i = pos >> 2;
    const j = pos >> 3;
    this.u32[i + 2] = d + 1;
    this.u32[i + 3] = vlan;
    this.f64[j + 2] = srcMac;
    this.f64[j + 3] = dstMac;
    this.f64[j + 4] = tsUs;
    this.u32[i + 10] = len;
    this.u32[i + 11] = plen;
    this.str(pos + 48, name);
    this.bytes(pos + nameEnd, buf, off, plen);
    this.commit(pos, size, L2);
  }

  /** Reading progress, delivered in order with the packets it counts; publishes. */
  progress(p: RingProgress): void {
    const pos = this.reserve(32);
    const j = pos >> 3;
    this.f64[j + 1] = p.bytesRead;
    this.f64[j + 2] = p.totalBytes ?? -1;
    this.f64[j + 3] = p.packets;
    this.commit(pos, 32, PROGRESS);
    this.publish();
  }
}

/** A flow as the back sees it after the ring (the front's `Flow`; its `app` slot stays the front's). */
function readFlow(u8: Uint8Array, u32: Uint32Array, f64: Float64Array, pos: number): Flow {
  const i = pos >> 2;
  const j = pos >> 3;
  const cLen = u8[pos + FLOW_STR] as number;
  const sLen = u8[pos + FLOW_STR + 1 + cLen] as number;
  return {
    id: f64[j + 2] as number,
    ipVersion: u8[pos + 24] === 6 ? 6 : 4,
    proto: u8[pos + 25] as number,
    clientIp: readStr(u8, pos + FLOW_STR + 1, cLen),
    serverIp: readStr(u8, pos + FLOW_STR + 2 + cLen, sLen),
    clientIp4: u32[i + 10] as number,
    serverIp4: u32[i + 11] as number,
    clientPort: u32[i + 8] as number,
    serverPort: u32[i + 9] as number,
    clientMac: f64[j + 7] as number,
    serverMac: f64[j + 8] as number,
    vlan: u32[i + 7] as number,
    firstUs: f64[j + 9] as number,
    lastUs: f64[j + 10] as number,
    pkts0: f64[j + 11] as number,
    pkts1: f64[j + 12] as number,
    bytes0: f64[j + 13] as number,
    bytes1: f64[j + 14] as number,
    payload0: f64[j + 15] as number,
    payload1: f64[j + 16] as number,
    tcpState: u32[i + 12] as number,
    app: null,
  };
}

/** The string `str` wrote (exact, unlike bytes/reader.ts latin1, which cleans wire text). */
function readStr(u8: Uint8Array, pos: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(u8[pos + i] as number);
  return s;
}

/** The ring as the reader sees it: views of the shared memory and where to deliver. */
interface ReaderState {
  u8: Uint8Array;
  u32: Uint32Array;
  f64: Float64Array;
  /** The input area, or an empty array without one. */
  inU8: Uint8Array;
  mask: number;
  ctrl: Int32Array;
  back: BackSink;
  onProgress: ((p: RingProgress) => void) | undefined;
}

/**
 * Reads records as the writer publishes them and calls `back` for each, until `done()` says the
 * writer has finished (and everything it published has been read) or `failed()` says it never will.
 * Whoever sets done/failed must notify RING_WRITE to wake the reader.
 */
export async function readRing(
  data: SharedArrayBuffer,
  ctrl: Int32Array,
  back: BackSink,
  opts: {
    done: () => boolean;
    failed: () => boolean;
    onProgress?: (p: RingProgress) => void;
    /** The writer's input area (SharedChunks), when it has one. */
    input?: SharedArrayBuffer;
  },
): Promise<void> {
  const st: ReaderState = {
    u8: new Uint8Array(data),
    u32: new Uint32Array(data),
    f64: new Float64Array(data),
    inU8: new Uint8Array(opts.input ?? new ArrayBuffer(0)),
    mask: data.byteLength - 1,
    ctrl,
    back,
    onProgress: opts.onProgress,
  };
  let r = Atomics.load(ctrl, RING_READ);
  for (;;) {
    const w = Atomics.load(ctrl, RING_WRITE);
    if (w === r) {
      if (opts.failed()) return;
      if (opts.done()) {
        // The writer published everything before it said so: one last look, then stop.
        if (Atomics.load(ctrl, RING_WRITE) === r) return;
        continue;
      }
      Atomics.store(ctrl, READER_WAITING, 1);
      // The writer may have published between the check and the flag: look again before waiting.
      const res = Atomics.waitAsync(ctrl, RING_WRITE, w);
      if (res.async) await res.value;
      Atomics.store(ctrl, READER_WAITING, 0);
      continue;
    }
    r = drain(st, r, w);
    release(ctrl, r);
  }
}

function release(ctrl: Int32Array, r: number): void {
  Atomics.store(ctrl, RING_READ, r);
  if (Atomics.load(ctrl, WRITER_WAITING) !== 0) Atomics.notify(ctrl, RING_READ);
}

/**
 * Delivers the records in [r, w) and returns w. Stream and UDP data, nearly every record, are
 * handled here; the rest in `other`. Keeping this loop small keeps V8's optimised code for it small: it
 * is compiled again whenever a path it inlined meets a case it has not seen, and every record
 * type is such a case the first time it comes.
 */
function drain(st: ReaderState, r: number, w: number): number {
  const { u8, u32, f64, inU8, mask, back } = st;
  let released = 0;
  while (r !== w) {
    const pos = r & mask;
    const i = pos >> 2;
    const size = u32[i] as number;
    const type = u8[pos + 4];
    if (type === DATA || type === UDP) {
      const slot = u32[i + 2] as number;
      const dir = u8[pos + 5] as Direction;
      const ts = f64[(pos >> 3) + 3] as number;
      const inInput = u8[pos + 6] === IN_INPUT;
      const buf = inInput ? inU8 : u8;
      const off = inInput ? (u32[i + 4] as number) : pos + SEG_HDR;
      const len = u32[i + 5] as number;
      if (type === DATA) back.streamData(slot, dir, ts, buf, off, len);
      else back.udp(slot, dir, ts, buf, off, len);
    } else {
      other(st, pos, type as number);
    }
    r = (r + size) | 0;
    released += size;
    if (released >= RELEASE_EVERY) {
      released = 0;
      release(st.ctrl, r);
    }
  }
  return r;
}

/** Every record but stream and UDP data (see drain). */
function other(st: ReaderState, pos: number, type: number): void {
  const { u8, u32, f64, back } = st;
  const i = pos >> 2;
  const j = pos >> 3;
  switch (type) {
    case GAP:
      back.streamGap(u32[i + 2] as number, u8[pos + 5] as Direction, f64[j + 2] as number, f64[j + 3] as number);
      break;
    case NEW_FLOW:
      back.newFlow(u32[i + 2] as number, readFlow(u8, u32, f64, pos), (u32[i + 3] as number) - 1);
      break;
    case FLOW_END:
      back.flowEnded(u32[i + 2] as number, readFlow(u8, u32, f64, pos));
      break;
    case ATTACH:
      back.attach(u32[i + 2] as number, (u32[i + 3] as number) - 1);
      break;
    case IP: {
      const sLen = u8[pos + 40] as number;
      const dLen = u8[pos + 41 + sLen] as number;
      back.ipPacket(
        f64[j + 1] as number,
        readStr(u8, pos + 41, sLen),
        f64[j + 2] as number,
        readStr(u8, pos + 42 + sLen, dLen),
        f64[j + 3] as number,
        u32[i + 8] as number,
        u32[i + 9] as number,
      );
      break;
    }
    case ARP:
      back.arp(
        u32[i + 2] as number,
        f64[j + 3] as number,
        u32[i + 3] as number,
        f64[j + 4] as number,
        u32[i + 4] as number,
        f64[j + 5] as number,
        u32[i + 5] as number,
        u32[i + 12] as number,
      );
      break;
    case L2: {
      const nLen = u8[pos + 48] as number;
      back.l2(
        (u32[i + 2] as number) - 1,
        readStr(u8, pos + 49, nLen),
        f64[j + 2] as number,
        f64[j + 3] as number,
        f64[j + 4] as number,
        u32[i + 3] as number,
        u32[i + 10] as number,
        u8,
        pos + align4(49 + nLen),
        u32[i + 11] as number,
      );
      break;
    }
    case PROGRESS:
      if (st.onProgress) {
        const total = f64[j + 2] as number;
        st.onProgress({
          bytesRead: f64[j + 1] as number,
          totalBytes: total < 0 ? null : total,
          packets: f64[j + 3] as number,
        });
      }
      break;
    case PAD:
      break;
    default:
      throw new Error(`ring: unknown record type ${type} at ${pos}`);
  }
}

/**
 * The input area: `slots` chunk buffers in one SharedArrayBuffer, handed to readCapture as its
 * chunk pool, so that the writer can pass packet bytes by offset. A buffer is handed out again
 * only when the reader has finished every record written up to the end of its last parse.
 */
export class SharedChunks implements ChunkPool {
  private readonly chunk: number;
  private readonly slots: number;
  /** Per slot: the writer's position when its chunk was parsed; NaN while out or never used. */
  private readonly parsedAt: Float64Array;
  private handed = 0;

  constructor(
    readonly input: SharedArrayBuffer,
    chunkBytes: number,
    private readonly ring: RingWriter,
  ) {
    this.chunk = chunkBytes;
    this.slots = Math.floor(input.byteLength / chunkBytes);
    // Two are out at a time (one parsed, one read): a third lets the reader lag a chunk.
    if (this.slots < 3) throw new Error('the input area needs room for three chunks');
    this.parsedAt = new Float64Array(this.slots).fill(Number.POSITIVE_INFINITY);
  }

  next(): Uint8Array {
    const slot = this.handed++ % this.slots;
    const at = this.parsedAt[slot] as number;
    if (Number.isNaN(at)) throw new Error('input area: a chunk buffer was handed out twice');
    // Records written while that chunk was parsed lie before `at`: the reader must be past them.
    if (at !== Number.POSITIVE_INFINITY) this.ring.waitForReader((this.ring.position - at) | 0);
    this.parsedAt[slot] = Number.NaN;
    return new Uint8Array(this.input, slot * this.chunk, this.chunk);
  }

  parsed(buf: Uint8Array): void {
    this.parsedAt[Math.floor(buf.byteOffset / this.chunk)] = this.ring.position;
  }
}
