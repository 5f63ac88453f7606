import type { FlowInfo } from '../dissectors/contract.js';
import type { AnomalyObservation, Op, TransactionObservation } from '../observations/observation.js';
import type { HostView, RuleContext, RuleEvent } from './contract.js';

/** Test helpers for rules: a flow, transactions and a context with hosts given by role. */
export function flow(clientIp = '10.0.0.5', serverIp = '10.0.0.9', p: Partial<FlowInfo> = {}): FlowInfo {
  return {
    id: 1,
    transport: 'tcp',
    clientIp,
    serverIp,
    clientPort: 50000,
    serverPort: 102,
    clientMac: 0x001b1b010203,
    serverMac: 0x001b1b010204,
    vlan: 0,
    ...p,
  };
}

export function tx(
  protocol: string,
  op: Op,
  fn: string,
  p: Partial<TransactionObservation> = {},
): TransactionObservation {
  return { kind: 'transaction', ts: 1_700_000_000_000_000, flowId: 1, protocol, op, fn, fnCode: 0, status: 'ok', ...p };
}

export function anomaly(protocol: string, code: string, p: Partial<AnomalyObservation> = {}): AnomalyObservation {
  return { kind: 'anomaly', ts: 1_700_000_000_000_000, flowId: 1, protocol, code, detail: 'x', dir: 0, ...p };
}

export function obsEvent(obs: TransactionObservation | AnomalyObservation, f: FlowInfo = flow()): RuleEvent {
  return { kind: 'observation', obs, flow: f };
}

/** A context whose hosts have the given roles (others unknown); 'ews' marks listed stations. */
export function fakeContext(roles: Record<string, HostView['role'] | 'ews-listed'> = {}): RuleContext {
  return {
    host(ip) {
      const r = roles[ip];
      const role = r === undefined || r === 'ews-listed' ? 'unknown' : r;
      return {
        assetKey: r === undefined ? null : `ip:${ip}`,
        role,
        zone: null,
        level: null,
        engineering: r === 'ews-listed' || r === 'engineering-workstation',
        label: ip,
      };
    },
    baseline: null,
    policy: null,
    state: new Map(),
  };
}
