import { createHmac } from 'node:crypto';
import type { DissectContext, FlowInfo } from '../dissectors/contract.js';
import type {
  AnomalyObservation,
  CredentialObservation,
  Direction,
  IdentityObservation,
  Observation,
  TransactionObservation,
} from '../observations/observation.js';

/** A flow for dissector unit tests (override what the test needs). */
export function testFlow(over: Partial<FlowInfo> = {}): FlowInfo {
  return {
    id: 7,
    transport: 'tcp',
    clientIp: '10.0.0.2',
    serverIp: '10.0.0.1',
    clientPort: 49152,
    serverPort: 0,
    clientMac: 0x000c29aabbcc,
    serverMac: 0x001b1b010203,
    vlan: 0,
    ...over,
  };
}

/** The fixed key fingerprints use in tests (the product uses the inventory's random key). */
export const TEST_CREDENTIAL_KEY = Buffer.from('plantwarden-test-key-0123456789ab');

/**
 * A DissectContext that records everything a dissector reports, for unit tests that drive a
 * dissector directly: set `tsUs` and `dir` before each `parse` call (or use `feed`).
 */
export class FakeContext implements DissectContext {
  tsUs = 1_000_000;
  dir: Direction = 0;
  readonly out: Observation[] = [];
  readonly anomalies: { code: string; detail: string }[] = [];
  readonly violations: string[] = [];

  constructor(readonly flow: FlowInfo = testFlow()) {}

  emit(obs: Observation): void {
    this.out.push(obs);
  }
  anomaly(code: string, detail: string): void {
    this.anomalies.push({ code, detail });
  }
  violation(reason: string): void {
    this.violations.push(reason);
  }
  fingerprint(secret: Uint8Array | string): string {
    return createHmac('sha256', TEST_CREDENTIAL_KEY).update(secret).digest('hex').slice(0, 32);
  }

  get transactions(): TransactionObservation[] {
    return this.out.filter((o): o is TransactionObservation => o.kind === 'transaction');
  }
  get identities(): IdentityObservation[] {
    return this.out.filter((o): o is IdentityObservation => o.kind === 'asset.identity');
  }
  get credentials(): CredentialObservation[] {
    return this.out.filter((o): o is CredentialObservation => o.kind === 'credential');
  }
  get anomalyObservations(): AnomalyObservation[] {
    return this.out.filter((o): o is AnomalyObservation => o.kind === 'anomaly');
  }
  /** All identity facts as `field=value` strings, handy for assertions. */
  get facts(): string[] {
    return this.identities.flatMap((i) => i.facts.map((f) => `${f.field}=${f.value}`));
  }
}
