import { LIMITS } from '../../bytes/errors.js';

/**
 * Pure MQTT parsers: MQTT 3.1 (IBM/Eurotech, protocol name "MQIsdp", level 3), 3.1.1 (OASIS
 * 2014, "MQTT", level 4) and 5.0 (OASIS 2019, level 5). Bytes in, fields out; nothing here keeps
 * state or throws. Section numbers are MQTT 5.0's ("v5 §x"), with 3.1.1's where it differs.
 *
 * Fixed header (v5 §2.1):
 * ```
 *  0  type u4 | flags u4   1 CONNECT 2 CONNACK 3 PUBLISH 4 PUBACK 5 PUBREC 6 PUBREL 7 PUBCOMP
 *                          8 SUBSCRIBE 9 SUBACK 10 UNSUBSCRIBE 11 UNSUBACK 12 PINGREQ 13 PINGRESP
 *                          14 DISCONNECT 15 AUTH (v5); flags 0 except PUBLISH (dup, qos, retain)
 *                          and PUBREL/SUBSCRIBE/UNSUBSCRIBE (0b0010)
 *  1  remaining length     variable byte integer, 1-4 bytes (7 bits each, bit 7 = more)
 * ```
 * Strings are u16 length + UTF-8; binary data u16 length + bytes; v5 properties are a variable
 * byte integer length + properties (skipped here: we only need their length).
 */

export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
} as const;

const TYPE_NAMES = [
  'unknown-0',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
];
export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `unknown-${t}`;
}

/** Flags the fixed header must carry for a type (v5 §2.1.3); -1 = PUBLISH (any but qos 3). */
export function requiredFlags(t: number): number {
  if (t === PacketType.PUBLISH) return -1;
  return t === PacketType.PUBREL || t === PacketType.SUBSCRIBE || t === PacketType.UNSUBSCRIBE ? 2 : 0;
}

export type MqttParseError =
  | 'mqtt-remaining-length-malformed'
  | 'mqtt-bad-packet-type'
  | 'mqtt-bad-flags'
  | 'mqtt-bad-qos'
  | 'mqtt-field-truncated'
  | 'mqtt-bad-protocol-name'
  | 'mqtt-unknown-protocol-level'
  | 'mqtt-connect-reserved-flag'
  | 'mqtt-password-without-username'
  | 'mqtt-trailing-data';

/** Protocol level -> version string as Zeek's mqtt_connect.log spells it. */
export function versionName(level: number): string {
  return level === 3 ? '3.1' : level === 4 ? '3.1.1' : level === 5 ? '5.0' : `unknown-${level}`;
}

/** CONNACK return codes of 3.1/3.1.1 (3.1.1 §3.2.2.3), in Zeek's spelling. */
const RETURN_CODES = [
  'Connection Accepted',
  'Refused: unacceptable protocol version',
  'Refused: identifier rejected',
  'Refused: server unavailable',
  'Refused: bad user name or password',
  'Refused: not authorized',
];
/** The same as exception names. */
const RETURN_CODE_NAMES = [
  'CONNECTION_ACCEPTED',
  'UNACCEPTABLE_PROTOCOL_VERSION',
  'IDENTIFIER_REJECTED',
  'SERVER_UNAVAILABLE',
  'BAD_USER_NAME_OR_PASSWORD',
  'NOT_AUTHORIZED',
];
/** v5 reason codes (v5 §2.4) a broker sends in CONNACK/PUBACK/SUBACK. */
const REASON_CODES: Record<number, string> = {
  0: 'SUCCESS',
  1: 'GRANTED_QOS_1',
  2: 'GRANTED_QOS_2',
  16: 'NO_MATCHING_SUBSCRIBERS',
  17: 'NO_SUBSCRIPTION_EXISTED',
  128: 'UNSPECIFIED_ERROR',
  129: 'MALFORMED_PACKET',
  130: 'PROTOCOL_ERROR',
  131: 'IMPLEMENTATION_SPECIFIC_ERROR',
  132: 'UNSUPPORTED_PROTOCOL_VERSION',
  133: 'CLIENT_IDENTIFIER_NOT_VALID',
  134: 'BAD_USER_NAME_OR_PASSWORD',
  135: 'NOT_AUTHORIZED',
  136: 'SERVER_UNAVAILABLE',
  137: 'SERVER_BUSY',
  138: 'BANNED',
  140: 'BAD_AUTHENTICATION_METHOD',
  143: 'TOPIC_FILTER_INVALID',
  144: 'TOPIC_NAME_INVALID',
  145: 'PACKET_IDENTIFIER_IN_USE',
  151: 'QUOTA_EXCEEDED',
  153: 'PAYLOAD_FORMAT_INVALID',
  154: 'RETAIN_NOT_SUPPORTED',
  155: 'QOS_NOT_SUPPORTED',
  156: 'USE_ANOTHER_SERVER',
  157: 'SERVER_MOVED',
  159: 'CONNECTION_RATE_EXCEEDED',
};

