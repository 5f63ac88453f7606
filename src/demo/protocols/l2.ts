import { ByteBuilder, ipBytes, macBytes } from './bytes.js';

/**
 * ARP for IPv4 over Ethernet (RFC 826).
 *   htype(2)=1 ptype(2)=0x0800 hlen(1)=6 plen(1)=4 op(2) sha(6) spa(4) tha(6) tpa(4), padded to 46 bytes
 */
export function arp(op: 1 | 2, senderMac: string, senderIp: string, targetMac: string, targetIp: string): Uint8Array {
  return new ByteBuilder()
    .u16(1) // hardware type: Ethernet
    .u16(0x0800) // protocol type: IPv4
    .u8(6) // hardware address length
    .u8(4) // protocol address length
    .u16(op) // opcode: 1 request, 2 reply
    .bytes(macBytes(senderMac)) // sender hardware address
    .bytes(ipBytes(senderIp)) // sender protocol address
    .bytes(macBytes(targetMac)) // target hardware address
    .bytes(ipBytes(targetIp)) // target protocol address
    .zeros(18) // padding to the 60-byte Ethernet minimum
    .done();
}

export interface LldpInfo {
  chassisMac: string;
  portId: string;
  ttl: number;
  portDesc: string;
  sysName: string;
  sysDesc: string;
  /** System capabilities bitmap (IEEE 802.1AB §8.5.8): 0x0004 bridge, 0x0010 router. */
  caps: number;
  mgmtIp: string;
}

function tlv(b: ByteBuilder, type: number, value: Uint8Array): void {
  b.u16((type << 9) | value.length); // type(7 bits) | length(9 bits)
  b.bytes(value);
}

/**
 * LLDPDU (IEEE 802.1AB-2016 §8): a list of TLVs, each type(7b) length(9b) value, ended by type 0.
 *   1 chassis id (subtype 4 MAC), 2 port id (subtype 5 interface name), 3 TTL, 4 port description,
 *   5 system name, 6 system description, 7 capabilities, 8 management address, 0 end
 */
export function lldpdu(i: LldpInfo): Uint8Array {
  const b = new ByteBuilder();
  tlv(b, 1, new ByteBuilder().u8(4).bytes(macBytes(i.chassisMac)).done()); // chassis id: MAC
  tlv(b, 2, new ByteBuilder().u8(5).ascii(i.portId).done()); // port id: interface name
  tlv(b, 3, new ByteBuilder().u16(i.ttl).done()); // time to live (s)
  tlv(b, 4, new ByteBuilder().ascii(i.portDesc).done()); // port description
  tlv(b, 5, new ByteBuilder().ascii(i.sysName).done()); // system name
  tlv(b, 6, new ByteBuilder().ascii(i.sysDesc).done()); // system description
  tlv(b, 7, new ByteBuilder().u16(i.caps).u16(i.caps).done()); // capabilities: supported, enabled
  tlv(
    b,
    8,
    new ByteBuilder()
      .u8(5) // management address string length (subtype + 4)
      .u8(1) // address subtype: IPv4
      .bytes(ipBytes(i.mgmtIp)) // address
      .u8(2) // interface numbering: ifIndex
      .u32(1) // interface number
      .u8(0) // OID length
      .done(),
  );
  b.u16(0); // end of LLDPDU
  return b.done();
}

/**
 * Rapid Spanning Tree BPDU (IEEE 802.1D-2004 §9.3.3), carried in LLC 0x42/0x42:
 *   protocol id(2)=0 version(1)=2 type(1)=0x02 flags(1) root id(8) root path cost(4) bridge id(8)
 *   port id(2) message age(2) max age(2) hello time(2) forward delay(2) version 1 length(1)=0
 * Times are in 1/256 s.
 */
export function rstpBpdu(
  rootPrio: number,
  rootMac: string,
  cost: number,
  bridgePrio: number,
  bridgeMac: string,
  portId: number,
): Uint8Array {
  return new ByteBuilder()
    .u16(0) // protocol identifier
    .u8(2) // version: RSTP
    .u8(0x02) // BPDU type: RST
    .u8(0x3c) // flags: forwarding, learning, port role designated
    .u16(rootPrio) // root bridge priority (+ system id ext)
    .bytes(macBytes(rootMac)) // root bridge MAC
    .u32(cost) // root path cost
    .u16(bridgePrio) // bridge priority
    .bytes(macBytes(bridgeMac)) // bridge MAC
    .u16(portId) // port identifier
    .u16(cost === 0 ? 0 : 256) // message age
    .u16(20 * 256) // max age
    .u16(2 * 256) // hello time
    .u16(15 * 256) // forward delay
    .u8(0) // version 1 length
    .done();
}
