import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { captureOutput } from '../testing/capture-output.js';
import { corpusPath, hasCorpus, repoRoot } from '../testing/corpus.js';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MODBUS = corpusPath('icsnpp', 'icsnpp-modbus', 'testing', 'traces', 'modbus_example.pcap');

/** Run the CLI in-process, capturing what it prints. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await captureOutput(() => main(['node', 'plantwarden', ...args]));
  if (r.error) throw r.error;
  return { code: r.value as number, out: r.out, err: r.err };
}

test('analyze, assets and asset on a real Modbus trace', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const db = join(dir, 'a.db');
  const r = await cli('analyze', MODBUS, '--db', db);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /modbus_example\.pcap: pcap, 100 packets/);
  assert.match(r.out, /Inventory in .*: 3 assets/);
  assert.match(r.out, /by role: .*plc/);

  const again = await cli('analyze', MODBUS, '--db', db);
  assert.equal(again.code, 0);
  assert.match(again.out, /already analysed/);

  const json = await cli('assets', '--json', '--db', db);
  const assets = JSON.parse(json.out) as { key: string; facts: { source: string }[] }[];
  assert.equal(assets.length, 3, 'merging the same capture twice does not duplicate assets');
  const dev = assets.find((a) => a.key === 'ip:127.0.0.1');
  assert.ok(dev?.facts.some((f) => f.source === 'modbus.43/14.VendorName'));

  const csv = await cli('assets', '--csv', '--db', db);
  assert.equal(csv.out.split('\n')[0], 'key,ips,mac,vendor,model,firmware,name,role,vlans,first_seen,last_seen');
  assert.equal(csv.out.split('\n').length, 4);

  const one = await cli('asset', '127.0.0.1', '--db', db);
  assert.equal(one.code, 0);
  assert.match(one.out, /Zeek Modbus Test/);
  assert.match(one.out, /modbus\.43\/14\.VendorName/);
  assert.match(one.out, /serves Modbus\/TCP on tcp\/502/);

  const none = await cli('asset', '10.99.99.99', '--db', db);
  assert.equal(none.code, 1);
  assert.match(none.err, /no asset matches '10\.99\.99\.99'/);
});

test('errors are one clear line', async () => {
  const db = join(dir, 'e.db');
  const missing = await cli('analyze', join(dir, 'nope.pcap'), '--db', db);
  assert.equal(missing.code, 1);
  assert.equal(missing.err.trim().split('\n').length, 1);
  assert.match(missing.err, /nope\.pcap/);
  assert.doesNotMatch(missing.err, /\s+at\s/);

  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'these are my notes, not a capture\n');
  const nc = await cli('analyze', text, '--db', db);
  assert.equal(nc.code, 1);
  assert.match(nc.err, /not a capture/);
  assert.equal(nc.err.trim().split('\n').length, 1);

  const usage = await cli('frobnicate');
  assert.equal(usage.code, 2);
});

test('a truncated capture is analysed up to where it breaks, with the byte offset', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const whole = readFileSync(MODBUS);
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  const r = await cli('analyze', cut, '--db', join(dir, 'cut.db'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /stopped early at byte [\d,]+: /);
  assert.match(r.out, /Inventory in .*: [1-9]\d* assets/);
});

test('bin/plantwarden.js on a capture of 64 MiB: two threads, the same inventory as one', async () => {
  const { writePlantCapture } = await import('../demo/plant.js');
  const big = join(dir, 'big.pcap');
  const gen = writePlantCapture(big, { packets: 640_000 });
  assert.ok(gen.bytes >= 64 * 1024 * 1024, `${gen.bytes} bytes`);
  const bin = join(repoRoot, 'bin', 'plantwarden.js');
  const run = (...extra: string[]) => {
    const db = join(dir, `big-${extra.join('')}.db`);
    const r = spawnSync(process.execPath, [bin, 'analyze', big, '--db', db, '--stats-json', ...extra], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const stats = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { packets: number; threads: number };
    const assets = spawnSync(process.execPath, [bin, 'assets', '--db', db, '--json'], { encoding: 'utf8' });
    assert.equal(assets.status, 0, assets.stderr);
    return { stats, assets: JSON.parse(assets.stdout) as unknown[] };
  };
  const two = run();
  const one = run('--threads', '1');
  assert.equal(two.stats.threads, 2);
  assert.equal(one.stats.threads, 1);
  assert.equal(two.stats.packets, gen.packets);
  assert.equal(one.stats.packets, gen.packets);
  assert.deepEqual(two.assets, one.assets);
});

test('standard input and --stats-json through the real binary entry', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const mainJs = fileURLToPath(new URL('./main.js', import.meta.url));
  const script = `import(${JSON.stringify(mainJs)}).then(m => m.main(process.argv)).then(c => { process.exitCode = c; })`;
  const r = spawnSync(
    process.execPath,
    ['-e', script, 'plantwarden', 'analyze', '-', '--db', join(dir, 's.db'), '--stats-json'],
    {
      input: readFileSync(MODBUS),
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const stats = JSON.parse(last) as { packets: number; bytes: number; seconds: number; maxRssBytes: number };
  assert.equal(stats.packets, 100);
  assert.ok(stats.maxRssBytes > 1e6);
  assert.match(r.stdout, /^stdin: pcap/m);
});
