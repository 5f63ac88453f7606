import { ByteBuilder, concat, ipBytes, macBytes } from './bytes.js';

export const EtherType = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, LLDP: 0x88cc } as const;
export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/**
 * Ethernet II header, with an 802.1Q tag when `vlan` > 0 (IEEE 802.1Q-2018 §9).
 *   dst(6) src(6) [0x8100(2) PCP/DEI/VID(2)] ethertype(2) payload
 */
export function ethernet(dst: string, src: string, vlan: number, etherType: number, payload: Uint8Array): Uint8Array {
  const b = new ByteBuilder()
    .bytes(macBytes(dst)) // destination MAC
    .bytes(macBytes(src)); // source MAC
  if (vlan > 0) {
    b.u16(EtherType.VLAN) // TPID
      .u16(vlan & 0x0fff); // PCP 0, DEI 0, VID
  }
  b.u16(etherType); // EtherType
  return concat(b.done(), payload);
}

/** Length of the Ethernet (+VLAN) header in front of the L3 payload. */
export function l2HeaderLen(vlan: number): number {
  return vlan > 0 ? 18 : 14;
}

/**
 * 802.3 frame with LLC header (IEEE 802.2): dst(6) src(6) length(2) DSAP(1) SSAP(1) control(1) payload.
 * Untagged: bridge protocols travel on the native VLAN.
 */
export function llcFrame(dst: string, src: string, dsap: number, ssap: number, payload: Uint8Array): Uint8Array {
  const b = new ByteBuilder()
    .bytes(macBytes(dst)) // destination MAC
    .bytes(macBytes(src)) // source MAC
    .u16(3 + payload.length) // 802.3 length: LLC + payload
    .u8(dsap) // DSAP
    .u8(ssap) // SSAP
    .u8(0x03); // control: UI
  return concat(b.done(), payload);
}

/**
 * IPv4 header, no options (RFC 791 §3.1). Checksum left 0 (not verified by the analyzer).
 *   ver/ihl(1) tos(1) total_len(2) id(2) flags/frag(2) ttl(1) proto(1) checksum(2) src(4) dst(4)
 */
export function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, ttl = 64, id = 0): Uint8Array {
  const b = new ByteBuilder()
    .u8(0x45) // version 4, IHL 5 words
    .u8(0) // DSCP/ECN
    .u16(20 + payload.length) // total length
    .u16(id) // identification
    .u16(0x4000) // flags: DF, fragment offset 0
    .u8(ttl) // TTL
    .u8(proto) // protocol
    .u16(0) // header checksum (not computed)
    .bytes(ipBytes(src)) // source address
    .bytes(ipBytes(dst)); // destination address
  return concat(b.done(), payload);
}

/**
 * TCP header, no options (RFC 9293 §3.1). Checksum 0.
 *   sport(2) dport(2) seq(4) ack(4) offset/flags(2) window(2) checksum(2) urgent(2)
 */
export function tcp(
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
  window = 64240,
): Uint8Array {
  const b = new ByteBuilder()
    .u16(sport) // source port
    .u16(dport) // destination port
    .u32(seq) // sequence number
    .u32(ack) // acknowledgment number
    .u8(5 << 4) // data offset 5 words, reserved 0
    .u8(flags) // flags
    .u16(window) // window
    .u16(0) // checksum (not computed)
    .u16(0); // urgent pointer
  return concat(b.done(), payload);
}

/** UDP header (RFC 768): sport(2) dport(2) length(2) checksum(2). */
export function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const b = new ByteBuilder()
    .u16(sport) // source port
    .u16(dport) // destination port
    .u16(8 + payload.length) // length: header + data
    .u16(0); // checksum (optional in IPv4)
  return concat(b.done(), payload);
}

/** Full Ethernet/VLAN/IPv4/UDP frame. */
export function udpFrame(
  dstMac: string,
  srcMac: string,
  vlan: number,
  srcIp: string,
  dstIp: string,
  sport: number,
  dport: number,
  payload: Uint8Array,
  ttl = 64,
): Uint8Array {
  return ethernet(dstMac, srcMac, vlan, EtherType.IPV4, ipv4(srcIp, dstIp, 17, udp(sport, dport, payload), ttl));
}