/** CONNACK status text (Zeek's `connect_status`; v5 codes by name). */
export function connectStatusText(level: number, code: number): string {
  if (level === 5) return REASON_CODES[code] ?? `unknown-${code}`;
  return RETURN_CODES[code] ?? `unknown-${code}`;
}
export function connectCodeName(level: number, code: number): string {
  if (level === 5) return REASON_CODES[code] ?? `unknown-${code}`;
  return RETURN_CODE_NAMES[code] ?? `unknown-${code}`;
}
export function reasonName(code: number): string {
  return REASON_CODES[code] ?? `unknown-${code}`;
}

/** Result of reading a variable byte integer (v5 §1.5.5). */
export interface Varint {
  value: number;
  /** Bytes used; 0 = need more bytes; -1 = malformed (more than 4 bytes). */
  size: number;
}

export function newVarint(): Varint {
  return { value: 0, size: 0 };
}

export function readVarint(buf: Uint8Array, pos: number, end: number, out: Varint): void {
  let value = 0;
  let mult = 1;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= end) {
      out.size = 0;
      return;
    }
    const b = buf[pos + i] as number;
    value += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) {
      out.value = value;
      out.size = i + 1;
      return;
    }
    mult *= 128;
  }
  out.size = -1;
}

/** Printable text of `len` bytes (Latin-1 view of UTF-8, control characters replaced, capped). */
export function text(buf: Uint8Array, off: number, len: number): string {
  const end = Math.min(len, LIMITS.maxString);
  let s = '';
  for (let i = 0; i < end; i++) {
    const c = buf[off + i] as number;
    s += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
  }
  return s;
}

/**
 * CONNECT (v5 §3.1; 3.1.1 §3.1), after the fixed header:
 * ```
 *  protocol name    string   "MQTT" (3.1.1, 5.0) or "MQIsdp" (3.1)
 *  protocol level   u8       3, 4 or 5
 *  connect flags    u8       7 user name, 6 password, 5 will retain, 4-3 will QoS, 2 will flag,
 *                            1 clean session, 0 reserved (must be 0)
 *  keep alive       u16      seconds
 *  properties       v5 only
 *  client id        string
 *  will properties  v5 only, when will flag
 *  will topic       string   when will flag
 *  will payload     binary   when will flag
 *  user name        string   when flag 7
 *  password         binary   when flag 6
 * ```
 * The password is reported as its offset and length only: the caller fingerprints it and
 * drops it.
 */
export interface MqttConnect {
  protoName: string;
  level: number;
  flags: number;
  keepAlive: number;
  clientId: string;
  willTopic: string | null;
  willPayloadLen: number;
  user: string | null;
  /** Offset/length of the password bytes in the buffer; -1 when absent. */
  passwordOff: number;
  passwordLen: number;
}

