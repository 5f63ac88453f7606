// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  authParam,
  decodeBase64,
  extractTitle,
  findHeaderEnd,
  looksLikeRequest,
  methodCode,
  nameIs,
  newRequestLine,
  newStatusLine,
  parseChunkSize,
  parseDecimal,
  parseRequestLine,
  parseStatusLine,
  serverHints,
} from './http.parse.js';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('http parse', () => {
  it('request line (RFC 9112 §3)', () => {
    const b = Uint8Array.from([
      0x47, 0x45, 0x54,                   // method "GET"
      0x20,                               // SP
      0x2f, 0x61,                         // request-target "/a"
      0x20,                               // SP
      0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, // "HTTP/1.1"
    ]);
    const r = newRequestLine();
    assert.equal(parseRequestLine(b, 0, b.length, r), null);
    assert.deepEqual([r.methodLen, r.uriOff, r.uriLen, r.version], [3, 4, 2, 11]);
    assert.equal(parseRequestLine(bytes('GET /'), 0, 5, r), 'http-bad-request-line');
    assert.equal(parseRequestLine(bytes('GET / HTTP/x.1'), 0, 14, r), 'http-bad-request-line');
    assert.equal(parseRequestLine(bytes('G(T / HTTP/1.1'), 0, 14, r), 'http-bad-request-line');
    assert.equal(parseRequestLine(bytes('GET / HTTP/1.1 x'), 0, 16, r), 'http-bad-request-line');
  });

  it('status line (RFC 9112 §4)', () => {
    const b = Uint8Array.from([
      0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x30, // "HTTP/1.0"
      0x20,                               // SP
      0x34, 0x30, 0x31,                   // status-code 401
      0x20,                               // SP
      0x4e, 0x6f,                         // reason "No"
    ]);
    const st = newStatusLine();
    assert.equal(parseStatusLine(b, 0, b.length, st), null);
    assert.deepEqual([st.version, st.code], [10, 401]);
    assert.equal(parseStatusLine(bytes('HTTP/1.1 200'), 0, 12, st), null);
    assert.equal(parseStatusLine(bytes('HTTP/1.1 2x0 OK'), 0, 15, st), 'http-bad-status-line');
    assert.equal(parseStatusLine(bytes('HTTP/1.1 099 OK'), 0, 15, st), 'http-bad-status-line');
    assert.equal(parseStatusLine(bytes('ICY 200 OK'), 0, 10, st), 'http-bad-status-line');
  });

  it('framing helpers', () => {
    assert.equal(findHeaderEnd(bytes('GET / HTTP/1.1\r\nA: b\r\n\r\nbody'), 0, 28), 24);
    assert.equal(findHeaderEnd(bytes('GET / HTTP/1.0\n\n'), 0, 16), 16);
    assert.equal(findHeaderEnd(bytes('GET / HTTP/1.1\r\nA: b\r\n'), 0, 22), -1);
    assert.equal(parseDecimal(bytes('643'), 0, 3), 643);
    assert.equal(parseDecimal(bytes('-1'), 0, 2), -1);
    assert.equal(parseDecimal(bytes('1234567890123456'), 0, 16), -1);
    assert.equal(parseChunkSize(bytes('1aF;ext=1'), 0, 9), 0x1af);
    assert.equal(parseChunkSize(bytes('zz'), 0, 2), -1);
    assert.equal(parseChunkSize(bytes('1234567890abc'), 0, 13), -1);
    assert.ok(nameIs(bytes('Content-LENGTH'), 0, 14, 'content-length'));
    assert.equal(methodCode('PATCH'), 9);
    assert.equal(methodCode('BREW'), 0);
    assert.equal(looksLikeRequest(bytes('GET /'), 0, 5), 'match');
    assert.equal(looksLikeRequest(bytes('POS'), 0, 3), 'need-more');
    assert.equal(looksLikeRequest(bytes('\x82\x91'), 0, 2), 'no-match');
    assert.equal(looksLikeRequest(bytes('HELLO world'), 0, 11), 'no-match');
  });

  it('base64 and auth parameters (RFC 4648, RFC 7617, RFC 7616)', () => {
    const out = new Uint8Array(32);
    const n = decodeBase64(bytes('dGVzdDoxOjM0'), 0, 12, out);
    assert.equal(Buffer.from(out.subarray(0, n)).toString(), 'test:1:34');
    assert.equal(decodeBase64(bytes('dGVzdA=='), 0, 8, out), 4);
    assert.equal(decodeBase64(bytes('d G'), 0, 3, out), -1);
    assert.equal(decodeBase64(bytes('QUFBQUFBQUFBQUFB'), 0, 16, new Uint8Array(4)), -1);
    assert.equal(authParam('Basic realm="SIMATIC S7-1200"', 'realm'), 'SIMATIC S7-1200');
    assert.equal(authParam('Digest username="op", realm=x', 'username'), 'op');
    assert.equal(authParam('Digest nonce=1', 'username'), null);
  });

  it('title and server hints', () => {
    assert.equal(extractTitle(bytes('<html><TITLE>\n  1756-EN2T /A\n</TITLE>'), 38), '1756-EN2T /A');
    assert.equal(extractTitle(bytes('<html><body>'), 12), null);
    const f = (s: string) => serverHints(s, 'x').map((h) => `${h.field}=${h.value}`);
    assert.deepEqual(f('GoAhead-Webs'), ['http_server_product=GoAhead-Webs']);
    assert.deepEqual(f('Allen-Bradley 1756-EN2T/5.008'), ['vendor=Rockwell Automation (Allen-Bradley)']);
    assert.deepEqual(f('Apache/2.4.29 (Ubuntu)'), ['http_server_product=Apache', 'http_server_version=2.4.29', 'os=Ubuntu']);
    assert.deepEqual(f('Boa/0.94.14rc21'), ['http_server_product=Boa', 'http_server_version=0.94.14rc21']);
  });
});
