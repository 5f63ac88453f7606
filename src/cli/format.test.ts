import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmtInt } from './format.js';

test('fmtInt groups thousands as en-US does, without ICU', () => {
  const values = [
    0, 1, 12, 999, 1000, 1001, 99_999, 100_000, 1_234_567, 2_000_000, 9_007_199_254_740_991, -1, -1234, -1_000_000, 1.4,
    1.5, 999.5,
  ];
  for (let i = 0; i < 200; i++) values.push(Math.floor(Math.random() * 10 ** (i % 16)) * (i % 3 === 0 ? -1 : 1));
  for (const v of values) assert.equal(fmtInt(v), (Math.round(v) + 0).toLocaleString('en-US'), String(v)); // + 0: no '-0'
  assert.equal(fmtInt(Number.NaN), 'NaN');
  assert.equal(fmtInt(Number.POSITIVE_INFINITY), 'Infinity');
});
