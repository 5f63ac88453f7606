import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VersionRange } from './model.js';
import { isVersionToken, parseVers, parseVersionList, parseVersionText } from './version-text.js';

/** Compact form of ranges for the table: 'all', '=v', '[lo,hi)', '(lo,hi]', '[lo,', ',hi)'. */
function show(list: VersionRange[]): string {
  return list
    .map((r) => {
      if (r.kind === 'all') return 'all';
      if (r.kind === 'eq') return `=${r.version}`;
      const lo = r.lower === undefined ? '' : `${r.lowerExclusive ? '(' : '['}${r.lower}`;
      const hi = r.upper === undefined ? '' : `${r.upper}${r.upperInclusive ? ']' : ')'}`;
      return `${lo},${hi}`;
    })
    .join(' ');
}

// Real phrasings from the CISA CSAF advisories in ../shared/corpus/vulns/csaf-ot (product_version,
// product_version_range and leaf product names), with what they must mean.
const CASES: [string, string][] = [
  ['vers:all/*', 'all'],
  ['vers:all/<V4.4', ',4.4)'],
  ['vers:all/<V3.2.17', ',3.2.17)'],
  ['vers:all/>=V3.2.7', '[3.2.7,'],
  ['vers:all/>=2.3<V3.0', '[2.3,3.0)'],
  ['vers:all/>=V2022.4<V2023.1', '[2022.4,2023.1)'],
  ['All versions', 'all'],
  ['all versions', 'all'],
  ['< V4.1.3', ',4.1.3)'],
  ['<= 4.00.02', ',4.00.02]'],
  ['>= 1.0 | <= 1.32', '[1.0,1.32]'],
  ['>= 8.0.0 | <= 8.5.1', '[8.0.0,8.5.1]'],
  ['> V3.0 < V4.0', '(3.0,4.0)'],
  ['< V3.X.17', ',3.X.17)'],
  ['< 02.07.07(10)', ',02.07.07(10))'],
  ['All versions < V4.8 SP5', ',4.8 SP5)'],
  ['< V4.1 SP10 HF3', ',4.1 SP10 HF3)'],
  ['All versions < v5.50 HF02', ',5.50 HF02)'],
  ['>= V17 Update 2 < V17 Update 4', '[17 Update 2,17 Update 4)'],
  ['All versions < V15.1 Upd 3', ',15.1 Upd 3)'],
  ['>=R6.01.00 | <= R6.08.00', '[R6.01.00,R6.08.00]'],
  ['<= 1.03D', ',1.03D]'],
  ['<= 11.x', ',12)'],
  ['All versions <= V1.x', ',2)'],
  ['12.2.*', '[12.2,12.3)'],
  ['V3.x', '[3,4)'],
  ['1.X', '[1,2)'],
  ['7.30 | 7.40', '=7.30 =7.40'],
  ['5.1 | 6.0 | 6.1', '=5.1 =6.0 =6.1'],
  ['V4.4, V4.5, V5.0, and V5.1', '=4.4 =4.5 =5.0 =5.1'],
  ['7.1', '=7.1'],
  ['V4.1', '=4.1'],
  ['FW 01', '=01'],
  ['Version 1.0.1.1', '=1.0.1.1'],
  ['Versions up to and including 4.42', ',4.42]'],
  ['All versions < V14 SP1', ',14 SP1)'],
  ['all versions prior to 3.5.15.0', ',3.5.15.0)'],
  ['v1.2 and prior (for Trusted Controllers)', ',1.2]'],
  ['Version 31 and later', '[31,'],
  ['All versions 1.12.0.25 and prior', ',1.12.0.25]'],
  ['Versions between 3.6.0 and 3.6.20304.x', '[3.6.0,3.6.20305)'],
  ['Versions prior to 6.4.414.084', ',6.4.414.084)'],
  ['Versions v1.0 to v 1.12', '[1.0,1.12]'],
  ['v6.0 to v6.9', '[6.0,6.9]'],
  ['(R1.10.00 - R3.02.00)', '[R1.10.00,R3.02.00]'],
  ['versions prior to and including 1.2.0.42', ',1.2.0.42]'],
  ['Firmware Versions 4.0.2148 and prior', ',4.0.2148]'],
  ['Versions 1.5.1 through 2.4.10', '[1.5.1,2.4.10]'],
  ['3.16.00 through 3.25.01', '[3.16.00,3.25.01]'],
  ['Version 21.6 and below', ',21.6]'],
  ['2.3.6 and  below', ',2.3.6]'],
  ['BIOS prior to V18.01.06', ',18.01.06)'],
  ['versions prior to V8.2_20170817', ',8.2_20170817)'],
  ['Versions 6.6.8a and prior', ',6.6.8a]'],
  ['12.6.1-12.6.7', '[12.6.1,12.6.7]'],
  ['All versions < V8.1 SP1 with WinCC V7.3 Upd 13', ',8.1 SP1)'],
  ['Versions V7.1 < V7.1 Upd3', '[7.1,7.1 Upd3)'],
  ['NMC2 <= 6.9.6', ',6.9.6]'],
  ['< CPC80 V16.30', ',16.30)'],
  ['All versions <= V2.3.0 and Function State (FS) <= 3', ',2.3.0]'],
  ['prior to V2.9.4', ',2.9.4)'],
  ['versions 2.0 through 2.3', '[2.0,2.3]'],
  ['< V4.5 SP1', ',4.5 SP1)'],
  ['Rev 4.3', '=4.3'],
  // Not versions: no range rather than a guess.
  ['<=the_first_5_digits_of_serial_number_22081', ''],
  ['<=with_the_first_5_digits_of_serial_number_24051', ''],
  ['distributed  < april 1, 2018', ''],
  ['< January 31 2014', ''],
  ['All versions with U-Boot < V2016.05RS09', ''],
  ['No version', ''],
  ['<=W', ''],
  ['IPv4', ''],
  ['', ''],
];

