import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseForwardUrl, redactUrl } from './config.js';

test('forward URLs: every kind parses with its defaults', () => {
  const udp = parseForwardUrl('cef+udp://127.0.0.1:5514');
  assert.equal(udp.kind, 'syslog');
  if (udp.kind === 'syslog') {
    assert.deepEqual(
      [udp.format, udp.transport, udp.host, udp.port, udp.facility, udp.maxBytes, udp.queueSize, udp.cefHeader],
      ['cef', 'udp', '127.0.0.1', 5514, 20, 2048, 10_000, true],
    );
  }
  const tls = parseForwardUrl('syslog+tls://collector.plant?ca=/etc/ca.pem&facility=local7&queue=50');
  assert.ok(tls.kind === 'syslog');
  if (tls.kind === 'syslog') {
    assert.deepEqual(
      [tls.port, tls.tls.ca, tls.tls.rejectUnauthorized, tls.tls.servername, tls.facility, tls.queueSize],
      [6514, '/etc/ca.pem', true, 'collector.plant', 23, 50],
    );
  }
  const v6 = parseForwardUrl('syslog+tcp://[::1]:6514');
  assert.ok(v6.kind === 'syslog' && v6.host === '::1' && v6.tls.servername === null);
  const file = parseForwardUrl('jsonl:///var/log/plantwarden/alerts.jsonl');
  assert.deepEqual(file.kind === 'jsonl' && file.path, '/var/log/plantwarden/alerts.jsonl');
  const rel = parseForwardUrl('jsonl:alerts%20x.jsonl');
  assert.ok(rel.kind === 'jsonl' && rel.path.endsWith('/alerts x.jsonl') && rel.path.startsWith('/'));
  const hook = parseForwardUrl('https://user:secret@hook.example/in?token=abc#timeout=500&insecure=1');
  assert.ok(hook.kind === 'webhook');
  if (hook.kind === 'webhook') {
    assert.equal(hook.url, 'https://user:secret@hook.example/in?token=abc');
    assert.equal(hook.timeoutMs, 500);
    assert.equal(hook.tls.rejectUnauthorized, false);
    assert.equal(hook.display, 'https://user:***@hook.example/in?token=***');
  }
});

test('forward URLs: clear one-line errors, secrets hidden', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['localhost:514', /unknown scheme 'localhost'/],
    ['not a url', /not a URL/],
    ['syslog+quic://h:1', /unknown scheme 'syslog\+quic'/],
    ['syslog+udp://:514', /not a URL|no host/],
    ['syslog+udp://h:99999', /not a URL|port/],
    ['syslog+udp://h:514/path', /unexpected path/],
    ['syslog+udp://h?ca=/x', /unknown option 'ca'/],
    ['syslog+tcp://h?framing=crlf', /framing/],
    ['syslog+tcp://h?facility=local9', /unknown facility 'local9'/],
    ['syslog+tcp://h?queue=0', /'queue' must be a whole number from 1/],
    ['syslog+tcp://h?queue=1&queue=2', /given twice/],
    ['syslog+tls://h?cert=/c.pem', /'cert' and 'key' go together/],
    ['syslog+tcp://u:pw@h', /no user name or password/],
    ['cef+udp://h?header=json', /'header' must be syslog or none/],
    ['jsonl://host/x.jsonl', /a jsonl target is a file/],
    ['jsonl:///tmp/', /no file name/],
    ['http://h/x#ca=/ca.pem', /TLS options need an https/],
    ['https://h/x#nope=1', /unknown option 'nope'/],
  ];
  for (const [url, re] of bad) {
    assert.throws(
      () => parseForwardUrl(url),
      (e: Error) => {
        assert.match(e.message, /^invalid forward target '/);
        assert.match(e.message, re, url);
        assert.ok(!e.message.includes('\n'));
        return true;
      },
    );
  }
  assert.throws(
    () => parseForwardUrl('ftp://u:hunter2@h/x'),
    (e: Error) => !e.message.includes('hunter2'),
  );
  assert.equal(redactUrl('https://h/x?key=s3cret&b=2'), 'https://h/x?key=***&b=***');
});
