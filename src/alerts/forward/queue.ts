/**
 * A bounded FIFO (ring buffer). Pushing into a full queue drops the oldest entry and counts it:
 * a forwarder whose receiver is down keeps the newest alerts and says how many it lost.
 */
export class BoundedQueue<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private len = 0;
  /** Entries dropped because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error('queue capacity must be at least 1');
    // Grows on demand up to the capacity: a 10,000-slot queue that holds 3 alerts costs 3 slots.
    this.buf = new Array(Math.min(capacity, 64));
  }

  get size(): number {
    return this.len;
  }

  /** Append; when full, drop the oldest first. Returns the dropped entry, if any. */
  push(v: T): T | undefined {
    let out: T | undefined;
    if (this.len === this.capacity) {
      out = this.shift();
      this.dropped++;
    }
    this.grow();
    this.buf[(this.head + this.len) % this.buf.length] = v;
    this.len++;
    return out;
  }

  /**
   * Put entries back at the front, in order (a batch whose delivery failed). Entries that no
   * longer fit are the oldest ones: they are dropped and counted.
   */
  unshiftAll(items: readonly T[]): void {
    const room = this.capacity - this.len;
    const keep = items.length <= room ? items : items.slice(items.length - room);
    this.dropped += items.length - keep.length;
    for (let i = keep.length - 1; i >= 0; i--) {
      this.grow();
      this.head = (this.head - 1 + this.buf.length) % this.buf.length;
      this.buf[this.head] = keep[i];
      this.len++;
    }
  }

  shift(): T | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.len--;
    return v;
  }

  /** Take up to n entries from the front. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.len > 0) out.push(this.shift() as T);
    return out;
  }

  private grow(): void {
    if (this.len < this.buf.length) return;
    const next: (T | undefined)[] = new Array(Math.min(this.capacity, Math.max(64, this.buf.length * 2)));
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }
}

export interface BackoffOptions {
  /** First retry delay (default 250 ms). */
  initialMs?: number;
  /** Largest delay (default 30 s). */
  maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": attempt n (1-based) waits between half and all of
 * min(max, initial * 2^(n-1)), so many sensors retrying a receiver that came back do not all
 * hit it in the same instant.
 */
export function backoffDelay(attempt: number, o: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = o.initialMs ?? 250;
  const max = o.maxMs ?? 30_000;
  const full = Math.min(max, initial * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  return Math.round(full / 2 + (random() * full) / 2);
}
