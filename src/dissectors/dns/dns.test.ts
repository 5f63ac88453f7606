// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { xorshift } from '../../testing/fuzz.js';
import type { Dissector, FlowInfo } from '../contract.js';
import { type DnsState, dnsDissector, mdnsDissector } from './dns.dissector.js';
import { newNameResult, readName } from './dns.parse.js';

const QUERY = [
  0x12, 0x34,               // id
  0x01, 0x00,               // QR 0, opcode QUERY, RD
  0x00, 0x01,               // qdcount 1
  0x00, 0x00,               // ancount
  0x00, 0x00,               // nscount
  0x00, 0x00,               // arcount
  3, 0x70, 0x6c, 0x63,      // "plc"
  4, 0x73, 0x69, 0x74, 0x65, // "site"
  0,                        // root
  0x00, 0x01,               // qtype A
  0x00, 0x01,               // qclass IN
];

const RESPONSE = [
  0x12, 0x34,               // id
  0x81, 0x80,               // QR 1, RD, RA, rcode NOERROR
  0x00, 0x01,               // qdcount 1
  0x00, 0x01,               // ancount 1
  0x00, 0x00,               // nscount
  0x00, 0x00,               // arcount
  3, 0x70, 0x6c, 0x63, 4, 0x73, 0x69, 0x74, 0x65, 0, // "plc.site"
  0x00, 0x01, 0x00, 0x01,   // qtype A, qclass IN
  0xc0, 0x0c,               // answer name: pointer to offset 12
  0x00, 0x01, 0x00, 0x01,   // type A, class IN
  0x00, 0x00, 0x0e, 0x10,   // ttl 3600
  0x00, 0x04,               // rdlength 4
  10, 1, 2, 3,              // address 10.1.2.3
];

const NXDOMAIN = [...RESPONSE.slice(0, 3), 0x83, 0x00, 0x01, 0x00, 0x00, ...RESPONSE.slice(8, 26)];

const MDNS_ANNOUNCE = [
  0x00, 0x00,               // id 0
  0x84, 0x00,               // QR 1, AA
  0x00, 0x00,               // qdcount 0
  0x00, 0x02,               // ancount 2
  0x00, 0x00, 0x00, 0x00,   // nscount, arcount
  3, 0x70, 0x6c, 0x63, 5, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0, // "plc.local"
  0x00, 0x01, 0x80, 0x01,   // type A, class IN + cache flush
  0x00, 0x00, 0x00, 0x78,   // ttl 120
  0x00, 0x04,               // rdlength 4
  10, 0, 0, 2,              // 10.0.0.2 (the sender)
  0xc0, 0x0c,               // owner: plc.local
  0x00, 0x10, 0x80, 0x01,   // type TXT, class IN + cache flush
  0x00, 0x00, 0x11, 0x94,   // ttl
  0x00, 0x0c,               // rdlength 12
  11, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x3d, 0x53, 0x37, 0x2d, 0x31, 0x35, // "model=S7-15"
];

function run(d: Dissector<DnsState>, flow: Partial<FlowInfo>, msgs: [0 | 1, number[]][]): FakeContext {
  const ctx = new FakeContext(testFlow({ transport: 'udp', clientIp: '10.0.0.2', serverIp: '10.0.0.53', serverPort: 53, ...flow }));
  const s = d.newState(ctx.flow);
  for (const [dir, m] of msgs) {
    ctx.dir = dir;
    ctx.tsUs += 100;
    const b = Uint8Array.from(m);
    d.parse(s, b, 0, b.length, ctx);
  }
  d.onEnd?.(s, ctx);
  return ctx;
}

describe('dns names', () => {
  it('follows compression pointers and stops loops', () => {
    const r = newNameResult();
    const b = Uint8Array.from(RESPONSE);
    assert.equal(readName(b, 0, b.length, 26, true, r), null);
    assert.equal(r.name, 'plc.site');
    assert.equal(r.end, 28);
    // A pointer to itself, and two labels pointing at each other.
    const self = Uint8Array.from([...QUERY.slice(0, 12), 0xc0, 0x0c]);
    assert.equal(readName(self, 0, self.length, 12, true, r), 'dns-name-loop');
    const pair = Uint8Array.from([...QUERY.slice(0, 12), 1, 0x61, 0xc0, 0x0c]);
    assert.equal(readName(pair, 0, pair.length, 12, true, r), 'dns-name-loop');
    const cut = Uint8Array.from([...QUERY.slice(0, 12), 5, 0x61]);
    assert.equal(readName(cut, 0, cut.length, 12, true, r), 'dns-name-truncated');
    const bad = Uint8Array.from([...QUERY.slice(0, 12), 0x41, 0x61]);
    assert.equal(readName(bad, 0, bad.length, 12, true, r), 'dns-bad-label');
  });
});

