import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import type { Alert, Suppression } from '../model.js';
import { parseForwardUrl } from './config.js';
import { sampleAlert } from './fixtures.js';
import {
  Forwarder,
  type ForwarderOptions,
  forwardAlerts,
  forwardableAlerts,
  forwardNewAlerts,
  snapshotAlerts,
} from './forwarder.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-forward-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Fast retries, no log noise (the lines are kept for assertions). */
function fast(logs: string[] = []): ForwarderOptions {
  return { initialMs: 5, maxMs: 40, log: (l) => logs.push(l), connectTimeoutMs: 1000, writeTimeoutMs: 1000 };
}

function alerts(n: number, from = 0): Alert[] {
  return Array.from({ length: n }, (_, i) =>
    sampleAlert({ id: `id${String(from + i).padStart(5, '0')}`, lastSeenUs: 1_714_554_000_000_000 + (from + i) }),
  );
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Split an octet-counted stream (RFC 6587) into messages; returns the unconsumed rest. */
function unframe(buf: Buffer, out: string[]): Buffer {
  let off = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(buf.subarray(off, sp).toString('ascii'));
    assert.ok(Number.isInteger(len) && len > 0, `bad frame length at ${off}`);
    if (sp + 1 + len > buf.length) break;
    out.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    off = sp + 1 + len;
  }
  return buf.subarray(off);
}

interface Receiver {
  port: number;
  messages: string[];
  stop(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  return (server.address() as { port: number }).port;
}

async function streamReceiver(
  port = 0,
  messages: string[] = [],
  tls?: { key: Buffer; cert: Buffer },
): Promise<Receiver> {
  const sockets = new Set<Socket>();
  const onSocket = (s: Socket) => {
    sockets.add(s);
    let rest: Buffer = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      rest = unframe(Buffer.concat([rest, d]), messages);
    });
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  };
  const server: Server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, onSocket) : createNetServer(onSocket);
  const bound = await listen(server, port);
  return {
    port: bound,
    messages,
    stop: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}

