import type { Op } from '../../observations/observation.js';

/**
 * DHCP constants: BOOTP header layout, option codes, message types. Names follow Zeek's
 * `base/protocols/dhcp/consts.zeek` (which follow RFC 2132 §9.6 and the IANA registry
 * "DHCP Message Type 53 Values"). Every lookup is total: an unknown code becomes `unknown-<n>`.
 */

/** Fixed BOOTP header before the options (RFC 2131 §2, figure 1): 236 bytes. */
export const BOOTP_HEADER_LEN = 236;
/** The magic cookie 99.130.83.99 that starts the options (RFC 2131 §3, RFC 1497). */
export const MAGIC_COOKIE = 0x63825363;
/** Options walked per message before we stop (a message has at most ~1200 bytes of options). */
export const MAX_OPTIONS = 255;

/** Option codes this dissector reads (RFC 2132 §3-9, RFC 3046, RFC 4702). */
export const Opt = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOST_NAME: 12,
  DOMAIN_NAME: 15,
  REQUESTED_ADDR: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAM_REQUEST_LIST: 55,
  MESSAGE: 56,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  RELAY_AGENT: 82,
  CLIENT_FQDN: 81,
  END: 255,
} as const;

/** Message types (option 53), RFC 2132 §9.6, RFC 3203, RFC 4388, RFC 6926, RFC 7724. */
export const MsgType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

const MSG_TYPES: ReadonlyArray<readonly [number, string, Op]> = [
  [1, 'DISCOVER', 'discovery'],
  [2, 'OFFER', 'discovery'],
  [3, 'REQUEST', 'discovery'],
  [4, 'DECLINE', 'other'],
  [5, 'ACK', 'discovery'],
  [6, 'NAK', 'discovery'],
  [7, 'RELEASE', 'other'],
  [8, 'INFORM', 'discovery'],
  [9, 'FORCERENEW', 'other'],
  [10, 'LEASEQUERY', 'discovery'],
  [11, 'LEASEUNASSIGNED', 'discovery'],
  [12, 'LEASEUNKNOWN', 'discovery'],
  [13, 'LEASEACTIVE', 'discovery'],
  [14, 'BULKLEASEQUERY', 'discovery'],
  [15, 'LEASEQUERYDONE', 'discovery'],
  [16, 'ACTIVELEASEQUERY', 'discovery'],
  [17, 'LEASEQUERYSTATUS', 'discovery'],
  [18, 'TLS', 'other'],
];

const MSG_NAME: string[] = [];
const MSG_OP: Op[] = [];
for (let i = 0; i < 256; i++) {
  MSG_NAME.push(`unknown-${i}`);
  MSG_OP.push('other');
}
for (const [code, name, op] of MSG_TYPES) {
  MSG_NAME[code] = name;
  MSG_OP[code] = op;
}
// A BOOTP message without option 53 (plain BOOTP, or options lost to a bad cookie).
MSG_NAME[0] = 'BOOTP';

/** Message type name (`unknown-<n>` when not in the registry; 0 = no option 53: 'BOOTP'). */
export function msgTypeName(t: number): string {
  return MSG_NAME[t & 0xff] as string;
}
export function msgTypeOp(t: number): Op {
  return MSG_OP[t & 0xff] as Op;
}

/** Messages sent by servers (answers); the others are sent by clients (or relays for them). */
export function isServerMessage(t: number): boolean {
  return t === MsgType.OFFER || t === MsgType.ACK || t === MsgType.NAK || (t >= 11 && t <= 13) || t === 15 || t === 17;
}

/** Client messages that expect no answer (RFC 2131 §4.4.4, §4.4.6). */
export function expectsNoAnswer(t: number): boolean {
  return t === MsgType.DECLINE || t === MsgType.RELEASE;
}

/** BOOTP op field (RFC 951). */
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/**
 * Vendor class id (option 60) prefixes that reveal the client's OS: a guess (precedence 30),
 * since any client can send any string. Checked in order, longest first.
 */
export const VENDOR_CLASS_OS: ReadonlyArray<readonly [string, string]> = [
  ['MSFT 5.0', 'Windows'],
  ['MSFT 98', 'Windows 98'],
  ['MSFT', 'Windows'],
  ['android-dhcp', 'Android'],
  ['dhcpcd', 'Linux'],
  ['udhcp', 'Linux (BusyBox)'],
  ['Linux', 'Linux'],
  ['Cisco Systems', 'Cisco IOS'],
  ['Mac OS', 'macOS'],
  ['iOS', 'iOS'],
];

/** OS guessed from a vendor class id, or '' when nothing matches. */
export function osFromVendorClass(vc: string): string {
  for (const [prefix, os] of VENDOR_CLASS_OS) if (vc.startsWith(prefix)) return os;
  return '';
}
