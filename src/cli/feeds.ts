import type { Command } from 'commander';
import { importFeeds } from '../feeds/import.js';
import type { FeedSource } from '../feeds/model.js';
import { KyselyFeedsRepository } from '../store/kysely-feeds-repository.js';
import { defaultDbPath, openStore } from '../store/open.js';
import { fmtInt, safe, table } from './format.js';

type Out = (line: string) => void;

/** Warnings listed one by one before the rest are only counted. */
const MAX_WARNINGS_SHOWN = 20;

/**
 * `plantwarden feeds import <path...>`: import CSAF advisories, the KEV catalogue and
 * default-credential lists (files, directories, zip/tar.gz archives) into the store. One line
 * per file: imported / skipped (with why) / failed (with the place). Exit code 1 only if nothing
 * could be imported (a re-run where every file is already imported exits 0).
 */
export async function feedsImportCommand(
  paths: string[],
  opts: { db: string; json?: boolean; quiet?: boolean },
  out: Out = console.log,
): Promise<number> {
  const store = await openStore(opts.db);
  try {
    const repo = KyselyFeedsRepository.over(store.db);
    const where = (w: string) => (w === '' ? '' : ` at ${safe(w)}`);
    const r = await importFeeds(paths, repo, {
      onFile: opts.json
        ? undefined
        : (e) => {
            if (e.type === 'imported' && !opts.quiet) {
              const w = e.warnings > 0 ? ` (${e.warnings} warning${e.warnings === 1 ? '' : 's'})` : '';
              out(`imported  ${safe(e.source.path)}: ${safe(e.label)}${w}`);
            } else if (e.type === 'skipped' && !opts.quiet) out(`skipped   ${safe(e.path)}: ${safe(e.reason)}`);
            else if (e.type === 'error') out(`failed    ${safe(e.path)}${where(e.where)}: ${safe(e.message)}`);
          },
    });
    if (opts.json) out(JSON.stringify(r, null, 2));
    else {
      for (const w of r.warnings.slice(0, MAX_WARNINGS_SHOWN))
        out(`warning   ${safe(w.path)}${where(w.where)}: ${safe(w.message)}`);
      if (r.warnings.length > MAX_WARNINGS_SHOWN) {
        out(
          `          ... and ${fmtInt(r.warnings.length - MAX_WARNINGS_SHOWN)} more warnings (--json lists them all)`,
        );
      }
      out(importSummary(r.imported, r.skipped.length, r.errors.length));
      if (r.unparsedVersions > 0) {
        out(
          `${fmtInt(r.unparsedVersions)} advisory product version texts were not understood; those products match by name only.`,
        );
      }
    }
    const nothingNew =
      r.imported.length === 0 &&
      !r.skipped.some((s) => s.reason === 'already imported' || s.reason.startsWith('same content'));
    if (nothingNew) {
      if (!opts.json) out('Nothing could be imported.');
      return 1;
    }
    return 0;
  } finally {
    await store.close();
  }
}

function importSummary(imported: FeedSource[], skipped: number, failed: number): string {
  const n = (k: FeedSource['kind']) => imported.filter((s) => s.kind === k);
  const records = (list: FeedSource[]) => list.reduce((a, s) => a + s.records, 0);
  const parts: string[] = [];
  if (n('csaf').length > 0) parts.push(`${fmtInt(n('csaf').length)} advisories`);
  if (n('kev').length > 0)
    parts.push(
      `KEV ${fmtInt(records(n('kev')))} entries from ${n('kev').length} file${n('kev').length === 1 ? '' : 's'}`,
    );
  const dc = n('default-credentials');
  if (dc.length > 0)
    parts.push(`${fmtInt(records(dc))} default credentials from ${dc.length} list${dc.length === 1 ? '' : 's'}`);
  return `Imported ${fmtInt(imported.length)} file${imported.length === 1 ? '' : 's'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}; skipped ${fmtInt(skipped)}, failed ${fmtInt(failed)}.`;
}

/** `plantwarden feeds [--json]`: what is loaded, with counts and dates. */
export async function feedsCommand(opts: { db: string; json?: boolean }, out: Out = console.log): Promise<number> {
  const store = await openStore(opts.db);
  try {
    const repo = KyselyFeedsRepository.over(store.db);
    const summary = await repo.summary();
    const sources = await repo.listSources();
    const byKind = (['csaf', 'kev', 'default-credentials'] as const).map((kind) => {
      const list = sources.filter((s) => s.kind === kind);
      const dates = list.map((s) => s.documentDate).filter((d): d is string => d !== null);
      const imported = list.map((s) => s.importedAt);
      return {
        kind,
        files: list.length,
        records: list.reduce((a, s) => a + s.records, 0),
        newestDocument: dates.sort().at(-1) ?? null,
        lastImported: imported.sort().at(-1) ?? null,
      };
    });
    if (opts.json) {
      out(JSON.stringify({ summary, kinds: byKind, sources }, null, 2));
      return 0;
    }
    if (sources.length === 0) {
      out(
        'No feeds loaded. Run `plantwarden feeds import <path...>` with CSAF advisories, the KEV catalogue or default-credential lists.',
      );
      return 0;
    }
    const day = (d: string | null) => (d === null ? '-' : d.slice(0, 10));
    const k = (kind: string) => byKind.find((b) => b.kind === kind) as (typeof byKind)[number];
    out(
      table(
        ['FEED', 'FILES', 'CONTENT', 'NEWEST', 'IMPORTED'],
        [
          [
            'CSAF advisories',
            fmtInt(k('csaf').files),
            `${fmtInt(summary.advisories)} advisories, ${fmtInt(summary.products)} products, ${fmtInt(summary.cves)} CVEs`,
            day(k('csaf').newestDocument),
            day(k('csaf').lastImported),
          ],
          [
            'CISA KEV',
            fmtInt(k('kev').files),
            `${fmtInt(summary.kev)} exploited CVEs`,
            day(k('kev').newestDocument),
            day(k('kev').lastImported),
          ],
          [
            'Default credentials',
            fmtInt(k('default-credentials').files),
            `${fmtInt(summary.defaultCredentials)} credentials`,
            '-',
            day(k('default-credentials').lastImported),
          ],
        ],
        80,
      ),
    );
    out(`Newest document: ${day(summary.newest)}`);
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * Registers `feeds` (list; also `feeds list`) and `feeds import <path...>`. The list is the
 * default subcommand rather than an action of `feeds` itself: options on `feeds` would swallow
 * the `--db` and `--json` given after `import` (commander parses parent options anywhere).
 */
export function registerFeedsCommands(program: Command): void {
  const feeds = program
    .command('feeds')
    .description('list the imported feeds (CSAF advisories, CISA KEV, default credentials), or import them');
  feeds
    .command('list', { isDefault: true })
    .description('what is loaded, with counts and dates (the default)')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .option('--json', 'JSON output')
    .action(async (o: { db: string; json?: boolean }) => {
      process.exitCode = await feedsCommand({ db: o.db, json: o.json });
    });
  feeds
    .command('import')
    .description('import feed files, directories or zip/tar.gz archives (recognised by content; nothing is fetched)')
    .argument('<path...>', 'files, directories or archives')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .option('--json', 'print the import result as JSON')
    .option('-q, --quiet', 'print only failures, warnings and the summary')
    .action(async (paths: string[], o: { db: string; json?: boolean; quiet?: boolean }) => {
      process.exitCode = await feedsImportCommand(paths, { db: o.db, json: o.json, quiet: o.quiet });
    });
}
