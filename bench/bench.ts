/**
 * `npm run bench`: how fast plantwarden analyses a capture, against a bare-Node floor and tshark.
 *
 * For each size (2 M packets, then 8 M unless BENCH_SKIP_8M=1; BENCH_SIZES=n,m overrides):
 *   a. generate the demo plant capture into a temp dir (in process, timed);
 *   b. `node bin/plantwarden.js analyze <file> --db <tmp>.db --stats-json` as a child process;
 *   c. the floor (bench/floor.ts) as a child process;
 *   d. `tshark -q -z conv,tcp -r <file>` when tshark is on PATH (BENCH_SKIP_TSHARK=1 skips it);
 *      BENCH_CLI=<entry.js> runs another CLI entry script in step b.
 *   e. ratios against the targets.
 * Children's wall time is measured here; peak RSS comes from /usr/bin/time -v when present, else from
 * polling /proc/<pid>/status (VmHWM). Figures only: the bench never fails on a missed target.
 * Temp files are deleted at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePlantCapture } from '../src/demo/plant.js';
import { benchImportCorpus } from '../src/feeds/bench.js';
import { hasCorpus, repoRoot } from '../src/testing/corpus.js';
import { benchMatch } from '../src/vuln/bench.js';

interface ChildRun {
  ok: boolean;
  wallS: number;
  peakRssBytes: number | null;
  /** Parsed last stdout line, when it is a JSON object. */
  stats: Record<string, number> | null;
  note: string;
}

const MiB = 1024 * 1024;
const TIME_BIN = '/usr/bin/time';
const hasGnuTime = existsSync(TIME_BIN) && spawnSync(TIME_BIN, ['-v', 'true']).status === 0;

function onPath(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function vmHwm(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Runs a command, measuring wall time and peak RSS; keeps the tail of stdout/stderr. */
function runChild(cmd: string, args: readonly string[]): Promise<ChildRun> {
  return new Promise((resolve) => {
    const argv = hasGnuTime ? ['-v', cmd, ...args] : [...args];
    const t0 = process.hrtime.bigint();
    const child = spawn(hasGnuTime ? TIME_BIN : cmd, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out = (out + d.toString('utf8')).slice(-65536);
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-65536);
    });
    let polled: number | null = null;
    const timer = hasGnuTime
      ? null
      : setInterval(() => {
          const v = child.pid ? vmHwm(child.pid) : null;
          if (v !== null) polled = Math.max(polled ?? 0, v);
        }, 20);
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      resolve({ ok: false, wallS: 0, peakRssBytes: null, stats: null, note: `cannot start: ${e.message}` });
    });
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      let peak = polled;
      if (hasGnuTime) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
        if (m) peak = Number(m[1]) * 1024;
        const st = /Command exited with non-zero status (\d+)/.exec(err);
        if (st) code = Number(st[1]);
      }
      const lines = out.trim().split('\n');
      let stats: Record<string, number> | null = null;
      try {
        const last = JSON.parse(lines[lines.length - 1] ?? '');
        if (last && typeof last === 'object') stats = last;
      } catch {
        stats = null;
      }
      const errTail = err
        .split('\n')
        .filter(
          (l) =>
            l.trim() &&
            !/^\s+(Command being timed|User time|System time|Percent|Elapsed|Average|Maximum|Major|Minor|Voluntary|Involuntary|Swaps|File system|Socket|Signals|Page size|Exit status)/.test(
              l,
            ),
        )
        .slice(-3)
        .join(' | ');
      resolve({ ok: code === 0, wallS, peakRssBytes: peak, stats, note: code === 0 ? '' : `exit ${code}: ${errTail}` });
    });
  });
}

/** Runs per timed step (BENCH_RUNS, default 3): each step reports its fastest run. */
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3) || 3);

/**
 * Best of RUNS: the fastest wall time (and that run's RSS and stats). `before` runs ahead of
 * each attempt (e.g. deleting the database, so every run does the same work).
 */
async function bestOf(cmd: string, args: readonly string[], before?: () => void): Promise<ChildRun> {
  let best: ChildRun | null = null;
  for (let i = 0; i < RUNS; i++) {
    before?.();
    const r = await runChild(cmd, args);
    if (!r.ok) return r;
    if (best === null || r.wallS < best.wallS) best = r;
  }
  return best as ChildRun;
}

