/** Hand-built inventories for the check tests: assets, links, credentials and a CheckContext. */
import { createHmac } from 'node:crypto';
import type { DefaultCredential } from '../../feeds/model.js';
import type { AssetRecord, AssetRole, CredentialRecord, FactRecord, LinkRecord } from '../../inventory/model.js';
import { TEST_CREDENTIAL_KEY } from '../../testing/fake-context.js';
import type { CheckContext } from '../check.js';

export const T0 = 1_700_000_000_000_000;

export function fp(secret: string): string {
  return createHmac('sha256', TEST_CREDENTIAL_KEY).update(secret).digest('hex').slice(0, 32);
}

export interface AssetSpec {
  ip?: string;
  mac?: string;
  role?: AssetRole;
  vlans?: number[];
  /** [field, value] or [field, value, protocol]. */
  facts?: ([string, string] | [string, string, string])[];
  /** [protocol, role, port]. */
  roles?: [string, 'server' | 'client', number][];
  isRouter?: boolean;
}

export function fact(field: string, value: string, protocol = 'test'): FactRecord {
  return {
    field,
    value,
    protocol,
    source: protocol === 'oui' ? 'ieee-oui' : `${protocol}.${field}`,
    precedence: protocol === 'oui' ? 10 : 100,
    firstSeenUs: T0,
    lastSeenUs: T0 + 1_000_000,
    count: 1,
  };
}

export function asset(key: string, spec: AssetSpec = {}): AssetRecord {
  const ip = spec.ip ?? (key.startsWith('ip:') ? key.slice(3) : undefined);
  return {
    key,
    mac: spec.mac ?? (key.startsWith('mac:') ? key.slice(4) : null),
    ips: ip ? [ip] : [],
    vlans: spec.vlans ?? [],
    isRouter: spec.isRouter ?? false,
    firstSeenUs: T0,
    lastSeenUs: T0 + 10_000_000,
    packetsSent: 10,
    packetsReceived: 10,
    bytesSent: 1000,
    bytesReceived: 1000,
    facts: (spec.facts ?? []).map(([f, v, p]) => fact(f, v, p)),
    roles: (spec.roles ?? []).map(([protocol, role, port]) => ({
      protocol,
      role,
      transport: 'tcp' as const,
      port,
      peers: 1,
      flows: 1,
      firstSeenUs: T0,
      lastSeenUs: T0 + 1_000_000,
    })),
    classification: { role: spec.role ?? 'unknown', confidence: 0.8, reasons: [] },
  };
}

export function link(
  clientKey: string,
  serverKey: string,
  protocol: string,
  port: number,
  transport: LinkRecord['transport'] = 'tcp',
): LinkRecord {
  return {
    clientKey,
    serverKey,
    protocol,
    transport,
    port,
    flows: 2,
    packets: 20,
    bytes: 2000,
    firstSeenUs: T0,
    lastSeenUs: T0 + 5_000_000,
    ops: {},
  };
}

export function cred(
  clientKey: string | null,
  serverKey: string | null,
  protocol: string,
  user: string,
  secret: string | null,
  over: Partial<CredentialRecord> = {},
): CredentialRecord {
  return {
    clientKey,
    serverKey,
    protocol,
    mechanism: 'password',
    user,
    secretFingerprint: secret === null ? null : fp(secret),
    cleartext: true,
    source: `${protocol}.login`,
    successes: 1,
    failures: 0,
    count: 1,
    firstSeenUs: T0,
    lastSeenUs: T0 + 2_000_000,
    ...over,
  };
}

export function defaultCred(
  vendor: string,
  product: string,
  user: string,
  password: string,
  list = 'scadapass',
): DefaultCredential {
  return { vendor, product, user, password, protocol: 'http', access: 'web', list };
}

export function context(over: Partial<CheckContext> = {}): CheckContext {
  return {
    assets: [],
    links: [],
    credentials: [],
    anomalies: [],
    advisories: [],
    kev: new Map(),
    defaultCredentials: [],
    plantInventory: [],
    fingerprint: fp,
    now: '2024-06-01T00:00:00.000Z',
    ...over,
  };
}
