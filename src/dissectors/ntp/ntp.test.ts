// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { xorshift } from '../../testing/fuzz.js';
import { ntpDissector } from './ntp.dissector.js';
import { newNtpPacket, parseNtp } from './ntp.parse.js';

const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const XMT = [0xe1, 0x2c, 0x5a, 0x10, 0x12, 0x34, 0x56, 0x78];

const CLIENT = Uint8Array.from([
  0x23,                     // LI 0, VN 4, mode 3 (client)
  0x00,                     // stratum 0 (unspecified)
  0x06,                     // poll 2^6 s
  0xec,                     // precision 2^-20 s
  ...zeros(4),              // root delay
  ...zeros(4),              // root dispersion
  ...zeros(4),              // reference id
  ...zeros(8),              // reference timestamp
  ...zeros(8),              // origin timestamp
  ...zeros(8),              // receive timestamp
  ...XMT,                   // transmit timestamp
]);

const SERVER = Uint8Array.from([
  0x24,                     // LI 0, VN 4, mode 4 (server)
  0x01,                     // stratum 1 (primary)
  0x06,                     // poll
  0xe9,                     // precision
  0x00, 0x00, 0x00, 0x10,   // root delay
  0x00, 0x00, 0x00, 0x20,   // root dispersion
  0x47, 0x50, 0x53, 0x00,   // reference id 'GPS\0'
  0xe1, 0x2c, 0x5a, 0x00, 0, 0, 0, 0, // reference timestamp
  ...XMT,                   // origin timestamp = the client's transmit timestamp
  0xe1, 0x2c, 0x5a, 0x10, 0x20, 0, 0, 0, // receive timestamp
  0xe1, 0x2c, 0x5a, 0x10, 0x21, 0, 0, 0, // transmit timestamp
]);

const MONLIST = Uint8Array.from([
  0x17,                     // R 0, M 0, VN 2, mode 7 (private)
  0x00,                     // A 0, sequence 0
  0x03,                     // implementation: XNTPD
  0x2a,                     // request code 42: MON_GETLIST_1
  0x00, 0x00,               // err 0, nitems 0
  0x00, 0x00,               // mbz, item size 0
]);

const READ_STATUS = Uint8Array.from([
  0x16,                     // LI 0, VN 2, mode 6 (control)
  0x01,                     // R 0, E 0, M 0, opcode 1: READ_STATUS
  0x00, 0x01,               // sequence 1
  0x00, 0x00,               // status
  0x00, 0x00,               // association id
  0x00, 0x00,               // offset
  0x00, 0x00,               // count
]);

function run(datagrams: [0 | 1, Uint8Array][]): FakeContext {
  const ctx = new FakeContext(testFlow({ transport: 'udp', serverPort: 123 }));
  const s = ntpDissector.newState(ctx.flow);
  for (const [dir, b] of datagrams) {
    ctx.dir = dir;
    ctx.tsUs += 500;
    ntpDissector.parse(s, b, 0, b.length, ctx);
  }
  ntpDissector.onEnd?.(s, ctx);
  return ctx;
}

describe('ntp parse', () => {
  it('reads a server packet', () => {
    const p = newNtpPacket();
    assert.equal(parseNtp(SERVER, 0, SERVER.length, p), null);
    assert.equal(p.mode, 4);
    assert.equal(p.version, 4);
    assert.equal(p.stratum, 1);
    assert.equal(p.precision, -23);
  });
  it('flags truncation, bad versions and bad extensions', () => {
    const p = newNtpPacket();
    assert.equal(parseNtp(CLIENT, 0, 40, p), 'ntp-truncated');
    const v0 = CLIENT.slice();
    v0[0] = 0x03;
    assert.equal(parseNtp(v0, 0, v0.length, p), 'ntp-bad-version');
    const ext = Uint8Array.from([...CLIENT, 0x01, 0x04, 0x00, 0x05, ...zeros(12)]);
    assert.equal(parseNtp(ext, 0, ext.length, p), 'ntp-bad-extension');
    const mac = Uint8Array.from([...CLIENT, ...zeros(20)]);
    assert.equal(parseNtp(mac, 0, mac.length, p), null);
  });
});

describe('ntp dissector', () => {
  it('pairs client and server by timestamp; the server tells its stratum and source', () => {
    const ctx = run([[0, CLIENT], [1, SERVER]]);
    const tx = ctx.transactions[0];
    assert.equal(ctx.transactions.length, 1);
    assert.equal(tx?.fn, 'CLIENT');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.rttUs, 500);
    assert.equal(tx?.detail?.respStratum, 1);
    assert.equal(tx?.detail?.respRefId, 'GPS');
    assert.deepEqual(ctx.facts, ['role=ntp_server', 'ntp_stratum=1', 'ntp_reference=GPS']);
    assert.equal(ctx.identities[0]?.about, 'server');
  });
  it('a Kiss-o-Death answer is an exception named by its code', () => {
    const kod = SERVER.slice();
    kod[1] = 0;
    kod.set([0x52, 0x41, 0x54, 0x45], 12); // 'RATE'
    const tx = run([[0, CLIENT], [1, kod]]).transactions[0];
    assert.equal(tx?.status, 'exception');
    assert.equal(tx?.exception, 'RATE');
  });
  it('monlist is a diagnostic transaction and an anomaly; control requests are diagnostic', () => {
    const ctx = run([[0, MONLIST], [0, READ_STATUS]]);
    assert.deepEqual(ctx.transactions.map((t) => `${t.op}:${t.fn}:${t.status}`), [
      'diagnostic:MON_GETLIST_1:no-response',
      'diagnostic:READ_STATUS:no-response',
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['ntp-monlist-request']);
  });
  it('rejects a flow that is not NTP', () => {
    assert.equal(run([[0, Uint8Array.from([0xff, 1, 2])]]).violations.length, 1);
  });
  it('survives random and mutated input (deterministic fuzz)', () => {
    const rnd = xorshift(0x1234567).unit;
    const bases = [CLIENT, SERVER, MONLIST, READ_STATUS];
    for (let i = 0; i < 3000; i++) {
      const base = bases[i % 4] as Uint8Array;
      const b = Uint8Array.from([...base, ...zeros(Math.floor(rnd() * 40))]).slice(0, Math.floor(rnd() * (base.length + 40)));
      for (let k = 0; k < 4; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const ctx = new FakeContext(testFlow({ transport: 'udp', serverPort: 123 }));
      const s = ntpDissector.newState(ctx.flow);
      const n = ntpDissector.parse(s, b, 0, b.length, ctx);
      assert.ok(n >= 0 && n <= b.length);
      ntpDissector.onEnd?.(s, ctx);
    }
  });
});
