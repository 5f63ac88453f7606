// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { xorshift } from '../../testing/fuzz.js';
import type { Dissector } from '../contract.js';
import { nbnsDissector } from './nbns.dissector.js';
import { decodeNbName } from './nbns.parse.js';
import { netbiosDgmDissector } from './netbios-dgm.dissector.js';

/** First-level encoding (RFC 1001 §14.1) of a 15-character name + suffix, as a 32-byte label. */
function enc(name: string, suffix: number): number[] {
  const raw = [...name.padEnd(15, ' ')].map((c) => c.charCodeAt(0)).concat(suffix);
  return [32, ...raw.flatMap((b) => [0x41 + (b >> 4), 0x41 + (b & 15)]), 0];
}

const REGISTRATION = [
  0x80, 0x10,               // id
  0x29, 0x10,               // R 0, opcode 5 REGISTRATION, RD, B (broadcast)
  0x00, 0x01,               // qdcount 1
  0x00, 0x00, 0x00, 0x00,   // ancount, nscount
  0x00, 0x01,               // arcount 1
  ...enc('PLC-ROOM2', 0x00),// question name PLC-ROOM2<00>
  0x00, 0x20, 0x00, 0x01,   // type NB, class IN
  0xc0, 0x0c,               // additional record owner: the question name
  0x00, 0x20, 0x00, 0x01,   // type NB, class IN
  0x00, 0x04, 0x93, 0xe0,   // ttl
  0x00, 0x06,               // rdlength 6
  0x00, 0x00,               // NB flags: unique, B-node
  10, 0, 0, 7,              // address
];

const NODE_STATUS_RESPONSE = [
  0x80, 0x11,               // id
  0x84, 0x00,               // R 1, opcode QUERY, AA
  0x00, 0x00,               // qdcount 0
  0x00, 0x01,               // ancount 1
  0x00, 0x00, 0x00, 0x00,   // nscount, arcount
  ...enc('*', 0x00).map((b, i) => (i > 0 && i < 33 && b === 0x43 && i > 2 ? 0x41 : b)), // "*" name
  0x00, 0x21, 0x00, 0x01,   // type NBSTAT, class IN
  0x00, 0x00, 0x00, 0x00,   // ttl
  0x00, 0x35,               // rdlength 1 + 2*18 + 16
  2,                        // number of names
  ...[...'HMI-1          '].map((c) => c.charCodeAt(0)), 0x00, 0x04, 0x00, // HMI-1<00> unique, active
  ...[...'WORKGROUP      '].map((c) => c.charCodeAt(0)), 0x00, 0x84, 0x00, // WORKGROUP<00> group
  0x00, 0x0c, 0x29, 0x11, 0x22, 0x33, // unit id (MAC)
  ...new Array<number>(10).fill(0),   // statistics
];

function run(d: Dissector<unknown>, msgs: [0 | 1, number[]][]): FakeContext {
  const ctx = new FakeContext(testFlow({ transport: 'udp', clientIp: '10.0.0.7', serverIp: '10.0.0.255', clientPort: 137, serverPort: 137 }));
  const s = d.newState(ctx.flow);
  for (const [dir, m] of msgs) {
    ctx.dir = dir;
    const b = Uint8Array.from(m);
    d.parse(s, b, 0, b.length, ctx);
  }
  d.onEnd?.(s, ctx);
  return ctx;
}

describe('netbios names', () => {
  it('decodes the first-level encoding', () => {
    const label = String.fromCharCode(...enc('SYNERITY', 0x1d).slice(1, 33));
    assert.deepEqual(decodeNbName(label), { name: 'SYNERITY', suffix: 0x1d });
    assert.equal(decodeNbName('ZZ'.repeat(16)), null);
    assert.equal(decodeNbName('ABC'), null);
  });
});

