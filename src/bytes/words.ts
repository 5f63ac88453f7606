/**
 * Unsigned integers from bytes, in either byte order, with plain element loads. The capture
 * parsers' hot loops use these instead of a DataView: their chunks may live in shared memory
 * (the two-thread pipeline reads into it, engine/ring.ts), where V8's DataView reads are several
 * times slower than element loads. Callers check bounds.
 */
export function u32(buf: Uint8Array, off: number, le: boolean): number {
  return le
    ? ((buf[off] as number) |
        ((buf[off + 1] as number) << 8) |
        ((buf[off + 2] as number) << 16) |
        ((buf[off + 3] as number) << 24)) >>>
        0
    : (((buf[off] as number) << 24) |
        ((buf[off + 1] as number) << 16) |
        ((buf[off + 2] as number) << 8) |
        (buf[off + 3] as number)) >>>
        0;
}

export function u16(buf: Uint8Array, off: number, le: boolean): number {
  return le
    ? (buf[off] as number) | ((buf[off + 1] as number) << 8)
    : ((buf[off] as number) << 8) | (buf[off + 1] as number);
}
