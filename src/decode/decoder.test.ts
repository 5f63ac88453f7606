import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkType } from '../capture/types.js';
import { ip6ToString, macToString } from '../util/net.js';
import { Decoder, EtherType } from './decoder.js';
import { concat, eth, ipv4, rng, tcp, udp } from './packet-builder.js';
import { IpProto, Layer, PacketInfo, TcpFlag } from './packet-info.js';

function run(linkType: number, frame: Uint8Array, wireLen = frame.length, d = new Decoder()) {
  const p = new PacketInfo();
  // Place the frame at an offset inside a larger buffer, as capture readers do.
  const buf = new Uint8Array(frame.length + 7);
  buf.set(frame, 3);
  d.decode(linkType, buf, 3, frame.length, wireLen, 1_000_000, p);
  const payload = p.payloadBuf.subarray(p.payloadOff, p.payloadOff + p.payloadLen);
  return { p, d, payload: Array.from(payload) };
}

function codes(d: Decoder): string[] {
  return [...d.anomalies.keys()].sort();
}

const IPV4_TCP = [
  0x45, //                       version 4, IHL 5
  0x00, //                       DSCP/ECN
  0x00,
  0x2c, //                 total length 44 = 20 + 20 + 4
  0x12,
  0x34, //                 identification
  0x40,
  0x00, //                 flags DF, fragment offset 0
  0x40, //                       TTL 64
  0x06, //                       protocol TCP
  0x00,
  0x00, //                 header checksum
  0xc0,
  0xa8,
  0x01,
  0x0a, //     src 192.168.1.10
  0xc0,
  0xa8,
  0x01,
  0x14, //     dst 192.168.1.20
  0xc3,
  0x50, //                 TCP src port 50000
  0x01,
  0xf6, //                 TCP dst port 502
  0x00,
  0x00,
  0x10,
  0x00, //     seq 4096
  0xff,
  0xff,
  0xff,
  0xfe, //     ack 4294967294
  0x50, //                       data offset 5
  0x18, //                       flags PSH|ACK
  0x20,
  0x00, //                 window 8192
  0x00,
  0x00, //                 checksum
  0x00,
  0x00, //                 urgent pointer
  0xde,
  0xad,
  0xbe,
  0xef, //     payload
];

const ETH_HDR_IPV4 = [
  0x00,
  0x1b,
  0x1b,
  0x01,
  0x02,
  0x03, // dst MAC 00:1b:1b:01:02:03
  0x00,
  0x0e,
  0x8c,
  0x0a,
  0x0b,
  0x0c, // src MAC 00:0e:8c:0a:0b:0c
  0x08,
  0x00, //                         EtherType IPv4
];

