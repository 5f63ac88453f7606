import assert from 'node:assert/strict';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import type { Dissector, FlowInfo } from '../contract.js';

/**
 * Test support shared by the tls, ssh, smb, rdp and vnc dissector tests (tests only): drive a
 * TCP dissector like the pipeline does, and fuzz it deterministically.
 */

export type Chunk = { dir: Direction; bytes: number[] | Uint8Array; ts?: number };

/** Bytes of an ASCII string. */
export function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0) & 0xff);
}

/** UTF-16LE bytes of a string. */
export function utf16(s: string): number[] {
  return [...s].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]);
}

export function u16be(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
export function u16le(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}
export function u24be(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
export function u32be(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
export function u32le(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

/**
 * Feeds chunks like the pipeline: per direction, unconsumed bytes are kept and handed back in
 * front of the next chunk; each view sits inside a larger buffer at a non-zero offset. `step`
 * splits every chunk into pieces of that size (0 = whole chunks). Returns the context and how
 * many bytes stayed unconsumed per direction.
 */
export function feed<S>(
  d: Dissector<S>,
  chunks: readonly Chunk[],
  step = 0,
  flow: FlowInfo = testFlow({ serverPort: d.defaultPorts[0] ?? 0 }),
): { ctx: FakeContext; state: S; held: [number, number] } {
  const ctx = new FakeContext(flow);
  const state = d.newState(flow);
  const held: [number[], number[]] = [[], []];
  let ts = 1_000_000;
  for (const c of chunks) {
    const bytes = [...c.bytes];
    const pieces: number[][] = [];
    if (step <= 0) pieces.push(bytes);
    else for (let i = 0; i < bytes.length; i += step) pieces.push(bytes.slice(i, i + step));
    for (const piece of pieces) {
      const data = [...held[c.dir], ...piece];
      const buf = Uint8Array.from([0xee, 0xee, 0xee, ...data, 0xee]);
      ctx.dir = c.dir;
      ts += 1000;
      ctx.tsUs = c.ts ?? ts;
      const n = d.parse(state, buf, 3, data.length, ctx);
      assert.ok(n >= 0 && n <= data.length, `consumed ${n} of ${data.length}`);
      held[c.dir] = data.slice(n);
    }
  }
  d.onEnd?.(state, ctx);
  return { ctx, state, held: [held[0].length, held[1].length] };
}

/** Deterministic PRNG (mulberry32). */
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

/**
 * Mutates valid conversations (bit flips, truncation, random bytes, random split points) and
 * checks that the dissector never throws, always consumes 0..len bytes, and ends. Returns the
 * number of runs.
 */
export function fuzz<S>(d: Dissector<S>, seeds: readonly (readonly Chunk[])[], rounds = 300): number {
  const rand = rng(0x5eed);
  let runs = 0;
  for (let r = 0; r < rounds; r++) {
    const seed = seeds[r % seeds.length] as readonly Chunk[];
    const chunks: Chunk[] = seed.map((c) => {
      const b = [...c.bytes];
      const mode = Math.floor(rand() * 4);
      if (mode === 0 && b.length > 0) {
        for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) {
          const i = Math.floor(rand() * b.length);
          b[i] = ((b[i] as number) ^ (1 << Math.floor(rand() * 8))) & 0xff;
        }
      } else if (mode === 1) {
        b.length = Math.floor(rand() * b.length);
      } else if (mode === 2 && b.length > 0) {
        for (let k = 0; k < 4; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      }
      return { dir: c.dir, bytes: b };
    });
    if (r % 7 === 0)
      chunks.push({ dir: (r % 2) as Direction, bytes: Array.from({ length: 64 }, () => Math.floor(rand() * 256)) });
    feed(d, chunks, 1 + Math.floor(rand() * 40));
    probeSafe(d, chunks);
    runs++;
  }
  return runs;
}

function probeSafe<S>(d: Dissector<S>, chunks: readonly Chunk[]): void {
  if (!d.probe) return;
  for (const c of chunks) {
    const b = Uint8Array.from(c.bytes);
    const r = d.probe(b, 0, b.length, c.dir);
    assert.ok(r === 'match' || r === 'no-match' || r === 'need-more');
  }
}
