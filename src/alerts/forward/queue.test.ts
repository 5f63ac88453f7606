import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedQueue, backoffDelay } from './queue.js';

test('bounded queue: FIFO, drops the oldest when full, counts them', () => {
  const q = new BoundedQueue<number>(3);
  for (let i = 0; i < 5; i++) q.push(i);
  assert.equal(q.size, 3);
  assert.equal(q.dropped, 2);
  assert.deepEqual(q.take(10), [2, 3, 4]);
  assert.equal(q.shift(), undefined);
});

test('bounded queue: a failed batch goes back in front; what no longer fits is the oldest, dropped', () => {
  const q = new BoundedQueue<number>(4);
  for (let i = 0; i < 4; i++) q.push(i);
  const batch = q.take(2); // [0, 1] in flight
  q.push(4);
  q.push(5); // full again: 2 3 4 5
  q.unshiftAll(batch);
  assert.equal(q.dropped, 2);
  assert.deepEqual(q.take(10), [2, 3, 4, 5]);
  q.push(9);
  q.unshiftAll([7, 8]);
  assert.deepEqual(q.take(10), [7, 8, 9]);
});

test('bounded queue: grows past its first allocation and wraps correctly', () => {
  const q = new BoundedQueue<number>(1000);
  const seen: number[] = [];
  for (let i = 0; i < 5000; i++) {
    q.push(i);
    if (i % 3 === 0) seen.push(q.shift() as number);
  }
  const rest = q.take(5000);
  assert.equal(q.dropped + seen.length + rest.length, 5000);
  assert.deepEqual(
    rest,
    [...rest].sort((a, b) => a - b),
  );
  assert.equal(rest[rest.length - 1], 4999);
});

test('backoff: exponential, capped, jittered between half and all', () => {
  assert.equal(
    backoffDelay(1, { initialMs: 100 }, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(1, { initialMs: 100 }, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(4, { initialMs: 100 }, () => 1),
    800,
  );
  assert.equal(
    backoffDelay(40, { initialMs: 100, maxMs: 5000 }, () => 1),
    5000,
  );
  assert.equal(
    backoffDelay(40, { initialMs: 100, maxMs: 5000 }, () => 0),
    2500,
  );
});