export function parseConnect(
  buf: Uint8Array,
  off: number,
  len: number,
): { c: MqttConnect; error: MqttParseError | null } {
  const c: MqttConnect = {
    protoName: '',
    level: 0,
    flags: 0,
    keepAlive: 0,
    clientId: '',
    willTopic: null,
    willPayloadLen: 0,
    user: null,
    passwordOff: -1,
    passwordLen: 0,
  };
  const end = off + len;
  let p = off;
  const str = (): number => {
    if (end - p < 2) return -1;
    const n = ((buf[p] as number) << 8) | (buf[p + 1] as number);
    if (end - p - 2 < n) return -1;
    p += 2;
    return n;
  };
  let n = str();
  if (n < 0) return { c, error: 'mqtt-field-truncated' };
  c.protoName = text(buf, p, n);
  p += n;
  if (end - p < 4) return { c, error: 'mqtt-field-truncated' };
  c.level = buf[p] as number;
  c.flags = buf[p + 1] as number;
  c.keepAlive = ((buf[p + 2] as number) << 8) | (buf[p + 3] as number);
  p += 4;
  let error: MqttParseError | null = null;
  if (c.protoName !== 'MQTT' && c.protoName !== 'MQIsdp') error = 'mqtt-bad-protocol-name';
  else if (c.level < 3 || c.level > 5) error = 'mqtt-unknown-protocol-level';
  else if (c.flags & 0x01) error = 'mqtt-connect-reserved-flag';
  const v5 = c.level === 5;
  if (v5 && !skipProperties(buf, p, end, (q) => (p = q))) return { c, error: 'mqtt-field-truncated' };
  n = str();
  if (n < 0) return { c, error: 'mqtt-field-truncated' };
  c.clientId = text(buf, p, n);
  p += n;
  if (c.flags & 0x04) {
    if (v5 && !skipProperties(buf, p, end, (q) => (p = q))) return { c, error: 'mqtt-field-truncated' };
    n = str();
    if (n < 0) return { c, error: 'mqtt-field-truncated' };
    c.willTopic = text(buf, p, n);
    p += n;
    n = str();
    if (n < 0) return { c, error: 'mqtt-field-truncated' };
    c.willPayloadLen = n;
    p += n;
  }
  if (c.flags & 0x80) {
    n = str();
    if (n < 0) return { c, error: 'mqtt-field-truncated' };
    c.user = text(buf, p, n);
    p += n;
  }
  if (c.flags & 0x40) {
    n = str();
    if (n < 0) return { c, error: 'mqtt-field-truncated' };
    c.passwordOff = p;
    c.passwordLen = n;
    p += n;
    // 3.1.1 §3.1.2.9: a password without a user name is a protocol violation (allowed in 5.0).
    if (!(c.flags & 0x80) && c.level === 4) error ??= 'mqtt-password-without-username';
  }
  if (p < end) error ??= 'mqtt-trailing-data';
  return { c, error };
}

/** Skips v5 properties at `p` (varint length + bytes); false when they run past `end`. */
function skipProperties(buf: Uint8Array, p: number, end: number, set: (q: number) => void): boolean {
  readVarint(buf, p, end, vi);
  if (vi.size <= 0 || end - p - vi.size < vi.value) return false;
  set(p + vi.size + vi.value);
  return true;
}
const vi = newVarint();

/**
 * Offset after the v5 properties at `p`, or -1 when they run past `end`. For 3.1/3.1.1 (no
 * properties) returns `p`.
 */
export function afterProperties(buf: Uint8Array, p: number, end: number, level: number): number {
  if (level !== 5) return p;
  readVarint(buf, p, end, vi);
  if (vi.size <= 0 || end - p - vi.size < vi.value) return -1;
  return p + vi.size + vi.value;
}

/**
 * PUBLISH (v5 §3.3): topic string, packet id u16 when QoS > 0, v5 properties, payload (the
 * rest). Fills the caller's struct; `payloadLen` is computed from the remaining length, so a
 * PUBLISH whose payload is not all buffered still parses.
 */
export interface MqttPublish {
  topicOff: number;
  topicLen: number;
  packetId: number;
  payloadLen: number;
}

export function newPublish(): MqttPublish {
  return { topicOff: 0, topicLen: 0, packetId: -1, payloadLen: 0 };
}

/** `avail` bytes of the `remaining` are in the buffer from `off`. */
export function parsePublish(
  buf: Uint8Array,
  off: number,
  avail: number,
  remaining: number,
  qos: number,
  level: number,
  out: MqttPublish,
): MqttParseError | null {
  out.packetId = -1;
  out.payloadLen = 0;
  out.topicOff = off + 2;
  out.topicLen = 0;
  const end = off + avail;
  if (avail < 2) return 'mqtt-field-truncated';
  const n = ((buf[off] as number) << 8) | (buf[off + 1] as number);
  if (avail - 2 < n) return 'mqtt-field-truncated';
  out.topicLen = n;
  let p = off + 2 + n;
  if (qos > 0) {
    if (end - p < 2) return 'mqtt-field-truncated';
    out.packetId = ((buf[p] as number) << 8) | (buf[p + 1] as number);
    p += 2;
  }
  const q = afterProperties(buf, p, end, level);
  if (q < 0) return 'mqtt-field-truncated';
  out.payloadLen = remaining - (q - off);
  return null;
}