describe('Decoder: well-formed layers', () => {
  it('Ethernet + IPv4 + TCP', () => {
    const { p, payload, d } = run(LinkType.ETHERNET, Uint8Array.from([...ETH_HDR_IPV4, ...IPV4_TCP]));
    assert.equal(p.layers, Layer.L2 | Layer.IP | Layer.L4);
    assert.equal(macToString(p.dstMac), '00:1b:1b:01:02:03');
    assert.equal(macToString(p.srcMac), '00:0e:8c:0a:0b:0c');
    assert.equal(p.etherType, EtherType.IPV4);
    assert.equal(p.ipVersion, 4);
    assert.equal(p.src4, 0xc0a8010a);
    assert.equal(p.dst4, 0xc0a80114);
    assert.equal(p.ttl, 64);
    assert.equal(p.ipProto, IpProto.TCP);
    assert.equal(p.srcPort, 50000);
    assert.equal(p.dstPort, 502);
    assert.equal(p.seq, 4096);
    assert.equal(p.ack, 4294967294);
    assert.equal(p.tcpFlags, TcpFlag.PSH | TcpFlag.ACK);
    assert.equal(p.window, 8192);
    assert.deepEqual(payload, [0xde, 0xad, 0xbe, 0xef]);
    assert.equal(p.payloadOff, 3 + 14 + 40);
    assert.equal(d.anomalies.size, 0);
  });

  it('Ethernet padding after a short IPv4 packet is not payload', () => {
    const frame = Uint8Array.from([...ETH_HDR_IPV4, ...IPV4_TCP, 0, 0, 0, 0, 0, 0]);
    const { payload, d } = run(LinkType.ETHERNET, frame);
    assert.deepEqual(payload, [0xde, 0xad, 0xbe, 0xef]);
    assert.equal(d.anomalies.size, 0);
  });

  it('802.1Q + IPv4 + UDP', () => {
    const frame = Uint8Array.from([
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff, // dst MAC broadcast
      0x00,
      0x0e,
      0x8c,
      0x0a,
      0x0b,
      0x0c, // src MAC
      0x81,
      0x00, //                         TPID 802.1Q
      0x60,
      0x64, //                         PCP 3, DEI 0, VID 100
      0x08,
      0x00, //                         EtherType IPv4
      0x45,
      0x00, //                         version/IHL, DSCP
      0x00,
      0x1e, //                         total length 30
      0x00,
      0x01,
      0x00,
      0x00, //             id, flags/offset
      0x80,
      0x11,
      0x00,
      0x00, //             TTL 128, UDP, checksum
      0x0a,
      0x00,
      0x00,
      0x01, //             src 10.0.0.1
      0x0a,
      0x00,
      0x00,
      0xff, //             dst 10.0.0.255
      0xba,
      0xc0, //                         UDP src port 47808 (BACnet)
      0xba,
      0xc0, //                         UDP dst port 47808
      0x00,
      0x0a, //                         UDP length 10
      0x00,
      0x00, //                         checksum
      0x81,
      0x0b, //                         payload (BVLC)
    ]);
    const { p, payload } = run(LinkType.ETHERNET, frame);
    assert.equal(p.vlan, 100);
    assert.equal(p.vlanInner, 0);
    assert.equal(p.ipProto, IpProto.UDP);
    assert.equal(p.ttl, 128);
    assert.equal(p.srcPort, 47808);
    assert.deepEqual(payload, [0x81, 0x0b]);
  });

  it('QinQ (802.1ad outer, 802.1Q inner) + ARP', () => {
    const frame = Uint8Array.from([
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff, // dst MAC broadcast
      0x00,
      0x0e,
      0x8c,
      0x0a,
      0x0b,
      0x0c, // src MAC
      0x88,
      0xa8, //                         TPID 802.1ad
      0x00,
      0x0a, //                         outer VID 10
      0x81,
      0x00, //                         TPID 802.1Q
      0x00,
      0x14, //                         inner VID 20
      0x08,
      0x06, //                         EtherType ARP
      0x00,
      0x01, //                         hardware type Ethernet
      0x08,
      0x00, //                         protocol type IPv4
      0x06,
      0x04, //                         hlen 6, plen 4
      0x00,
      0x01, //                         op request
      0x00,
      0x0e,
      0x8c,
      0x0a,
      0x0b,
      0x0c, // sender MAC
      0xc0,
      0xa8,
      0x00,
      0x01, //             sender IP 192.168.0.1
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00, // target MAC unknown
      0xc0,
      0xa8,
      0x00,
      0x02, //             target IP 192.168.0.2
    ]);
    const { p } = run(LinkType.ETHERNET, frame);
    assert.equal(p.vlan, 10);
    assert.equal(p.vlanInner, 20);
    assert.equal(p.etherType, EtherType.ARP);
    assert.equal(p.layers, Layer.L2 | Layer.ARP);
    assert.equal(p.arpOp, 1);
    assert.equal(macToString(p.arpSenderMac), '00:0e:8c:0a:0b:0c');
    assert.equal(p.arpSenderIp, 0xc0a80001);
    assert.equal(p.arpTargetMac, 0);
    assert.equal(p.arpTargetIp, 0xc0a80002);
  });

  it('802.3 + LLC (STP) keeps the L2 payload', () => {
    const frame = Uint8Array.from([
      0x01,
      0x80,
      0xc2,
      0x00,
      0x00,
      0x00, // dst MAC STP multicast
      0x00,
      0x0e,
      0x8c,
      0x0a,
      0x0b,
      0x0c, // src MAC
      0x00,
      0x07, //                         802.3 length 7
      0x42, //                               DSAP STP
      0x42, //                               SSAP STP
      0x03, //                               control UI
      0x00,
      0x00,
      0x00,
      0x00, //             BPDU start (protocol id, version, type)
      0x00,
      0x00,
      0x00, //                   padding beyond the 802.3 length
    ]);
    const { p, payload, d } = run(LinkType.ETHERNET, frame);
    assert.equal(p.llcDsap, 0x42);
    assert.equal(p.llcSsap, 0x42);
    assert.equal(p.etherType, 0);
    assert.equal(p.l2PayloadLen, 4);
    assert.deepEqual(payload, [0, 0, 0, 0]);
    assert.equal(p.layers, Layer.L2);
    assert.equal(d.anomalies.size, 0);
  });

  it('802.3 + LLC + SNAP (OUI 0) carries IPv4', () => {
    const ip = IPV4_TCP;
    const frame = Uint8Array.from([
      0x00,
      0x1b,
      0x1b,
      0x01,
      0x02,
      0x03, // dst MAC
      0x00,
      0x0e,
      0x8c,
      0x0a,
      0x0b,
      0x0c, // src MAC
      0x00,
      8 + ip.length, //                802.3 length
      0xaa, //                               DSAP SNAP
      0xaa, //                               SSAP SNAP
      0x03, //                               control UI
      0x00,
      0x00,
      0x00, //                   OUI 0 (RFC 1042)
      0x08,
      0x00, //                         protocol id IPv4
      ...ip,
    ]);
    const { p, payload } = run(LinkType.ETHERNET, frame);
    assert.equal(p.llcDsap, 0xaa);
    assert.equal(p.etherType, EtherType.IPV4);
    assert.equal(p.dstPort, 502);
    assert.deepEqual(payload, [0xde, 0xad, 0xbe, 0xef]);
  });

  it('IPv4 with options (IHL 6) + ICMP echo', () => {
    const frame = Uint8Array.from([
      0x46, //                       version 4, IHL 6
      0x00, //                       DSCP
      0x00,
      0x24, //                 total length 36 = 24 + 12
      0x00,
      0x07,
      0x00,
      0x00, //     id, flags/offset
      0x01,
      0x01,
      0x00,
      0x00, //     TTL 1, ICMP, checksum
      0x0a,
      0x00,
      0x00,
      0x01, //     src 10.0.0.1
      0x0a,
      0x00,
      0x00,
      0x02, //     dst 10.0.0.2
      0x94,
      0x04,
      0x00,
      0x00, //     option: router alert
      0x08, //                       ICMP type 8 echo request
      0x00, //                       code 0
      0x00,
      0x00, //                 checksum
      0x00,
      0x01, //                 identifier
      0x00,
      0x02, //                 sequence
      0x61,
      0x62,
      0x63,
      0x64, //     data
    ]);
    const { p, payload, d } = run(LinkType.IPV4, frame);
    assert.equal(p.layers, Layer.IP | Layer.L4);
    assert.equal(p.ipProto, IpProto.ICMP);
    assert.equal(p.icmpType, 8);
    assert.equal(p.icmpCode, 0);
    assert.deepEqual(payload, [0, 1, 0, 2, 0x61, 0x62, 0x63, 0x64]);
    assert.equal(d.anomalies.size, 0);
  });

  const SRC6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]; // 2001:db8::1
  const DST6 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]; //     fe80::2

  it('IPv6 + hop-by-hop + destination options + UDP', () => {
    const frame = Uint8Array.from([
      0x60,
      0x00,
      0x00,
      0x00, //     version 6, class, flow label
      0x00,
      0x1a, //                 payload length 26 = 8 + 8 + 10
      0x00, //                       next header hop-by-hop
      0x01, //                       hop limit 1
      ...SRC6, //                    src 2001:db8::1
      ...DST6, //                    dst fe80::2
      0x3c,
      0x00, //                 HBH: next dest-options, len 0 (8 bytes)
      0x05,
      0x02,
      0x00,
      0x00, //     router alert option
      0x01,
      0x00, //                 PadN
      0x11,
      0x00, //                 DestOpts: next UDP, len 0
      0x01,
      0x04,
      0x00,
      0x00,
      0x00,
      0x00, // PadN 4
      0x02,
      0x22, //                 UDP src port 546
      0x02,
      0x23, //                 UDP dst port 547
      0x00,
      0x0a, //                 length 10
      0x00,
      0x00, //                 checksum
      0x01,
      0x02, //                 payload
    ]);
    const { p, payload, d } = run(LinkType.IPV6, frame);
    assert.equal(p.ipVersion, 6);
    assert.equal(ip6ToString(p.src6), '2001:db8::1');
    assert.equal(ip6ToString(p.dst6), 'fe80::2');
    assert.equal(p.ipProto, IpProto.UDP);
    assert.equal(p.ttl, 1);
    assert.equal(p.srcPort, 546);
    assert.equal(p.dstPort, 547);
    assert.deepEqual(payload, [1, 2]);
    assert.equal(d.anomalies.size, 0);
  });

  it('IPv6 + routing + AH + ICMPv6', () => {
    const frame = Uint8Array.from([
      0x60,
      0x00,
      0x00,
      0x00, //     version 6
      0x00,
      0x24, //                 payload length 36 = 8 + 24 + 4
      0x2b, //                       next header routing
      0x40, //                       hop limit 64
      ...SRC6,
      ...DST6,
      0x33,
      0x00, //                 routing: next AH, len 0
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00, // type 0, segments left 0, reserved
      0x3a,
      0x04, //                 AH: next ICMPv6, payload len 4 -> (4+2)*4 = 24 bytes
      0x00,
      0x00, //                 reserved
      0x00,
      0x00,
      0x01,
      0x00, //     SPI
      0x00,
      0x00,
      0x00,
      0x01, //     sequence
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // ICV (12 bytes)
      0x80, //                       ICMPv6 echo request
      0x00, //                       code
      0x00,
      0x00, //                 checksum
    ]);
    const { p, d } = run(LinkType.IPV6, frame);
    assert.equal(p.ipProto, IpProto.ICMPV6);
    assert.equal(p.icmpType, 128);
    assert.equal(p.layers, Layer.IP | Layer.L4);
    assert.equal(d.anomalies.size, 0);
  });

  it('Linux cooked v1 + IPv4 + TCP', () => {
    const frame = Uint8Array.from([
      0x00,
      0x00, //                 packet type: to us
      0x00,
      0x01, //                 ARPHRD_ETHER
      0x00,
      0x06, //                 address length 6
      0x00,
      0x0e,
      0x8c,
      0x0a,
      0x0b,
      0x0c,
      0x00,
      0x00, // address + 2 pad
      0x08,
      0x00, //                 protocol IPv4
      ...IPV4_TCP,
    ]);
    const { p, payload } = run(LinkType.LINUX_SLL, frame);
    assert.equal(macToString(p.srcMac), '00:0e:8c:0a:0b:0c');
    assert.equal(p.layers, Layer.L2 | Layer.IP | Layer.L4);
    assert.equal(p.dstPort, 502);
    assert.deepEqual(payload, [0xde, 0xad, 0xbe, 0xef]);
  });

  it('Linux cooked v2 + IPv4 + TCP', () => {
    const frame = Uint8Array.from([
      0x08,
      0x00, //                 protocol IPv4
      0x00,
      0x00, //                 reserved
      0x00,
      0x00,
      0x00,
      0x02, //     interface index 2
      0x00,
      0x01, //                 ARPHRD_ETHER
      0x04, //                       packet type: outgoing
      0x06, //                       address length 6
      0x00,
      0x0e,
      0x8c,
      0x0a,
      0x0b,
      0x0c,
      0x00,
      0x00, // address + 2 pad
      ...IPV4_TCP,
    ]);
    const { p, payload } = run(LinkType.LINUX_SLL2, frame);
    assert.equal(macToString(p.srcMac), '00:0e:8c:0a:0b:0c');
    assert.equal(p.srcPort, 50000);
    assert.deepEqual(payload, [0xde, 0xad, 0xbe, 0xef]);
  });

  it('NULL loopback in both byte orders, and LOOP', () => {
    const le = run(LinkType.NULL, Uint8Array.from([0x02, 0x00, 0x00, 0x00, /* AF_INET LE */ ...IPV4_TCP]));
    const be = run(LinkType.NULL, Uint8Array.from([0x00, 0x00, 0x00, 0x02, /* AF_INET BE */ ...IPV4_TCP]));
    const loop = run(LinkType.LOOP, Uint8Array.from([0x00, 0x00, 0x00, 0x02, /* AF_INET */ ...IPV4_TCP]));
    for (const r of [le, be, loop]) {
      assert.equal(r.p.layers, Layer.IP | Layer.L4);
      assert.equal(r.p.dstPort, 502);
      assert.equal(r.d.anomalies.size, 0);
    }
    const v6 = Uint8Array.from([
      0x1e,
      0x00,
      0x00,
      0x00, //     AF_INET6 (30, macOS) little-endian
      0x60,
      0x00,
      0x00,
      0x00, //     IPv6 header
      0x00,
      0x04, //                 payload length 4
      0x3a,
      0x40, //                 ICMPv6, hop limit
      ...SRC6,
      ...DST6,
      0x81,
      0x00,
      0x00,
      0x00, //     ICMPv6 echo reply
    ]);
    const r6 = run(LinkType.NULL, v6);
    assert.equal(r6.p.ipVersion, 6);
    assert.equal(r6.p.icmpType, 129);
  });

  it('raw IP link types (101, 12, 14, 228, 229)', () => {
    for (const lt of [LinkType.RAW, LinkType.RAW_12, LinkType.RAW_14, LinkType.IPV4]) {
      const { p } = run(lt, Uint8Array.from(IPV4_TCP));
      assert.equal(p.layers, Layer.IP | Layer.L4, `link type ${lt}`);
      assert.equal(p.dstPort, 502);
    }
    const v6 = Uint8Array.from([0x60, 0, 0, 0, 0x00, 0x04, 0x3a, 0x40, ...SRC6, ...DST6, 0x80, 0, 0, 0]);
    assert.equal(run(LinkType.RAW, v6).p.ipVersion, 6);
    assert.equal(run(LinkType.IPV6, v6).p.icmpType, 128);
  });
});

