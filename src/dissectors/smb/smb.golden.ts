import { collectObservations } from '../../engine/collect.js';
import type { Observation } from '../../observations/observation.js';
import { corpusPath } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson } from '../../testing/zeek-log.js';
import { smbDissector } from './smb.dissector.js';

/**
 * SMB golden support (tests only). The corpus has no Zeek smb/ntlm logs; our baselines are JSON
 * lines of every smb observation, reviewed against tshark's decode of the same traces.
 */
const LIU = ['pcaps', 'liushiwen555-testing_tools', 'pcaps'];
export const SMB_TRACES: string[][] = [
  [...LIU, 'smb', 'smb.pcap'],
  [...LIU, 'smb', 'smb2.pcap'],
  [...LIU, 'smb', 'smb3.pcap'],
  [...LIU, 'nbss', 'nbss.pcap'],
  [...LIU, 'ICS', 'enip', 'cip_1.pcap'],
  ['icsnpp', 'icsnpp-hart-ip', 'testing', 'traces', 'hart-ip.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 'openics', 'EIP-IPAddressChangeAttempt.pcap'],
];

export async function smbObservations(parts: string[]): Promise<Observation[]> {
  return (await collectObservations(corpusPath(...parts), { dissectors: [smbDissector] })).observations;
}

export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => o.protocol === 'smb').map((o) => canonicalJson(o));
}

/** No Zeek/ICSNPP baseline exists for SMB in the corpus: nothing to score. */
export async function goldenScores(): Promise<GoldenScore[]> {
  return [];
}
