import { LIMITS } from '../bytes/errors.js';
import { TcpFlag } from './packet-info.js';

/**
 * In-order TCP stream reassembly for ONE direction of a connection (RFC 9293 §3.4, §3.10.7.4).
 *
 * Sequence numbers are 32-bit and wrap: every comparison is on the signed 32-bit difference
 * to the next expected sequence number. The stream starts at SYN seq + 1, or at the first
 * segment seen when the capture picked the connection up mid-stream.
 *
 * Delivery is zero-copy when a segment arrives in order, no out-of-order data is held and
 * nothing is pending: the consumer sees the caller's view. Bytes are copied only for
 * - the unconsumed tail the consumer asked to keep (re-delivered in front of the next bytes),
 *   at most LIMITS.maxStreamBuffer: beyond it the tail is dropped and reported as a gap of
 *   its size (`bufferOverflows`);
 * - out-of-order segments, at most LIMITS.maxOutOfOrderSegments / maxOutOfOrderBytes: beyond
 *   that the stream skips ahead to the held data, reporting the hole as a gap
 *   (`outOfOrderOverflows`).
 * Overlaps keep the first copy of every byte. Overlapping bytes that differ from the first
 * copy (possible only against held out-of-order data) are counted in `overlapConflicts`;
 * segments entirely below the next expected sequence number are `retransmissions`.
 * When the peer acknowledges beyond what this side has seen, the missing bytes are a gap.
 * After a gap the unconsumed tail is discarded: it can no longer be completed.
 *
 * The unconsumed tail is kept by a `StreamTail` between the stream and its consumer. A stream
 * made with `{ keepTail: false }` has none: it hands every in-order byte on once and ignores
 * what the consumer returns, for a consumer that keeps its own tail on the far side of a thread
 * boundary (src/engine/ring.ts) while the ordering work stays here.
 */
export interface StreamConsumer {
  /** Deliver in-order bytes; return how many were consumed (the rest is kept and re-delivered in front of the next bytes). */
  data(buf: Uint8Array, off: number, len: number, tsUs: number): number;
  /** Bytes lost before the next delivered data. */
  gap(bytes: number, tsUs: number): void;
}

/** Counters of what the stream had to repair; read them for anomalies (`tcp-overlap-conflict`...). */
export interface TcpStreamCounters {
  retransmissions: number;
  overlapConflicts: number;
  gaps: number;
  gapBytes: number;
  bufferOverflows: number;
  outOfOrderOverflows: number;
}

interface Held {
  seq: number;
  data: Uint8Array;
}

/** ACKs further ahead than this are treated as bogus rather than as a gap. */
const MAX_ACK_JUMP = 1 << 30;

export function newStreamCounters(): TcpStreamCounters {
  return { retransmissions: 0, overlapConflicts: 0, gaps: 0, gapBytes: 0, bufferOverflows: 0, outOfOrderOverflows: 0 };
}

export class TcpStream {
  readonly anomalies: TcpStreamCounters = newStreamCounters();
  /** Next expected sequence number (valid once `started`). */
  nextSeq = 0;
  started = false;
  /** Bytes delivered in order so far. */
  delivered = 0;

  private finSeen = false;
  private finSeq = 0;
  private readonly held: Held[] = [];
  private heldBytes = 0;
  private readonly tail: StreamTail | null;
  /** Where in-order bytes and gaps go: the tail keeper, or the consumer itself. */
  private readonly out: StreamConsumer;

  constructor(consumer: StreamConsumer, opts: { keepTail?: boolean } = {}) {
    this.tail = opts.keepTail === false ? null : new StreamTail(consumer, this.anomalies);
    this.out = this.tail ?? consumer;
  }

  get bufferedBytes(): number {
    return (this.tail?.pendingLen ?? 0) + this.heldBytes;
  }

