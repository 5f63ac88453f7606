/**
 * Observations: the typed events that dissectors emit and everything downstream consumes
 * (inventory, detections, storage). Only dissectors know wire formats; only observations
 * leave them. Times are integer microseconds since the Unix epoch, taken from packets.
 */

/** Protocol names are lower-case, stable identifiers ('modbus', 's7comm', 'enip', 'arp'...). */
export type ProtocolName = string;

/** 0: originator (client) to responder (server); 1: server to client. */
export type Direction = 0 | 1;

/**
 * Protocol-neutral operation class of a transaction, so one rule ("writes from a host that is
 * not an engineering station") covers Modbus, S7, ENIP and DNP3 at once.
 */
export type Op = 'read' | 'write' | 'program' | 'control' | 'firmware' | 'diagnostic' | 'discovery' | 'auth' | 'other';

interface Base {
  /** Packet time of the observation (for a transaction: the request's time). */
  ts: number;
  /** Flow id from the flow table (0 for flowless observations such as ARP). */
  flowId: number;
  protocol: ProtocolName;
}

/** One request/response exchange (or an unanswered request, or an unsolicited response). */
export interface TransactionObservation extends Base {
  kind: 'transaction';
  op: Op;
  /** Protocol function name, upper snake case as in the spec tables: 'READ_HOLDING_REGISTERS', or 'unknown-<n>'. */
  fn: string;
  fnCode: number;
  /** 'ok': answered; 'exception': answered with an error; 'no-response': request without answer; 'unsolicited': response without request. */
  status: 'ok' | 'exception' | 'no-response' | 'unsolicited';
  /** Protocol error name when status is 'exception' (e.g. 'ILLEGAL_DATA_ADDRESS'). */
  exception?: string;
  /** Transaction id when the protocol has one. */
  tid?: number;
  /** Unit / slave / station address. */
  unit?: number;
  address?: number;
  quantity?: number;
  /** Response time in microseconds, when answered. */
  rttUs?: number;
  /** Small protocol-specific extras (sub-function, MEI type...). Never large payloads. */
  detail?: Record<string, string | number | boolean>;
}

/**
 * A transaction with every field present from the start, in one order (the optional ones
 * undefined): the dissectors of every protocol make theirs here, so all transactions share one
 * hidden class and filling in `rttUs` or `exception` later changes no shape.
 */
export function createTransaction(
  ts: number,
  flowId: number,
  protocol: string,
  op: Op,
  fn: string,
  fnCode: number,
  status: TransactionObservation['status'],
): TransactionObservation {
  return {
    kind: 'transaction',
    ts,
    flowId,
    protocol,
    op,
    fn,
    fnCode,
    status,
    tid: undefined,
    unit: undefined,
    address: undefined,
    quantity: undefined,
    rttUs: undefined,
    exception: undefined,
    detail: undefined,
  };
}

/**
 * Identity fields an observation can assert about a device. Open-ended: protocols add their
 * own (a dissector may use any lower-case snake_case name), these are the common ones.
 */
export type IdentityField =
  | 'vendor'
  | 'vendor_id'
  | 'product_name'
  | 'product_code'
  | 'model'
  | 'order_number'
  | 'firmware'
  | 'hardware_revision'
  | 'serial'
  | 'device_name'
  | 'hostname'
  | 'device_type'
  | 'os'
  | 'description'
  | 'url'
  | (string & {});

export interface IdentityFact {
  field: IdentityField;
  value: string;
  /** Where it came from inside the protocol: 'modbus.43/14.VendorName'. */
  source: string;
  /**
   * How much this value should be believed against others for the same field (see
   * `Precedence` in src/inventory/builder.ts): default 100, a device's own identity answer.
   * Names from name services (DNS, DHCP, NetBIOS, mDNS) use 50; guesses from banners 30.
   */
  precedence?: number;
}

/** What a packet says about a device. */
export interface IdentityObservation extends Base {
  kind: 'asset.identity';
  /**
   * Whom the facts describe: the flow's client or server, or an explicit address (DNS answers,
   * ARP and DHCP describe hosts other than the sender).
   */
  about: 'client' | 'server' | { ip?: string; mac?: number };
  facts: IdentityFact[];
}

/** Malformed or suspicious input, with a stable kebab-case code ('modbus-length-mismatch'). */
export interface AnomalyObservation extends Base {
  kind: 'anomaly';
  code: string;
  detail: string;
  /** Which side sent the offending bytes, when known. */
  dir?: Direction;
}

/**
 * A credential seen on the wire: who used it against whom, over which protocol, and whether it
 * crossed the network in the clear. The secret itself is NEVER kept: dissectors call
 * `ctx.fingerprint(secret)` (a keyed HMAC, the key stored with the inventory) and drop the
 * bytes, so a later rule can match the fingerprint against default-password lists and find
 * one password reused on several devices without anyone reading it back.
 */
export interface CredentialObservation extends Base {
  kind: 'credential';
  /** 'password' (FTP, Telnet, HTTP Basic, MQTT), 'community' (SNMP v1/v2c), 'device-password' (BACnet DCC, PLC protection)... */
  mechanism: 'password' | 'community' | 'device-password' | 'hash' | 'token' | 'certificate' | (string & {});
  /** User name when the protocol has one ('' when it has none, e.g. SNMP communities). Names are not secrets. */
  user: string;
  /** `ctx.fingerprint(secret)`, or null when only the user name was seen. */
  secretFingerprint: string | null;
  /** The secret crossed the wire unencrypted (readable by anyone on the path). */
  cleartext: boolean;
  /** Whether the server accepted it, when the protocol says. */
  outcome: 'success' | 'failure' | 'unknown';
  /** Where in the protocol: 'ftp.USER/PASS', 'http.authorization.basic', 'snmp.community'. */
  source: string;
  /** The side that presented the credential (usually the client) logs into the other side. */
  by: 'client' | 'server';
}

export type Observation = TransactionObservation | IdentityObservation | AnomalyObservation | CredentialObservation;