describe('dns dissector', () => {
  it('pairs a query with its answer; the answer names the address', () => {
    const ctx = run(dnsDissector, {}, [[0, QUERY], [1, RESPONSE]]);
    const tx = ctx.transactions[0];
    assert.equal(ctx.transactions.length, 1);
    assert.equal(tx?.fn, 'A');
    assert.equal(tx?.op, 'discovery');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.detail?.query, 'plc.site');
    assert.deepEqual(ctx.identities[0]?.about, { ip: '10.1.2.3' });
    assert.deepEqual(ctx.facts, ['hostname=plc.site']);
    assert.equal(ctx.identities[0]?.facts[0]?.precedence, 50);
  });
  it('NXDOMAIN is an exception', () => {
    const tx = run(dnsDissector, {}, [[0, QUERY], [1, NXDOMAIN]]).transactions[0];
    assert.equal(tx?.status, 'exception');
    assert.equal(tx?.exception, 'NXDOMAIN');
  });
  it('TCP framing: two messages in pieces', () => {
    const ctx = new FakeContext(testFlow({ transport: 'tcp', serverPort: 53 }));
    const s = dnsDissector.newState(ctx.flow);
    const q = [0, QUERY.length, ...QUERY];
    const r = [0, RESPONSE.length, ...RESPONSE];
    ctx.dir = 0;
    assert.equal(dnsDissector.parse(s, Uint8Array.from(q.slice(0, 5)), 0, 5, ctx), 0);
    assert.equal(dnsDissector.parse(s, Uint8Array.from(q), 0, q.length, ctx), q.length);
    ctx.dir = 1;
    assert.equal(dnsDissector.parse(s, Uint8Array.from(r), 0, r.length, ctx), r.length);
    assert.equal(ctx.transactions[0]?.status, 'ok');
  });
  it('mDNS: the responder names itself; TXT model= is a model guess', () => {
    const ctx = run(mdnsDissector, { clientPort: 5353, serverIp: '224.0.0.251', serverPort: 5353 }, [[0, MDNS_ANNOUNCE]]);
    assert.equal(ctx.transactions[0]?.status, 'unsolicited');
    assert.equal(ctx.transactions[0]?.fn, 'A');
    assert.equal(ctx.identities[0]?.about, 'client');
    assert.deepEqual(ctx.facts, ['hostname=plc.local', 'model=S7-15']);
    assert.equal(ctx.identities[0]?.facts[1]?.precedence, 30);
  });
  it('a record pointing into itself is flagged, the flow continues', () => {
    const loop = [...RESPONSE.slice(0, 26), 0xc0, 26, ...RESPONSE.slice(28)];
    const ctx = run(dnsDissector, {}, [[0, QUERY], [1, loop]]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['dns-name-loop']);
    assert.equal(ctx.transactions.length, 1);
  });
  it('rejects a flow that is not DNS', () => {
    assert.equal(run(dnsDissector, {}, [[0, [1, 2, 3]]]).violations.length, 1);
  });
  it('survives random and mutated input (deterministic fuzz)', () => {
    const rnd = xorshift(4242).unit;
    const bases = [QUERY, RESPONSE, MDNS_ANNOUNCE];
    for (let i = 0; i < 3000; i++) {
      const base = bases[i % 3] as number[];
      const b = Uint8Array.from(base).slice(0, Math.floor(rnd() * (base.length + 1)));
      for (let k = 0; k < 4; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      for (const transport of ['udp', 'tcp'] as const) {
        const d = i % 3 === 2 ? mdnsDissector : dnsDissector;
        const ctx = new FakeContext(testFlow({ transport, serverPort: 53 }));
        const s = d.newState(ctx.flow);
        ctx.dir = (i & 1) as 0 | 1;
        const n = d.parse(s, b, 0, b.length, ctx);
        assert.ok(n >= 0 && n <= b.length);
        d.onEnd?.(s, ctx);
      }
    }
  });
});