describe('nbns dissector', () => {
  it('a registration names the registering address', () => {
    const ctx = run(nbnsDissector as Dissector<unknown>, [[0, REGISTRATION]]);
    assert.equal(ctx.transactions[0]?.fn, 'REGISTRATION');
    assert.equal(ctx.transactions[0]?.status, 'no-response');
    assert.equal(ctx.transactions[0]?.detail?.name, 'PLC-ROOM2<00>');
    assert.equal(ctx.transactions[0]?.detail?.broadcast, true);
    assert.deepEqual(ctx.facts, ['hostname=PLC-ROOM2']);
    assert.equal(ctx.identities[0]?.about, 'client');
  });
  it('a node status answer lists the responder names and unit id', () => {
    const ctx = run(nbnsDissector as Dissector<unknown>, [[1, NODE_STATUS_RESPONSE]]);
    assert.equal(ctx.transactions[0]?.status, 'unsolicited');
    assert.deepEqual(ctx.facts, ['hostname=HMI-1', 'netbios_domain=WORKGROUP', 'netbios_unit_id=00:0c:29:11:22:33']);
    assert.equal(ctx.identities[0]?.about, 'server');
  });
  it('flags a truncated node status and rejects non-NetBIOS flows', () => {
    const cut = NODE_STATUS_RESPONSE.slice(0, 60);
    cut[55] = 0;
    cut[56] = 3; // rdlength 3, but 2 names announced
    const ctx = run(nbnsDissector as Dissector<unknown>, [[1, REGISTRATION], [1, cut]]);
    assert.ok(ctx.anomalies.some((a) => a.code === 'nbns-node-status-truncated'));
    assert.equal(run(nbnsDissector as Dissector<unknown>, [[0, [1, 2, 3]]]).violations.length, 1);
  });
  it('survives random and mutated input (deterministic fuzz)', () => {
    const rnd = xorshift(777).unit;
    for (let i = 0; i < 3000; i++) {
      const base = i % 2 ? REGISTRATION : NODE_STATUS_RESPONSE;
      const b = Uint8Array.from(base).slice(0, Math.floor(rnd() * (base.length + 1)));
      for (let k = 0; k < 4; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      for (const d of [nbnsDissector, netbiosDgmDissector] as Dissector<unknown>[]) {
        const ctx = new FakeContext(testFlow({ transport: 'udp', serverPort: 137 }));
        const s = d.newState(ctx.flow);
        const n = d.parse(s, b, 0, b.length, ctx);
        assert.ok(n >= 0 && n <= b.length);
        d.onEnd?.(s, ctx);
      }
    }
  });
});

/** A browser HostAnnouncement in an SMB transaction in a NetBIOS datagram. */
function hostAnnouncement(): number[] {
  const browser = [
    0x01,                   // opcode: HostAnnouncement
    0x00,                   // update count
    0x60, 0xea, 0x00, 0x00, // periodicity (ms, LE)
    ...[...'ENG-WS1'].map((c) => c.charCodeAt(0)), ...new Array<number>(9).fill(0), // server name [16]
    0x06, 0x01,             // OS 6.1
    0x03, 0x10, 0x00, 0x00, // server type: workstation, server, NT workstation (LE)
    0x0f, 0x01,             // browser version 15.1
    0x55, 0xaa,             // signature
    ...[...'Line 3'].map((c) => c.charCodeAt(0)), 0x00, // comment
  ];
  const mailslot = [...'\\MAILSLOT\\BROWSE'].map((c) => c.charCodeAt(0)).concat(0);
  const words = 17;
  const dataOffset = 32 + 1 + 2 * words + 2 + mailslot.length; // after the words (setup included), byte count, name
  const smb = [
    0xff, 0x53, 0x4d, 0x42, // \xFFSMB
    0x25,                   // command: TRANSACTION
    ...new Array<number>(27).fill(0), // status, flags, flags2, pid, signature, tid, pid, uid, mid
    words,                  // word count 17
    0, 0,                   // total parameter count
    browser.length, 0,      // total data count
    0, 0, 0, 0,             // max parameter/data count
    0, 0,                   // max setup count, reserved
    0, 0,                   // flags
    0, 0, 0, 0,             // timeout
    0, 0,                   // reserved
    0, 0,                   // parameter count
    0, 0,                   // parameter offset
    browser.length, 0,      // data count
    dataOffset, 0,          // data offset (from the SMB header)
    3, 0,                   // setup count 3, reserved
    1, 0, 1, 0, 2, 0,       // setup words (mailslot write)
    mailslot.length + browser.length, 0, // byte count
    ...mailslot,
    ...browser,
  ];
  return [
    0x11,                   // msg type: DIRECT_GROUP
    0x02,                   // flags
    0x12, 0x34,             // datagram id
    10, 0, 0, 9,            // source ip
    0x00, 0x8a,             // source port 138
    0x00, 0x00,             // datagram length
    0x00, 0x00,             // packet offset
    ...enc('ENG-WS1', 0x00),   // source name
    ...enc('WORKGROUP', 0x1d), // destination name
    ...smb,
  ];
}

describe('netbios-dgm dissector', () => {
  it('a host announcement names the host, its OS guess and server type', () => {
    const ctx = run(netbiosDgmDissector as Dissector<unknown>, [[0, hostAnnouncement()]]);
    assert.equal(ctx.transactions[0]?.fn, 'HOST_ANNOUNCEMENT');
    assert.deepEqual(ctx.facts, [
      'hostname=ENG-WS1',
      'os=Windows 7 / Server 2008 R2',
      'os_version=6.1',
      'netbios_server_type=workstation,server,nt_workstation',
      'description=Line 3',
    ]);
  });
  it('rejects a flow that is not NetBIOS datagrams', () => {
    assert.equal(run(netbiosDgmDissector as Dissector<unknown>, [[0, [0x45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]]).violations.length, 1);
  });
});
