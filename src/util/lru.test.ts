import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lruGet } from './lru.js';

test('lruGet: creates once, refreshes recency on use, evicts the least recently used beyond the cap', () => {
  const m = new Map<string, number[]>();
  let made = 0;
  const make = () => [made++];
  const a = lruGet(m, 'a', 2, make);
  lruGet(m, 'b', 2, make);
  assert.equal(lruGet(m, 'a', 2, make), a, 'the same value, not a new one');
  lruGet(m, 'c', 2, make);
  assert.deepEqual([...m.keys()], ['a', 'c'], "'b' was the least recently used");
  assert.equal(made, 3);
});
