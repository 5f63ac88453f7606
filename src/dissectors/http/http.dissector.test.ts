import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, feedChunks, testFlow } from '../../testing/fake-context.js';
import { fuzzStream, textTemplates } from '../../testing/fuzz.js';
import { httpDissector, redactUri } from './http.dissector.js';

type Chunk = { dir: Direction; text: string };
const flow = testFlow({ serverPort: 80 });

function run(chunks: Chunk[], step = 0): FakeContext {
  const ctx = new FakeContext(flow);
  const chunked = chunks.map((c) => ({ dir: c.dir, bytes: c.text }));
  feedChunks(httpDissector, httpDissector.newState(flow), ctx, chunked, step);
  return ctx;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const EXCHANGE: Chunk[] = [
  {
    dir: 0,
    text: `GET /home.htm HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: probe/1\r\nAuthorization: Basic ${b64('admin:Sup3rSecret!')}\r\n\r\n`,
  },
  {
    dir: 1,
    text: 'HTTP/1.1 401 Unauthorized\r\nServer: GoAhead-Webs\r\nWWW-Authenticate: Basic realm="SIMATIC S7-1500"\r\nContent-Length: 5\r\n\r\nnope!',
  },
  {
    dir: 0,
    text: `POST /set HTTP/1.1\r\nHost: 10.0.0.1\r\nAuthorization: Basic ${b64('admin:Sup3rSecret!')}\r\nContent-Length: 4\r\n\r\na=1&`,
  },
  {
    dir: 1,
    text: 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n<title>P\r\nd\r\nLC-07</title>\r\n0\r\n\r\n',
  },
];

describe('http dissector', () => {
  it('pairs requests and responses, Basic auth outcome, identity guesses (any segmentation)', () => {
    for (const step of [0, 1, 7]) {
      const ctx = run(EXCHANGE, step);
      assert.deepEqual(
        ctx.transactions.map((t) => `${t.fn}:${t.op}:${t.status}:${t.detail?.statusCode}`),
        ['GET:read:exception:401', 'POST:write:ok:200'],
      );
      assert.deepEqual(
        ctx.credentials.map((c) => `${c.user}:${c.outcome}:${c.mechanism}:${c.cleartext}`),
        ['admin:failure:password:true', 'admin:success:password:true'],
      );
      assert.equal(ctx.credentials[0]?.secretFingerprint, ctx.fingerprint('Sup3rSecret!'));
      assert.deepEqual(ctx.facts, [
        'user_agent=probe/1',
        'http_server=GoAhead-Webs',
        'http_server_product=GoAhead-Webs',
        'http_realm=SIMATIC S7-1500',
        'http_title=PLC-07',
      ]);
      const json = JSON.stringify(ctx.out);
      assert.ok(!json.includes('Sup3rSecret') && !json.includes(b64('admin:Sup3rSecret!')));
    }
  });

  it('Digest: user name only, not cleartext; pipelined requests pair in order', () => {
    const ctx = run([
      {
        dir: 0,
        text: 'GET /a HTTP/1.1\r\nAuthorization: Digest username="eng", realm="x", response="abc"\r\n\r\nHEAD /b HTTP/1.1\r\n\r\n',
      },
      {
        dir: 1,
        text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\n',
      },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => `${t.fn}:${t.detail?.statusCode}`),
      ['GET:200', 'HEAD:404'],
    );
    assert.equal(ctx.transactions[1]?.exception, '404');
    const [c] = ctx.credentials;
    assert.deepEqual(
      [c?.user, c?.mechanism, c?.secretFingerprint, c?.cleartext, c?.outcome],
      ['eng', 'digest', null, false, 'success'],
    );
  });

  it('body until close, 100-continue, unanswered requests', () => {
    const ctx = run([
      { dir: 0, text: 'PUT /f HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n' },
      { dir: 1, text: 'HTTP/1.1 100 Continue\r\n\r\n' },
      { dir: 0, text: 'abcGET /x HTTP/1.1\r\n\r\n' },
      { dir: 1, text: 'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<title>Old</title> and more' },
    ]);
    assert.deepEqual(
      ctx.transactions.map((t) => `${t.fn}:${t.status}`),
      ['PUT:ok', 'GET:no-response'],
    );
    assert.deepEqual(ctx.facts, ['http_title=Old']);
  });

  it('not HTTP -> violation; malformed later -> anomaly; bounded headers', () => {
    assert.equal(run([{ dir: 0, text: '\x16\x03\x01\x00\x05hello\r\n\r\n' }]).violations.length, 1);
    const later = run([
      { dir: 0, text: 'GET / HTTP/1.1\r\n\r\n' },
      { dir: 1, text: 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nHTTP/1.1 2' },
    ]);
    assert.ok(later.anomalies.some((a) => a.code === 'http-bad-content-length'));
    const big = run([{ dir: 0, text: `GET / HTTP/1.1\r\nX: ${'a'.repeat(20000)}` }]);
    assert.deepEqual(
      big.anomalies.map((a) => a.code),
      ['http-header-too-long'],
    );
  });

  it('masks secrets in URIs', () => {
    assert.equal(redactUri('/cgi?user=a&password=b'), '/cgi?user=a&password=***');
    assert.equal(redactUri('http://u:p@h/'), 'http://u:***@h/');
  });

  it('probes requests and responses', () => {
    const p = (s: string, dir: Direction) => httpDissector.probe?.(Uint8Array.from(Buffer.from(s)), 0, s.length, dir);
    assert.equal(p('GET / HTTP/1.1\r\n', 0), 'match');
    assert.equal(p('HTTP/1.1 200 OK', 1), 'match');
    assert.equal(p('HTT', 1), 'need-more');
    assert.equal(p('\x03\x00\x00\x16', 0), 'no-match');
  });

  it('survives 10k mutated chunks', () => {
    fuzzStream(httpDissector, flow, new FakeContext(flow), textTemplates(EXCHANGE), {
      seed: 0xabcdef1,
      flips: { min: 1, spread: 3 },
      restartEvery: 40,
    });
  });
});
