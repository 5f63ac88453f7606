import { basename, join } from 'node:path';
import { collectObservations } from '../../engine/collect.js';
import type { Observation } from '../../observations/observation.js';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { type GoldenScore, ownGoldenScore } from '../../testing/golden.js';
import { canonicalJson } from '../../testing/zeek-log.js';
import { nbnsDissector } from './nbns.dissector.js';
import { netbiosDgmDissector } from './netbios-dgm.dissector.js';

/**
 * Golden-test support for NetBIOS name and datagram services (tests only). The corpus has no Zeek NetBIOS log
 * baseline, so our own JSON-lines baselines (reviewed against `tshark -V` of the same traces)
 * are the reference: `golden/<trace>.jsonl`.
 */

const PCAPS = ['pcaps', 'liushiwen555-testing_tools', 'pcaps'];
export const GOLDEN_TRACES: string[][] = [
  [...PCAPS, 'nbns', 'nbns.pcap'],
  [...PCAPS, 'nbds', 'nbds.pcap'],
];
export const GOLDEN_DIR = join(repoRoot, 'src', 'dissectors', 'nbns', 'golden');
const PROTOCOLS = new Set(['nbns', 'netbios-dgm']);

export async function observe(...parts: string[]): Promise<Observation[]> {
  const path = corpusPath(...parts);
  return (await collectObservations(path, { dissectors: [nbnsDissector, netbiosDgmDissector] })).observations;
}

/** Our golden lines: transactions, identities and anomalies of both protocols, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => PROTOCOLS.has(o.protocol)).map((o) => canonicalJson(o));
}

export function goldenFile(parts: string[]): string {
  return join(GOLDEN_DIR, `${basename(parts[parts.length - 1] as string).replace(/\.pcap(ng)?$/, '')}.jsonl`);
}

/** Lines equal to the reviewed baseline, position by position. */
export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const parts of GOLDEN_TRACES)
    out.push(ownGoldenScore('nbns', goldenFile(parts), goldenLines(await observe(...parts))));
  return out;
}
