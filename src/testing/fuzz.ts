import assert from 'node:assert/strict';
import type { DissectContext, Dissector, FlowInfo } from '../dissectors/contract.js';
import type { Direction } from '../observations/observation.js';

/**
 * Marsaglia's xorshift32 from `seed`: deterministic, so a fuzz failure is reproducible. Each
 * call of `int` or `unit` advances it one step.
 */
export function xorshift(seed: number): { int(n: number): number; unit(): number } {
  let s = seed | 0;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  return {
    /** An integer in [0, n). */
    int: (n) => next() % n,
    /** A number in [0, 1). */
    unit: () => next() / 4294967296,
  };
}

/** A fuzz template: its bytes, and the direction they go in (random when absent). */
export interface FuzzTemplate {
  bytes: Uint8Array;
  dir?: Direction;
}

export interface StreamFuzzOptions {
  seed: number;
  iterations?: number;
  /** Bytes changed per call: `min` plus a random number below `spread`. */
  flips: { min: number; spread: number };
  /** One call in this many (at random) ends the flow and starts a new state. */
  restartEvery: number;
}

/**
 * Feeds one dissector state mutated copies of random templates, as a stream would: some bytes
 * changed, one call in four cut short, now and then the flow ended and a new state started.
 * Every call must consume within bounds and the whole run must take under 5 s (no hang).
 * Returns the last state (not ended).
 */
export function fuzzStream<S>(
  d: Dissector<S>,
  flow: FlowInfo,
  ctx: DissectContext & { dir: Direction },
  templates: readonly FuzzTemplate[],
  opts: StreamFuzzOptions,
): S {
  const rnd = xorshift(opts.seed);
  let s = d.newState(flow);
  const t0 = Date.now();
  for (let i = 0; i < (opts.iterations ?? 10_000); i++) {
    const t = templates[rnd.int(templates.length)] as FuzzTemplate;
    const b = t.bytes.slice();
    for (let k = opts.flips.min + rnd.int(opts.flips.spread); k > 0; k--) b[rnd.int(b.length)] = rnd.int(256);
    const len = rnd.int(4) === 0 ? rnd.int(b.length + 1) : b.length;
    ctx.dir = t.dir ?? (rnd.int(2) as Direction);
    const used = d.parse(s, b, 0, len, ctx);
    assert.ok(used >= 0 && used <= len, `iteration ${i}: consumed ${used} of ${len}`);
    if (rnd.int(opts.restartEvery) === 0) {
      d.onEnd?.(s, ctx);
      s = d.newState(flow);
    }
  }
  assert.ok(Date.now() - t0 < 5000);
  return s;
}

/** Text chunks (latin1) as fuzz templates. */
export function textTemplates(chunks: readonly { dir?: Direction; text: string }[]): FuzzTemplate[] {
  return chunks.map((c) => ({
    bytes: Uint8Array.from(Buffer.from(c.text, 'latin1')),
    ...(c.dir !== undefined ? { dir: c.dir } : {}),
  }));
}
