/**
 * Pure LLDP parsers (IEEE 802.1AB-2016 §8, "LLDPDU format"). Bytes in, fields out; nothing
 * here keeps state or throws. The TLV reader fills a caller-owned struct (no allocation).
 *
 * An LLDPDU (EtherType 0x88CC) is a sequence of TLVs:
 * ```
 *  0  type (7 bits) | length (9 bits)   u16   length = bytes of value
 *  2  value                             length bytes
 * ```
 * Mandatory order: Chassis ID (1), Port ID (2), TTL (3); optional TLVs; End (type 0, length 0).
 * ```
 *  1 Chassis ID     subtype u8 (1 chassis component, 2 interface alias, 3 port component,
 *                   4 MAC address, 5 network address, 6 interface name, 7 locally assigned), id
 *  2 Port ID        subtype u8 (1 interface alias, 2 port component, 3 MAC address, 4 network
 *                   address, 5 interface name, 6 agent circuit id, 7 locally assigned), id
 *  3 TTL            u16 seconds (0 = forget me)
 *  4 Port Description, 5 System Name, 6 System Description: text
 *  7 System Capabilities  capabilities u16, enabled u16 (bit names in CAPABILITY_NAMES)
 *  8 Management Address   address string length u8 (= 1 + address), address subtype u8
 *                         (IANA family: 1 IPv4, 2 IPv6, 6 802 MAC), address, interface
 *                         numbering subtype u8, interface number u32, OID length u8, OID
 * 127 Organizationally specific   OUI 3 bytes, subtype u8, information
 *     00-80-C2 (IEEE 802.1 Annex D): 1 Port VLAN ID u16, 3 VLAN name (VLAN id u16, length u8, name)
 *     00-12-0F (IEEE 802.3 Clause 79): 1 MAC/PHY (autoneg u8, PMD capability u16, MAU type u16),
 *                                      4 maximum frame size u16
 *     00-12-BB (ANSI/TIA-1057 LLDP-MED): 5 hardware rev, 6 firmware rev, 7 software rev,
 *                                        8 serial number, 9 manufacturer, 10 model, 11 asset id
 *     00-0E-CF (PROFINET, IEC 61158-6-10 §4.11.2): 2 port status (RTClass2 u16, RTClass3 u16),
 *                                      4 MRP port status (domain UUID 16 bytes, ...), 5 chassis MAC
 * ```
 */

export type LldpParseError =
  | 'lldp-tlv-truncated'
  | 'lldp-too-many-tlvs'
  | 'lldp-missing-end-tlv'
  | 'lldp-bad-tlv-order'
  | 'lldp-bad-ttl-length'
  | 'lldp-tlv-too-short';

export const Tlv = {
  END: 0,
  CHASSIS_ID: 1,
  PORT_ID: 2,
  TTL: 3,
  PORT_DESCRIPTION: 4,
  SYSTEM_NAME: 5,
  SYSTEM_DESCRIPTION: 6,
  SYSTEM_CAPABILITIES: 7,
  MANAGEMENT_ADDRESS: 8,
  ORG_SPECIFIC: 127,
} as const;

const TLV_NAMES = [
  'END',
  'CHASSIS_ID',
  'PORT_ID',
  'TTL',
  'PORT_DESCRIPTION',
  'SYSTEM_NAME',
  'SYSTEM_DESCRIPTION',
  'SYSTEM_CAPABILITIES',
  'MANAGEMENT_ADDRESS',
];
export function tlvName(t: number): string {
  return t === 127 ? 'ORG_SPECIFIC' : (TLV_NAMES[t] ?? `unknown-${t}`);
}

export const OUI = {
  IEEE_802_1: 0x0080c2,
  IEEE_802_3: 0x00120f,
  LLDP_MED: 0x0012bb,
  PROFINET: 0x000ecf,
} as const;

