import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readArchive } from './archive.js';
import { tar, zip } from './test-fixtures.js';

const text = (d: Uint8Array) => Buffer.from(d).toString('utf8');

test('archive: tar, tar.gz and gzip', () => {
  const t = tar([
    { name: 'dir', data: '', type: '5' },
    { name: 'dir/a.json', data: '{"a":1}' },
    { name: 'b.csv', data: 'x'.repeat(700) },
  ]);
  const r = readArchive(t, 'x.tar');
  assert.equal(r?.format, 'tar');
  assert.deepEqual(
    r?.members.map((m) => [m.path, m.data.length]),
    [
      ['dir/a.json', 7],
      ['b.csv', 700],
    ],
  );
  const gz = readArchive(gzipSync(t), 'x.tar.gz');
  assert.equal(gz?.format, 'tar.gz');
  assert.equal(gz?.members.length, 2);
  const single = readArchive(gzipSync('{"k":2}'), '/tmp/kev.json.gz');
  assert.deepEqual(
    single?.members.map((m) => [m.path, text(m.data)]),
    [['kev.json', '{"k":2}']],
  );
  assert.equal(readArchive(Buffer.from('{"not":"archive"}'), 'a.json'), null);
});

test('archive: zip, stored and deflated; encrypted and unknown methods reported', () => {
  const z = zip([
    { name: 'a/one.json', data: '{"a":1}' },
    { name: 'two.csv', data: 'h\n1', method: 0 },
    { name: 'secret.json', data: '{}', flags: 1 },
    { name: 'dir/', data: '', method: 0 },
  ]);
  const r = readArchive(z, 'x.zip');
  assert.equal(r?.format, 'zip');
  assert.deepEqual(
    r?.members.map((m) => [m.path, text(m.data)]),
    [
      ['a/one.json', '{"a":1}'],
      ['two.csv', 'h\n1'],
    ],
  );
  assert.deepEqual(r?.problems, [{ where: 'secret.json', message: 'encrypted member skipped' }]);
});

test('archive: bombs, truncation and garbage stop at the limits', () => {
  const limits = { maxMembers: 2, maxMemberBytes: 1000, maxTotalBytes: 1500 };
  const bomb = zip([{ name: 'big.json', data: 'a'.repeat(100_000) }]);
  // The central directory says 100,000 bytes: over the member limit, never inflated.
  assert.match(readArchive(bomb, 'b.zip', limits)?.problems[0]?.message ?? '', /larger than 1000/);
  // A lying size field: inflation stops at the stated size.
  const liar = zip([{ name: 'l.json', data: 'a'.repeat(100_000) }]);
  liar.writeUInt32LE(10, liar.length - 22 - 46 - 6 + 24);
  const lr = readArchive(liar, 'l.zip', limits);
  assert.equal(lr?.members.length, 0);
  assert.match(lr?.problems[0]?.message ?? '', /more than its stated size/);
  assert.match(
    readArchive(gzipSync('a'.repeat(10_000)), 'g.gz', limits)?.problems[0]?.message ?? '',
    /more than 1500 bytes/,
  );
  const many = readArchive(tar([1, 2, 3].map((i) => ({ name: `${i}`, data: 'x' }))), 't.tar', limits);
  assert.equal(many?.members.length, 2);
  const cut = tar([{ name: 'a', data: 'x'.repeat(2000) }]).subarray(0, 1000);
  assert.match(readArchive(cut, 'c.tar')?.problems[0]?.message ?? '', /past the end/);
  assert.match(
    readArchive(Buffer.from('PK\u0003\u0004garbage'), 'g.zip')?.problems[0]?.message ?? '',
    /central directory/,
  );
  assert.match(readArchive(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'g.gz')?.problems[0]?.message ?? '', /corrupt gzip/);
});
