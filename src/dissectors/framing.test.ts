import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeContext } from '../testing/fake-context.js';
import { badHeader, type Framer, FrameSync, goodFrame, resume } from './framing.js';

// A toy protocol: frames start with 0xAA; the finder needs 2 bytes (0xAA then anything).
const F: Framer = {
  protocol: 'toy',
  start: 'frame start',
  keep: 1,
  maxBad: 3,
  maxSkip: 10,
  find(buf, from, end) {
    for (let i = from; i + 2 <= end; i++) if (buf[i] === 0xaa) return i;
    return -1;
  },
};
const bytes = (...b: number[]) => Uint8Array.from(b);

test('framing: a bad first header gives the flow up (not this protocol)', () => {
  const s = new FrameSync();
  const ctx = new FakeContext();
  const buf = bytes(1, 2, 3, 0xaa, 0);
  assert.equal(badHeader(F, s, 'toy-bad', 'byte 1', buf, 0, buf.length, 0, ctx), buf.length);
  assert.equal(s.violated, true);
  assert.deepEqual(ctx.violations, ['toy-bad: byte 1']);
  assert.equal(ctx.anomalies.length, 0);
});

test('framing: after good frames a bad header is an anomaly and parsing skips to the next start', () => {
  const s = new FrameSync();
  const ctx = new FakeContext();
  goodFrame(s);
  const buf = bytes(1, 2, 3, 0xaa, 0);
  assert.equal(badHeader(F, s, 'toy-bad', 'byte 1', buf, 0, buf.length, 1, ctx), 3);
  assert.deepEqual(ctx.anomalies, [{ code: 'toy-bad', detail: 'byte 1, dir 1' }]);
  assert.equal(s.skipped, 3);
  assert.equal(s.resync[1], false);
  // No start in the rest: keep the last byte (a start could begin there) and resync.
  const none = bytes(1, 2, 3, 4);
  assert.equal(badHeader(F, s, 'toy-bad', 'b', none, 0, none.length, 1, ctx), 3);
  assert.equal(s.resync[1], true);
  // The third bad header in a row gives up.
  badHeader(F, s, 'toy-bad', 'c', none, 0, none.length, 1, ctx);
  assert.equal(s.violated, true);
  assert.deepEqual(ctx.violations, ['toy-bad: c']);
  // A good frame resets the counts.
  const t = new FrameSync();
  goodFrame(t);
  t.badHeaders = 2;
  t.skipped = 7;
  goodFrame(t);
  assert.deepEqual([t.frames, t.badHeaders, t.skipped], [2, 0, 0]);
});

test('framing: resume after a gap, keep the tail, give up beyond maxSkip; datagrams are not searched', () => {
  const s = new FrameSync();
  const ctx = new FakeContext();
  assert.equal(resume(F, s, bytes(9, 9), 0, 2, 0, ctx), 0, 'no resync: parse from where we are');
  s.resync[0] = true;
  const buf = bytes(9, 9, 9, 9, 9);
  assert.equal(resume(F, s, buf, 0, buf.length, 0, ctx), 4, '4 bytes consumed, the last kept');
  assert.equal(s.resync[0], true);
  const found = bytes(9, 0xaa, 1);
  assert.equal(resume(F, s, found, 0, found.length, 0, ctx), 1);
  assert.equal(s.resync[0], false);
  assert.equal(s.skipped, 5);
  s.resync[0] = true;
  const long = new Uint8Array(12);
  assert.equal(resume(F, s, long, 0, long.length, 0, ctx), long.length);
  assert.equal(s.violated, true);
  assert.deepEqual(ctx.violations, ['toy-resync-failed: no frame start in 16 bytes']);
  const d = new FrameSync();
  goodFrame(d);
  const dctx = new FakeContext();
  assert.equal(badHeader(F, d, 'toy-bad', 'x', buf, 0, buf.length, 0, dctx, false), buf.length);
  assert.deepEqual([d.skipped, d.resync[0], d.violated, dctx.anomalies.length], [0, false, false, 1]);
});
