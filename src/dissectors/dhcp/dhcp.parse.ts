import { u32be as u32 } from '../../bytes/words.js';
import { BOOTP_HEADER_LEN, MAGIC_COOKIE, MAX_OPTIONS, Opt } from './dhcp.consts.js';

/**
 * Pure DHCP/BOOTP parser (RFC 2131, RFC 2132). Bytes in, fields out; nothing here keeps state
 * or throws. `parseDhcp` fills a caller-owned struct (no allocation per message): variable
 * options are recorded as (offset, length) views into the caller's buffer, valid only during
 * the call. A non-null return is an anomaly code; the fields read so far stay filled in.
 */

export type DhcpParseError =
  | 'dhcp-truncated'
  | 'dhcp-bad-op'
  | 'dhcp-bad-hlen'
  | 'dhcp-bad-cookie'
  | 'dhcp-option-truncated'
  | 'dhcp-too-many-options'
  | 'dhcp-bad-option-length'
  | 'dhcp-overload';

/**
 * BOOTP header (RFC 2131 §2), big-endian:
 * ```
 *   0 op u8 (1 request, 2 reply)   1 htype u8   2 hlen u8   3 hops u8
 *   4 xid u32        8 secs u16    10 flags u16 (0x8000 broadcast)
 *  12 ciaddr  16 yiaddr  20 siaddr  24 giaddr   (u32 each)
 *  28 chaddr[16]     44 sname[64]  108 file[128]
 * 236 magic cookie 63 82 53 63, then options: code u8, len u8, value (pad 0 and end 255 have no length)
 * ```
 * Option overload (52) would move more options into sname/file: rare, flagged, not followed.
 */
export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  xid: number;
  flags: number;
  ciaddr: number;
  yiaddr: number;
  siaddr: number;
  giaddr: number;
  /** chaddr as a 48-bit number when htype 1 / hlen 6, else 0. */
  chaddr: number;
  cookieOk: boolean;
  optionCount: number;
  /** Option 53, 0 when absent. */
  msgType: number;
  /** u32 options, -1 when absent. */
  requestedAddr: number;
  serverId: number;
  subnetMask: number;
  router: number;
  leaseTime: number;
  overload: number;
  /** Variable options: offset and length in the buffer (length -1 when absent). */
  hostNameOff: number;
  hostNameLen: number;
  domainOff: number;
  domainLen: number;
  vendorClassOff: number;
  vendorClassLen: number;
  paramListOff: number;
  paramListLen: number;
  clientIdOff: number;
  clientIdLen: number;
  messageOff: number;
  messageLen: number;
  dnsOff: number;
  dnsLen: number;
  relayOff: number;
  relayLen: number;
  /** Option 81 (RFC 4702): flags u8, rcode1 u8, rcode2 u8, then the name. */
  fqdnOff: number;
  fqdnLen: number;
  fqdnFlags: number;
}

export function newDhcpMessage(): DhcpMessage {
  const m = {} as DhcpMessage;
  resetDhcpMessage(m);
  return m;
}

export function resetDhcpMessage(m: DhcpMessage): void {
  m.op = 0;
  m.htype = 0;
  m.hlen = 0;
  m.xid = 0;
  m.flags = 0;
  m.ciaddr = 0;
  m.yiaddr = 0;
  m.siaddr = 0;
  m.giaddr = 0;
  m.chaddr = 0;
  m.cookieOk = false;
  m.optionCount = 0;
  m.msgType = 0;
  m.requestedAddr = -1;
  m.serverId = -1;
  m.subnetMask = -1;
  m.router = -1;
  m.leaseTime = -1;
  m.overload = -1;
  m.hostNameOff = 0;
  m.hostNameLen = -1;
  m.domainOff = 0;
  m.domainLen = -1;
  m.vendorClassOff = 0;
  m.vendorClassLen = -1;
  m.paramListOff = 0;
  m.paramListLen = -1;
  m.clientIdOff = 0;
  m.clientIdLen = -1;
  m.messageOff = 0;
  m.messageLen = -1;
  m.dnsOff = 0;
  m.dnsLen = -1;
  m.relayOff = 0;
  m.relayLen = -1;
  m.fqdnOff = 0;
  m.fqdnLen = -1;
  m.fqdnFlags = 0;
}

