/**
 * The decoder's output for one packet: a single mutable struct, reused for every packet so the
 * hot path allocates nothing. Fields are only meaningful when the layer flags say so.
 * Nothing here survives the packet: consumers copy what they keep.
 */
export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

export const Layer = {
  NONE: 0,
  L2: 1, // Ethernet-like header decoded (MACs valid)
  ARP: 2,
  IP: 4, // IPv4 or IPv6 header decoded
  L4: 8, // TCP / UDP / ICMP header decoded
} as const;

export class PacketInfo {
  tsUs = 0;
  linkType = 0;
  /** Bytes on the wire (origLen) and bytes we have (capLen). */
  wireLen = 0;
  capLen = 0;
  /** Bitset of Layer.* that were decoded. */
  layers = 0;

  // ---- L2 ----
  /** 48-bit MAC addresses as numbers (exact in a double); 0 when there is no L2 header. */
  srcMac = 0;
  dstMac = 0;
  /** Outer and inner 802.1Q VLAN ids; 0 = untagged. */
  vlan = 0;
  vlanInner = 0;
  /** EtherType after VLAN tags (or derived from LLC/SNAP, cooked header, loopback AF). */
  etherType = 0;
  /** For 802.3 frames with LLC: DSAP/SSAP (0 when not LLC), and SNAP OUI/pid when present. */
  llcDsap = 0;
  llcSsap = 0;
  /** 802.3 SNAP header (DSAP/SSAP 0xAA): OUI and protocol id; 0 when absent. */
  snapOui = 0;
  snapPid = 0;
  /** Offset/length of the L2 payload (after Ethernet/VLAN/LLC) within `buf`. */
  l2PayloadOff = 0;
  l2PayloadLen = 0;

  // ---- ARP ----
  arpOp = 0;
  arpSenderMac = 0;
  arpSenderIp = 0;
  arpTargetMac = 0;
  arpTargetIp = 0;

  // ---- L3 ----
  ipVersion = 0; // 0, 4 or 6
  /** IPv4 addresses as unsigned 32-bit numbers. */
  src4 = 0;
  dst4 = 0;
  /** IPv6 addresses (16 bytes each), valid when ipVersion === 6. */
  readonly src6 = new Uint8Array(16);
  readonly dst6 = new Uint8Array(16);
  /** Upper-layer protocol after IPv6 extension headers. */
  ipProto = 0;
  ttl = 0;
  /** The packet was rebuilt from IP fragments (payload lives in a reassembly buffer). */
  reassembled = false;

  // ---- L4 ----
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128). */
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  icmpType = 0;
  icmpCode = 0;

  /** Buffer that holds the L4 payload: the capture chunk, or a fragment reassembly buffer. */
  payloadBuf: Uint8Array = EMPTY;
  payloadOff = 0;
  payloadLen = 0;

  reset(): void {
    this.layers = 0;
    this.srcMac = 0;
    this.dstMac = 0;
    this.vlan = 0;
    this.vlanInner = 0;
    this.etherType = 0;
    this.llcDsap = 0;
    this.llcSsap = 0;
    this.snapOui = 0;
    this.snapPid = 0;
    this.l2PayloadOff = 0;
    this.l2PayloadLen = 0;
    this.arpOp = 0;
    this.ipVersion = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.ipProto = 0;
    this.ttl = 0;
    this.reassembled = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.seq = 0;
    this.ack = 0;
    this.window = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.payloadBuf = EMPTY;
    this.payloadOff = 0;
    this.payloadLen = 0;
  }
}

const EMPTY = new Uint8Array(0);

export const TcpFlag = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 } as const;
