import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { Kysely } from 'kysely';
import { buildPlantExport, PLANT_EXPORT_COLUMNS, plantExportRecord } from '../inventory/plant-export.js';
import {
  MAX_FILE_BYTES,
  matchPlantRows,
  type PlantImportIssue,
  type PlantMatchKey,
  parsePlantInventory,
} from '../inventory/plant-import.js';
import { KyselyPlantRepository } from '../store/kysely-plant-repository.js';
import { defaultDbPath, openStore, type Store } from '../store/open.js';
import type { PlantDatabase } from '../store/schema-plant.js';
import { csvRow, safe } from './format.js';

type Out = (line: string) => void;

/** Lines of notes and bad rows printed before "and N more". */
const MAX_LISTED = 20;

export interface PlantImportSummary {
  file: string;
  source: string;
  format: 'csv' | 'json';
  imported: number;
  matched: Record<PlantMatchKey, number>;
  notSeen: { row: number; name: string; ip: string | null; mac: string | null; note: string | null }[];
  columns: { header: string; field: string | null }[];
  errors: PlantImportIssue[];
  warnings: PlantImportIssue[];
}

function plantRepository(store: Store): KyselyPlantRepository {
  return new KyselyPlantRepository(store.db as unknown as Kysely<PlantDatabase>);
}

function readError(file: string, e: unknown): Error {
  const code = (e as { code?: string }).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : e instanceof Error
            ? e.message
            : String(e);
  return new Error(`cannot read '${safe(file)}': ${why}`);
}

/**
 * `plantwarden assets import <file>`: read the plant's inventory, match its rows to the
 * observed assets and replace the stored plant inventory with it. Bad rows are reported on
 * standard error (file and line or JSON pointer) and skipped; with `strict` any bad row stops
 * the import. Throws (one line) when the file is unusable or no row is left.
 */
export async function plantImportCommand(
  file: string,
  opts: { db: string; json?: boolean; strict?: boolean },
  out: Out = console.log,
  err: Out = (line) => process.stderr.write(`${line}\n`),
): Promise<PlantImportSummary> {
  const name = safe(basename(file));
  let data: Buffer;
  try {
    const st = await stat(file);
    if (st.isFile() && st.size > MAX_FILE_BYTES) {
      throw new Error(`${name}: ${st.size} bytes is more than a plant inventory can be (${MAX_FILE_BYTES})`);
    }
    data = await readFile(file);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${name}: `)) throw e;
    throw readError(file, e);
  }
  const parsed = parsePlantInventory(data, name);
  const shown = parsed.errors.slice(0, MAX_LISTED);
  for (const e of shown) err(`plantwarden: ${name} ${e.place}: ${safe(e.message)}`);
  if (parsed.errors.length > shown.length)
    err(`plantwarden: ${name}: and ${parsed.errors.length - shown.length} more bad rows`);
  if (parsed.rows.length === 0) {
    throw new Error(
      parsed.errors.length > 0
        ? `${name}: no row could be imported (${parsed.errors.length} bad row${parsed.errors.length === 1 ? '' : 's'}); the stored plant inventory is unchanged`
        : `${name}: no device rows under the header; the stored plant inventory is unchanged`,
    );
  }
  if (opts.strict && parsed.errors.length > 0) {
    throw new Error(
      `${name}: ${parsed.errors.length} bad row${parsed.errors.length === 1 ? '' : 's'} and --strict: nothing imported`,
    );
  }

  const source = `${basename(file)} sha256:${createHash('sha256').update(data).digest('hex')}`;
  const store = await openStore(opts.db);
  let summary: PlantImportSummary;
  try {
    const matches = matchPlantRows(parsed.rows, await store.listAssets());
    await plantRepository(store).replacePlantInventory(
      matches.map((m) => m.row),
      source,
    );
    const matched: Record<PlantMatchKey, number> = { mac: 0, ip: 0, serial: 0, name: 0 };
    for (const m of matches) if (m.by !== null) matched[m.by]++;
    summary = {
      file,
      source,
      format: parsed.format,
      imported: parsed.rows.length,
      matched,
      notSeen: matches
        .filter((m) => m.by === null)
        .map((m) => ({ row: m.row.row, name: m.row.name, ip: m.row.ip, mac: m.row.mac, note: m.note })),
      columns: parsed.columns,
      errors: parsed.errors,
      warnings: parsed.warnings,
    };
  } finally {
    await store.close();
  }

  if (opts.json) {
    out(JSON.stringify(summary, null, 2));
    return summary;
  }
  const cols = parsed.columns
    .filter((c) => c.header !== '')
    .map((c) => `'${safe(c.header)}' -> ${c.field ?? 'ignored'}`)
    .join(', ');
  out(`${name}: ${parsed.format}, columns ${cols}`);
  const notes = parsed.warnings.slice(0, MAX_LISTED);
  for (const w of notes) out(`  note: ${w.place}: ${safe(w.message)}`);
  if (parsed.warnings.length > notes.length) out(`  note: and ${parsed.warnings.length - notes.length} more`);
  const total = Object.values(summary.matched).reduce((a, b) => a + b, 0);
  const by = (Object.entries(summary.matched) as [PlantMatchKey, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} by ${k === 'ip' ? 'IP' : k === 'mac' ? 'MAC' : k}`)
    .join(', ');
  out(
    `Imported ${summary.imported} row${summary.imported === 1 ? '' : 's'}` +
      (parsed.errors.length > 0
        ? ` (${parsed.errors.length} bad row${parsed.errors.length === 1 ? '' : 's'} skipped)`
        : '') +
      `; ${total} matched to observed assets${by ? ` (${by})` : ''}, ${summary.notSeen.length} not seen.`,
  );
  const unseen = summary.notSeen.slice(0, MAX_LISTED);
  for (const n of unseen) {
    const label = [n.name ? `'${safe(n.name)}'` : '', n.ip ?? n.mac ?? ''].filter((s) => s !== '').join(' ');
    out(`  not seen: row ${n.row} ${label}${n.note ? ` (${safe(n.note)})` : ''}`);
  }
  if (summary.notSeen.length > unseen.length) out(`  not seen: and ${summary.notSeen.length - unseen.length} more`);
  out(`The plant inventory in ${safe(opts.db)} now holds ${summary.imported} rows from ${safe(source)}.`);
  return summary;
}