test('syslog over UDP: one datagram per alert, exact RFC 5424 text', { timeout: 10_000 }, async () => {
  const sock = createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (m) => got.push(m.toString('utf8')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  try {
    const r = await forwardAlerts(alerts(5), [`syslog+udp://127.0.0.1:${port}?hostname=s1`], {
      ...fast(),
      deadlineMs: 3000,
    });
    assert.equal(r.sent, 5);
    assert.ok(r.complete);
    await waitFor('5 datagrams', () => got.length === 5);
    assert.match(
      got[0] as string,
      /^<162>1 2024-05-01T09:00:00\.000000Z s1 plantwarden - ops\.controller-stop \[plantwarden@32473 alertId="id00000" /,
    );
  } finally {
    sock.close();
  }
});

test('CEF over TCP: octet-counted frames, every alert arrives in order', { timeout: 10_000 }, async () => {
  const rx = await streamReceiver();
  try {
    const r = await forwardAlerts(alerts(200), [`cef+tcp://127.0.0.1:${rx.port}`], { ...fast(), deadlineMs: 5000 });
    assert.deepEqual([r.sent, r.queued, r.dropped], [200, 0, 0]);
    await waitFor('200 messages', () => rx.messages.length === 200);
    assert.ok(rx.messages.every((m, i) => m.includes(`cs1=id${String(i).padStart(5, '0')} `)));
    assert.match(rx.messages[0] as string, /^<162>1 \S+ \S+ plantwarden - ops\.controller-stop - CEF:0\|plantwarden\|/);
  } finally {
    await rx.stop();
  }
});

test('TCP receiver down: alerts wait and are retried; restarted, all arrive; mid-stream outage too', {
  timeout: 15_000,
}, async () => {
  const probe = await streamReceiver();
  const port = probe.port;
  await probe.stop(); // nothing listens there now
  const logs: string[] = [];
  const f = new Forwarder(parseForwardUrl(`syslog+tcp://127.0.0.1:${port}`), fast(logs));
  try {
    f.push(alerts(50));
    await waitFor('a few failed tries', () => f.stats().retried >= 100);
    assert.equal(f.stats().sent, 0);
    assert.equal(f.stats().queued, 50);
    assert.ok(
      logs.some((l) => /ECONNREFUSED|connect/.test(l) && l.includes('will retry')),
      logs.join('\n'),
    );
    const messages: string[] = [];
    let rx = await streamReceiver(port, messages);
    assert.ok(await f.drain(5000), 'drained after the receiver came back');
    await waitFor('50 messages', () => messages.length === 50);
    // The receiver goes away while connected, alerts come in, it comes back.
    await rx.stop();
    await new Promise((r) => setTimeout(r, 50));
    f.push(alerts(30, 50));
    await waitFor('a failed try', () => f.stats().retried > 0 && f.stats().queued > 0);
    rx = await streamReceiver(port, messages);
    assert.ok(await f.drain(5000));
    await waitFor('80 messages', () => messages.length === 80);
    const ids = messages.map((m) => /alertId="(\w+)"/.exec(m)?.[1]);
    assert.deepEqual(
      ids,
      alerts(80).map((a) => a.id),
    );
    assert.deepEqual(
      { ...f.stats(), retried: 0, lastError: null },
      {
        target: `syslog+tcp://127.0.0.1:${port}`,
        sent: 80,
        queued: 0,
        retried: 0,
        dropped: 0,
        rejected: 0,
        lastError: null,
      },
    );
    await rx.stop();
  } finally {
    await f.close();
  }
});

test('overfilled queue while the receiver is down: the oldest are dropped and counted', {
  timeout: 10_000,
}, async () => {
  const probe = await streamReceiver();
  const port = probe.port;
  await probe.stop();
  const logs: string[] = [];
  const f = new Forwarder(parseForwardUrl(`syslog+tcp://127.0.0.1:${port}?queue=10`), fast(logs));
  try {
    f.push(alerts(25));
    await waitFor('a failed try', () => f.stats().retried > 0);
    assert.deepEqual([f.stats().queued, f.stats().dropped], [10, 15]);
    assert.ok(logs.some((l) => l.includes('queue full (10 alerts)')));
    const rx = await streamReceiver(port);
    assert.ok(await f.drain(5000));
    await waitFor('10 messages', () => rx.messages.length === 10);
    assert.deepEqual(
      rx.messages.map((m) => /alertId="(\w+)"/.exec(m)?.[1]),
      alerts(10, 15).map((a) => a.id),
    );
    assert.deepEqual([f.stats().sent, f.stats().dropped, f.stats().queued], [10, 15, 0]);
    await rx.stop();
  } finally {
    await f.close();
  }
});

test('the deadline ends the wait: nothing hangs, undelivered alerts are reported as queued', {
  timeout: 10_000,
}, async () => {
  const probe = await streamReceiver();
  await probe.stop();
  const t0 = Date.now();
  const r = await forwardAlerts(alerts(3), [`syslog+tcp://127.0.0.1:${probe.port}`], { ...fast(), deadlineMs: 200 });
  assert.ok(Date.now() - t0 < 2000);
  assert.deepEqual([r.sent, r.queued, r.complete], [0, 3, false]);
  assert.match(r.targets[0]?.lastError ?? '', /ECONNREFUSED|connect/);
});

function openssl(): { key: Buffer; cert: Buffer; certPath: string } | null {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
  } catch {
    return null;
  }
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}

const pki = openssl();

test('syslog over TLS: verified with ?ca=, refused without it', {
  timeout: 10_000,
  skip: pki === null ? 'openssl CLI not found: TLS tests skipped' : false,
}, async () => {
  const { key, cert, certPath } = pki as NonNullable<typeof pki>;
  const rx = await streamReceiver(0, [], { key, cert });
  try {
    const ok = await forwardAlerts(alerts(20), [`syslog+tls://127.0.0.1:${rx.port}?ca=${certPath}`], {
      ...fast(),
      deadlineMs: 5000,
    });
    assert.deepEqual([ok.sent, ok.complete], [20, true]);
    await waitFor('20 messages over TLS', () => rx.messages.length === 20);
    // rejectUnauthorized is on by default: a self-signed certificate not given as CA is refused.
    const refused = await forwardAlerts(alerts(1), [`syslog+tls://127.0.0.1:${rx.port}`], {
      ...fast(),
      deadlineMs: 300,
    });
    assert.equal(refused.sent, 0);
    assert.match(refused.targets[0]?.lastError ?? '', /self.signed|certificate/i);
    const insecure = await forwardAlerts(alerts(1), [`cef+tls://127.0.0.1:${rx.port}?insecure=1`], {
      ...fast(),
      deadlineMs: 3000,
    });
    assert.equal(insecure.sent, 1);
  } finally {
    await rx.stop();
  }
  assert.throws(
    () => new Forwarder(parseForwardUrl(`syslog+tls://127.0.0.1:1?ca=${join(dir, 'missing.pem')}`)),
    /cannot read CA file '.*missing\.pem': ENOENT/,
  );
});

test('JSON lines: one Alert per line, appended, hostile text round-trips', { timeout: 10_000 }, async () => {
  const path = join(dir, 'sub', 'alerts.jsonl');
  writeFileSync(join(dir, 'keep'), '');
  const hostile = sampleAlert({ id: 'h', title: 'a\nb\u2028"c"\\ 🏭 \u0000', evidence: ['x\r\ny'] });
  await forwardAlerts([hostile], [`jsonl://${path}`], fast());
  await forwardAlerts(alerts(300), [`jsonl://${path}`], fast());
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 301);
  assert.deepEqual(JSON.parse(lines[0] as string), hostile);
  assert.equal(JSON.parse(lines[300] as string).id, 'id00299');
});