  /** A segment in this direction (seq from the TCP header, flags, payload view). */
  segment(seq: number, flags: number, buf: Uint8Array, off: number, len: number, tsUs: number): void {
    seq >>>= 0;
    if ((flags & TcpFlag.SYN) !== 0) {
      // Nothing delivered means no tail is pending either.
      if (!this.started || (this.delivered === 0 && this.held.length === 0)) {
        this.nextSeq = (seq + 1) >>> 0;
        this.started = true;
      }
      seq = (seq + 1) >>> 0;
    }
    if ((flags & TcpFlag.FIN) !== 0) {
      // The FIN takes one sequence number after the data; the peer's ACK of it is not lost data.
      this.finSeq = (seq + Math.max(len, 0)) >>> 0;
      this.finSeen = true;
    }
    if (len <= 0) return;
    if (!this.started) {
      this.nextSeq = seq;
      this.started = true;
    }
    const d = (seq - this.nextSeq) | 0;
    if (d > 0 || this.held.length > 0) {
      if (d + len <= 0) {
        this.anomalies.retransmissions++;
        return;
      }
      if (d < 0) {
        off -= d;
        len += d;
        seq = this.nextSeq;
      }
      if (this.held.length >= LIMITS.maxOutOfOrderSegments || this.heldBytes + len > LIMITS.maxOutOfOrderBytes) {
        // Skip ahead: what we hold is all we will get before this segment.
        this.anomalies.outOfOrderOverflows++;
        this.finish(tsUs);
        const d2 = (seq - this.nextSeq) | 0;
        if (d2 + len <= 0) return;
        if (d2 > 0) this.gap(d2, tsUs);
        else if (d2 < 0) {
          off -= d2;
          len += d2;
        }
        this.deliver(buf, off, len, tsUs);
        return;
      }
      this.hold(seq, buf, off, len);
      this.drainHeld(tsUs);
      return;
    }
    if (d < 0) {
      if (d + len <= 0) {
        this.anomalies.retransmissions++;
        return;
      }
      off -= d;
      len += d;
    }
    this.deliver(buf, off, len, tsUs);
  }

  /** The peer's ACK for this direction advanced to `ack` (data we never saw = gap). */
  acked(ack: number, tsUs: number): void {
    if (!this.started) return;
    ack >>>= 0;
    if (this.finSeen && ack === (this.finSeq + 1) >>> 0) ack = this.finSeq;
    for (;;) {
      const d = (ack - this.nextSeq) | 0;
      if (d <= 0 || d > MAX_ACK_JUMP) return;
      if (this.held.length > 0) {
        const h = this.held[0]!;
        const hd = (h.seq - this.nextSeq) | 0;
        if (hd <= d) {
          if (hd > 0) this.gap(hd, tsUs);
          this.drainHeld(tsUs);
          continue;
        }
      }
      this.gap(d, tsUs);
      return;
    }
  }

  /** Flush: out-of-order data that can never be filled becomes a gap then data. */
  finish(tsUs: number): void {
    while (this.held.length > 0) {
      const hd = (this.held[0]!.seq - this.nextSeq) | 0;
      if (hd > 0) this.gap(hd, tsUs);
      this.drainHeld(tsUs);
    }
  }

  private gap(bytes: number, tsUs: number): void {
    this.anomalies.gaps++;
    this.anomalies.gapBytes += bytes;
    this.nextSeq = (this.nextSeq + bytes) >>> 0;
    this.out.gap(bytes, tsUs);
  }

  /** Hand in-order bytes on (to the tail keeper, which puts any pending tail in front). */
  private deliver(buf: Uint8Array, off: number, len: number, tsUs: number): void {
    this.nextSeq = (this.nextSeq + len) >>> 0;
    this.delivered += len;
    this.out.data(buf, off, len, tsUs);
  }

