import type { Dissector } from '../dissectors/contract.js';
import { defaultRegistry } from '../dissectors/index.js';
import type { Observation } from '../observations/observation.js';
import { TEST_CREDENTIAL_KEY } from '../testing/fake-context.js';
import { type AnalysisOutcome, analyzeCapture } from './analyze.js';

/**
 * Run a capture through the whole pipeline and keep every observation in memory.
 * For tests and golden baselines (small captures), not for production use. `dissectors` are
 * registered in front of the default ones (a dissector under development can be tested before
 * it is in the default registry). Credential fingerprints use the fixed test key.
 */
export async function collectObservations(
  path: string,
  opts: { dissectors?: readonly Dissector[] } = {},
): Promise<{ observations: Observation[]; outcome: AnalysisOutcome }> {
  const observations: Observation[] = [];
  const registry = defaultRegistry(opts.dissectors ?? []);
  const outcome = await analyzeCapture(path, {
    registry,
    credentialKey: TEST_CREDENTIAL_KEY,
    onObservation: (o) => observations.push(o),
  });
  return { observations, outcome };
}
