import { LIMITS } from '../bytes/errors.js';
import { u32be } from '../bytes/words.js';
import { LinkType } from '../capture/types.js';
import { macFromBytes } from '../util/net.js';
import { type FragmentOptions, IpFragments } from './ip-fragments.js';
import { IpProto, Layer, type PacketInfo } from './packet-info.js';

/** One named anomaly: how often, first/last packet time, and a short example of the first. */
export interface DecodeAnomaly {
  count: number;
  firstUs: number;
  lastUs: number;
  example: string;
}

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
} as const;

/** VLAN tags followed per frame (802.1Q and one 802.1ad outer tag); a third is `vlan-too-deep`. */
const MAX_VLAN_TAGS = 2;
/** IPv6 extension headers followed before `ipv6-ext-chain-too-long`. */
const MAX_IPV6_EXT = 8;

/**
 * Decodes link, network and transport headers of one packet into a reused `PacketInfo`.
 * Never throws; malformed input becomes named anomalies in `anomalies` (see README.md).
 * Owns the IP fragment reassembly state: the packet that completes a datagram is decoded
 * with the reassembled payload (`out.reassembled`).
 */
export class Decoder {
  readonly anomalies = new Map<string, DecodeAnomaly>();
  /** LINKTYPE value -> packets skipped because the link type is not supported. */
  readonly unsupportedLinkTypes = new Map<number, number>();
  /** Packets whose headers or payload were cut by the capture's snaplen (capLen < wireLen). */
  truncatedPayloads = 0;
  /** Packets decoded so far. */
  packets = 0;
  readonly fragments: IpFragments;

  private ts = 0;
  private snapCut = false;
  private cutCounted = false;
  /** The IPv6 payload was shorter than its length field: fragments cannot be reassembled. */
  private l3Cut = false;

  constructor(opts: { fragments?: FragmentOptions } = {}) {
    this.fragments = new IpFragments(
      (code, label, value, tsUs) => this.record(code, label, value, tsUs),
      opts.fragments,
    );
  }

  /**
   * Decode one packet. (buf, off, capLen) are the captured bytes, `wireLen` the length on the
   * wire. `out` is reset first; its payload view points into `buf` (or a reassembly buffer).
   */
  decode(
    linkType: number,
    buf: Uint8Array,
    off: number,
    capLen: number,
    wireLen: number,
    tsUs: number,
    out: PacketInfo,
  ): void {
    out.reset();
    out.tsUs = tsUs;
    out.linkType = linkType;
    out.wireLen = wireLen;
    out.capLen = capLen;
    this.packets++;
    this.ts = tsUs;
    this.snapCut = capLen < wireLen;
    this.cutCounted = false;
    if (this.fragments.count > 0) this.fragments.expire(tsUs);
    if (capLen > LIMITS.maxFrame) {
      this.record('frame-too-large', 'caplen', capLen, tsUs);
      return;
    }
    let end = off + capLen;
    if (off < 0 || end > buf.length) {
      this.record('frame-bad-bounds', 'caplen', capLen, tsUs);
      end = buf.length;
      if (off < 0 || off > end) return;
    }
    try {
      switch (linkType) {
        case LinkType.ETHERNET:
          this.ethernet(buf, off, end, out);
          return;
        case LinkType.RAW:
        case LinkType.RAW_12:
        case LinkType.RAW_14:
          this.rawIp(buf, off, end, out);
          return;
        case LinkType.IPV4:
          this.ipv4(buf, off, end, out);
          return;
        case LinkType.IPV6:
          this.ipv6(buf, off, end, out);
          return;
        case LinkType.LINUX_SLL:
          this.sll(buf, off, end, out);
          return;
        case LinkType.LINUX_SLL2:
          this.sll2(buf, off, end, out);
          return;
        case LinkType.NULL:
        case LinkType.LOOP:
          this.loopback(linkType, buf, off, end, out);
          return;
        default:
          this.unsupportedLinkTypes.set(linkType, (this.unsupportedLinkTypes.get(linkType) ?? 0) + 1);
          return;
      }
    } catch (e) {
      // Unreachable by design (all reads are bounds-checked); kept so nothing escapes the decoder.
      this.record('decode-internal-error', String(e).slice(0, 80), 0, tsUs);
    }
  }

