import { DecodeError, LIMITS } from './errors.js';

/**
 * A bounds-checked cursor over a byte view. Every read checks the remaining length and
 * throws `DecodeError('truncated', ...)` instead of reading past the end. The reader never
 * copies; `bytes()` returns a subarray view.
 */
export class ByteReader {
  private view: DataView;
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    private readonly errorPrefix = 'bytes',
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = Math.min(end, buf.length);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new DecodeError(
        `${this.errorPrefix}-truncated`,
        `needed ${n} byte(s) at offset ${this.pos}, ${this.end - this.pos} left`,
        this.pos,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }
  u16be(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, false);
    this.pos += 2;
    return v;
  }
  u16le(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32be(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }
  u32le(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A string of `n` bytes, decoded as Latin-1 and capped at LIMITS.maxString characters. */
  latin1(n: number): string {
    return latin1(this.bytes(n));
  }
}

/**
 * Bytes from the wire as a printable string: Latin-1, control characters replaced by '.',
 * trailing NULs and spaces trimmed, capped at LIMITS.maxString. Escaping for display happens
 * at the output edge; this only keeps the value sane.
 */
export function latin1(b: Uint8Array, max: number = LIMITS.maxString): string {
  let end = Math.min(b.length, max);
  while (end > 0 && (b[end - 1] === 0 || b[end - 1] === 0x20)) end--;
  let s = '';
  for (let i = 0; i < end; i++) {
    const c = b[i] as number;
    s += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
  }
  return s;
}

/** Lower-case hex of a byte view, for evidence and anomaly details. */
export function hex(b: Uint8Array, max = 64): string {
  let s = '';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) s += (b[i] as number).toString(16).padStart(2, '0');
  return n < b.length ? `${s}…` : s;
}