describe('Decoder: malformed input becomes named anomalies', () => {
  const full = Uint8Array.from([...ETH_HDR_IPV4, ...IPV4_TCP]);

  it('truncated Ethernet header', () => {
    const { p, d } = run(LinkType.ETHERNET, full.subarray(0, 10));
    assert.equal(p.layers, 0);
    assert.deepEqual(codes(d), ['eth-truncated']);
  });

  it('three VLAN tags are too deep', () => {
    const f = eth(1, 2, 0x0800, Uint8Array.from(IPV4_TCP), [1, 2, 3]);
    const { p, d } = run(LinkType.ETHERNET, f);
    assert.deepEqual(codes(d), ['vlan-too-deep']);
    assert.equal(p.vlan, 1);
    assert.equal(p.vlanInner, 2);
    assert.equal(p.layers, Layer.L2);
  });

  it('truncated VLAN tag', () => {
    const { d } = run(LinkType.ETHERNET, Uint8Array.from([...ETH_HDR_IPV4.slice(0, 12), 0x81, 0x00, 0x00]));
    assert.deepEqual(codes(d), ['vlan-truncated']);
  });

  it('IPv4: bad version, bad IHL, bad total length, total length beyond the capture', () => {
    const mk = (patch: (b: Uint8Array) => void) => {
      const b = Uint8Array.from(IPV4_TCP);
      patch(b);
      return run(LinkType.RAW_12, b);
    };
    let r = run(LinkType.IPV4, Uint8Array.from([0x55, ...IPV4_TCP.slice(1)]));
    assert.deepEqual(codes(r.d), ['ipv4-bad-version']);
    r = mk((b) => {
      b[0] = 0x43;
    });
    assert.deepEqual(codes(r.d), ['ipv4-bad-ihl']);
    assert.equal(r.p.layers, 0);
    r = mk((b) => {
      b[3] = 10;
    });
    assert.deepEqual(codes(r.d), ['ipv4-bad-total-length']);
    r = mk((b) => {
      b[3] = 200;
    });
    assert.deepEqual(codes(r.d), ['ipv4-total-length-exceeds-capture']);
    assert.equal(r.p.layers, Layer.IP | Layer.L4);
    assert.equal(r.p.payloadLen, 4);
    r = mk((b) => {
      b[0] = 0x4f; // IHL 15 = 60 bytes > 44 captured
      b[3] = 60;
    });
    assert.deepEqual(codes(r.d), ['ipv4-truncated']);
    r = run(LinkType.IPV4, Uint8Array.from(IPV4_TCP.slice(0, 12)));
    assert.deepEqual(codes(r.d), ['ipv4-truncated']);
  });

  it('snaplen truncation is not an anomaly, it is counted apart', () => {
    const d = new Decoder();
    const cut = full.subarray(0, 14 + 20 + 20 + 2);
    const r = run(LinkType.ETHERNET, cut, full.length, d);
    assert.equal(d.anomalies.size, 0);
    assert.equal(d.truncatedPayloads, 1);
    assert.equal(r.p.layers, Layer.L2 | Layer.IP | Layer.L4);
    assert.deepEqual(r.payload, [0xde, 0xad]);
    // Cut inside the TCP header: still no anomaly, no L4.
    const r2 = run(LinkType.ETHERNET, full.subarray(0, 14 + 20 + 10), full.length, d);
    assert.equal(d.anomalies.size, 0);
    assert.equal(d.truncatedPayloads, 2);
    assert.equal(r2.p.layers, Layer.L2 | Layer.IP);
  });

  it('TCP: data offset < 5, data offset beyond the segment, truncated header', () => {
    const b = Uint8Array.from(IPV4_TCP);
    b[32] = 0x40;
    let r = run(LinkType.IPV4, b);
    assert.deepEqual(codes(r.d), ['tcp-bad-data-offset']);
    assert.equal(r.p.layers, Layer.IP);
    b[32] = 0xf0;
    r = run(LinkType.IPV4, b);
    assert.deepEqual(codes(r.d), ['tcp-truncated']);
    r = run(LinkType.IPV4, ipv4({ src: 1, dst: 2, proto: 6 }, new Uint8Array(10)));
    assert.deepEqual(codes(r.d), ['tcp-truncated']);
  });

  it('UDP: length below 8, length beyond the IP payload, truncated header', () => {
    const u = udp(1000, 2000, Uint8Array.from([1, 2, 3]));
    u[5] = 4;
    let r = run(LinkType.IPV4, ipv4({ src: 1, dst: 2, proto: 17 }, u));
    assert.deepEqual(codes(r.d), ['udp-bad-length']);
    u[5] = 40;
    r = run(LinkType.IPV4, ipv4({ src: 1, dst: 2, proto: 17 }, u));
    assert.deepEqual(codes(r.d), ['udp-length-exceeds-ip']);
    assert.equal(r.p.payloadLen, 3);
    r = run(LinkType.IPV4, ipv4({ src: 1, dst: 2, proto: 17 }, new Uint8Array(5)));
    assert.deepEqual(codes(r.d), ['udp-truncated']);
  });

  it('ICMP truncated, ARP truncated and unsupported', () => {
    let r = run(LinkType.IPV4, ipv4({ src: 1, dst: 2, proto: 1 }, new Uint8Array(2)));
    assert.deepEqual(codes(r.d), ['icmp-truncated']);
    r = run(LinkType.ETHERNET, eth(1, 2, 0x0806, new Uint8Array([0, 1, 8, 0, 6, 4, 0, 1, 0])));
    assert.deepEqual(codes(r.d), ['arp-truncated']);
    r = run(LinkType.ETHERNET, eth(1, 2, 0x0806, new Uint8Array([0, 6, 8, 0, 6, 4, 0, 1, 0, 0])));
    assert.deepEqual(codes(r.d), ['arp-unsupported']);
    assert.equal(r.p.layers & Layer.ARP, 0);
  });

  it('IPv6: bad version, payload length beyond the capture, chain too long, truncated ext header', () => {
    const hdr = (nh: number, plen: number) => [0x60, 0, 0, 0, plen >> 8, plen & 255, nh, 64, ...new Array(32).fill(0)];
    let r = run(LinkType.IPV6, Uint8Array.from([0x40, ...hdr(59, 0).slice(1)]));
    assert.deepEqual(codes(r.d), ['ipv6-bad-version']);
    r = run(LinkType.IPV6, Uint8Array.from(hdr(59, 100)));
    assert.deepEqual(codes(r.d), ['ipv6-payload-length-exceeds-capture']);
    const chain: number[] = [];
    for (let i = 0; i < 9; i++) chain.push(60, 0, 1, 4, 0, 0, 0, 0); // dest options -> dest options
    r = run(LinkType.IPV6, Uint8Array.from([...hdr(60, chain.length), ...chain]));
    assert.deepEqual(codes(r.d), ['ipv6-ext-chain-too-long']);
    r = run(LinkType.IPV6, Uint8Array.from([...hdr(0, 8), 17, 5, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual(codes(r.d), ['ipv6-ext-truncated']);
    r = run(LinkType.IPV6, Uint8Array.from(hdr(59, 0).slice(0, 30)));
    assert.deepEqual(codes(r.d), ['ipv6-truncated']);
  });

  it('link layer problems: SLL truncated, loopback unknown AF, raw bad version, unsupported link type', () => {
    const d = new Decoder();
    run(LinkType.LINUX_SLL, new Uint8Array(10), 10, d);
    run(LinkType.LINUX_SLL2, new Uint8Array(10), 10, d);
    run(LinkType.NULL, Uint8Array.from([7, 0, 0, 0, 0x45]), 5, d);
    run(LinkType.RAW, Uint8Array.from([0x70, 0, 0]), 3, d);
    run(105, new Uint8Array(30), 30, d);
    run(105, new Uint8Array(30), 30, d);
    assert.deepEqual(codes(d), ['loopback-unknown-af', 'raw-bad-version', 'sll-truncated', 'sll2-truncated']);
    assert.equal(d.unsupportedLinkTypes.get(105), 2);
  });

  it('anomaly records count, first/last time and one example', () => {
    const d = new Decoder();
    const p = new PacketInfo();
    const bad = Uint8Array.from([0x43, ...IPV4_TCP.slice(1)]);
    d.decode(LinkType.IPV4, bad, 0, bad.length, bad.length, 5, p);
    d.decode(LinkType.IPV4, bad, 0, bad.length, bad.length, 9, p);
    assert.deepEqual(d.anomalies.get('ipv4-bad-ihl'), { count: 2, firstUs: 5, lastUs: 9, example: 'ihl=3' });
  });

  it('capLen beyond the buffer does not read past it', () => {
    const d = new Decoder();
    const p = new PacketInfo();
    const b = Uint8Array.from([...ETH_HDR_IPV4, ...IPV4_TCP]);
    d.decode(LinkType.ETHERNET, b, 0, b.length + 100, b.length + 100, 1, p);
    assert.ok(d.anomalies.has('frame-bad-bounds'));
    assert.equal(p.dstPort, 502);
  });
});

describe('Decoder: IP fragments through the decoder', () => {
  it('IPv4 fragments reassemble and the last one carries the L4 payload', () => {
    const d = new Decoder();
    const p = new PacketInfo();
    const data = new Uint8Array(100).map((_, i) => i);
    const seg = udp(5000, 161, data); // 108 bytes
    const f1 = ipv4({ src: 0x0a000001, dst: 0x0a000002, proto: 17, id: 9, more: true }, seg.subarray(0, 48));
    const f2 = ipv4({ src: 0x0a000001, dst: 0x0a000002, proto: 17, id: 9, fragOff: 48 }, seg.subarray(48));
    d.decode(LinkType.IPV4, f1, 0, f1.length, f1.length, 1, p);
    assert.equal(p.layers, Layer.IP);
    assert.equal(p.reassembled, false);
    d.decode(LinkType.IPV4, f2, 0, f2.length, f2.length, 2, p);
    assert.equal(p.reassembled, true);
    assert.equal(p.layers, Layer.IP | Layer.L4);
    assert.equal(p.dstPort, 161);
    assert.deepEqual(Array.from(p.payloadBuf.subarray(p.payloadOff, p.payloadOff + p.payloadLen)), Array.from(data));
    assert.equal(d.anomalies.size, 0);
  });

  it('IPv6 fragments (out of order) reassemble', () => {
    const d = new Decoder();
    const p = new PacketInfo();
    const src = new Uint8Array(16).fill(1);
    const dst = new Uint8Array(16).fill(2);
    const seg = tcp(40000, 102, 7, 0, TcpFlag.ACK, new Uint8Array(60).fill(0x33)); // 80 bytes
    const frag = (off: number, more: boolean, part: Uint8Array) =>
      concat(
        [0x60, 0, 0, 0, 0, 8 + part.length, 44, 64],
        src,
        dst,
        [6, 0, (off >> 8) & 255, (off & 0xf8) | (more ? 1 : 0), 0, 0, 0x12, 0x34],
        part,
      );
    const b = frag(40, false, seg.subarray(40));
    const a = frag(0, true, seg.subarray(0, 40));
    d.decode(LinkType.IPV6, b, 0, b.length, b.length, 1, p);
    assert.equal(p.layers, Layer.IP);
    assert.equal(p.ipProto, 44);
    d.decode(LinkType.IPV6, a, 0, a.length, a.length, 2, p);
    assert.equal(p.reassembled, true);
    assert.equal(p.ipProto, IpProto.TCP);
    assert.equal(p.dstPort, 102);
    assert.equal(p.payloadLen, 60);
  });
});

describe('Decoder: fuzz', () => {
  it('20k random and mutated frames: no throw, no hang', () => {
    const r = rng(0xdec0de);
    const d = new Decoder({ fragments: { maxDatagrams: 64 } });
    const p = new PacketInfo();
    const seeds: Uint8Array[] = [
      Uint8Array.from([...ETH_HDR_IPV4, ...IPV4_TCP]),
      eth(1, 2, 0x0800, ipv4({ src: 1, dst: 2, proto: 17, more: true, id: 3 }, udp(1, 2, new Uint8Array(40)))),
      eth(1, 2, 0x86dd, concat([0x60, 0, 0, 0, 0, 16, 44, 64], new Uint8Array(32), [17, 0, 0, 9, 0, 0, 0, 1])),
      eth(1, 2, 0x0806, new Uint8Array(28)),
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0xaa, 0xaa, 3, 0, 0, 0, 8, 0, ...IPV4_TCP]),
    ];
    const links = [1, 1, 1, 101, 113, 276, 0, 108, 228, 229, 12, 147];
    const start = Date.now();
    for (let i = 0; i < 20_000; i++) {
      let f: Uint8Array;
      if (i % 4 === 0) {
        f = new Uint8Array(Math.floor(r() * 200));
        for (let k = 0; k < f.length; k++) f[k] = Math.floor(r() * 256);
      } else {
        f = Uint8Array.from(seeds[i % seeds.length]!);
        const flips = 1 + Math.floor(r() * 6);
        for (let k = 0; k < flips; k++) f[Math.floor(r() * f.length)] = Math.floor(r() * 256);
        if (r() < 0.2) f = f.subarray(0, Math.floor(r() * f.length));
      }
      const lt = links[Math.floor(r() * links.length)]!;
      const wire = r() < 0.1 ? f.length + 10 : f.length;
      d.decode(lt, f, 0, f.length, wire, i * 1000, p);
      assert.ok(p.payloadOff >= 0 && p.payloadOff + p.payloadLen <= p.payloadBuf.length);
    }
    assert.ok(Date.now() - start < 10_000);
    assert.ok(d.anomalies.size > 5);
    assert.ok(!d.anomalies.has('decode-internal-error'));
  });
});
