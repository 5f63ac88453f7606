// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ascii, type Chunk, feed, fuzz, u32be } from '../tls/testkit.js';
import { sshDissector } from './ssh.dissector.js';
import { negotiate, newIdentLine, parseIdentLine } from './ssh.parse.js';

/** A name-list: uint32 length + comma-separated names. */
const names = (...n: string[]): number[] => {
  const b = ascii(n.join(','));
  return [...u32be(b.length), ...b];
};

/** A binary packet (RFC 4253 §6) with 4 bytes of padding. */
const packet = (payload: number[]): number[] => [...u32be(payload.length + 5), 0x04, ...payload, 0, 0, 0, 0];

const kexinit = (kex: string[], hostKey: string[], cipher: string[]): number[] => packet([
  0x14,                                                     // SSH_MSG_KEXINIT
  ...Array(16).fill(0xab),                                  // cookie
  ...names(...kex),                                         // kex_algorithms
  ...names(...hostKey),                                     // server_host_key_algorithms
  ...names(...cipher),                                      // encryption_algorithms_client_to_server
  ...names(...cipher),                                      // encryption_algorithms_server_to_client
  ...names('hmac-sha2-256'),                                // mac_algorithms_client_to_server
  ...names('hmac-sha2-256'),                                // mac_algorithms_server_to_client
  ...names('none'),                                         // compression_algorithms_client_to_server
  ...names('none'),                                         // compression_algorithms_server_to_client
  ...names(),                                               // languages_client_to_server
  ...names(),                                               // languages_server_to_client
  0x00,                                                     // first_kex_packet_follows
  0x00, 0x00, 0x00, 0x00,                                   // reserved
]);

const SESSION: Chunk[] = [
  { dir: 1, bytes: ascii('SSH-2.0-dropbear_2019.78\r\n') },   // server speaks first here
  { dir: 0, bytes: ascii('SSH-2.0-PuTTY_Release_0.76\r\n') },
  { dir: 0, bytes: kexinit(['curve25519-sha256', 'diffie-hellman-group14-sha256'], ['ssh-ed25519', 'rsa-sha2-256'], ['aes256-ctr', 'aes128-ctr']) },
  { dir: 1, bytes: kexinit(['diffie-hellman-group14-sha256', 'curve25519-sha256'], ['rsa-sha2-256'], ['aes128-ctr']) },
  { dir: 0, bytes: Array.from({ length: 200 }, (_, i) => (i * 31) & 0xff) }, // encrypted from here on
  { dir: 1, bytes: Array.from({ length: 300 }, (_, i) => (i * 17) & 0xff) },
];

describe('ssh parse', () => {
  it('splits an identification line', () => {
    const out = newIdentLine();
    const b = Uint8Array.from(ascii('SSH-2.0-OpenSSH_8.4p1 Debian-5\r\nrest'));
    assert.equal(parseIdentLine(b, 0, b.length, out), 32);
    assert.deepEqual([out.proto, out.software, out.comments, out.isIdent], ['2.0', 'OpenSSH_8.4p1', 'Debian-5', true]);
    assert.equal(parseIdentLine(b, 0, 10, out), 0);
    assert.equal(parseIdentLine(Uint8Array.from(Array(300).fill(0x41)), 0, 300, out), -1);
  });

  it('negotiates the first client algorithm the server supports', () => {
    assert.equal(negotiate(['a', 'b', 'c'], ['c', 'b']), 'b');
    assert.equal(negotiate(['a'], ['b']), '');
  });
});

