import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { fuzzStream, textTemplates } from '../../testing/fuzz.js';
import { telnetDissector } from './telnet.dissector.js';

type Chunk = { dir: Direction; text: string };
const flow = testFlow({ serverPort: 23 });

/** Telnet never waits for more bytes: every call consumes all it gets. */
function run(chunks: Chunk[], perChar = false): FakeContext {
  const ctx = new FakeContext(flow);
  const s = telnetDissector.newState(flow);
  let ts = 1_000_000;
  for (const c of chunks) {
    const all = Buffer.from(c.text, 'latin1');
    const pieces = perChar ? [...all].map((b) => Uint8Array.of(b)) : [Uint8Array.from(all)];
    for (const p of pieces) {
      ctx.dir = c.dir;
      ctx.tsUs = ts += 100;
      assert.equal(telnetDissector.parse(s, p, 0, p.length, ctx), p.length);
    }
  }
  telnetDissector.onEnd?.(s, ctx);
  return ctx;
}

describe('telnet dissector', () => {
  it('follows a login with echo: user, fingerprinted password, success on the shell prompt', () => {
    for (const perChar of [false, true]) {
      const ctx = run(
        [
          { dir: 1, text: '\xff\xfd\x18\xff\xfb\x01\r\nSCALANCE X-200 Telnet\r\n\r\nlogin: ' },
          { dir: 0, text: 'admin\r\n' },
          { dir: 1, text: 'admin\r\nPassword: ' },
          { dir: 0, text: 'Pa55\x7fs!word\r\n' },
          { dir: 1, text: '\r\nLast login: today\r\n$ ' },
        ],
        perChar,
      );
      assert.deepEqual(ctx.facts, ['telnet_banner=SCALANCE X-200 Telnet']);
      const [c] = ctx.credentials;
      assert.equal(c?.user, 'admin');
      assert.equal(c?.secretFingerprint, ctx.fingerprint('Pa5s!word'));
      assert.equal(c?.outcome, 'success');
      assert.equal(c?.cleartext, true);
      assert.equal(ctx.transactions[0]?.fn, 'LOGIN');
      assert.equal(ctx.transactions[0]?.op, 'auth');
      assert.equal(ctx.transactions[0]?.status, 'ok');
      assert.ok(!JSON.stringify(ctx.out).includes('Pa5s!word'));
    }
  });

  it('a failure, then a second attempt; one transaction per attempt', () => {
    const ctx = run([
      { dir: 1, text: 'Username: ' },
      { dir: 0, text: 'root\r\n' },
      { dir: 1, text: 'Password: ' },
      { dir: 0, text: 'root\r\n' },
      { dir: 1, text: '\r\n% Login invalid\r\n\r\nUsername: ' },
      { dir: 0, text: 'cisco\r\n' },
      { dir: 1, text: 'Password: ' },
      { dir: 0, text: 'cisco\r\n' },
      { dir: 1, text: '\r\nrouter>' },
    ]);
    assert.deepEqual(
      ctx.credentials.map((c) => `${c.user}:${c.outcome}`),
      ['root:failure', 'cisco:success'],
    );
    assert.deepEqual(
      ctx.transactions.map((t) => t.status),
      ['exception', 'ok'],
    );
    assert.equal(ctx.transactions[0]?.exception, 'LOGIN_FAILED');
  });

  it('password-only prompt; a new prompt after the password is a failure; unknown at end', () => {
    const ctx = run([
      { dir: 1, text: 'Password: ' },
      { dir: 0, text: 'x\r\n' },
      { dir: 1, text: '\r\nPassword: ' },
      { dir: 0, text: 'y\r\n' },
    ]);
    assert.deepEqual(
      ctx.credentials.map((c) => `${c.user}:${c.outcome}`),
      [':failure', ':unknown'],
    );
  });

  it('a user name without a completed password: credential without fingerprint', () => {
    const ctx = run([
      { dir: 1, text: 'login: ' },
      { dir: 0, text: 'op\r\n' },
      { dir: 1, text: 'Password: ' },
      { dir: 0, text: 'par' },
    ]);
    assert.equal(ctx.credentials[0]?.user, 'op');
    assert.equal(ctx.credentials[0]?.secretFingerprint, null);
    assert.equal(ctx.credentials[0]?.outcome, 'unknown');
  });

  it('unterminated sub-negotiation is an anomaly, not a hang', () => {
    const ctx = run([{ dir: 0, text: `\xff\xfa\x18${'A'.repeat(2000)}` }]);
    assert.deepEqual(
      ctx.anomalies.map((a) => a.code),
      ['telnet-suboption-too-long'],
    );
  });

  it('survives 10k mutated chunks', () => {
    const texts = [
      '\xff\xfd\x18login: ',
      'admin\r\n',
      'Password: ',
      'secret\r\n',
      'Login incorrect\r\n',
      '$ ',
      '\xff\xfa\x18\x00xterm\xff\xf0',
    ];
    const ctx = new FakeContext(flow);
    fuzzStream(telnetDissector, flow, ctx, textTemplates(texts.map((text) => ({ text }))), {
      seed: 0x51ed2701,
      flips: { min: 0, spread: 3 },
      restartEvery: 40,
    });
    assert.ok(ctx.credentials.length > 0);
  });
});
