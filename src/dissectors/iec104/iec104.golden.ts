import { basename, join } from 'node:path';
import { collectObservations } from '../../engine/collect.js';
import type { Observation } from '../../observations/observation.js';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import { type GoldenScore, ownGoldenScore } from '../../testing/golden.js';
import { canonicalJson } from '../../testing/zeek-log.js';
import { iec104Dissector } from './iec104.dissector.js';

/**
 * Golden-test support for IEC 60870-5-104. Neither Zeek nor ICSNPP ship IEC 104 baselines in the
 * corpus, so our reviewed JSON-lines baselines (./golden) are the golden comparison; the scores
 * count baseline lines reproduced. Tests only.
 */

export const GOLDEN_TRACES: readonly (readonly string[])[] = [
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 'IEC60870-5-104', '090813_diverse.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 'IEC60870-5-104', 'JavaRMI_and_IEC_Misc.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 'IEC60870-5-104', 'TestDissectIec104.pcap'],
  ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 'iec104', 'iec104.pcap'],
];

export const GOLDEN_DIR = join(repoRoot, 'src', 'dissectors', 'iec104', 'golden');

export function goldenStem(parts: readonly string[]): string {
  return basename(parts[parts.length - 1] as string, '.pcap');
}

/** Our golden lines: IEC 104 transactions, identities and anomalies, in emission order. */
export function goldenLines(obs: readonly Observation[]): string[] {
  return obs.filter((o) => o.protocol === 'iec104' && o.kind !== 'credential').map((o) => canonicalJson(o));
}

export async function observeLines(parts: readonly string[]): Promise<string[]> {
  const { observations } = await collectObservations(corpusPath(...parts), { dissectors: [iec104Dissector] });
  return goldenLines(observations);
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const parts of GOLDEN_TRACES) {
    out.push(ownGoldenScore('iec104', join(GOLDEN_DIR, `${goldenStem(parts)}.jsonl`), await observeLines(parts)));
  }
  return out;
}
