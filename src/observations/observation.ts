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

export type Observation = TransactionObservation | IdentityObservation | AnomalyObservation;