  /** Keep a copy of [seq, seq+len) where no earlier copy exists; first copy wins. */
  private hold(seq: number, buf: Uint8Array, off: number, len: number): void {
    const base = this.nextSeq;
    const s = (seq - base) | 0;
    const e = s + len;
    const held = this.held;
    let cur = s;
    let i = 0;
    while (i < held.length && cur < e) {
      const h = held[i]!;
      const hs = (h.seq - base) | 0;
      const he = hs + h.data.length;
      if (he <= cur) {
        i++;
        continue;
      }
      if (hs >= e) break;
      if (hs > cur) {
        this.insertHeld(i, (base + cur) >>> 0, buf, off + (cur - s), hs - cur);
        i++;
      }
      const os = Math.max(hs, cur);
      const oe = Math.min(he, e);
      for (let k = os; k < oe; k++) {
        if (h.data[k - hs] !== buf[off + (k - s)]) {
          this.anomalies.overlapConflicts++;
          break;
        }
      }
      if (os === s && oe === e) this.anomalies.retransmissions++;
      cur = oe;
      i++;
    }
    if (cur < e) this.insertHeld(i, (base + cur) >>> 0, buf, off + (cur - s), e - cur);
  }

  private insertHeld(i: number, seq: number, buf: Uint8Array, off: number, len: number): void {
    this.held.splice(i, 0, { seq, data: buf.slice(off, off + len) });
    this.heldBytes += len;
  }

  /** Deliver held segments that are now in order. */
  private drainHeld(tsUs: number): void {
    const held = this.held;
    while (held.length > 0) {
      const h = held[0]!;
      const d = (h.seq - this.nextSeq) | 0;
      if (d > 0) return;
      held.shift();
      this.heldBytes -= h.data.length;
      const len = h.data.length + d;
      if (len <= 0) continue;
      this.deliver(h.data, -d, len, tsUs);
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Keeps what the consumer did not consume and hands it back in front of the next bytes, at most
 * LIMITS.maxStreamBuffer (beyond it the tail is dropped and reported as a gap of its size). A gap
 * discards the tail: it can no longer be completed. Copies only that tail: bytes the consumer
 * takes whole are passed through as the caller's view.
 */
export class StreamTail implements StreamConsumer {
  pendingLen = 0;
  private pending: Uint8Array = EMPTY;

  constructor(
    private readonly consumer: StreamConsumer,
    private readonly counters: TcpStreamCounters,
  ) {}

  data(buf: Uint8Array, off: number, len: number, tsUs: number): number {
    if (this.pendingLen > 0 && this.pendingLen + len > LIMITS.maxStreamBuffer) this.overflow(tsUs);
    if (this.pendingLen === 0) {
      const n = clamp(this.consumer.data(buf, off, len, tsUs), len);
      if (n < len) this.keep(buf, off + n, len - n, tsUs);
      return len;
    }
    this.append(buf, off, len);
    const total = this.pendingLen;
    const n = clamp(this.consumer.data(this.pending, 0, total, tsUs), total);
    if (n > 0) {
      this.pending.copyWithin(0, n, total);
      this.pendingLen = total - n;
    }
    return len;
  }

  gap(bytes: number, tsUs: number): void {
    this.pendingLen = 0;
    this.consumer.gap(bytes, tsUs);
  }

  private keep(buf: Uint8Array, off: number, len: number, tsUs: number): void {
    if (len > LIMITS.maxStreamBuffer) {
      this.counters.bufferOverflows++;
      this.counters.gaps++;
      this.counters.gapBytes += len;
      this.consumer.gap(len, tsUs);
      return;
    }
    this.append(buf, off, len);
  }

  private overflow(tsUs: number): void {
    const dropped = this.pendingLen;
    this.counters.bufferOverflows++;
    this.counters.gaps++;
    this.counters.gapBytes += dropped;
    this.pendingLen = 0;
    this.consumer.gap(dropped, tsUs);
  }

  private append(buf: Uint8Array, off: number, len: number): void {
    const need = this.pendingLen + len;
    if (need > this.pending.length) {
      let cap = this.pending.length === 0 ? 4096 : this.pending.length * 2;
      while (cap < need) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.pending.subarray(0, this.pendingLen));
      this.pending = nb;
    }
    this.pending.set(buf.subarray(off, off + len), this.pendingLen);
    this.pendingLen = need;
  }
}

function clamp(n: number, len: number): number {
  if (!(n > 0)) return 0;
  return n > len ? len : Math.floor(n);
}
