// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { xorshift } from '../../testing/fuzz.js';
import { dhcpDissector } from './dhcp.dissector.js';
import { newDhcpMessage, parseDhcp } from './dhcp.parse.js';

const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** BOOTP header (RFC 2131 §2) for xid 0x3903f326 from MAC 00:0b:82:01:fc:42, then the options. */
function message(op: number, yiaddr: number[], options: number[]): Uint8Array {
  return Uint8Array.from([
    op,                                   // op: 1 BOOTREQUEST / 2 BOOTREPLY
    0x01,                                 // htype: Ethernet
    0x06,                                 // hlen: 6
    0x00,                                 // hops
    0x39, 0x03, 0xf3, 0x26,               // xid
    0x00, 0x00,                           // secs
    0x80, 0x00,                           // flags: broadcast
    0, 0, 0, 0,                           // ciaddr
    ...yiaddr,                            // yiaddr
    0, 0, 0, 0,                           // siaddr
    0, 0, 0, 0,                           // giaddr
    0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42,   // chaddr (6 of 16 bytes)
    ...zeros(10),                         // chaddr padding
    ...zeros(64),                         // sname
    ...zeros(128),                        // file
    0x63, 0x82, 0x53, 0x63,               // magic cookie
    ...options,
  ]);
}

const DISCOVER = message(1, [0, 0, 0, 0], [
  53, 1, 1,                               // message type: DISCOVER
  61, 7, 1, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42, // client id: Ethernet + MAC
  50, 4, 192, 168, 0, 10,                 // requested address
  12, 8, ...ascii('test0000'),            // host name
  60, 8, ...ascii('MSFT 5.0'),            // vendor class id
  55, 4, 1, 3, 6, 15,                     // parameter request list
  255,                                    // end
]);

const ACK = message(2, [192, 168, 0, 10], [
  53, 1, 5,                               // message type: ACK
  54, 4, 192, 168, 0, 1,                  // server id
  51, 4, 0, 0, 0x0e, 0x10,                // lease time 3600 s
  1, 4, 255, 255, 255, 0,                 // subnet mask
  3, 4, 192, 168, 0, 1,                   // router
  6, 8, 8, 8, 8, 8, 1, 1, 1, 1,           // DNS servers
  15, 7, ...ascii('example'),             // domain name
  255,                                    // end
]);

function run(datagrams: [0 | 1, Uint8Array][]): FakeContext {
  const ctx = new FakeContext(testFlow({ transport: 'udp', clientIp: '192.168.0.10', serverIp: '192.168.0.1', clientPort: 68, serverPort: 67 }));
  const s = dhcpDissector.newState(ctx.flow);
  for (const [dir, b] of datagrams) {
    ctx.dir = dir;
    ctx.tsUs += 1000;
    // Inside a larger buffer so (buf, off, len) handling is exercised.
    const buf = new Uint8Array(b.length + 8);
    buf.set(b, 5);
    dhcpDissector.parse(s, buf, 5, b.length, ctx);
  }
  dhcpDissector.onEnd?.(s, ctx);
  return ctx;
}

describe('dhcp parse', () => {
  it('reads the header and options of a DISCOVER', () => {
    const m = newDhcpMessage();
    assert.equal(parseDhcp(DISCOVER, 0, DISCOVER.length, m), null);
    assert.equal(m.op, 1);
    assert.equal(m.xid, 0x3903f326);
    assert.equal(m.chaddr, 0x000b8201fc42);
    assert.equal(m.msgType, 1);
    assert.equal(m.requestedAddr, 0xc0a8000a);
    assert.equal(m.optionCount, 6);
  });

  it('flags a bad cookie and reads no options', () => {
    const b = DISCOVER.slice();
    b[236] = 0x64;
    const m = newDhcpMessage();
    assert.equal(parseDhcp(b, 0, b.length, m), 'dhcp-bad-cookie');
    assert.equal(m.cookieOk, false);
    assert.equal(m.msgType, 0);
  });

  it('flags truncated options and overload', () => {
    const m = newDhcpMessage();
    const cut = message(1, [0, 0, 0, 0], [53, 1, 1, 12, 10, 0x41]);
    assert.equal(parseDhcp(cut, 0, cut.length, m), 'dhcp-option-truncated');
    const over = message(1, [0, 0, 0, 0], [53, 1, 1, 52, 1, 3, 255]);
    assert.equal(parseDhcp(over, 0, over.length, m), 'dhcp-overload');
    assert.equal(parseDhcp(DISCOVER, 0, 100, m), 'dhcp-truncated');
  });
});

describe('dhcp dissector', () => {
  it('pairs DISCOVER and ACK by xid and names the client', () => {
    const ctx = run([[0, DISCOVER], [1, ACK]]);
    assert.equal(ctx.transactions.length, 1);
    const tx = ctx.transactions[0];
    assert.equal(tx?.fn, 'DISCOVER');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.op, 'discovery');
    assert.equal(tx?.detail?.reply, 'ACK');
    assert.equal(tx?.detail?.assignedAddr, '192.168.0.10');
    assert.equal(tx?.detail?.domain, 'example');
    assert.equal(tx?.detail?.dnsServers, '8.8.8.8,1.1.1.1');
    assert.deepEqual(ctx.facts, [
      'hostname=test0000',
      'dhcp_vendor_class=MSFT 5.0',
      'os=Windows',
      'dhcp_fingerprint=1,3,6,15',
      'role=dhcp_server',
      'ip_address=192.168.0.10',
    ]);
    const mac = ctx.identities[0]?.about;
    assert.deepEqual(mac, { mac: 0x000b8201fc42 });
    assert.equal(ctx.identities[1]?.about, 'server');
    const os = ctx.identities[0]?.facts.find((f) => f.field === 'os');
    assert.equal(os?.precedence, 30);
  });

  it('an unanswered DISCOVER ends no-response; a lone ACK is unsolicited', () => {
    assert.equal(run([[0, DISCOVER]]).transactions[0]?.status, 'no-response');
    assert.equal(run([[1, ACK]]).transactions[0]?.status, 'unsolicited');
  });

  it('does not repeat facts on a flow', () => {
    const ctx = run([[0, DISCOVER], [0, DISCOVER]]);
    assert.equal(ctx.identities.length, 1);
  });

  it('rejects a flow that is not DHCP, flags later garbage', () => {
    assert.equal(run([[0, Uint8Array.from([1, 2, 3])]]).violations.length, 1);
    const ctx = run([[0, DISCOVER], [0, Uint8Array.from([9, 9, 9])]]);
    assert.equal(ctx.violations.length, 0);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['dhcp-truncated']);
  });

  it('survives random and mutated input (deterministic fuzz)', () => {
    const rnd = xorshift(0x2545f491).unit;
    for (let i = 0; i < 3000; i++) {
      const base = i % 2 === 0 ? DISCOVER : ACK;
      const b = base.slice(0, Math.floor(rnd() * (base.length + 20)));
      for (let k = 0; k < 6; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const ctx = new FakeContext(testFlow({ transport: 'udp', serverPort: 67 }));
      const s = dhcpDissector.newState(ctx.flow);
      const n = dhcpDissector.parse(s, b, 0, b.length, ctx);
      assert.ok(n >= 0 && n <= b.length);
      dhcpDissector.onEnd?.(s, ctx);
    }
  });
});
