import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeText, encodeText } from './kysely-repository.js';

test('encodeText leaves ordinary text alone', () => {
  for (const s of ['', 'mac:00:1b:1b:01:02:03', 'O\'Brien "quoted" \\ back', 'é中\u{1F525}\u202e', 'a\uE000b']) {
    assert.equal(encodeText(s), s);
    assert.equal(decodeText(s), s);
  }
});

test('encodeText escapes NUL, lone surrogates and a leading U+E000 without NUL in the result', () => {
  for (const s of ['\0', 'a\0b', '\ud800', 'x\udfff', '\uE000', '\uE000"not json', '\u{1F525}\0']) {
    const e = encodeText(s);
    assert.notEqual(e, s);
    assert.equal(e.charCodeAt(0), 0xe000);
    assert.ok(!e.includes('\0'));
    assert.doesNotMatch(e, /\p{Cs}/u);
    assert.equal(decodeText(e), s);
  }
});

test('encodeText round-trips generated strings', () => {
  const alphabet = ['\0', '\uE000', '\ud800', '\udc00', '\ud83d\udd25', 'a', '"', '\\', 'é'];
  let x = 7;
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const n = i % 12;
    for (let j = 0; j < n; j++) {
      x = (x * 1103515245 + 12345) >>> 0;
      s += alphabet[x % alphabet.length];
    }
    assert.equal(decodeText(encodeText(s)), s, JSON.stringify(s));
  }
});

test('decodeText returns text it cannot decode unchanged', () => {
  assert.equal(decodeText('\uE000{not json'), '\uE000{not json');
  assert.equal(decodeText('\uE0001'), '\uE0001');
});
