import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VersionRange } from '../feeds/model.js';
import { compareVersions, describeRange, inAnyRange, inRange, parseVersion, parseVersionRanges } from './versions.js';

describe('parseVersion', () => {
  it('reads vendor-style versions', () => {
    const table: [string, number[], [number, number][]][] = [
      ['V2.9.4', [2, 9, 4], []],
      ['4.1.2.3', [4, 1, 2, 3], []],
      ['FW 20.11', [20, 11], []],
      ['Rev 4.3', [4, 3], []],
      ['v3.10', [3, 10], []],
      ['R21.2', [21, 2], []],
      ['Firmware: V1.0', [1, 0], []],
      ['V4.5 SP1', [4, 5], [[3, 1]]],
      [
        'V4.7 SP10 HF5',
        [4, 7],
        [
          [3, 10],
          [5, 5],
        ],
      ],
      ['V17 Update 5', [17], [[4, 5]]],
      ['2.0.1a', [2, 0, 1], [[1, 100000]]],
      ['3.3.16 Build 16102416', [3, 3, 16], [[7, 16102416]]],
      ['7.00-20140429', [7, 0], [[7, 20140429]]],
      ['V3.X.14', [3, -1, 14], []],
      ['2.0 beta 2', [2, 0], [[-1, 502]]],
    ];
    for (const [text, nums, quals] of table) {
      const v = parseVersion(text);
      assert.ok(v, text);
      assert.deepEqual(v.nums, nums, text);
      assert.deepEqual(v.quals, quals, text);
    }
  });

  it('refuses what is not a version', () => {
    for (const t of [
      '',
      'ARP',
      'cobas h 232 POC',
      'with_the_first_5_digits_of_serial_number_24051',
      'x',
      '*',
      'V2.0 and then some',
      '1'.repeat(80),
    ]) {
      assert.equal(parseVersion(t), null, t);
    }
  });
});

describe('compareVersions: the total order', () => {
  it('orders pairs as the README says', () => {
    const lt: [string, string][] = [
      ['V2.9.3', 'V2.9.4'],
      ['2.9', '2.9.1'],
      ['v3.9', 'v3.10'],
      ['V4.5', 'V4.5 SP1'],
      ['V4.5 SP1', 'V4.5 SP1 HF2'],
      ['V4.5 SP1 HF9', 'V4.5 SP2'],
      ['V4.5 SP2', 'V4.5.1'],
      ['2.0 beta', '2.0 rc1'],
      ['2.0 rc1', '2.0'],
      ['2.0.1', '2.0.1a'],
      ['2.0.1a', '2.0.1b'],
      ['2.0.1b', '2.0.2'],
      ['V13 SP2', 'V13 SP2 Update 1'],
      ['16.20', '20.11'],
      ['3.3.16 Build 1', '3.3.16 Build 2'],
    ];
    for (const [a, b] of lt) {
      assert.equal(compareVersions(a, b), -1, `${a} < ${b}`);
      assert.equal(compareVersions(b, a), 1, `${b} > ${a}`);
    }
    for (const [a, b] of [
      ['2.9', '2.9.0'],
      ['V4.4', '4.4.0'],
      ['FW 20.011', 'Rev 20.11'],
      ['V3.2.6', 'V3.X.6'],
    ] as const) {
      assert.equal(compareVersions(a, b), 0, `${a} = ${b}`);
    }
    assert.equal(compareVersions('ARP', '1.0'), null);
  });
});

