import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { sampleAlert } from '../alerts/forward/fixtures.js';
import { KyselyAlertsRepository } from '../store/kysely-alerts-repository.js';
import { openStore } from '../store/open.js';
import { captureOutput } from '../testing/capture-output.js';
import { registerAlertsCommands } from './alerts.js';
import { registerForwardCommands, sinceArg } from './forward.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-forward-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(
  withAlerts: boolean,
  ...args: string[]
): Promise<{ out: string; error: string | null; code: number }> {
  const program = new Command().exitOverride();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  if (withAlerts) registerAlertsCommands(program);
  registerForwardCommands(program);
  const r = await captureOutput(() => program.parseAsync(['node', 'plantwarden', ...args]));
  return { out: r.out, error: r.error?.message ?? null, code: r.code };
}

const db = join(dir, 'pw.db');

async function seed(): Promise<void> {
  const store = await openStore(db);
  try {
    const repo = new KyselyAlertsRepository(store.db);
    await repo.mergeAlerts([
      sampleAlert({ id: 'a-stop', lastSeenUs: Date.UTC(2024, 4, 2) * 1000 }),
      sampleAlert({ id: 'b-old', ruleId: 'ops.write', severity: 'medium', lastSeenUs: Date.UTC(2024, 3, 1) * 1000 }),
      sampleAlert({
        id: 'c-quiet',
        ruleId: 'net.scan',
        assets: ['ip:10.9.9.9'],
        lastSeenUs: Date.UTC(2024, 4, 3) * 1000,
      }),
      sampleAlert({ id: 'd-closed', lastSeenUs: Date.UTC(2024, 4, 3) * 1000 }),
    ]);
    await repo.setAlertStatus('d-closed', 'closed');
    await repo.addSuppression({
      id: 's1',
      ruleId: null,
      assets: ['10.9.9.9'],
      reason: 'pentest',
      until: '2999-01-01T00:00:00Z',
      createdAt: '2024-05-01T00:00:00Z',
    });
  } finally {
    await store.close();
  }
}

test('alerts forward: open, unsuppressed alerts to a file and a TCP collector; --since and --severity filter', {
  timeout: 15_000,
}, async () => {
  await seed();
  const frames: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('data', (d: Buffer) => frames.push(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const file = join(dir, 'out.jsonl');
    const r = await cli(
      true,
      'alerts',
      'forward',
      '--to',
      `jsonl://${file}`,
      '--to',
      `syslog+tcp://127.0.0.1:${port}`,
      '--db',
      db,
    );
    assert.equal(r.error, null);
    assert.equal(r.code, 0);
    assert.match(r.out, /^Forwarded 2 alerts to 2 targets:/);
    assert.match(r.out, new RegExp(`syslog\\+tcp://127.0.0.1:${port}: 2 sent`));
    const ids = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id);
    assert.deepEqual(ids, ['b-old', 'a-stop']); // oldest first; closed and suppressed left out
    const since = await cli(
      false,
      'alerts',
      'forward',
      '--to',
      `jsonl://${file}`,
      '--since',
      '2024-05-01',
      '--json',
      '--db',
      db,
    );
    assert.equal(JSON.parse(since.out).alerts, 1);
    const sev = await cli(
      true,
      'alerts',
      'forward',
      '--to',
      `jsonl://${file}`,
      '--severity',
      'critical',
      '--json',
      '--db',
      db,
    );
    assert.equal(JSON.parse(sev.out).sent, 1);
    const text = Buffer.concat(frames).toString('utf8');
    assert.match(text, /^\d+ <164>1 2024-04-01T00:00:00\.000000Z /);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('alerts forward: a bad target is one clear error and nothing is sent; an unreachable one exits 1', {
  timeout: 15_000,
}, async () => {
  await seed();
  const bad = await cli(true, 'alerts', 'forward', '--to', 'syslog+udp://h?nope=1', '--db', db);
  assert.match(bad.error ?? '', /^invalid forward target 'syslog\+udp:\/\/h\?nope=1': unknown option 'nope'/);
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const down = await cli(
    true,
    'alerts',
    'forward',
    '--to',
    `cef+tcp://127.0.0.1:${port}`,
    '--deadline',
    '0.3',
    '--db',
    db,
  );
  assert.equal(down.code, 1);
  assert.match(down.out, /0 sent, 2 not delivered before the deadline, \d+ retried \(last error: .*ECONNREFUSED/);
});

test('--since forms', () => {
  const now = new Date('2024-05-10T12:00:00Z');
  assert.equal(sinceArg('24h', now), Date.UTC(2024, 4, 9, 12) * 1000);
  assert.equal(sinceArg('2024-05-01', now), Date.UTC(2024, 4, 1) * 1000);
  assert.equal(sinceArg('2024-05-01T10:00:00Z', now), Date.UTC(2024, 4, 1, 10) * 1000);
  assert.throws(() => sinceArg('yesterday', now), /expected a date/);
  assert.throws(() => sinceArg('2024-02-30', now), /expected a date/);
});