/** True when a BOOTP/DHCP message plausibly starts at `off` (op 1/2, htype <= 40, hlen <= 16, cookie). */
export function plausibleDhcp(buf: Uint8Array, off: number, len: number): boolean {
  if (len < BOOTP_HEADER_LEN + 4) return false;
  const op = buf[off] as number;
  if (op !== 1 && op !== 2) return false;
  if ((buf[off + 2] as number) > 16) return false;
  return u32(buf, off + BOOTP_HEADER_LEN) === MAGIC_COOKIE;
}

/**
 * Parses one DHCP message at `off`, `len` bytes. Header errors ('dhcp-truncated', 'dhcp-bad-op')
 * leave the options unread; a bad cookie leaves `cookieOk` false and no options (as Zeek does:
 * options of an earlier message never leak into this one, since the struct is reset).
 */
export function parseDhcp(buf: Uint8Array, off: number, len: number, m: DhcpMessage): DhcpParseError | null {
  resetDhcpMessage(m);
  if (len < BOOTP_HEADER_LEN) return 'dhcp-truncated';
  m.op = buf[off] as number;
  m.htype = buf[off + 1] as number;
  m.hlen = buf[off + 2] as number;
  m.xid = u32(buf, off + 4);
  m.flags = ((buf[off + 10] as number) << 8) | (buf[off + 11] as number);
  m.ciaddr = u32(buf, off + 12);
  m.yiaddr = u32(buf, off + 16);
  m.siaddr = u32(buf, off + 20);
  m.giaddr = u32(buf, off + 24);
  if (m.op !== 1 && m.op !== 2) return 'dhcp-bad-op';
  if (m.hlen > 16) return 'dhcp-bad-hlen';
  if (m.htype === 1 && m.hlen === 6) {
    let mac = 0;
    for (let i = 0; i < 6; i++) mac = mac * 256 + (buf[off + 28 + i] as number);
    m.chaddr = mac;
  }
  if (len < BOOTP_HEADER_LEN + 4) return 'dhcp-truncated';
  if (u32(buf, off + BOOTP_HEADER_LEN) !== MAGIC_COOKIE) return 'dhcp-bad-cookie';
  m.cookieOk = true;
  return parseOptions(buf, off + BOOTP_HEADER_LEN + 4, off + len, m);
}

/** Walks the options (RFC 2132 §2): bounded by MAX_OPTIONS and by the datagram. */
function parseOptions(buf: Uint8Array, pos: number, end: number, m: DhcpMessage): DhcpParseError | null {
  let err: DhcpParseError | null = null;
  while (pos < end) {
    const code = buf[pos] as number;
    if (code === Opt.PAD) {
      pos++;
      continue;
    }
    if (code === Opt.END) return err;
    if (m.optionCount >= MAX_OPTIONS) return 'dhcp-too-many-options';
    if (pos + 2 > end) return 'dhcp-option-truncated';
    const n = buf[pos + 1] as number;
    const v = pos + 2;
    if (v + n > end) return 'dhcp-option-truncated';
    m.optionCount++;
    const e = option(buf, code, v, n, m);
    if (e !== null && err === null) err = e;
    pos = v + n;
  }
  // Many clients pad to the end without an END option; that is tolerated.
  return err;
}

