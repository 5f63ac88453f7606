import type { Observation } from '../observations/observation.js';
import { type AnalysisOutcome, analyzeCapture } from './analyze.js';

/**
 * Run a capture through the whole pipeline and keep every observation in memory.
 * For tests and golden baselines (small captures), not for production use.
 */
export async function collectObservations(
  path: string,
): Promise<{ observations: Observation[]; outcome: AnalysisOutcome }> {
  const observations: Observation[] = [];
  const outcome = await analyzeCapture(path, { onObservation: (o) => observations.push(o) });
  return { observations, outcome };
}
