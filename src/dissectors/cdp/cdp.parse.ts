/**
 * Pure CDP parsers (Cisco Discovery Protocol v1/v2; no public standard: Cisco's "CDP" pages,
 * Wireshark's `packet-cdp.c`). Bytes in, fields out; nothing here keeps state or throws.
 *
 * CDP rides in 802.3 LLC/SNAP frames (DSAP/SSAP 0xAA, OUI 00-00-0C, protocol id 0x2000) to
 * 01:00:0c:cc:cc:cc. After the SNAP header:
 * ```
 *  0  version    u8    1 or 2
 *  1  TTL        u8    seconds the receiver keeps the information
 *  2  checksum   u16   IP checksum over the whole PDU (odd lengths: see cdpChecksumOk)
 *  4  TLVs       type u16, length u16 (including these 4 bytes), value
 * ```
 * TLVs:
 * ```
 *  0x01 Device ID         text (host name, sometimes the serial number)
 *  0x02 Addresses         count u32, then count * (protocol type u8 (1 NLPID, 2 802.2),
 *                         protocol length u8, protocol (NLPID 0xCC = IPv4; 802.2 AAAA0300000086DD
 *                         = IPv6), address length u16, address)
 *  0x03 Port ID           text (interface the frame was sent from)
 *  0x04 Capabilities      u32 bits (CAPABILITY_NAMES)
 *  0x05 Software Version  text (IOS banner, several lines)
 *  0x06 Platform          text ("cisco WS-C2950-12")
 *  0x09 VTP domain        text
 *  0x0A Native VLAN       u16
 *  0x0B Duplex            u8 (0 half, 1 full)
 *  0x14 System name       text
 *  0x16 Management addresses   same layout as 0x02
 * ```
 */

export type CdpParseError =
  | 'cdp-header-truncated'
  | 'cdp-bad-version'
  | 'cdp-bad-checksum'
  | 'cdp-tlv-truncated'
  | 'cdp-tlv-bad-length'
  | 'cdp-too-many-tlvs'
  | 'cdp-address-malformed';

export const CDP_HEADER_LEN = 4;

export const CdpTlv = {
  DEVICE_ID: 0x01,
  ADDRESSES: 0x02,
  PORT_ID: 0x03,
  CAPABILITIES: 0x04,
  SOFTWARE_VERSION: 0x05,
  PLATFORM: 0x06,
  VTP_DOMAIN: 0x09,
  NATIVE_VLAN: 0x0a,
  DUPLEX: 0x0b,
  SYSTEM_NAME: 0x14,
  MANAGEMENT_ADDRESSES: 0x16,
} as const;

const TLV_NAMES: Record<number, string> = {
  1: 'DEVICE_ID',
  2: 'ADDRESSES',
  3: 'PORT_ID',
  4: 'CAPABILITIES',
  5: 'SOFTWARE_VERSION',
  6: 'PLATFORM',
  7: 'IP_PREFIXES',
  8: 'PROTOCOL_HELLO',
  9: 'VTP_DOMAIN',
  10: 'NATIVE_VLAN',
  11: 'DUPLEX',
  14: 'VOIP_VLAN_REPLY',
  15: 'VOIP_VLAN_QUERY',
  16: 'POWER',
  17: 'MTU',
  18: 'TRUST_BITMAP',
  19: 'UNTRUSTED_PORT_COS',
  20: 'SYSTEM_NAME',
  21: 'SYSTEM_OID',
  22: 'MANAGEMENT_ADDRESSES',
  23: 'LOCATION',
};
export function tlvName(t: number): string {
  return TLV_NAMES[t] ?? `unknown-${t}`;
}

export const CAPABILITY_NAMES = [
  'router',
  'transparent-bridge',
  'source-route-bridge',
  'switch',
  'host',
  'igmp',
  'repeater',
  'voip-phone',
  'remotely-managed',
  'cvta',
  'two-port-mac-relay',
] as const;

export function capabilityNames(bits: number): string {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) {
    if ((bits >>> i) & 1) out.push(CAPABILITY_NAMES[i] ?? `unknown-bit-${i}`);
  }
  return out.join(',');
}

export interface CdpHeader {
  version: number;
  ttl: number;
  checksum: number;
}

export function newCdpHeader(): CdpHeader {
  return { version: 0, ttl: 0, checksum: 0 };
}

