/**
 * The inventory as the analysis hands it to the store, and as the store gives it back.
 * Times are integer microseconds since the Unix epoch (packet time).
 *
 * Asset identity: an asset is keyed by its MAC address (`mac:00:1b:1b:01:02:03`) when it is
 * seen on the local segment, or by IP (`ip:10.0.0.5`) when its IPs arrive behind a router's
 * MAC or on a link without MACs. A MAC that carries many IPs is a router: its IPs become
 * assets of their own and the router keeps the MAC key.
 */

export type AssetRole =
  | 'plc'
  | 'hmi'
  | 'engineering-workstation'
  | 'historian'
  | 'network-device'
  | 'it-host'
  | 'unknown';

/** The roles of operational technology: controllers and the hosts that run or program them. */
export const OT_ROLES: ReadonlySet<string> = new Set<AssetRole>(['plc', 'hmi', 'engineering-workstation', 'historian']);

export interface Classification {
  role: AssetRole;
  /** 0..1, how strongly the evidence points at `role`. */
  confidence: number;
  /** Plain-language reasons, most important first ("serves Modbus/TCP on 502 to 3 clients"). */
  reasons: string[];
}

export interface FactRecord {
  field: string;
  value: string;
  protocol: string;
  /** Protocol field the value was read from ('modbus.43/14.VendorName', 'oui'). */
  source: string;
  /** Precedence: higher beats lower when values disagree (device's own identity response > OUI). */
  precedence: number;
  firstSeenUs: number;
  lastSeenUs: number;
  count: number;
}

export interface RoleRecord {
  protocol: string;
  role: 'server' | 'client';
  transport: 'tcp' | 'udp' | 'l2';
  /** Server port (for both roles: the port the protocol was served on). 0 for L2. */
  port: number;
  /** Number of distinct peers in that role. */
  peers: number;
  flows: number;
  firstSeenUs: number;
  lastSeenUs: number;
}

export interface AssetRecord {
  key: string;
  mac: string | null;
  ips: string[];
  vlans: number[];
  isRouter: boolean;
  firstSeenUs: number;
  lastSeenUs: number;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  facts: FactRecord[];
  roles: RoleRecord[];
  classification: Classification;
}

export interface LinkRecord {
  clientKey: string;
  serverKey: string;
  protocol: string;
  transport: 'tcp' | 'udp' | 'icmp' | 'l2' | 'other';
  port: number;
  flows: number;
  packets: number;
  bytes: number;
  firstSeenUs: number;
  lastSeenUs: number;
  /** Operation counts seen on this link: 'modbus:READ_HOLDING_REGISTERS' -> n. */
  ops: Record<string, number>;
}

export interface AnomalyRecord {
  code: string;
  protocol: string;
  /** Asset the anomaly is attributed to (the sender), when known. */
  assetKey: string | null;
  count: number;
  firstSeenUs: number;
  lastSeenUs: number;
  /** One example detail (the first seen). */
  example: string;
}

/**
 * A credential seen on the wire, aggregated: who presented it (client) to whom (server), with
 * the secret only as a keyed fingerprint (never in plain text).
 */
export interface CredentialRecord {
  /** Asset that presented the credential (null when it is not an asset, e.g. never answered). */
  clientKey: string | null;
  /** Asset it was presented to. */
  serverKey: string | null;
  protocol: string;
  mechanism: string;
  /** User name ('' when the protocol has none). */
  user: string;
  /** HMAC-SHA-256 (inventory key) of the secret, 32 hex characters; null when no secret was seen. */
  secretFingerprint: string | null;
  /** The secret crossed the wire in the clear. */
  cleartext: boolean;
  /** Protocol field it was read from ('ftp.USER/PASS'). */
  source: string;
  successes: number;
  failures: number;
  /** Times seen in all (successes + failures + unknown outcomes). */
  count: number;
  firstSeenUs: number;
  lastSeenUs: number;
}

export interface AnalysisRecord {
  /** Content id: sha-like id of (source name, size, first packet time) so re-running is detected. */
  id: string;
  source: string;
  format: string;
  startedAt: string;
  finishedAt: string;
  packets: number;
  bytes: number;
  firstPacketUs: number;
  lastPacketUs: number;
  /** Full summary as JSON: link types, skipped, stop reason, protocol counts... */
  summary: Record<string, unknown>;
}

/** Everything one analysis contributes, merged into the store in one transaction. */
export interface InventorySnapshot {
  analysis: AnalysisRecord;
  assets: AssetRecord[];
  links: LinkRecord[];
  anomalies: AnomalyRecord[];
  credentials: CredentialRecord[];
}
