/** Small append-only byte builder used once at setup to assemble annotated message templates. */
export class ByteBuilder {
  private readonly a: number[] = [];

  get length(): number {
    return this.a.length;
  }
  u8(v: number): this {
    this.a.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    this.a.push((v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  u16le(v: number): this {
    this.a.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u24(v: number): this {
    this.a.push((v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  u32(v: number): this {
    this.a.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  u32le(v: number): this {
    this.a.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    return this;
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.a.push((b[i] as number) & 0xff);
    return this;
  }
  ascii(s: string): this {
    for (let i = 0; i < s.length; i++) this.a.push(s.charCodeAt(i) & 0xff);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.a.push(0);
    return this;
  }
  /** Overwrites a big-endian u16 at `pos` (for length fields known only at the end). */
  setU16(pos: number, v: number): this {
    this.a[pos] = (v >>> 8) & 0xff;
    this.a[pos + 1] = v & 0xff;
    return this;
  }
  setU16le(pos: number, v: number): this {
    this.a[pos] = v & 0xff;
    this.a[pos + 1] = (v >>> 8) & 0xff;
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.a);
  }
}

/** "00:1b:1b:01:02:03" -> 6 bytes. */
export function macBytes(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad mac ${mac}`);
  return Uint8Array.from(parts.map((p) => Number.parseInt(p, 16)));
}

/** "10.0.0.1" -> 4 bytes. */
export function ipBytes(ip: string): Uint8Array {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`bad ip ${ip}`);
  return Uint8Array.from(parts.map((p) => Number(p)));
}

/** Hex string with optional spaces -> bytes (test fixtures and constants). */
export function hexBytes(hex: string): Uint8Array {
  const s = hex.replace(/\s+/g, '');
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
