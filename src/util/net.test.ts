import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseMac } from './net.js';

test('normaliseMac accepts the common spellings', () => {
  for (const s of [
    '00:1b:1b:01:02:03',
    '00-1B-1B-01-02-03',
    '001b1b010203',
    '001B1B010203',
    '001b.1b01.0203',
    '0:1b:1b:1:2:3',
    ' 00:1b:1b:01:02:03 ',
  ]) {
    assert.equal(normaliseMac(s), '00:1b:1b:01:02:03', s);
  }
});

test('normaliseMac refuses what is not a MAC', () => {
  for (const s of [
    '',
    '00:1b:1b:01:02',
    '00:1b:1b:01:02:03:04',
    '00:1b-1b:01:02:03',
    '001b1b01020',
    '001b1b0102034',
    'zz:1b:1b:01:02:03',
    '10.0.0.5',
    'fe80::1',
    '000:1b:1b:01:02:03',
  ]) {
    assert.equal(normaliseMac(s), null, s);
  }
});
