import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atLeast, fmtInt, pickById } from './format.js';

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

test('pickById: exact id, unique hex prefix of the minimum length, clear errors', () => {
  const all = [{ id: 'abcdef0123' }, { id: 'abcdef9999' }, { id: '0123456789' }];
  assert.equal(pickById('0123456789', all, 'alert', 'plantwarden alerts'), all[2]);
  assert.equal(pickById(' 012345 ', all, 'alert', 'plantwarden alerts'), all[2]);
  assert.equal(pickById('ABCDEF0', all, 'alert', 'plantwarden alerts'), all[0]);
  assert.throws(
    () => pickById('abcdef', all, 'alert', 'x'),
    /alert id 'abcdef' is ambiguous \(2 alerts start with it\)/,
  );
  assert.throws(
    () => pickById('01234', all, 'alert', 'plantwarden alerts'),
    /no alert with id '01234' \(see `plantwarden alerts`\)/,
  );
  assert.equal(pickById('0123', all, 'suppression', 'x', 4), all[2]);
  assert.throws(() => pickById('0123\u001b[2J', all, 'alert', 'x'), /no alert with id '0123\.\[2J'/);
});

test('atLeast: records at the floor severity or worse', () => {
  const list = [{ severity: 'low' as const }, { severity: 'critical' as const }, { severity: 'medium' as const }];
  assert.deepEqual(atLeast(list, 'medium'), [list[1], list[2]]);
  assert.equal(atLeast(list, undefined), list);
});