/** System capability bits (802.1AB §8.5.8.1), bit 0 first. */
export const CAPABILITY_NAMES = [
  'other',
  'repeater',
  'bridge',
  'wlan-access-point',
  'router',
  'telephone',
  'docsis-cable-device',
  'station-only',
  'c-vlan',
  's-vlan',
  'two-port-mac-relay',
] as const;

export function capabilityNames(bits: number): string {
  const out: string[] = [];
  for (let i = 0; i < 16; i++) {
    if (bits & (1 << i)) out.push(CAPABILITY_NAMES[i] ?? `unknown-bit-${i}`);
  }
  return out.join(',');
}

export function chassisSubtypeName(s: number): string {
  return (
    [
      'reserved-0',
      'chassis-component',
      'interface-alias',
      'port-component',
      'mac-address',
      'network-address',
      'interface-name',
      'locally-assigned',
    ][s] ?? `unknown-${s}`
  );
}

export function portSubtypeName(s: number): string {
  return (
    [
      'reserved-0',
      'interface-alias',
      'port-component',
      'mac-address',
      'network-address',
      'interface-name',
      'agent-circuit-id',
      'locally-assigned',
    ][s] ?? `unknown-${s}`
  );
}

/** One TLV; reused for every TLV of a frame. */
export interface LldpTlv {
  type: number;
  length: number;
  valueOff: number;
  /** Offset of the next TLV. */
  next: number;
}

export function newTlv(): LldpTlv {
  return { type: 0, length: 0, valueOff: 0, next: 0 };
}

/** Reads the TLV header at `pos`; the value must fit before `end`. */
export function parseTlv(buf: Uint8Array, pos: number, end: number, out: LldpTlv): LldpParseError | null {
  out.valueOff = pos + 2;
  out.next = end;
  out.length = 0;
  if (end - pos < 2) return 'lldp-tlv-truncated';
  const h = ((buf[pos] as number) << 8) | (buf[pos + 1] as number);
  out.type = h >>> 9;
  out.length = h & 0x1ff;
  if (end - pos - 2 < out.length) return 'lldp-tlv-truncated';
  out.next = pos + 2 + out.length;
  return null;
}

/**
 * A chassis or port id as text: MAC subtypes as `aa:bb:..`, network addresses (IANA family
 * byte, then the address) as dotted IPv4 / IPv6 hex, others as text.
 */
export function idValue(
  buf: Uint8Array,
  off: number,
  len: number,
  macSubtype: number,
  netSubtype: number,
  subtype: number,
): string {
  if (subtype === macSubtype && len === 6) return macText(buf, off);
  if (subtype === netSubtype && len >= 1) {
    const addr = addressText(buf[off] as number, buf, off + 1, len - 1);
    if (addr !== null) return addr;
  }
  return text(buf, off, len);
}

/** Address of IANA family `family` (1 IPv4, 2 IPv6, 6 802 MAC), or null when the length is wrong. */
export function addressText(family: number, buf: Uint8Array, off: number, len: number): string | null {
  if (family === 1 && len === 4) return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
  if (family === 2 && len === 16) return ipv6Text(buf, off);
  if (family === 6 && len === 6) return macText(buf, off);
  return null;
}

export function macText(buf: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + (buf[off + i] as number).toString(16).padStart(2, '0');
  return s;
}

/** IPv6 as eight groups without zero compression (stable, and enough for evidence). */
export function ipv6Text(buf: Uint8Array, off: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push((((buf[off + i] as number) << 8) | (buf[off + i + 1] as number)).toString(16));
  return g.join(':');
}

/** Printable text of a value (Latin-1, control characters replaced, capped). */
export function text(buf: Uint8Array, off: number, len: number): string {
  let end = Math.min(len, 256);
  while (end > 0 && (buf[off + end - 1] === 0 || buf[off + end - 1] === 0x20)) end--;
  let s = '';
  for (let i = 0; i < end; i++) {
    const c = buf[off + i] as number;
    s += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
  }
  return s;
}