interface Row {
  step: string;
  packets: number | null;
  seconds: number | null;
  rss: number | null;
  note: string;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const times = (n: number | null, digits: number) => (n === null ? '-' : `${n.toFixed(digits)}x`);
const fmt = (n: number | null, digits = 2) => (n === null || !Number.isFinite(n) ? '-' : n.toFixed(digits));

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function benchSize(dir: string, packets: number, tshark: boolean): Promise<void> {
  const file = join(dir, `plant-${packets}.pcap`);
  const db = join(dir, `plant-${packets}.db`);
  console.log(`\n== ${fmtInt(packets)} packets ==`);

  const t0 = process.hrtime.bigint();
  const gen = writePlantCapture(file, { packets });
  const genS = Number(process.hrtime.bigint() - t0) / 1e9;
  const fileBytes = gen.bytes;
  const rows: Row[] = [
    {
      step: 'generate (in process)',
      packets: gen.packets,
      seconds: genS,
      rss: process.resourceUsage().maxRSS * 1024,
      note: `${(fileBytes / 1e6).toFixed(0)} MB file, ${((fileBytes - 24) / gen.packets - 16).toFixed(1)} B/frame`,
    },
  ];

  // BENCH_CLI points the bench at another entry script (e.g. a build in another folder).
  const cli = process.env.BENCH_CLI ?? join(repoRoot, 'bin', 'plantwarden.js');
  let analyze: ChildRun | null = null;
  if (!existsSync(cli) || (!process.env.BENCH_CLI && !existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js')))) {
    rows.push({
      step: 'analyze',
      packets: null,
      seconds: null,
      rss: null,
      note: 'CLI missing (bin/plantwarden.js or dist/src/cli/main.js): run `npm run build`',
    });
  } else {
    const freshDb = () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
    };
    analyze = await bestOf(process.execPath, [cli, 'analyze', file, '--db', db, '--stats-json'], freshDb);
    const s = analyze.stats;
    const statsOk = analyze.ok && s !== null && typeof s.seconds === 'number';
    rows.push({
      step: `analyze (child wall, best of ${RUNS})`,
      packets: statsOk ? (s!.packets ?? null) : null,
      seconds: analyze.wallS,
      rss: analyze.peakRssBytes,
      note: analyze.ok ? (statsOk ? '' : 'no --stats-json line on stdout') : `failed: ${analyze.note}`,
    });
    if (statsOk)
      rows.push({
        step: 'analyze (own --stats-json)',
        packets: s!.packets ?? null,
        seconds: s!.seconds!,
        rss: s!.maxRssBytes ?? null,
        note: 'seconds = analysis wall time reported by the CLI',
      });
    if (!statsOk) analyze = null;
    // The same on one thread: what the second core buys (analyze uses two for files >= 8 MiB).
    const one = await bestOf(process.execPath, [cli, 'analyze', file, '--db', db, '--threads', '1'], freshDb);
    rows.push({
      step: `analyze --threads 1 (child wall)`,
      packets: null,
      seconds: one.ok ? one.wallS : null,
      rss: one.peakRssBytes,
      note: one.ok ? 'everything in one thread' : `failed: ${one.note}`,
    });
  }

  // BENCH_REF_CLI: a reference build (the core of issue 2, say) on the same capture, for the
  // "packets/s within 20% of the core" target of issue 3. See README.md for how to build one.
  let ref: ChildRun | null = null;
  const refCli = process.env.BENCH_REF_CLI;
  if (refCli) {
    const freshRefDb = () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}.ref${suffix}`, { force: true });
    };
    ref = await bestOf(process.execPath, [refCli, 'analyze', file, '--db', `${db}.ref`], freshRefDb);
    rows.push({
      step: `reference CLI (child wall)`,
      packets: null,
      seconds: ref.ok ? ref.wallS : null,
      rss: ref.peakRssBytes,
      note: ref.ok ? refCli : `failed: ${ref.note}`,
    });
    if (!ref.ok) ref = null;
  }

  const floorJs = join(dirname(fileURLToPath(import.meta.url)), 'floor.js');
  const fl = await bestOf(process.execPath, [floorJs, file]);
  rows.push({
    step: `floor (child wall, best of ${RUNS})`,
    packets: fl.stats?.packets ?? null,
    seconds: fl.wallS,
    rss: fl.peakRssBytes,
    note: fl.ok
      ? `${fl.stats?.flows ?? '?'} flows; own loop ${fmt(fl.stats?.seconds ?? null)} s`
      : `failed: ${fl.note}`,
  });

  let ts: ChildRun | null = null;
  if (tshark) {
    ts = await runChild('tshark', ['-q', '-z', 'conv,tcp', '-r', file]);
    rows.push({
      step: 'tshark -z conv,tcp',
      packets: null,
      seconds: ts.wallS,
      rss: ts.peakRssBytes,
      note: ts.ok ? '' : `failed: ${ts.note}`,
    });
    if (!ts.ok) ts = null;
  } else {
    rows.push({
      step: 'tshark -z conv,tcp',
      packets: null,
      seconds: null,
      rss: null,
      note: 'skipped: tshark not on PATH (or BENCH_SKIP_TSHARK=1)',
    });
  }

  printTable(
    ['step', 'seconds', 'packets/s', 'MB/s', 'peak RSS MiB', 'note'],
    rows.map((r) => [
      r.step,
      fmt(r.seconds, 3),
      r.seconds ? fmtInt(packets / r.seconds) : '-',
      r.seconds ? fmt(fileBytes / 1e6 / r.seconds, 1) : '-',
      r.rss === null ? '-' : fmt(r.rss / MiB, 0),
      r.note,
    ]),
  );

  const aS = analyze?.wallS ?? null;
  const ratio = (x: number | null, y: number | null) => (x !== null && y !== null && y > 0 ? x / y : null);
  const fS = fl.ok ? fl.wallS : null;
  const tS = ts?.wallS ?? null;
  const aRss = analyze?.peakRssBytes ?? analyze?.stats?.maxRssBytes ?? null;
  const targets: [string, string, string, boolean | null][] = [
    ['analyze / floor time', times(ratio(aS, fS), 2), '<= 2.5x', ratio(aS, fS) === null ? null : ratio(aS, fS)! <= 2.5],
    ['tshark / analyze time', times(ratio(tS, aS), 1), '>= 10x', ratio(tS, aS) === null ? null : ratio(tS, aS)! >= 10],
    ['analyze packets/s', aS ? fmtInt(packets / aS) : '-', '>= 1,000,000', aS ? packets / aS >= 1_000_000 : null],
    [
      'analyze / reference packets/s',
      ref && aS ? `${((ref.wallS / aS) * 100).toFixed(0)}%` : '-',
      '>= 80%',
      ref && aS ? ref.wallS / aS >= 0.8 : null,
    ],
    [
      'analyze peak RSS',
      aRss === null ? '-' : `${fmt(aRss / MiB, 0)} MiB`,
      '<= 256 MiB',
      aRss === null ? null : aRss <= 256 * MiB,
    ],
    ['generate packets/s', fmtInt(packets / genS), '>= 2,000,000', packets / genS >= 2_000_000],
  ];
  console.log('');
  printTable(
    ['ratio', 'value', 'target', 'within target'],
    targets.map(([n, v, t, ok]) => [n, v, t, ok === null ? 'n/a' : ok ? 'yes' : 'no']),
  );
  rmSync(file, { force: true });
  rmSync(db, { force: true });
  rmSync(`${db}-wal`, { force: true });
  rmSync(`${db}-shm`, { force: true });
}

async function main(): Promise<void> {
  const sizes = process.env.BENCH_SIZES
    ? process.env.BENCH_SIZES.split(',').map((s) => Number(s.replace(/_/g, '')))
    : process.env.BENCH_SKIP_8M === '1'
      ? [2_000_000]
      : [2_000_000, 8_000_000];
  const tshark = process.env.BENCH_SKIP_TSHARK !== '1' && onPath('tshark');
  console.log(
    `plantwarden bench: node ${process.version}, sizes ${sizes.map(fmtInt).join(', ')}, RSS via ${hasGnuTime ? '/usr/bin/time -v' : '/proc VmHWM polling'}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'plantwarden-bench-'));
  try {
    for (const n of sizes) await benchSize(dir, n, tshark);
    if (process.env.BENCH_SKIP_FEEDS !== '1') await benchFeeds(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Issue 4's targets: importing the whole corpus feed set (1,655 CSAF advisories, KEV, three
 * default-credential lists) in under a minute, and matching 10,000 assets against it in under 10 s.
 * Needs ../shared/corpus (skipped without it).
 */
async function benchFeeds(dir: string): Promise<void> {
  if (!hasCorpus) {
    console.log('\n== feeds: skipped (no ../shared/corpus) ==');
    return;
  }
  console.log('\n== feeds and vulnerability matching ==');
  const imp = await benchImportCorpus(join(dir, 'feeds.db'));
  const m = benchMatch(10_000);
  printTable(
    ['step', 'seconds', 'what', 'target', 'within target'],
    [
      [
        'import corpus feeds',
        fmt(imp.importMs / 1000, 2),
        `${fmtInt(imp.files)} files: ${fmtInt(imp.advisories)} advisories, ${fmtInt(imp.products)} products, ${fmtInt(imp.kev)} KEV, ${fmtInt(imp.defaultCredentials)} default credentials`,
        '< 60 s',
        imp.importMs < 60_000 ? 'yes' : 'no',
      ],
      [
        'match 10,000 assets',
        fmt(m.totalMs / 1000, 2),
        `${fmtInt(m.assets)} assets x ${fmtInt(m.products)} products: ${fmtInt(m.matches)} matches`,
        '< 10 s',
        m.totalMs < 10_000 ? 'yes' : 'no',
      ],
    ],
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
