import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, feedChunks, testFlow } from '../../testing/fake-context.js';
import { fuzzStream, textTemplates } from '../../testing/fuzz.js';
import { ftpDissector } from './ftp.dissector.js';

type Chunk = { dir: Direction; text: string };
const flow = testFlow({ serverPort: 21 });

/** Feeds text chunks like the pipeline (unconsumed bytes handed back); `step` splits them. */
function run(chunks: Chunk[], step = 0): FakeContext {
  const ctx = new FakeContext(flow);
  const chunked = chunks.map((c) => ({ dir: c.dir, bytes: c.text }));
  feedChunks(ftpDissector, ftpDissector.newState(flow), ctx, chunked, step);
  return ctx;
}

const LOGIN: Chunk[] = [
  { dir: 1, text: '220 Siemens SIMATIC FTP server ready\r\n' },
  { dir: 0, text: 'USER operator\r\n' },
  { dir: 1, text: '331 Password required\r\n' },
  { dir: 0, text: 'PASS Tr0ub4dor&3\r\n' },
  { dir: 1, text: '230-Welcome\r\n230 Logged in\r\n' },
  { dir: 0, text: 'STOR firmware.bin\r\n' },
  { dir: 1, text: '150 Opening\r\n226 Done\r\n' },
];

describe('ftp dissector', () => {
  it('login, banner, commands; the password only as a fingerprint', () => {
    for (const step of [0, 1, 3]) {
      const ctx = run(LOGIN, step);
      assert.deepEqual(
        ctx.transactions.map((t) => `${t.fn}:${t.op}:${t.detail?.replyCode}`),
        ['USER:auth:331', 'PASS:auth:230', 'STOR:write:226'],
      );
      const [c] = ctx.credentials;
      assert.equal(c?.user, 'operator');
      assert.equal(c?.secretFingerprint, ctx.fingerprint('Tr0ub4dor&3'));
      assert.equal(c?.outcome, 'success');
      assert.equal(c?.cleartext, true);
      assert.equal(c?.source, 'ftp.USER/PASS');
      assert.deepEqual(ctx.facts, ['ftp_banner=Siemens SIMATIC FTP server ready', 'vendor=Siemens']);
      assert.equal(ctx.transactions[1]?.detail?.replyMsg, undefined);
      assert.equal(ctx.transactions[2]?.detail?.preliminaryCode, 150);
      assert.ok(!JSON.stringify(ctx.out).includes('Tr0ub4dor'));
    }
  });

  it('530 is a failed login; anonymous logins are marked', () => {
    const ctx = run([
      { dir: 1, text: '220 ready\r\n' },
      { dir: 0, text: 'USER anonymous\r\nPASS guest@\r\n' },
      { dir: 1, text: '331 ok\r\n530 Login incorrect.\r\n' },
    ]);
    assert.equal(ctx.credentials[0]?.outcome, 'failure');
    assert.equal(ctx.credentials[0]?.source, 'ftp.USER/PASS.anonymous');
    assert.equal(ctx.transactions[1]?.status, 'exception');
    assert.equal(ctx.transactions[1]?.exception, '530');
  });

  it('a password without an answer is unknown at the end', () => {
    const ctx = run([
      { dir: 0, text: 'USER a\r\n' },
      { dir: 0, text: 'PASS b\r\n' },
    ]);
    assert.equal(ctx.credentials[0]?.outcome, 'unknown');
    assert.equal(ctx.transactions.length, 2);
    assert.ok(ctx.transactions.every((t) => t.status === 'no-response'));
  });

  it('not FTP -> violation; bad reply later -> anomaly; AUTH TLS stops parsing', () => {
    assert.equal(run([{ dir: 1, text: 'SSH-2.0-OpenSSH\r\n' }]).violations.length, 1);
    const bad = run([
      { dir: 1, text: '220 x\r\n' },
      { dir: 0, text: 'SYST\r\n' },
      { dir: 1, text: 'garbage\r\n' },
    ]);
    assert.deepEqual(
      bad.anomalies.map((a) => a.code),
      ['ftp-bad-reply'],
    );
    assert.equal(bad.transactions[0]?.exception, 'MALFORMED_REPLY');
    const tls = run([
      { dir: 1, text: '220 x\r\n' },
      { dir: 0, text: 'AUTH TLS\r\n' },
      { dir: 1, text: '234 go\r\n' },
      { dir: 0, text: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n' },
    ]);
    assert.equal(tls.transactions.length, 1);
    assert.equal(tls.anomalies.length, 0);
  });

  it('overlong lines are bounded', () => {
    const ctx = run([
      { dir: 1, text: '220 x\r\n' },
      { dir: 0, text: `NOOP ${'A'.repeat(5000)}\r\nSYST\r\n` },
    ]);
    assert.deepEqual(
      ctx.anomalies.map((a) => a.code),
      ['ftp-line-too-long'],
    );
    assert.equal(ctx.transactions.at(-1)?.fn, 'SYST');
  });

  it('survives 10k mutated chunks', () => {
    fuzzStream(ftpDissector, flow, new FakeContext(flow), textTemplates(LOGIN), {
      seed: 0x1234567,
      flips: { min: 1, spread: 3 },
      restartEvery: 40,
    });
  });
});
