import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { defaultDbPath } from '../store/open.js';
import { registerAlertsCommands } from './alerts.js';
import { analyzeCommand } from './analyze.js';
import { assetCommand, assetsCommand } from './assets.js';
import { registerBaselineCommands } from './baseline.js';
import { demoCommand } from './demo.js';
import { registerFeedsCommands } from './feeds.js';
import { registerFindingsCommands } from './findings.js';
import { registerForwardCommands } from './forward.js';
import { registerPlantCommands } from './plant.js';
import { registerZonesCommands } from './zones.js';

const VERSION = '0.1.0';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 1e9) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

/** Runs the CLI; resolves to the exit code. Errors print one clear line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('plantwarden')
    .description('Passive asset inventory and security monitoring for industrial networks')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  const dbOption = (c: Command) => c.option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath());

  dbOption(
    program
      .command('analyze')
      .description('analyse capture files (pcap, pcapng, gzip-compressed; - for standard input) into the inventory')
      .argument('<capture...>', 'capture files')
      .option('-q, --quiet', 'print nothing but errors')
      .option('--no-progress', 'no progress bar')
      .option('--stats-json', 'print a JSON line with packets, bytes, seconds and peak memory at the end')
      .option('--no-checks', 'do not run the finding checks after the analysis')
      .option('--zones <file>', 'zone file (YAML): zones, conduits and engineering stations for the detection rules')
      .option('--no-detect', 'do not run the detection rules (no alerts, nothing learned)')
      .addOption(
        new Option('--threads <n>', 'read and decode in a second thread (auto: files of 64 MiB or more)')
          .choices(['1', '2', 'auto'])
          .default('auto'),
      )
      .option(
        '--forward <url...>',
        'forward new alerts: cef+udp://host:port, syslog+tcp|tls://..., jsonl:///file, https://webhook',
      ),
  ).action(async (captures: string[], o) => {
    code = await analyzeCommand(captures, {
      db: o.db,
      quiet: o.quiet,
      progress: o.progress,
      statsJson: o.statsJson,
      checks: o.checks,
      detect: o.detect,
      threads: o.threads === 'auto' ? 'auto' : o.threads === '1' ? 1 : 2,
      ...(o.zones !== undefined ? { zones: o.zones } : {}),
      ...(o.forward !== undefined ? { forward: o.forward as string[] } : {}),
    });
  });

  dbOption(
    program
      .command('assets')
      .description('list the asset inventory')
      .option('--json', 'JSON output')
      .option('--csv', 'CSV output'),
  ).action(async (o) => {
    code = await assetsCommand({ db: o.db, json: o.json, csv: o.csv });
  });

  dbOption(
    program
      .command('asset')
      .description('show one asset with every fact and its evidence')
      .argument('<ip|mac|key>', 'an IP address, a MAC address or an asset key')
      .option('--json', 'JSON output'),
  ).action(async (query: string, o) => {
    code = await assetCommand(query, { db: o.db, json: o.json });
  });

  // Attaches `assets import|export` to the `assets` command above.
  registerPlantCommands(program);
  registerFeedsCommands(program);
  registerFindingsCommands(program);
  registerAlertsCommands(program);
  registerForwardCommands(program);
  registerBaselineCommands(program);
  registerZonesCommands(program);

  program
    .command('demo')
    .description(
      "generate two days of the demo factory's traffic, learn on the first, and show the inventory, findings and alerts of the second",
    )
    .option(
      '--out <file>',
      'base name of the demo files (<out>-day1.pcap, <out>-day2.pcap, <out>-zones.yaml)',
      'plantwarden-demo.pcap',
    )
    .option('--db <file>', 'database for the demo (recreated)', 'plantwarden-demo.db')
    .option('--packets <n>', 'packets to generate', positiveInt, 20_000)
    .action(async (o) => {
      code = await demoCommand({ out: o.out, db: o.db, packets: o.packets });
    });

  // Some commands report failure through process.exitCode: collect it, and leave the global as
  // it was (main also runs in-process, in tests).
  const exitBefore = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
    const sub = Number(process.exitCode ?? 0);
    if (code === 0 && sub !== 0) code = sub;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; usage errors were already printed by commander.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    }
    process.stderr.write(`plantwarden: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.exitCode = exitBefore;
  }
  return code;
}