  /** Count an anomaly; the example string is only built the first time a code is seen. */
  record(code: string, label: string, value: number, tsUs: number): void {
    const a = this.anomalies.get(code);
    if (a !== undefined) {
      a.count++;
      if (tsUs > a.lastUs) a.lastUs = tsUs;
      return;
    }
    this.anomalies.set(code, { count: 1, firstUs: tsUs, lastUs: tsUs, example: `${label}=${value}` });
  }

  private cut(): void {
    if (!this.cutCounted) {
      this.cutCounted = true;
      this.truncatedPayloads++;
    }
  }

  /** Ran out of bytes: snaplen truncation is counted once per packet, anything else is an anomaly. */
  private short(code: string, label: string, value: number): void {
    if (this.snapCut) {
      this.cut();
      return;
    }
    this.record(code, label, value, this.ts);
  }

  /**
   * Ethernet II / IEEE 802.3 (IEEE 802.3 §3.1.1), with 802.1Q / 802.1ad tags (IEEE 802.1Q §9.6):
   *   dst MAC (6) | src MAC (6) | [TPID 0x8100/0x88a8/0x9100 (2) | PCP/DEI/VID (2)]* | type-or-length (2)
   * type-or-length < 0x0600 is an 802.3 length followed by LLC (IEEE 802.2):
   *   DSAP (1) | SSAP (1) | control (1, or 2 for I/S frames) [| SNAP: OUI (3) | protocol id (2)]
   */
  private ethernet(buf: Uint8Array, off: number, end: number, out: PacketInfo): void {
    if (end - off < 14) {
      this.short('eth-truncated', 'len', end - off);
      return;
    }
    out.dstMac = macFromBytes(buf, off);
    out.srcMac = macFromBytes(buf, off + 6);
    out.layers = Layer.L2;
    let p = off + 12;
    let type = (buf[p]! << 8) | buf[p + 1]!;
    p += 2;
    let tags = 0;
    while (type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_OLD) {
      if (tags === MAX_VLAN_TAGS) {
        this.record('vlan-too-deep', 'tags', tags + 1, this.ts);
        this.l2Payload(type, buf, p, end, out);
        return;
      }
      if (end - p < 4) {
        this.short('vlan-truncated', 'len', end - p);
        return;
      }
      const vid = ((buf[p]! << 8) | buf[p + 1]!) & 0x0fff;
      if (tags === 0) out.vlan = vid;
      else out.vlanInner = vid;
      tags++;
      type = (buf[p + 2]! << 8) | buf[p + 3]!;
      p += 4;
    }
    if (type < 0x0600) {
      this.llc(type, buf, p, end, out);
      return;
    }
    this.l3(type, buf, p, end, out);
  }

  /** 802.3 length + LLC, and SNAP with OUI 0 (RFC 1042) mapping to an EtherType. */
  private llc(length: number, buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    if (length > end - p) {
      if (!this.snapCut) this.record('llc-length-exceeds-frame', 'length', length, this.ts);
    } else {
      end = p + length;
    }
    if (end - p < 3) {
      this.short('llc-truncated', 'len', end - p);
      this.l2Payload(0, buf, p, end, out);
      return;
    }
    const dsap = buf[p]!;
    const ssap = buf[p + 1]!;
    const ctrl = buf[p + 2]!;
    out.llcDsap = dsap;
    out.llcSsap = ssap;
    if (dsap === 0xaa && ssap === 0xaa && ctrl === 0x03) {
      if (end - p < 8) {
        this.short('llc-snap-truncated', 'len', end - p);
        this.l2Payload(0, buf, p + 3, end, out);
        return;
      }
      const oui = (buf[p + 3]! << 16) | (buf[p + 4]! << 8) | buf[p + 5]!;
      const pid = (buf[p + 6]! << 8) | buf[p + 7]!;
      out.snapOui = oui;
      out.snapPid = pid;
      if (oui === 0) {
        this.l3(pid, buf, p + 8, end, out);
        return;
      }
      this.l2Payload(0, buf, p + 8, end, out);
      return;
    }
    // U-format control fields are one byte (low bits 11), I and S formats two.
    const hl = (ctrl & 3) === 3 ? 3 : 4;
    if (end - p < hl) {
      this.short('llc-truncated', 'len', end - p);
      this.l2Payload(0, buf, p, end, out);
      return;
    }
    this.l2Payload(0, buf, p + hl, end, out);
  }