function option(buf: Uint8Array, code: number, v: number, n: number, m: DhcpMessage): DhcpParseError | null {
  switch (code) {
    case Opt.MESSAGE_TYPE:
      if (n !== 1) return 'dhcp-bad-option-length';
      m.msgType = buf[v] as number;
      return null;
    case Opt.SUBNET_MASK:
    case Opt.REQUESTED_ADDR:
    case Opt.SERVER_ID:
    case Opt.LEASE_TIME: {
      if (n !== 4) return 'dhcp-bad-option-length';
      const x = u32(buf, v);
      if (code === Opt.SUBNET_MASK) m.subnetMask = x;
      else if (code === Opt.REQUESTED_ADDR) m.requestedAddr = x;
      else if (code === Opt.SERVER_ID) m.serverId = x;
      else m.leaseTime = x;
      return null;
    }
    case Opt.ROUTER:
      if (n < 4 || n % 4 !== 0) return 'dhcp-bad-option-length';
      m.router = u32(buf, v);
      return null;
    case Opt.DNS_SERVERS:
      if (n < 4 || n % 4 !== 0) return 'dhcp-bad-option-length';
      m.dnsOff = v;
      m.dnsLen = n;
      return null;
    case Opt.OVERLOAD:
      if (n !== 1) return 'dhcp-bad-option-length';
      m.overload = buf[v] as number;
      return 'dhcp-overload';
    case Opt.HOST_NAME:
      m.hostNameOff = v;
      m.hostNameLen = n;
      return null;
    case Opt.DOMAIN_NAME:
      m.domainOff = v;
      m.domainLen = n;
      return null;
    case Opt.VENDOR_CLASS:
      m.vendorClassOff = v;
      m.vendorClassLen = n;
      return null;
    case Opt.PARAM_REQUEST_LIST:
      m.paramListOff = v;
      m.paramListLen = n;
      return null;
    case Opt.CLIENT_ID:
      m.clientIdOff = v;
      m.clientIdLen = n;
      return n < 2 ? 'dhcp-bad-option-length' : null;
    case Opt.MESSAGE:
      m.messageOff = v;
      m.messageLen = n;
      return null;
    case Opt.RELAY_AGENT:
      m.relayOff = v;
      m.relayLen = n;
      return null;
    case Opt.CLIENT_FQDN:
      if (n < 3) return 'dhcp-bad-option-length';
      m.fqdnFlags = buf[v] as number;
      m.fqdnOff = v + 3;
      m.fqdnLen = n - 3;
      return null;
    default:
      return null;
  }
}

/**
 * Option 81's domain name (RFC 4702 §2.3): with flag E (0x04) in DNS wire format (labels),
 * else ASCII. Returns the dotted name.
 */
export function fqdnName(buf: Uint8Array, off: number, len: number, flags: number): string {
  if ((flags & 0x04) === 0) return ascii(buf, off, len);
  let s = '';
  let p = off;
  const end = off + len;
  let labels = 0;
  while (p < end && labels < 128) {
    const n = buf[p] as number;
    if (n === 0 || n > 63 || p + 1 + n > end) break;
    if (s.length > 0) s += '.';
    s += ascii(buf, p + 1, n);
    p += 1 + n;
    labels++;
  }
  return s;
}

/** Printable Latin-1 of a byte range: control characters become '.', trailing NULs/spaces trimmed, capped at 255. */
export function ascii(buf: Uint8Array, off: number, len: number): string {
  let end = off + Math.min(len, 255);
  while (end > off && (buf[end - 1] === 0 || buf[end - 1] === 0x20)) end--;
  let s = '';
  for (let i = off; i < end; i++) {
    const c = buf[i] as number;
    s += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
  }
  return s;
}

/** The parameter request list (option 55) as the classic fingerprint: codes joined by commas. */
export function paramList(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += i === 0 ? String(buf[off + i]) : `,${buf[off + i]}`;
  return s;
}

/**
 * Option 61 client identifier (RFC 2132 §9.14): type u8 then the id; type 1 (Ethernet) with 6
 * bytes is a MAC. Returns the MAC as a number, or -1.
 */
export function clientIdMac(buf: Uint8Array, off: number, len: number): number {
  if (len !== 7 || buf[off] !== 1) return -1;
  let mac = 0;
  for (let i = 1; i < 7; i++) mac = mac * 256 + (buf[off + i] as number);
  return mac;
}
