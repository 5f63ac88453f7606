import { basename, join } from 'node:path';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import type { Dissector } from '../contract.js';
import { goldenLines, observe, scoreLines } from '../profinet/profinet.golden.js';
import { lldpDissector } from './lldp.dissector.js';

/**
 * Golden support for LLDP (tests only). Zeek and ICSNPP have no LLDP log, so our own reviewed
 * JSON-lines baselines in ./golden are the reference (their values checked against Wireshark's
 * dissection of the same frames when they were written).
 */

const LIU = ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'lldp'];
export const GOLDEN_TRACES: readonly string[][] = [
  [...LIU, 'lldp.detailed.pcap'],
  [...LIU, 'lldp.minimal.pcap'],
  [...LIU, 'lldpmed_civicloc.pcap'],
  ['icsnpp', 'icsnpp-profinet-io-cm', 'testing', 'traces', 'profinet_io_cm_mixed_1.pcap'],
  ['icsnpp', 'icsnpp-enip', 'tests', 'traces', 'enip_cip_example.pcap'],
];

const dir = join(repoRoot, 'src', 'dissectors', 'lldp', 'golden');
export function goldenFile(trace: readonly string[]): string {
  return join(dir, `${basename(trace[trace.length - 1] as string).replace(/\.pcap(ng)?$/, '')}.jsonl`);
}
export const observeLldp = (t: readonly string[]) => observe(t, lldpDissector as Dissector);
export const lldpLines = (obs: Parameters<typeof goldenLines>[0]) => goldenLines(obs, 'lldp');

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const t of GOLDEN_TRACES) {
    const file = goldenFile(t);
    const { matched, total } = scoreLines(file, lldpLines(await observeLldp(t)));
    out.push({ protocol: 'lldp', baseline: `golden/${basename(file)} (${t[t.length - 1]})`, matched, total });
  }
  return out;
}
