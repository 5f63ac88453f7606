import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Flow, FlowTable, TcpState } from './flow-table.js';
import { IpProto, Layer, PacketInfo, TcpFlag } from './packet-info.js';

const A = 0x0a000001; // 10.0.0.1
const B = 0x0a000002; // 10.0.0.2
const { SYN, ACK, FIN, RST } = TcpFlag;

interface Pkt {
  src?: number;
  dst?: number;
  sp?: number;
  dp?: number;
  proto?: number;
  flags?: number;
  seq?: number;
  ts?: number;
  vlan?: number;
  len?: number;
  payload?: number;
  icmpType?: number;
  srcMac?: number;
}

const pi = new PacketInfo();
function pkt(o: Pkt): PacketInfo {
  pi.reset();
  pi.layers = Layer.L2 | Layer.IP | Layer.L4;
  pi.ipVersion = 4;
  pi.src4 = o.src ?? A;
  pi.dst4 = o.dst ?? B;
  pi.ipProto = o.proto ?? IpProto.TCP;
  pi.srcPort = o.sp ?? 50000;
  pi.dstPort = o.dp ?? 502;
  pi.tcpFlags = o.flags ?? ACK;
  pi.seq = o.seq ?? 0;
  pi.tsUs = o.ts ?? 0;
  pi.vlan = o.vlan ?? 0;
  pi.wireLen = o.len ?? 60;
  pi.payloadLen = o.payload ?? 0;
  pi.icmpType = o.icmpType ?? 0;
  pi.srcMac = o.srcMac ?? 0;
  return pi;
}

function rev(o: Pkt): Pkt {
  return { ...o, src: o.dst ?? B, dst: o.src ?? A, sp: o.dp ?? 502, dp: o.sp ?? 50000 };
}

