import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { collectObservations } from '../../engine/collect.js';
import type { Observation } from '../../observations/observation.js';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson } from '../../testing/zeek-log.js';
import type { Dissector } from '../contract.js';
import { profinetDissector } from './profinet.dissector.js';

/**
 * Golden support for PROFINET (tests only). No peer baseline exists for DCP (ICSNPP's PROFINET
 * parser covers IO-CM over UDP, not DCP), so our own reviewed JSON-lines baselines in ./golden
 * are the reference: one per PROFINET DCP trace of the corpus.
 */

const ITI = ['pcaps', 'iti-ics-security-tools', 'pcaps', 'profinet'];
const IOCM = ['icsnpp', 'icsnpp-profinet-io-cm', 'testing', 'traces'];

/** Traces with DCP (and RT) frames, compared line by line with ./golden/<trace>.jsonl. */
export const GOLDEN_TRACES: readonly string[][] = [
  [...ITI, 'profinet-wireshark-bug.pcap'],
  [...ITI, 'PROFINET-RT-DCP', 'ChangeIPUsingDCP.pcap'],
  [...ITI, 'PROFINET-RT-DCP', 'PROFINET-RT.pcap'],
  [...IOCM, 'profinet_io_cm_mixed_1.pcap'],
  [...IOCM, 'profinet_io_cm_mixed_2.pcapng'],
];

/** Every ICSNPP PROFINET IO-CM trace: must go through without a crash (parser-error anomaly). */
export const NO_CRASH_TRACES: readonly string[][] = [
  'profinet_io_cm.pcap',
  'profinet_io_cm_connect.pcapng',
  'profinet_io_cm_connect_minimal.pcapng',
  'profinet_io_cm_control.pcapng',
  'profinet_io_cm_device.pcapng',
  'profinet_io_cm_read.pcapng',
  'profinet_io_cm_release.pcapng',
  'profinet_io_cm_write.pcapng',
].map((f) => [...IOCM, f]);

export const goldenDir = join(repoRoot, 'src', 'dissectors', 'profinet', 'golden');

export function goldenFile(trace: readonly string[]): string {
  return join(goldenDir, `${basename(trace[trace.length - 1] as string).replace(/\.pcap(ng)?$/, '')}.jsonl`);
}

const runs = new Map<string, Promise<Observation[]>>();
/** Observations of a corpus trace with `d` registered first, computed once per process (also used by lldp/cdp goldens). */
export function observe(
  trace: readonly string[],
  d: Dissector = profinetDissector as Dissector,
): Promise<Observation[]> {
  const path = corpusPath(...trace);
  const key = `${d.name}|${path}`;
  let p = runs.get(key);
  if (!p) {
    p = collectObservations(path, { dissectors: [d] }).then((r) => r.observations);
    runs.set(key, p);
  }
  return p;
}

/** Our golden lines: PROFINET transactions, identities and anomalies, in emission order. */
export function goldenLines(obs: Observation[], protocol = 'profinet'): string[] {
  return obs.filter((o) => o.protocol === protocol && o.kind !== 'credential').map((o) => canonicalJson(o));
}

/** Baseline lines we reproduce (as a multiset), against the reviewed file. */
export function scoreLines(file: string, lines: readonly string[]): { matched: number; total: number } {
  if (!existsSync(file)) return { matched: 0, total: 0 };
  const want = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const have = new Map<string, number>();
  for (const l of lines) have.set(l, (have.get(l) ?? 0) + 1);
  let matched = 0;
  for (const l of want) {
    const n = have.get(l) ?? 0;
    if (n > 0) {
      matched++;
      have.set(l, n - 1);
    }
  }
  return { matched, total: want.length };
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const t of GOLDEN_TRACES) {
    const file = goldenFile(t);
    const { matched, total } = scoreLines(file, goldenLines(await observe(t)));
    out.push({ protocol: 'profinet', baseline: `golden/${basename(file)} (${t[t.length - 1]})`, matched, total });
  }
  return out;
}