describe('ssh dissector', () => {
  it('banners, KEXINIT negotiation, one SSH_SESSION, then stops', () => {
    for (const step of [0, 1, 9]) {
      const { ctx, held } = feed(sshDissector, SESSION, step);
      assert.deepEqual(ctx.anomalies, [], `step ${step}`);
      assert.deepEqual(held, [0, 0]);
      assert.equal(ctx.transactions.length, 1);
      const tx = ctx.transactions[0];
      assert.equal(tx?.fn, 'SSH_SESSION');
      assert.equal(tx?.op, 'auth');
      assert.equal(tx?.status, 'ok');
      assert.deepEqual(tx?.detail, {
        version: '2.0',
        client: 'SSH-2.0-PuTTY_Release_0.76',
        server: 'SSH-2.0-dropbear_2019.78',
        kex: 'curve25519-sha256',
        hostKey: 'rsa-sha2-256',
        cipher: 'aes128-ctr',
        mac: 'hmac-sha2-256',
        compression: 'none',
      });
      const server = ctx.identities.find((i) => i.about === 'server');
      assert.deepEqual(server?.facts, [
        { field: 'ssh_banner', value: 'SSH-2.0-dropbear_2019.78', source: 'ssh.identification.server' },
        { field: 'ssh_software', value: 'dropbear_2019.78', source: 'ssh.identification.softwareversion' },
        { field: 'os', value: 'Linux (embedded)', source: 'ssh.identification.server', precedence: 30 },
      ]);
      assert.ok(ctx.facts.includes('ssh_client=SSH-2.0-PuTTY_Release_0.76'));
    }
  });

  it('hints: Debian and Cisco', () => {
    const { ctx } = feed(sshDissector, [
      { dir: 1, bytes: ascii('SSH-1.99-Cisco-1.25\r\n') },
      { dir: 0, bytes: ascii('SSH-2.0-OpenSSH_8.4p1 Debian-5\r\n') },
    ]);
    assert.ok(ctx.facts.includes('vendor=Cisco'));
    assert.ok(ctx.facts.includes('os=Cisco IOS'));
    const b = feed(sshDissector, [{ dir: 1, bytes: ascii('SSH-2.0-OpenSSH_8.4p1 Debian-5\r\n') }]);
    assert.ok(b.ctx.facts.includes('os=Linux/Debian'));
    assert.equal(b.ctx.transactions[0]?.status, 'unsolicited');
  });

  it('server lines before the identification are allowed (RFC 4253 §4.2)', () => {
    const { ctx } = feed(sshDissector, [
      { dir: 1, bytes: ascii('Welcome to the plant gateway\r\nSSH-2.0-OpenSSH_9.0\r\n') },
      { dir: 0, bytes: ascii('SSH-2.0-OpenSSH_9.0\r\n') },
    ]);
    assert.deepEqual(ctx.violations, []);
    assert.equal(ctx.transactions[0]?.detail?.server, 'SSH-2.0-OpenSSH_9.0');
  });

  it('not SSH: violation; bad packets: named anomalies', () => {
    assert.equal(feed(sshDissector, [{ dir: 0, bytes: ascii('GET / HTTP/1.0\r\n') }]).ctx.violations.length, 1);
    assert.equal(feed(sshDissector, [{ dir: 0, bytes: Array(300).fill(0x41) }]).ctx.violations.length, 1);
    const { ctx } = feed(sshDissector, [
      { dir: 0, bytes: [...ascii('SSH-2.0-x\r\n'), ...u32be(1_000_000), 4] }, // packet_length too big
      { dir: 1, bytes: [...ascii('SSH-2.0-y\r\n'), ...packet([0x15, 0, 0])] }, // NEWKEYS first
      { dir: 1, bytes: ascii('SSH-3.0-z\r\n') },
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['ssh-bad-packet-length', 'ssh-unexpected-message']);
    const k = feed(sshDissector, [{ dir: 0, bytes: [...ascii('SSH-2.0-x\r\n'), ...packet([0x14, ...Array(16).fill(0), ...u32be(500)])] }]);
    assert.deepEqual(k.ctx.anomalies.map((a) => a.code), ['ssh-kexinit-malformed']);
    const v = feed(sshDissector, [{ dir: 0, bytes: ascii('SSH-3.0-x\r\n') }]);
    assert.deepEqual(v.ctx.anomalies.map((a) => a.code), ['ssh-bad-version']);
  });

  it('probe', () => {
    const p = (s: string) => sshDissector.probe?.(Uint8Array.from(ascii(s)), 0, s.length, 1);
    assert.equal(p('SSH-2.0-x\r\n'), 'match');
    assert.equal(p('SS'), 'need-more');
    assert.equal(p('HTTP'), 'no-match');
  });

  it('fuzz: no throw, no hang, consumption within bounds', () => {
    assert.equal(fuzz(sshDissector, [SESSION], 300), 300);
  });
});
