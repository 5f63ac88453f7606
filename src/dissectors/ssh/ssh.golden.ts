import { collectObservations } from '../../engine/collect.js';
import type { Observation } from '../../observations/observation.js';
import { corpusPath } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson } from '../../testing/zeek-log.js';
import { sshDissector } from './ssh.dissector.js';

/**
 * SSH golden support (tests only). The corpus has no Zeek ssh.log; our baselines are JSON lines
 * of every ssh observation, checked against tshark's decode of the same trace when written.
 */
export const SSH_TRACES: string[][] = [['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ssh', 'ssh.pcap']];

export async function sshObservations(parts: string[]): Promise<Observation[]> {
  return (await collectObservations(corpusPath(...parts), { dissectors: [sshDissector] })).observations;
}

export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => o.protocol === 'ssh').map((o) => canonicalJson(o));
}

/** No Zeek/ICSNPP baseline exists for SSH in the corpus: nothing to score. */
export async function goldenScores(): Promise<GoldenScore[]> {
  return [];
}
