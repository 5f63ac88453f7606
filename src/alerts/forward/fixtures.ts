import type { Alert } from '../model.js';

/** A realistic alert for tests (a PLC stop), with any field overridden. */
export function sampleAlert(p: Partial<Alert> = {}): Alert {
  return {
    id: 'a1b2c3d4e5f60718293a',
    ruleId: 'ops.controller-stop',
    revision: 1,
    key: '10.20.100.77>10.10.1.10:stop',
    severity: 'critical',
    title: 'PLC 10.10.1.10 put into STOP by 10.20.100.77',
    remediation: 'Call the control room.',
    attack: ['T0858', 'T0816'],
    assets: ['ip:10.10.1.10', 'ip:10.20.100.77'],
    count: 3,
    firstSeenUs: 1_714_550_400_000_000, // 2024-05-01T08:00:00Z
    lastSeenUs: 1_714_554_000_123_456, // 2024-05-01T09:00:00.123456Z
    evidence: ['s7comm PLC Stop 10.20.100.77 -> 10.10.1.10', 's7comm PLC Stop again'],
    protocol: 's7comm',
    status: 'open',
    suppressedBy: null,
    ...p,
  };
}