  private l2Payload(type: number, buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    out.etherType = type;
    out.l2PayloadOff = p;
    out.l2PayloadLen = end - p;
    out.payloadBuf = buf;
    out.payloadOff = p;
    out.payloadLen = end - p;
  }

  private l3(type: number, buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    out.etherType = type;
    out.l2PayloadOff = p;
    out.l2PayloadLen = end - p;
    if (type === EtherType.IPV4) this.ipv4(buf, p, end, out);
    else if (type === EtherType.IPV6) this.ipv6(buf, p, end, out);
    else {
      if (type === EtherType.ARP) this.arp(buf, p, end, out);
      out.payloadBuf = buf;
      out.payloadOff = p;
      out.payloadLen = end - p;
    }
  }

  /**
   * ARP for Ethernet/IPv4 (RFC 826):
   *   htype=1 (2) | ptype=0x0800 (2) | hlen=6 (1) | plen=4 (1) | op (2) |
   *   sender MAC (6) | sender IP (4) | target MAC (6) | target IP (4)
   * Other hardware/protocol pairs are left as L2 payload.
   */
  private arp(buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    if (end - p < 8) {
      this.short('arp-truncated', 'len', end - p);
      return;
    }
    const htype = (buf[p]! << 8) | buf[p + 1]!;
    const ptype = (buf[p + 2]! << 8) | buf[p + 3]!;
    if (htype !== 1 || ptype !== EtherType.IPV4 || buf[p + 4] !== 6 || buf[p + 5] !== 4) {
      this.record('arp-unsupported', 'htype', htype, this.ts);
      return;
    }
    if (end - p < 28) {
      this.short('arp-truncated', 'len', end - p);
      return;
    }
    out.arpOp = (buf[p + 6]! << 8) | buf[p + 7]!;
    out.arpSenderMac = macFromBytes(buf, p + 8);
    out.arpSenderIp = u32be(buf, p + 14);
    out.arpTargetMac = macFromBytes(buf, p + 18);
    out.arpTargetIp = u32be(buf, p + 24);
    out.layers |= Layer.ARP;
  }

  private rawIp(buf: Uint8Array, off: number, end: number, out: PacketInfo): void {
    if (end - off < 1) {
      this.short('raw-truncated', 'len', 0);
      return;
    }
    const v = buf[off]! >> 4;
    if (v === 4) this.ipv4(buf, off, end, out);
    else if (v === 6) this.ipv6(buf, off, end, out);
    else this.record('raw-bad-version', 'version', v, this.ts);
  }

  /**
   * Linux cooked capture v1 (tcpdump.org LINKTYPE_LINUX_SLL), 16 bytes:
   *   packet type (2) | ARPHRD type (2) | address length (2) | address (8) | protocol (2)
   */
  private sll(buf: Uint8Array, off: number, end: number, out: PacketInfo): void {
    if (end - off < 16) {
      this.short('sll-truncated', 'len', end - off);
      return;
    }
    const hatype = (buf[off + 2]! << 8) | buf[off + 3]!;
    const alen = (buf[off + 4]! << 8) | buf[off + 5]!;
    if (hatype === 1 && alen === 6) {
      out.srcMac = macFromBytes(buf, off + 6);
      out.layers = Layer.L2;
    }
    this.sllProto((buf[off + 14]! << 8) | buf[off + 15]!, buf, off + 16, end, out);
  }

