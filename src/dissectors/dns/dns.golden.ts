import { basename, join } from 'node:path';
import { collectObservations } from '../../engine/collect.js';
import type { Observation } from '../../observations/observation.js';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { type GoldenScore, ownGoldenScore } from '../../testing/golden.js';
import { canonicalJson } from '../../testing/zeek-log.js';
import { dnsDissector, llmnrDissector, mdnsDissector } from './dns.dissector.js';

/**
 * Golden-test support for DNS, mDNS and LLMNR (tests only). The corpus has no Zeek dns.log
 * baseline, so our own JSON-lines baselines (reviewed against `tshark -V` of the same traces)
 * are the reference: `golden/<trace>.jsonl`.
 */

const PCAPS = ['pcaps', 'liushiwen555-testing_tools', 'pcaps'];
export const GOLDEN_TRACES: string[][] = [
  [...PCAPS, 'dns', 'dns.pcap'],
  [...PCAPS, 'mdns', 'mdns.pcap'],
  [...PCAPS, 'llmnr', 'llmnr.pcapng'],
];
export const GOLDEN_DIR = join(repoRoot, 'src', 'dissectors', 'dns', 'golden');
const PROTOCOLS = new Set(['dns', 'mdns', 'llmnr']);

export async function observe(...parts: string[]): Promise<Observation[]> {
  const path = corpusPath(...parts);
  return (await collectObservations(path, { dissectors: [dnsDissector, mdnsDissector, llmnrDissector] })).observations;
}

/** Our golden lines: transactions, identities and anomalies of the three protocols, in emission order. */
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
    out.push(ownGoldenScore('dns', goldenFile(parts), goldenLines(await observe(...parts))));
  return out;
}
