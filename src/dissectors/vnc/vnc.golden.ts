import type { GoldenScore } from '../../testing/golden.js';

/**
 * The corpus has no VNC capture and no Zeek vnc.log baseline (INDEX_pcaps.csv protocol_hints), so
 * there is nothing to score: the annotated-byte tests in vnc.dissector.test.ts are the reference.
 */
export async function goldenScores(): Promise<GoldenScore[]> {
  return [];
}