describe('inRange', () => {
  const r = (x: Partial<VersionRange>): VersionRange => ({ kind: 'range', raw: 'test', ...x });
  it('applies bounds, inclusive or not, and says null when it cannot tell', () => {
    assert.equal(inRange('V2.9.2', r({ upper: 'V2.9.4' })), true);
    assert.equal(inRange('V2.9.4', r({ upper: 'V2.9.4' })), false, 'the fixed version is not affected');
    assert.equal(inRange('V2.9.4', r({ upper: 'V2.9.4', upperInclusive: true })), true);
    assert.equal(inRange('2.0', r({ lower: '2.0', upper: '2.5' })), true);
    assert.equal(inRange('2.0', r({ lower: '2.0', lowerExclusive: true, upper: '2.5' })), false);
    assert.equal(inRange('1.9', r({ lower: '2.0', upper: '2.5' })), false);
    assert.equal(inRange('3.2.6', r({ upper: 'V3.X.14' })), true, 'wildcard bounds compare within the line');
    assert.equal(inRange('3.2.14', r({ upper: 'V3.X.14' })), false);
    assert.equal(inRange('anything', { kind: 'all', raw: 'All versions' }), true);
    assert.equal(inRange(null, { kind: 'all', raw: 'All versions' }), true);
    assert.equal(inRange(null, r({ upper: '2.0' })), null);
    assert.equal(inRange('ARP', r({ upper: '2.0' })), null);
    assert.equal(inRange('1.0', r({ upper: 'serial 24051' })), null);
    assert.equal(inRange('4.4.0', { kind: 'eq', version: 'V4.4', raw: 'V4.4' }), true);
    assert.equal(inRange('4.4.1', { kind: 'eq', version: 'V4.4', raw: 'V4.4' }), false);
    assert.equal(inAnyRange('2.9.3', [r({ upper: '2.9.2' }), r({ lower: '2.9.2', upper: '2.9.4' })]), true);
    assert.equal(inAnyRange('2.9.4', [r({ upper: '2.9.2' }), r({ lower: '2.9.2', upper: '2.9.4' })]), false);
    assert.equal(inAnyRange('x', [r({ upper: '2.9.2' })]), null);
  });
});

describe('parseVersionRanges', () => {
  const short = (raw: string): string[] | null => parseVersionRanges(raw)?.map(describeRange) ?? null;
  it('reads vers: strings and the free text advisories use', () => {
    const table: [string, string[] | null][] = [
      ['vers:all/*', ['all versions']],
      ['vers:intdot/<2.9.4', ['< 2.9.4']],
      ['vers:all/<V4.4', ['< V4.4']],
      ['vers:all/>=V2.9.2<V2.9.4', ['>= V2.9.2 < V2.9.4']],
      ['vers:generic/>=1.0|<1.5|>=2.0|<2.3', ['>= 1.0 < 1.5', '>= 2.0 < 2.3']],
      ['< V4.1.3', ['< V4.1.3']],
      ['<= 12.0.38', ['<= 12.0.38']],
      ['All versions < V13 SP2', ['< V13 SP2']],
      ['All versions', ['all versions']],
      ['* (with option G28)', ['all versions']],
      ['>= V2.3 and < V6.30.016', ['>= V2.3 < V6.30.016']],
      ['>= 5.4.1 | <= 5.7.1', ['>= 5.4.1 <= 5.7.1']],
      ['>= V3.1 < V3.3.46', ['>= V3.1 < V3.3.46']],
      ['>= 2.8.1 (only affected by CVE-2019-10943)', ['>= 2.8.1']],
      ['prior to V2.9.4', ['< V2.9.4']],
      ['4.1 and prior', ['<= 4.1']],
      ['v10.10 and earlier', ['<= v10.10']],
      ['3.0 and later', ['>= 3.0']],
      ['5.4.1 to 5.7.1', ['>= 5.4.1 <= 5.7.1']],
      ['7.47', ['= 7.47']],
      ['V4.7 SP1', ['= V4.7 SP1']],
      ['', null],
      ['cobas h 232 POC', null],
    ];
    for (const [raw, want] of table) assert.deepEqual(short(raw), want, raw);
    const r = parseVersionRanges('vers:all/<V2.9.4')?.[0];
    assert.equal(r?.raw, 'vers:all/<V2.9.4', 'the text it was read from is kept');
  });

  it('keeps unreadable bounds as written (inRange then says null)', () => {
    const r = parseVersionRanges('<=with_the_first_5_digits_of_serial_number_24051');
    assert.ok(r && r.length === 1);
    assert.equal(inRange('1.0', r[0]!), null);
  });
});
