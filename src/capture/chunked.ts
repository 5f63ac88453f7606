import type { CaptureStats } from './types.js';

/**
 * Shared machinery of the push parsers: chunk handling and carry-over.
 *
 * A capture is a sequence of "units" (the pcap file header, pcap records, pcapng blocks). A
 * subclass walks complete units inside one chunk with `consume`; a unit that crosses a chunk
 * boundary is assembled in a reused carry buffer (only that unit's bytes are copied) and then
 * handed to `consume` on its own. Stops are sticky: once `stats.stop` is set, nothing more is
 * delivered.
 */
export abstract class ChunkedReader {
  /** Absolute stream offset of index 0 of the buffer currently given to `consume`. */
  protected base = 0;
  private carry = new Uint8Array(0);
  private carryLen = 0;
  /** Absolute stream offset of the first carried byte. */
  private carryAbs = 0;
  /** Bytes pushed so far (absolute offset of the next chunk). */
  private pushed = 0;

  constructor(readonly stats: CaptureStats) {}

  /**
   * Bytes the next unit occupies, judged from the `avail` bytes at `buf[off..]`: its header size
   * while the header is incomplete, its full size once the header is readable. Returns -1 after
   * setting `stats.stop` when the header is corrupt.
   */
  protected abstract need(buf: Uint8Array, off: number, avail: number): number;

  /** Process every complete unit in buf[off..end) and return the offset of the first unprocessed byte. */
  protected abstract consume(buf: Uint8Array, off: number, end: number): number;

  /** Reason used when the input ends inside a unit. */
  protected abstract truncatedReason(needed: number, have: number): string;

  /** Called before stats are read: flush counters kept in locals/arrays for speed. */
  flush(): void {}

  push(chunk: Uint8Array): void {
    if (this.stats.stop !== null || chunk.length === 0) return;
    const chunkAbs = this.pushed;
    this.pushed += chunk.length;
    this.stats.bytes = this.pushed;
    let off = 0;
    if (this.carryLen > 0) {
      this.base = this.carryAbs;
      for (;;) {
        const need = this.need(this.carry, 0, this.carryLen);
        if (need < 0) return;
        if (this.carryLen >= need) break;
        const take = Math.min(need - this.carryLen, chunk.length - off);
        this.ensureCarry(need);
        this.carry.set(chunk.subarray(off, off + take), this.carryLen);
        this.carryLen += take;
        off += take;
        if (this.carryLen < need) return;
      }
      const used = this.consume(this.carry, 0, this.carryLen);
      if (this.stats.stop !== null) return;
      // `need` said the carried unit is complete, so consume takes all of it.
      this.carryLen -= used;
      if (this.carryLen !== 0) {
        this.carry.copyWithin(0, used, used + this.carryLen);
        this.carryAbs += used;
      }
      if (this.carryLen !== 0) {
        // Cannot happen with a consistent need/consume pair; keep the tail rather than loop.
        this.appendCarry(chunk, off, chunkAbs + off);
        return;
      }
    }
    this.base = chunkAbs;
    off = this.consume(chunk, off, chunk.length);
    if (this.stats.stop !== null) return;
    if (off < chunk.length) this.appendCarry(chunk, off, chunkAbs + off);
  }

  /** Declare the end of input; an incomplete unit becomes a stop. */
  end(): CaptureStats {
    if (this.stats.stop === null && this.carryLen > 0) {
      this.base = this.carryAbs;
      const need = this.need(this.carry, 0, this.carryLen);
      if (need >= 0) this.stop(this.carryAbs, this.truncatedReason(need, this.carryLen));
    }
    this.carryLen = 0;
    this.flush();
    return this.stats;
  }

  /** Stop at the start of the pending unit (or at the end of the input when nothing is pending). */
  fail(reason: string): void {
    if (this.stats.stop !== null) return;
    this.stop(this.carryLen > 0 ? this.carryAbs : this.pushed, reason);
    this.carryLen = 0;
  }

  protected stop(offset: number, reason: string): void {
    if (this.stats.stop === null) this.stats.stop = { offset, reason };
  }

  private appendCarry(chunk: Uint8Array, off: number, abs: number): void {
    const n = chunk.length - off;
    if (this.carryLen === 0) this.carryAbs = abs;
    this.ensureCarry(this.carryLen + n);
    this.carry.set(chunk.subarray(off), this.carryLen);
    this.carryLen += n;
  }

  private ensureCarry(size: number): void {
    if (this.carry.length >= size) return;
    const next = new Uint8Array(Math.max(size, this.carry.length * 2, 4096));
    next.set(this.carry.subarray(0, this.carryLen));
    this.carry = next;
  }
}