async function httpReceiver(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
  tls?: { key: Buffer; cert: Buffer },
): Promise<{ port: number; stop(): Promise<void> }> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  };
  const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest) : createHttpServer(onRequest);
  const port = await listen(server, 0);
  return {
    port,
    stop: () =>
      new Promise<void>((res) => {
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}

test('webhook: 2xx delivered, 5xx/429 retried, 4xx dropped with the reason logged', { timeout: 10_000 }, async () => {
  const received: Alert[] = [];
  const tries = new Map<string, number>();
  const rx = await httpReceiver((req, body, res) => {
    const a = JSON.parse(body) as Alert;
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-plantwarden-alert-id'], a.id);
    assert.equal(req.url, '/in?token=t');
    const n = (tries.get(a.id) ?? 0) + 1;
    tries.set(a.id, n);
    if (a.id === 'flaky' && n < 3) {
      res.writeHead(n === 1 ? 503 : 429, { 'retry-after': '0' }).end('busy');
    } else if (a.id === 'bad') res.writeHead(400).end('{"error":"schema"}');
    else {
      received.push(a);
      res.writeHead(204).end();
    }
  });
  const logs: string[] = [];
  try {
    const r = await forwardAlerts(
      [
        sampleAlert({ id: 'ok1' }),
        sampleAlert({ id: 'flaky' }),
        sampleAlert({ id: 'bad' }),
        sampleAlert({ id: 'ok2' }),
      ],
      [`http://127.0.0.1:${rx.port}/in?token=t`],
      { ...fast(logs), deadlineMs: 5000 },
    );
    assert.deepEqual(
      received.map((a) => a.id),
      ['ok1', 'flaky', 'ok2'],
    );
    assert.deepEqual(received[0], sampleAlert({ id: 'ok1' }));
    const t = r.targets[0];
    assert.deepEqual([t?.sent, t?.retried, t?.dropped, t?.rejected, t?.queued], [3, 2, 1, 1, 0]);
    assert.ok(
      logs.some((l) => l.includes('alert bad dropped: HTTP 400 Bad Request: {"error":"schema"}')),
      logs.join('\n'),
    );
    assert.ok(
      logs.every((l) => !l.includes('token=t')),
      'query values hidden in logs',
    );
  } finally {
    await rx.stop();
  }
});

test('webhook: a receiver that never answers times out and is retried, bounded by the deadline', {
  timeout: 10_000,
}, async () => {
  let calls = 0;
  const rx = await httpReceiver(() => {
    calls++; // never answers
  });
  try {
    const t0 = Date.now();
    const r = await forwardAlerts(alerts(1), [`http://127.0.0.1:${rx.port}/#timeout=100`], {
      ...fast(),
      deadlineMs: 600,
    });
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(r.sent, 0);
    assert.ok(calls >= 2, `retried after a timeout (${calls} calls)`);
    assert.match(r.targets[0]?.lastError ?? '', /no answer within 100 ms/);
  } finally {
    await rx.stop();
  }
});

test('webhook over HTTPS with the receiver CA in the fragment', {
  timeout: 10_000,
  skip: pki === null ? 'openssl CLI not found: TLS tests skipped' : false,
}, async () => {
  const { key, cert, certPath } = pki as NonNullable<typeof pki>;
  const got: string[] = [];
  const rx = await httpReceiver(
    (_req, body, res) => {
      got.push(body);
      res.writeHead(200).end('ok');
    },
    { key, cert },
  );
  try {
    const r = await forwardAlerts(alerts(2), [`https://127.0.0.1:${rx.port}/hook#ca=${certPath}`], {
      ...fast(),
      deadlineMs: 5000,
    });
    assert.equal(r.sent, 2);
    assert.equal(got.length, 2);
  } finally {
    await rx.stop();
  }
});

test('selection: open, not suppressed (stored or active now), since, severity; oldest first', () => {
  const now = new Date('2024-06-01T00:00:00Z');
  const list = [
    sampleAlert({ id: 'late', lastSeenUs: 30 }),
    sampleAlert({ id: 'early', lastSeenUs: 10 }),
    sampleAlert({ id: 'acked', status: 'acknowledged' }),
    sampleAlert({ id: 'stored-suppressed', suppressedBy: 's0' }),
    sampleAlert({ id: 'by-asset', ruleId: 'r2', assets: ['ip:10.9.9.9'] }),
    sampleAlert({ id: 'expired', ruleId: 'r3', assets: ['ip:10.8.8.8'], lastSeenUs: 20 }),
    sampleAlert({ id: 'low', severity: 'low', lastSeenUs: 40 }),
  ];
  const sup = (p: Partial<Suppression>): Suppression => ({
    id: 's',
    ruleId: null,
    assets: [],
    reason: 'maintenance',
    until: '2024-07-01T00:00:00Z',
    createdAt: '2024-05-01T00:00:00Z',
    ...p,
  });
  const sups = [sup({ assets: ['10.9.9.9'] }), sup({ ruleId: 'r3', until: '2024-05-15T00:00:00Z' })];
  assert.deepEqual(
    forwardableAlerts(list, sups, { now }).map((a) => a.id),
    ['early', 'expired', 'late', 'low'],
  );
  assert.deepEqual(
    forwardableAlerts(list, sups, { now, sinceUs: 20, minSeverity: 'high' }).map((a) => a.id),
    ['expired', 'late'],
  );
});

test('forwardNewAlerts: only alerts new or grown since the snapshot', { timeout: 10_000 }, async () => {
  let stored = [sampleAlert({ id: 'old', count: 2 }), sampleAlert({ id: 'grows', count: 1 })];
  const store = { listAlerts: async () => stored, listSuppressions: async () => [] as Suppression[] };
  const snap = await snapshotAlerts(store);
  stored = [sampleAlert({ id: 'old', count: 2 }), sampleAlert({ id: 'grows', count: 5 }), sampleAlert({ id: 'new' })];
  const path = join(dir, 'new.jsonl');
  const r = await forwardNewAlerts(store, [`jsonl://${path}`], { since: snap, ...fast() });
  assert.equal(r.sent, 2);
  const ids = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).id);
  assert.deepEqual(ids.sort(), ['grows', 'new']);
  const none = await forwardNewAlerts(store, [`jsonl://${path}`], { since: await snapshotAlerts(store) });
  assert.deepEqual([none.sent, none.complete], [0, true]);
  await assert.rejects(forwardNewAlerts(store, ['nope://x']), /invalid forward target 'nope:\/\/x'/);
});