export function parseCdpHeader(buf: Uint8Array, off: number, len: number, out: CdpHeader): CdpParseError | null {
  if (len < CDP_HEADER_LEN) return 'cdp-header-truncated';
  out.version = buf[off] as number;
  out.ttl = buf[off + 1] as number;
  out.checksum = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
  if (out.version !== 1 && out.version !== 2) return 'cdp-bad-version';
  return null;
}

/**
 * The IP checksum (RFC 1071) over the PDU must be 0xFFFF with the checksum field included.
 * For odd lengths Cisco's implementation puts the last byte in the low half of the last word
 * instead of padding it with a zero byte (Wireshark's packet-cdp.c), or, when its top bit is set,
 * adds it sign-extended as a 32-bit value (cdp_v2.pcap); the RFC form and both Cisco forms are accepted.
 */
export function cdpChecksumOk(buf: Uint8Array, off: number, len: number): boolean {
  let sum = 0;
  const even = len & ~1;
  for (let i = 0; i < even; i += 2) sum += ((buf[off + i] as number) << 8) | (buf[off + i + 1] as number);
  if (even === len) return fold(sum) === 0xffff;
  const last = buf[off + len - 1] as number;
  if (fold(sum + (last << 8)) === 0xffff || fold(sum + last) === 0xffff) return true;
  // Cisco adds the byte sign-extended as a signed value (0xFF..FFxx): one's complement of that is 0xFFxx - 1.
  return (last & 0x80) !== 0 && fold(sum + (0xff00 | last) - 1) === 0xffff;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export interface CdpTlvView {
  type: number;
  length: number;
  valueOff: number;
  valueLen: number;
  next: number;
}

export function newCdpTlv(): CdpTlvView {
  return { type: 0, length: 0, valueOff: 0, valueLen: 0, next: 0 };
}

export function parseCdpTlv(buf: Uint8Array, pos: number, end: number, out: CdpTlvView): CdpParseError | null {
  out.next = end;
  out.valueOff = pos + 4;
  out.valueLen = 0;
  if (end - pos < 4) return 'cdp-tlv-truncated';
  out.type = ((buf[pos] as number) << 8) | (buf[pos + 1] as number);
  out.length = ((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number);
  if (out.length < 4) return 'cdp-tlv-bad-length';
  if (out.length > end - pos) return 'cdp-tlv-truncated';
  out.valueLen = out.length - 4;
  out.next = pos + out.length;
  return null;
}

/**
 * Addresses TLV: the IPv4/IPv6 addresses it lists (at most `max`), or an error when an entry
 * runs past the value.
 */
export function parseAddresses(
  buf: Uint8Array,
  off: number,
  len: number,
  max: number,
  out: string[],
): CdpParseError | null {
  if (len < 4) return 'cdp-address-malformed';
  const count =
    (buf[off] as number) * 0x1000000 +
    (((buf[off + 1] as number) << 16) | ((buf[off + 2] as number) << 8) | (buf[off + 3] as number));
  let p = off + 4;
  const end = off + len;
  for (let i = 0; i < count && i < max; i++) {
    if (end - p < 2) return 'cdp-address-malformed';
    const ptype = buf[p] as number;
    const plen = buf[p + 1] as number;
    if (end - p < 2 + plen + 2) return 'cdp-address-malformed';
    const proto = p + 2;
    const alen = ((buf[proto + plen] as number) << 8) | (buf[proto + plen + 1] as number);
    const a = proto + plen + 2;
    if (end - a < alen) return 'cdp-address-malformed';
    if (ptype === 1 && plen === 1 && buf[proto] === 0xcc && alen === 4) {
      out.push(`${buf[a]}.${buf[a + 1]}.${buf[a + 2]}.${buf[a + 3]}`);
    } else if (ptype === 2 && plen === 8 && buf[proto + 6] === 0x86 && buf[proto + 7] === 0xdd && alen === 16) {
      const g: string[] = [];
      for (let k = 0; k < 16; k += 2) g.push((((buf[a + k] as number) << 8) | (buf[a + k + 1] as number)).toString(16));
      out.push(g.join(':'));
    }
    p = a + alen;
  }
  return null;
}

/** Printable text of a value (Latin-1, line feeds as spaces, other control characters as '.', capped at `max`). */
export function text(buf: Uint8Array, off: number, len: number, max = 256): string {
  let end = Math.min(len, max);
  while (end > 0 && (buf[off + end - 1] === 0 || buf[off + end - 1] === 0x20 || buf[off + end - 1] === 0x0a)) end--;
  let s = '';
  for (let i = 0; i < end; i++) {
    const c = buf[off + i] as number;
    s += c === 0x0a ? ' ' : c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
  }
  return s;
}