test('version text: real phrasings from the corpus advisories', () => {
  assert.ok(CASES.length >= 40);
  const wrong: string[] = [];
  for (const [text, want] of CASES) {
    const got = show(parseVersionList(text));
    if (got !== want) wrong.push(`${JSON.stringify(text)}: got '${got}', want '${want}'`);
  }
  assert.deepEqual(wrong, []);
});

test('version text: every range keeps the text it came from', () => {
  for (const [text] of CASES) for (const r of parseVersionList(text)) assert.equal(r.raw, text);
  assert.deepEqual(parseVersionText('prior to V2.9.4'), { kind: 'range', upper: '2.9.4', raw: 'prior to V2.9.4' });
  assert.deepEqual(parseVersionText('<= 4.1'), { kind: 'range', upper: '4.1', upperInclusive: true, raw: '<= 4.1' });
  assert.deepEqual(parseVersionText('All versions'), { kind: 'all', raw: 'All versions' });
});

test('parseVers: the VERS forms', () => {
  assert.deepEqual(parseVers('vers:all/*'), [{ kind: 'all', raw: 'vers:all/*' }]);
  assert.deepEqual(show(parseVers('vers:intdot/<2.9.4') ?? []), ',2.9.4)');
  assert.deepEqual(show(parseVers('vers:semver/>=1.0.0|<2.0.0|>=3.0.0|<3.1.0') ?? []), '[1.0.0,2.0.0) [3.0.0,3.1.0)');
  assert.deepEqual(show(parseVers('vers:generic/1.2|1.3') ?? []), '=1.2 =1.3');
  assert.equal(show(parseVers('vers:generic/1.0%2Bbuild') ?? []), '=1.0+build', 'versions are percent-decoded');
  assert.equal(parseVers('vers:generic/%3E%3D1.0'), null, 'an encoded comparator is not a version');
  assert.deepEqual(show(parseVers('vers:generic/!=1.0|<2.0') ?? []), ',2.0)', '!= is dropped');
  assert.equal(parseVers('not vers'), null);
  assert.equal(parseVers('vers:all/'), null);
});

test('isVersionToken: plausible versions only', () => {
  for (const v of ['2.9.4', '4.5 SP1', 'R6.01.00', 'BT02', '1.94Y', '17 Update 2', '2020 R2', '15.2(4a)EA5'])
    assert.ok(isVersionToken(v), v);
  for (const v of [
    '',
    'abc',
    'IPv4',
    'the_first_5_digits_of_serial_number_22081',
    'CVE-2020-6962',
    '1.0 with WinCC',
    'x'.repeat(60),
  ]) {
    assert.ok(!isVersionToken(v), v);
  }
});

test('version text: hostile input stays bounded and never throws', () => {
  const t = Date.now();
  for (const s of [
    '<'.repeat(10_000),
    `${'1.'.repeat(5_000)}x`,
    ' and '.repeat(2_000),
    '|'.repeat(10_000),
    `vers:x/${'%'.repeat(100)}`,
    '\u0000\uD800',
  ]) {
    parseVersionList(s);
  }
  assert.ok(Date.now() - t < 2000, 'no catastrophic backtracking');
});
