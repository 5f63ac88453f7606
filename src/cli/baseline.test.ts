import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { baselineRepository, loadBaseline } from '../baseline/baseline.js';
import { openStore } from '../store/open.js';
import { registerBaselineCommands } from './baseline.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-baseline-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  try {
    const program = new Command().exitOverride();
    program.configureOutput({ writeErr: () => {} });
    registerBaselineCommands(program);
    await program.parseAsync(['node', 'plantwarden', ...args]);
  } finally {
    console.log = log;
  }
  return out;
}

test('learn --until, status, freeze, reset', async () => {
  const db = join(dir, 'a.db');
  assert.match((await cli('baseline', 'status', '--db', db)).join('\n'), /mode: off/);
  assert.deepEqual(await cli('baseline', 'learn', '--until', '2024-06-09', '--db', db), [
    'baseline learning until 2024-06-09T00:00:00.000Z (packet time)',
  ]);
  const st = JSON.parse((await cli('baseline', 'status', '--json', '--db', db)).join('\n'));
  assert.equal(st.mode, 'learning');
  assert.equal(st.learnUntil, '2024-06-09T00:00:00.000Z');
  assert.equal(st.counts.assets, 0);

  // Something learned, then frozen by hand.
  const store = await openStore(db);
  const { learner } = await loadBaseline(store);
  learner.onFlowEnd({
    id: 1,
    transport: 'tcp',
    protocol: 'modbus',
    clientIp: '10.0.0.1',
    serverIp: '10.0.0.2',
    clientMac: 0x020000000001,
    serverMac: 0x020000000002,
    clientPort: 40000,
    serverPort: 502,
    vlan: 0,
    firstUs: Date.UTC(2024, 5, 3, 10) * 1000,
    lastUs: Date.UTC(2024, 5, 3, 10, 30) * 1000,
    packetsToServer: 10,
    packetsToClient: 10,
    bytesToServer: 1000,
    bytesToClient: 2000,
    established: true,
    reset: false,
    ops: { read: 5 },
  });
  await learner.finish();
  await store.close();

  assert.match(
    (await cli('baseline', 'freeze', '--db', db))[0] ?? '',
    /frozen: 4 assets, 1 links, 0 functions, 1 days/,
  );
  const text = (await cli('baseline', 'status', '--db', db)).join('\n');
  assert.match(text, /mode: frozen since \d{4}-/);
  assert.match(text, /links: 1/);
  await cli('baseline', 'reset', '--db', db);
  const after = JSON.parse((await cli('baseline', 'status', '--json', '--db', db)).join('\n'));
  assert.equal(after.mode, 'off');
  assert.equal(after.counts.assets, 0);
});

test('learn --days waits for the first packet; bad arguments give one clear error', async () => {
  const db = join(dir, 'b.db');
  await cli('baseline', 'learn', '--days', '3', '--db', db);
  const st = JSON.parse((await cli('baseline', 'status', '--json', '--db', db)).join('\n'));
  assert.equal(st.learnDays, 3);
  const store = await openStore(db);
  const { learner } = await loadBaseline(store);
  learner.onObservation(
    {
      kind: 'transaction',
      ts: 1_000_000_000_000,
      flowId: 1,
      protocol: 'modbus',
      op: 'read',
      fn: 'READ_COILS',
      fnCode: 1,
      status: 'ok',
      dir: 0,
    } as never,
    {
      id: 1,
      transport: 'tcp',
      clientIp: '10.0.0.1',
      serverIp: '10.0.0.2',
      clientPort: 1,
      serverPort: 502,
      clientMac: 0,
      serverMac: 0,
      vlan: 0,
    },
  );
  await learner.finish();
  assert.equal((await baselineRepository(store).getState()).learnUntilUs, 1_000_000_000_000 + 3 * 86_400_000_000);
  await store.close();

  await assert.rejects(cli('baseline', 'learn', '--days', 'x', '--db', db), /number of days/);
  await assert.rejects(cli('baseline', 'learn', '--until', 'soon', '--db', db), /not a date: 'soon'/);
  await assert.rejects(cli('baseline', 'learn', '--days', '2', '--until', '2024-01-01', '--db', db), /not both/);
});
