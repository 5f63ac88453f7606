import type { KevEntry } from '../feeds/model.js';
import type { AssetRecord } from '../inventory/model.js';
import { loadCorpusAdvisories, syntheticAsset, versionInside } from './csaf-cases.js';
import { AdvisoryIndex, matchAsset } from './match.js';

/** What `benchMatch` measured (milliseconds, counts). */
export interface MatchBenchResult {
  assets: number;
  advisories: number;
  products: number;
  matches: number;
  loadMs: number;
  indexMs: number;
  matchMs: number;
  /** Index + match: the time the 10 s budget is about. */
  totalMs: number;
}

/**
 * Matching benchmark (benchmarks and tests only: reads the corpus). Builds `count` synthetic
 * assets from the corpus product trees (vendor, order number or product name, a firmware
 * inside the product's range; every fourth asset an unidentified device of a known vendor)
 * and times indexing all 2017-2022 advisories plus matching every asset against them.
 */
export function benchMatch(count = 10_000): MatchBenchResult {
  const t0 = performance.now();
  const advisories = loadCorpusAdvisories();
  const t1 = performance.now();
  const leaves = advisories.flatMap((a) => a.products.filter((p) => p.status === 'known_affected'));
  const assets: AssetRecord[] = [];
  for (let i = 0; i < count && leaves.length > 0; i++) {
    const p = leaves[(i * 7919) % leaves.length]!;
    if (i % 4 === 3) {
      assets.push(syntheticAsset(`bench:${i}`, { vendor: p.vendor, firmware: '1.0' }));
      continue;
    }
    const r = p.affected[0];
    const firmware = r ? versionInside(r) : null;
    assets.push(
      syntheticAsset(`bench:${i}`, {
        vendor: p.vendor,
        order_number: p.models[0],
        product_name: p.models.length > 0 ? null : p.product,
        firmware,
      }),
    );
  }
  const kev = new Map<string, KevEntry>();
  const t2 = performance.now();
  const index = new AdvisoryIndex(advisories);
  const t3 = performance.now();
  let matches = 0;
  for (const a of assets) matches += matchAsset(a, index, kev).length;
  const t4 = performance.now();
  return {
    assets: assets.length,
    advisories: advisories.length,
    products: index.products,
    matches,
    loadMs: Math.round(t1 - t0),
    indexMs: Math.round(t3 - t2),
    matchMs: Math.round(t4 - t3),
    totalMs: Math.round(t4 - t2),
  };
}