describe('FlowTable', () => {
  it('SYN sender is the client, even from the low port; counters per direction', () => {
    const t = new FlowTable();
    const c: Pkt = { src: B, dst: A, sp: 80, dp: 40000, srcMac: 0xb };
    const f = t.update(pkt({ ...c, flags: SYN, seq: 100, len: 66 }));
    assert.equal(t.lastCreated, true);
    assert.equal(t.lastDir, 0);
    assert.equal(f.clientIp, '10.0.0.2');
    assert.equal(f.clientPort, 80);
    assert.equal(f.serverPort, 40000);
    assert.equal(f.tcpState, TcpState.SYN_SEEN);
    t.update(pkt({ ...rev(c), flags: SYN | ACK, len: 66, srcMac: 0xa }));
    assert.equal(t.lastDir, 1);
    assert.equal(t.lastCreated, false);
    assert.equal(f.tcpState, TcpState.SYN_ACK_SEEN);
    t.update(pkt({ ...c, flags: ACK, payload: 10, len: 70, ts: 5 }));
    assert.equal(f.tcpState, TcpState.ESTABLISHED);
    assert.deepEqual(
      [f.pkts0, f.pkts1, f.bytes0, f.bytes1, f.payload0, f.payload1, f.firstUs, f.lastUs],
      [2, 1, 136, 66, 10, 0, 0, 5],
    );
    assert.equal(f.clientMac, 0xb);
    assert.equal(f.serverMac, 0xa);
    assert.equal(t.size, 1);
  });

  it('first packet a SYN-ACK: its receiver is the client', () => {
    const t = new FlowTable();
    const f = t.update(pkt({ src: A, dst: B, sp: 502, dp: 50000, flags: SYN | ACK }));
    assert.equal(t.lastDir, 1);
    assert.equal(f.clientIp, '10.0.0.2');
    assert.equal(f.serverPort, 502);
  });

  it('mid-stream pickup: server port decides (default <1024, then lower port)', () => {
    const t = new FlowTable();
    let f = t.update(pkt({ src: A, dst: B, sp: 502, dp: 50000 }));
    assert.equal(f.serverPort, 502);
    assert.equal(t.lastDir, 1);
    assert.equal(f.tcpState, TcpState.MIDSTREAM);
    f = t.update(pkt({ src: A, dst: B, sp: 44818, dp: 2222, proto: IpProto.UDP }));
    assert.equal(f.serverPort, 2222);
    assert.equal(f.tcpState, TcpState.NONE);
    const t2 = new FlowTable({ isServerPort: (_p, port) => port === 44818 });
    f = t2.update(pkt({ src: A, dst: B, sp: 44818, dp: 2222, proto: IpProto.UDP }));
    assert.equal(f.serverPort, 44818);
    assert.equal(f.clientIp, '10.0.0.2');
  });

  it('ICMP echo: the requester is the client, reply joins the same flow', () => {
    const t = new FlowTable();
    const f = t.update(pkt({ src: B, dst: A, proto: IpProto.ICMP, icmpType: 0 }));
    assert.equal(f.clientIp, '10.0.0.1');
    assert.equal(t.lastDir, 1);
    t.update(pkt({ src: A, dst: B, proto: IpProto.ICMP, icmpType: 8 }));
    assert.equal(t.lastDir, 0);
    assert.equal(t.size, 1);
  });

  it('VLAN, protocol and IP version separate flows', () => {
    const t = new FlowTable();
    const a = t.update(pkt({ vlan: 1 }));
    const b = t.update(pkt({ vlan: 2 }));
    const c = t.update(pkt({ vlan: 1, proto: IpProto.UDP }));
    assert.notEqual(a, b);
    assert.notEqual(a, c);
    assert.equal(t.size, 3);
    assert.deepEqual([a.id, b.id, c.id], [1, 2, 3]);
  });

  it('IPv6 flows are keyed by all 16 bytes', () => {
    const t = new FlowTable();
    const p = pkt({});
    p.ipVersion = 6;
    p.src6.fill(0x20);
    p.dst6.fill(0x30);
    const f1 = t.update(p);
    p.dst6[15] = 0x31;
    const f2 = t.update(p);
    assert.notEqual(f1, f2);
    assert.equal(f1.clientIp4, 0);
    assert.match(f1.serverIp, /^3030:/);
    const q = pkt({ src: B, dst: A, sp: 502, dp: 50000 });
    q.ipVersion = 6;
    q.src6.fill(0x30);
    q.dst6.fill(0x20);
    assert.equal(t.update(q), f1);
    assert.equal(t.lastDir, 1);
  });

  it('many flows: hash growth keeps every flow findable', () => {
    const t = new FlowTable();
    const flows: Flow[] = [];
    for (let i = 0; i < 5000; i++) flows.push(t.update(pkt({ src: A + i, sp: 1024 + (i % 7) })));
    for (let i = 4999; i >= 0; i--) assert.equal(t.update(pkt({ src: A + i, sp: 1024 + (i % 7) })), flows[i]);
    assert.equal(t.size, 5000);
  });

  it('expire: idle timeout, shorter timeout once closed, LRU order', () => {
    const evicted: number[] = [];
    const t = new FlowTable({
      recencyUs: 0,
      idleTimeoutUs: 100,
      tcpClosedTimeoutUs: 10,
      onEvict: (f) => evicted.push(f.id),
    });
    t.update(pkt({ sp: 1, ts: 0 })); // 1
    t.update(pkt({ sp: 2, ts: 0 })); // 2
    t.update(pkt({ sp: 3, ts: 0, flags: RST | ACK })); // 3 reset -> closed list
    t.update(pkt({ sp: 1, ts: 50 })); // 1 touched
    t.expire(20);
    assert.deepEqual(evicted, [3]);
    t.expire(120);
    assert.deepEqual(evicted, [3, 2]);
    t.expire(151);
    assert.deepEqual(evicted, [3, 2, 1]);
    assert.equal(t.size, 0);
  });

  it('maxFlows evicts the least recently used', () => {
    const evicted: number[] = [];
    const t = new FlowTable({ recencyUs: 0, maxFlows: 2, onEvict: (f) => evicted.push(f.id) });
    t.update(pkt({ sp: 1 }));
    t.update(pkt({ sp: 2 }));
    t.update(pkt({ sp: 1 }));
    t.update(pkt({ sp: 3 }));
    assert.deepEqual(evicted, [2]);
    assert.equal(t.size, 2);
    assert.equal(t.evictedForSpace, 1);
  });

  it('FIN/FIN closes; a new SYN with another ISN starts a new flow', () => {
    const evicted: Flow[] = [];
    const t = new FlowTable({ onEvict: (f) => evicted.push(f) });
    const c: Pkt = { sp: 40000, dp: 102 };
    const f1 = t.update(pkt({ ...c, flags: SYN, seq: 1000 }));
    t.update(pkt({ ...rev(c), flags: SYN | ACK }));
    t.update(pkt({ ...c, flags: ACK }));
    t.update(pkt({ ...c, flags: FIN | ACK }));
    assert.equal(f1.tcpState, TcpState.FIN_ONE);
    t.update(pkt({ ...rev(c), flags: FIN | ACK }));
    assert.equal(f1.tcpState, TcpState.CLOSED);
    // Retransmitted SYN with the same ISN stays in the old flow.
    assert.equal(t.update(pkt({ ...c, flags: SYN, seq: 1000 })), f1);
    const f2 = t.update(pkt({ ...c, flags: SYN, seq: 999_999 }));
    assert.notEqual(f2, f1);
    assert.equal(t.lastCreated, true);
    assert.equal(f2.id, 2);
    assert.deepEqual(evicted, [f1]);
    assert.equal(f2.tcpState, TcpState.SYN_SEEN);
  });

  it('drain evicts everything in id order', () => {
    const ids: number[] = [];
    const t = new FlowTable({ onEvict: (f) => ids.push(f.id) });
    for (let i = 1; i <= 5; i++) t.update(pkt({ sp: i }));
    t.update(pkt({ sp: 2, flags: RST }));
    t.update(pkt({ sp: 1 }));
    t.drain();
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    assert.equal(t.size, 0);
  });
});
