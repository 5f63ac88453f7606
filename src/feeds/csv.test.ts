import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv } from './csv.js';

test('csv: RFC 4180 quoting, line ends and lines', () => {
  const r = parseCsv('\uFEFFa,b,c\r\n"x, y","say ""hi""","multi\nline"\n1,,3\r4,5,6');
  assert.deepEqual(
    r.records.map((x) => [x.line, x.fields]),
    [
      [1, ['a', 'b', 'c']],
      [2, ['x, y', 'say "hi"', 'multi\nline']],
      [4, ['1', '', '3']],
      [5, ['4', '5', '6']],
    ],
  );
  assert.deepEqual(r.problems, []);
});

test('csv: sloppy input is read, problems reported', () => {
  assert.deepEqual(parseCsv('a"b,c').records[0]?.fields, ['a"b', 'c']);
  assert.deepEqual(parseCsv('"a"b,c').records[0]?.fields, ['ab', 'c']);
  const open = parseCsv('x,"never closed\nmore');
  assert.deepEqual(open.records[0]?.fields, ['x', 'never closed\nmore']);
  assert.deepEqual(open.problems, [{ line: 1, message: 'quoted field is not closed before the end of the file' }]);
  const wide = parseCsv(`${'a,'.repeat(10)}a`, { maxFields: 4 });
  assert.equal(wide.records[0]?.fields.length, 4);
  assert.equal(wide.problems.length, 1);
  const many = parseCsv('1\n2\n3\n4', { maxRecords: 2 });
  assert.equal(many.records.length, 2);
  assert.match(many.problems[0]?.message ?? '', /more than 2 records/);
  assert.deepEqual(parseCsv('').records, []);
  assert.deepEqual(parseCsv('a,b\n').records.length, 1);
});
