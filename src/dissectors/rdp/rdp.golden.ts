import type { GoldenScore } from '../../testing/golden.js';

/**
 * The corpus has no RDP capture and no Zeek rdp.log baseline (INDEX_pcaps.csv protocol_hints), so
 * there is nothing to score: the annotated-byte tests in rdp.dissector.test.ts are the reference.
 */
export async function goldenScores(): Promise<GoldenScore[]> {
  return [];
}
