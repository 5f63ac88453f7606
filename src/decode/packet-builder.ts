/**
 * Builds frames in memory for tests, the fuzz test and the timing script. Checksums are left
 * zero (the decoder does not verify them). Not used by the product.
 */

export function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
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

export function u16(v: number): number[] {
  return [(v >>> 8) & 255, v & 255];
}

export function u32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

export function mac(v: number): number[] {
  const out: number[] = [];
  for (let i = 5; i >= 0; i--) out.push(Math.floor(v / 2 ** (8 * i)) % 256);
  return out;
}

/** Ethernet II: dst | src | [0x8100 + vid]* | type, then payload. */
export function eth(dst: number, src: number, type: number, payload: Uint8Array, vlans: number[] = []): Uint8Array {
  const tags: number[] = [];
  for (const v of vlans) tags.push(...u16(0x8100), ...u16(v));
  return concat(mac(dst), mac(src), tags, u16(type), payload);
}

export interface Ip4Opts {
  src: number;
  dst: number;
  proto: number;
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOff?: number;
  more?: boolean;
  /** Override the total length field. */
  totalLength?: number;
}

export function ipv4(o: Ip4Opts, payload: Uint8Array): Uint8Array {
  const total = o.totalLength ?? 20 + payload.length;
  const frag = ((o.more ? 0x2000 : 0) | ((o.fragOff ?? 0) >>> 3)) & 0xffff;
  return concat(
    [0x45, 0],
    u16(total),
    u16(o.id ?? 1),
    u16(frag),
    [o.ttl ?? 64, o.proto],
    u16(0),
    u32(o.src),
    u32(o.dst),
    payload,
  );
}

export function ipv6(src: Uint8Array, dst: Uint8Array, nextHeader: number, payload: Uint8Array): Uint8Array {
  return concat([0x60, 0, 0, 0], u16(payload.length), [nextHeader, 64], src, dst, payload);
}

export function tcp(sp: number, dp: number, seq: number, ack: number, flags: number, payload: Uint8Array): Uint8Array {
  return concat(u16(sp), u16(dp), u32(seq), u32(ack), [0x50, flags], u16(8192), u16(0), u16(0), payload);
}

export function udp(sp: number, dp: number, payload: Uint8Array): Uint8Array {
  return concat(u16(sp), u16(dp), u16(8 + payload.length), u16(0), payload);
}

/** Deterministic PRNG (mulberry32) for generated data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