export type PlantExportFormat = 'csv' | 'json';

/**
 * `plantwarden assets export`: the plant inventory layout back, one row per listed device and
 * per observed asset, with `source_<field>` columns. Writes to `out` (a file) or standard output.
 * Returns the number of rows.
 */
export async function plantExportCommand(
  opts: { db: string; format?: PlantExportFormat; out?: string },
  print: Out = console.log,
): Promise<number> {
  const format: PlantExportFormat =
    opts.format ?? (opts.out && extname(opts.out).toLowerCase() === '.json' ? 'json' : 'csv');
  const store = await openStore(opts.db);
  let text: string;
  let count: number;
  try {
    const rows = buildPlantExport(await store.listAssets(), await plantRepository(store).listPlantInventory());
    count = rows.length;
    const records = rows.map(plantExportRecord);
    text =
      format === 'json'
        ? `${JSON.stringify(records, null, 2)}\n`
        : `${[csvRow([...PLANT_EXPORT_COLUMNS]), ...records.map((r) => csvRow(PLANT_EXPORT_COLUMNS.map((c) => r[c])))].join('\r\n')}\r\n`;
  } finally {
    await store.close();
  }
  if (opts.out === undefined || opts.out === '-') {
    print(text.replace(/\r?\n$/, ''));
    return count;
  }
  try {
    await writeFile(opts.out, text);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(
      `cannot write '${safe(opts.out)}': ${code === 'ENOENT' ? 'directory does not exist' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e)}`,
    );
  }
  print(`Wrote ${count} row${count === 1 ? '' : 's'} (${format}) to ${safe(opts.out)}.`);
  return count;
}

function formatArg(v: string): PlantExportFormat {
  const f = v.toLowerCase();
  if (f !== 'csv' && f !== 'json') throw new InvalidArgumentError("expected 'csv' or 'json'");
  return f;
}

/**
 * Wires `assets import <file>` and `assets export` into `program`, under its existing `assets`
 * command (created if there is none). The parent's options (`--db`, `--json`) are parsed
 * wherever they appear, also after the subcommand name, so the actions read them merged.
 */
export function registerPlantCommands(program: Command): void {
  const assets =
    program.commands.find((c) => c.name() === 'assets') ?? program.command('assets').description('the asset inventory');
  const dbOf = (cmd: Command): string => {
    const own = cmd.getOptionValueSource('db') === 'cli' ? (cmd.opts().db as string) : undefined;
    return own ?? (cmd.parent?.opts().db as string | undefined) ?? defaultDbPath();
  };

  assets
    .command('import')
    .description(
      "import the plant's own inventory (a spreadsheet saved as CSV, or JSON) and match it to the observed assets; replaces the previous import",
    )
    .argument(
      '<file>',
      'CSV or JSON file: name, IP, MAC, vendor, model/order number, firmware, serial, location, zone, criticality, owner',
    )
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .option('--json', 'print the result as JSON')
    .option('--strict', 'import nothing if any row is bad')
    .action(async (file: string, o: { json?: boolean; strict?: boolean }, cmd: Command) => {
      const json = o.json ?? (cmd.parent?.opts().json as boolean | undefined);
      await plantImportCommand(file, { db: dbOf(cmd), json, strict: o.strict });
    });

  assets
    .command('export')
    .description(
      "write the plant inventory layout back: the plant's values where it lists them, else the observed ones, with source_<field> columns",
    )
    .option('--format <csv|json>', 'output format (default: from --out, else csv)', formatArg)
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .action(async (o: { format?: PlantExportFormat; out?: string }, cmd: Command) => {
      await plantExportCommand({ db: dbOf(cmd), format: o.format, out: o.out });
    });
}
