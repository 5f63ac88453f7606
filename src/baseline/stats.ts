/**
 * Running statistics for the baseline: Welford's online mean and variance, mergeable
 * (Chan et al.'s parallel update) so that statistics learned in one analysis combine with
 * those stored by earlier ones.
 *
 * Stored form (JSON): `{"n": samples, "mean": mean, "m2": sum of squared deviations}`.
 */
export interface Welford {
  n: number;
  mean: number;
  m2: number;
}

export function welford(): Welford {
  return { n: 0, mean: 0, m2: 0 };
}

/** Add one sample in place. */
export function welfordAdd(w: Welford, x: number): void {
  w.n++;
  const d = x - w.mean;
  w.mean += d / w.n;
  w.m2 += d * (x - w.mean);
}

/** Merge `b` into `a` in place. */
export function welfordMerge(a: Welford, b: Welford): void {
  if (b.n === 0) return;
  if (a.n === 0) {
    a.n = b.n;
    a.mean = b.mean;
    a.m2 = b.m2;
    return;
  }
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  a.mean += (d * b.n) / n;
  a.m2 += b.m2 + (d * d * a.n * b.n) / n;
  a.n = n;
}

/** Sample standard deviation (0 with fewer than two samples). */
export function welfordSd(w: Welford): number {
  return w.n > 1 ? Math.sqrt(Math.max(0, w.m2) / (w.n - 1)) : 0;
}

/** Parse the stored form; anything malformed (a hand-edited or corrupted row) gives null. */
export function parseWelford(text: string): Welford | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { n, mean, m2 } = v as Record<string, unknown>;
  if (typeof n !== 'number' || typeof mean !== 'number' || typeof m2 !== 'number') return null;
  if (!Number.isSafeInteger(n) || n < 0 || !Number.isFinite(mean) || !Number.isFinite(m2) || m2 < 0) return null;
  return { n, mean, m2 };
}

export function formatWelford(w: Welford): string {
  return JSON.stringify({ n: w.n, mean: w.mean, m2: w.m2 });
}

/**
 * The volume threshold of the unusual-data-volume rule: bytes in one hour above
 * mean + max(6 sd, 10 x mean, 1 MB) are unusual. The 10 x mean and 1 MB floors keep steady,
 * low-variance traffic (sd near 0) and quiet hours from alerting on ordinary bursts.
 */
export function volumeThreshold(stats: { mean: number; sd: number } | null): number {
  const mean = stats?.mean ?? 0;
  const sd = stats?.sd ?? 0;
  return mean + Math.max(6 * sd, 10 * mean, VOLUME_FLOOR_BYTES);
}

export const VOLUME_FLOOR_BYTES = 1_000_000;

export const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;

/**
 * Spread `bytes` sent over [firstUs, lastUs] across hour buckets (absolute hour numbers since
 * the epoch), in proportion to the overlap: the pipeline reports a flow's bytes only when it
 * ends, so a uniform rate is the best estimate. Calls `add(hour, bytes, fromUs)` per bucket;
 * at most `maxHours` buckets (the last ones; a longer flow's earlier share is dropped).
 */
export function spreadOverHours(
  firstUs: number,
  lastUs: number,
  bytes: number,
  add: (hour: number, bytes: number, fromUs: number) => void,
  maxHours = 24 * 31,
): void {
  if (!(bytes > 0) || !Number.isFinite(firstUs) || !Number.isFinite(lastUs)) return;
  const lo = Math.min(firstUs, lastUs);
  const hi = Math.max(firstUs, lastUs);
  const h0 = Math.floor(lo / HOUR_US);
  const h1 = Math.floor(hi / HOUR_US);
  if (h0 === h1 || hi === lo) {
    add(h0, bytes, lo);
    return;
  }
  const span = hi - lo;
  const start = Math.max(h0, h1 - maxHours + 1);
  for (let h = start; h <= h1; h++) {
    const a = Math.max(lo, h * HOUR_US);
    const b = Math.min(hi, (h + 1) * HOUR_US);
    if (b <= a && !(h === h1 && b === a)) continue;
    const share = (bytes * (b - a)) / span;
    if (share > 0) add(h, share, a);
  }
}

/** Hour of day (0-23, UTC) of an absolute hour number. */
export function hourOfDay(absHour: number): number {
  return ((absHour % 24) + 24) % 24;
}

/** Remove one sample `x` (previously added) in place: the inverse of welfordAdd. */
export function welfordRemove(w: Welford, x: number): void {
  if (w.n <= 1) {
    w.n = 0;
    w.mean = 0;
    w.m2 = 0;
    return;
  }
  const mean = (w.n * w.mean - x) / (w.n - 1);
  w.m2 = Math.max(0, w.m2 - (x - mean) * (x - w.mean));
  w.mean = mean;
  w.n--;
}