  /**
   * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2), 20 bytes:
   *   protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) | packet type (1) |
   *   address length (1) | address (8)
   */
  private sll2(buf: Uint8Array, off: number, end: number, out: PacketInfo): void {
    if (end - off < 20) {
      this.short('sll2-truncated', 'len', end - off);
      return;
    }
    const hatype = (buf[off + 8]! << 8) | buf[off + 9]!;
    if (hatype === 1 && buf[off + 11] === 6) {
      out.srcMac = macFromBytes(buf, off + 12);
      out.layers = Layer.L2;
    }
    this.sllProto((buf[off]! << 8) | buf[off + 1]!, buf, off + 20, end, out);
  }

  /** SLL protocol field: an EtherType, or 0x0004 for an 802.2 LLC frame without the 802.3 header. */
  private sllProto(proto: number, buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    if (proto === 0x0004) this.llc(end - p, buf, p, end, out);
    else if (proto >= 0x0600) this.l3(proto, buf, p, end, out);
    else this.l2Payload(proto, buf, p, end, out);
  }

  /**
   * BSD loopback: a 4-byte address family, host byte order for LINKTYPE_NULL (either order is
   * accepted) and network order for LINKTYPE_LOOP. AF_INET = 2; AF_INET6 = 24, 28 or 30.
   */
  private loopback(linkType: number, buf: Uint8Array, off: number, end: number, out: PacketInfo): void {
    if (end - off < 4) {
      this.short('loopback-truncated', 'len', end - off);
      return;
    }
    const be = u32be(buf, off);
    const le = (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
    const af = linkType === LinkType.LOOP || be < le ? be : le;
    if (af === 2) {
      out.etherType = EtherType.IPV4;
      this.ipv4(buf, off + 4, end, out);
    } else if (af === 24 || af === 28 || af === 30) {
      out.etherType = EtherType.IPV6;
      this.ipv6(buf, off + 4, end, out);
    } else {
      this.record('loopback-unknown-af', 'af', af, this.ts);
    }
  }

  /**
   * IPv4 (RFC 791 §3.1):
   *   version/IHL (1) | DSCP/ECN (1) | total length (2) | identification (2) |
   *   flags/fragment offset (2) | TTL (1) | protocol (1) | checksum (2) | src (4) | dst (4) |
   *   options (IHL*4 - 20)
   */
  private ipv4(buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    const avail = end - p;
    if (avail < 20) {
      this.short('ipv4-truncated', 'len', avail);
      return;
    }
    const vihl = buf[p]!;
    if (vihl >> 4 !== 4) {
      this.record('ipv4-bad-version', 'version', vihl >> 4, this.ts);
      return;
    }
    const hl = (vihl & 15) << 2;
    if (hl < 20) {
      this.record('ipv4-bad-ihl', 'ihl', vihl & 15, this.ts);
      return;
    }
    const total = (buf[p + 2]! << 8) | buf[p + 3]!;
    if (total < hl) {
      this.record('ipv4-bad-total-length', 'total', total, this.ts);
      return;
    }
    if (hl > avail) {
      this.short('ipv4-truncated', 'ihl', vihl & 15);
      return;
    }
    out.ipVersion = 4;
    out.ttl = buf[p + 8]!;
    const proto = buf[p + 9]!;
    out.ipProto = proto;
    out.src4 = u32be(buf, p + 12);
    out.dst4 = u32be(buf, p + 16);
    out.layers |= Layer.IP;
    if (out.etherType === 0) out.etherType = EtherType.IPV4;
    let l3end = p + total;
    if (total > avail) {
      if (this.snapCut) this.cut();
      else this.record('ipv4-total-length-exceeds-capture', 'total', total, this.ts);
      l3end = end;
    }
    const frag = (buf[p + 6]! << 8) | buf[p + 7]!;
    if ((frag & 0x3fff) !== 0) {
      if (l3end !== p + total) {
        // A cut fragment cannot be reassembled faithfully.
        this.setPayload(buf, p + hl, l3end, out);
        return;
      }
      const id = (buf[p + 4]! << 8) | buf[p + 5]!;
      const fragOff = (frag & 0x1fff) << 3;
      if (fragOff + total > 65_535) {
        this.record('ip-fragment-too-large', 'end', fragOff + total, this.ts);
        return;
      }
      const r = this.fragments.add4(
        out.src4,
        out.dst4,
        proto,
        id,
        fragOff,
        (frag & 0x2000) !== 0,
        buf,
        p + hl,
        l3end - p - hl,
        this.ts,
      );
      if (r === null) return;
      out.reassembled = true;
      this.l4(proto, r, 0, this.fragments.lastLength, out);
      return;
    }
    this.l4(proto, buf, p + hl, l3end, out);
  }

  /**
   * IPv6 (RFC 8200 §3): version/class/flow (4) | payload length (2) | next header (1) |
   * hop limit (1) | src (16) | dst (16), then extension headers (§4).
   */
  private ipv6(buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    const avail = end - p;
    if (avail < 40) {
      this.short('ipv6-truncated', 'len', avail);
      return;
    }
    if (buf[p]! >> 4 !== 6) {
      this.record('ipv6-bad-version', 'version', buf[p]! >> 4, this.ts);
      return;
    }
    const plen = (buf[p + 4]! << 8) | buf[p + 5]!;
    const nh = buf[p + 6]!;
    out.ttl = buf[p + 7]!;
    out.ipVersion = 6;
    const s6 = out.src6;
    const d6 = out.dst6;
    for (let i = 0; i < 16; i++) {
      s6[i] = buf[p + 8 + i]!;
      d6[i] = buf[p + 24 + i]!;
    }
    out.layers |= Layer.IP;
    if (out.etherType === 0) out.etherType = EtherType.IPV6;
    let l3end = p + 40 + plen;
    this.l3Cut = false;
    if (plen === 0 && nh === 0) {
      // Jumbogram (RFC 2675): the length lives in a hop-by-hop option; take what was captured.
      l3end = end;
    } else if (40 + plen > avail) {
      if (this.snapCut) this.cut();
      else this.record('ipv6-payload-length-exceeds-capture', 'plen', plen, this.ts);
      l3end = end;
      this.l3Cut = true;
    }
    this.ipv6Chain(nh, buf, p + 40, l3end, 0, out);
  }

  /**
   * IPv6 extension header chain (RFC 8200 §4; AH: RFC 4302 §2):
   *   hop-by-hop (0), routing (43), destination options (60): next (1) | len in 8 bytes - 1 (1) | ...
   *   fragment (44): next (1) | reserved (1) | offset<<3 | M (2) | identification (4)
   *   AH (51): next (1) | len in 4 bytes - 2 (1) | ...
   */
  private ipv6Chain(nh: number, buf: Uint8Array, p: number, end: number, depth: number, out: PacketInfo): void {
    for (;;) {
      if (nh !== 0 && nh !== 43 && nh !== 60 && nh !== 44 && nh !== 51) break;
      if (depth === MAX_IPV6_EXT) {
        this.record('ipv6-ext-chain-too-long', 'headers', depth + 1, this.ts);
        out.ipProto = nh;
        return;
      }
      depth++;
      if (end - p < 8) {
        this.short('ipv6-ext-truncated', 'header', nh);
        out.ipProto = nh;
        return;
      }
      const next = buf[p]!;
      if (nh === 44) {
        const fo = (buf[p + 2]! << 8) | buf[p + 3]!;
        const fragOff = fo & 0xfff8;
        const more = (fo & 1) !== 0;
        if (fragOff === 0 && !more) {
          // Atomic fragment (RFC 6946): nothing to reassemble.
          nh = next;
          p += 8;
          continue;
        }
        out.ipProto = 44;
        if (this.l3Cut) return;
        const id = u32be(buf, p + 4);
        const r = this.fragments.add6(out.src6, out.dst6, id, next, fragOff, more, buf, p + 8, end - p - 8, this.ts);
        if (r === null) return;
        out.reassembled = true;
        this.ipv6Chain(this.fragments.lastProto, r, 0, this.fragments.lastLength, depth, out);
        return;
      }
      const hl = nh === 51 ? (buf[p + 1]! + 2) << 2 : (buf[p + 1]! + 1) << 3;
      if (hl > end - p) {
        this.short('ipv6-ext-truncated', 'header', nh);
        out.ipProto = nh;
        return;
      }
      nh = next;
      p += hl;
    }
    out.ipProto = nh;
    this.l4(nh, buf, p, end, out);
  }

  /** Transport header after IPv4/IPv6: TCP, UDP, ICMP, ICMPv6; other protocols keep the IP payload. */
  private l4(proto: number, buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    if (proto === IpProto.TCP) this.tcp(buf, p, end, out);
    else if (proto === IpProto.UDP) this.udp(buf, p, end, out);
    else if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) this.icmp(buf, p, end, out);
    else this.setPayload(buf, p, end, out);
  }

