import type { Dissector, FlowInfo } from '../dissectors/contract.js';
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
): Promise<{ observations: Observation[]; flows: Map<number, FlowInfo>; outcome: AnalysisOutcome }> {
  const observations: Observation[] = [];
  // Observations carry only a flow id: keep the flow (5-tuple, MACs) of each, for goldens that
  // match rows on the connection. L2 contexts all have id 0 and are left out.
  const flows = new Map<number, FlowInfo>();
  const registry = defaultRegistry(opts.dissectors ?? []);
  const outcome = await analyzeCapture(path, {
    registry,
    credentialKey: TEST_CREDENTIAL_KEY,
    onObservation: (o, flow) => {
      observations.push(o);
      if (flow.id !== 0 && !flows.has(flow.id)) flows.set(flow.id, flow);
    },
  });
  return { observations, flows, outcome };
}