  /**
   * TCP (RFC 9293 §3.1): src port (2) | dst port (2) | seq (4) | ack (4) |
   * data offset/reserved (1) | flags (1) | window (2) | checksum (2) | urgent (2) | options
   */
  private tcp(buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    const avail = end - p;
    if (avail < 20) {
      this.short('tcp-truncated', 'len', avail);
      return;
    }
    const doff = (buf[p + 12]! >> 4) << 2;
    if (doff < 20) {
      this.record('tcp-bad-data-offset', 'offset', doff >> 2, this.ts);
      return;
    }
    if (doff > avail) {
      this.short('tcp-truncated', 'offset', doff >> 2);
      return;
    }
    out.srcPort = (buf[p]! << 8) | buf[p + 1]!;
    out.dstPort = (buf[p + 2]! << 8) | buf[p + 3]!;
    out.seq = u32be(buf, p + 4);
    out.ack = u32be(buf, p + 8);
    out.tcpFlags = buf[p + 13]!;
    out.window = (buf[p + 14]! << 8) | buf[p + 15]!;
    out.layers |= Layer.L4;
    this.setPayload(buf, p + doff, end, out);
  }

  /** UDP (RFC 768): src port (2) | dst port (2) | length (2, header included) | checksum (2) */
  private udp(buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    const avail = end - p;
    if (avail < 8) {
      this.short('udp-truncated', 'len', avail);
      return;
    }
    const len = (buf[p + 4]! << 8) | buf[p + 5]!;
    if (len < 8) {
      this.record('udp-bad-length', 'length', len, this.ts);
      return;
    }
    out.srcPort = (buf[p]! << 8) | buf[p + 1]!;
    out.dstPort = (buf[p + 2]! << 8) | buf[p + 3]!;
    out.layers |= Layer.L4;
    if (len > avail) {
      if (this.snapCut) this.cut();
      else this.record('udp-length-exceeds-ip', 'length', len, this.ts);
      this.setPayload(buf, p + 8, end, out);
      return;
    }
    this.setPayload(buf, p + 8, p + len, out);
  }

  /**
   * ICMP (RFC 792) / ICMPv6 (RFC 4443): type (1) | code (1) | checksum (2) | rest.
   * The payload view starts after the checksum (for echo: identifier, sequence, data).
   */
  private icmp(buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    if (end - p < 4) {
      this.short('icmp-truncated', 'len', end - p);
      return;
    }
    out.icmpType = buf[p]!;
    out.icmpCode = buf[p + 1]!;
    out.layers |= Layer.L4;
    this.setPayload(buf, p + 4, end, out);
  }

  private setPayload(buf: Uint8Array, p: number, end: number, out: PacketInfo): void {
    out.payloadBuf = buf;
    out.payloadOff = p;
    out.payloadLen = end > p ? end - p : 0;
  }
}
