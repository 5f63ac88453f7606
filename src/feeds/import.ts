import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeedsRepository } from '../store/feeds-repository.js';
import { type ArchiveLimits, archiveKind, DEFAULT_ARCHIVE_LIMITS, readArchive } from './archive.js';
import { isCsaf, parseCsaf } from './csaf.js';
import { parseCsv } from './csv.js';
import { detectCredentialLayout, parseDefaultCredentials } from './default-creds.js';
import { isKevHeader, isKevJson, parseKevCsv, parseKevJson } from './kev.js';
import type { Advisory, DefaultCredential, FeedSource, KevEntry } from './model.js';
import { FeedError, type FeedProblem } from './problems.js';

/**
 * `importFeeds`: files, directory trees and archives -> the feeds store. Files are recognised
 * by content, never by name:
 * - JSON with `document.csaf_version`: a CSAF 2.0 advisory.
 * - JSON with a `vulnerabilities` list and `catalogVersion` (or a "Known Exploited" title): CISA KEV.
 * - CSV whose header has `cveID` and `dateAdded`: CISA KEV.
 * - CSV whose header is a default-credential layout (see default-creds.ts).
 * - zip, tar, tar.gz, gzip: each member is recognised the same way (archives inside archives
 *   are not opened).
 * Anything else is skipped with a reason. Each file (or member) is one `FeedSource` whose id is
 * the sha256 of its bytes: the same bytes twice (in one run or a later one) are skipped.
 *
 * Errors never stop the import: a file that cannot be read or parsed lands in `errors` with its
 * place (JSON pointer, CSV line); problems inside a file that was still imported (one bad
 * vulnerability or CSV row) land in `warnings`. Sizes are bounded: files over `maxFileBytes`
 * are skipped, archives are limited by `archiveLimits`.
 */
export interface ImportOptions {
  /** Largest feed file read (default 64 MiB). */
  maxFileBytes?: number;
  /** Largest archive read (default 512 MiB). */
  maxArchiveBytes?: number;
  archiveLimits?: ArchiveLimits;
  /** Most files visited in directory trees (default 200,000). */
  maxFiles?: number;
  /** Clock for `importedAt` (tests). */
  now?: () => Date;
  /** Called after each file or member, for progress output. */
  onFile?: (event: ImportEvent) => void;
}

export type ImportEvent =
  | { type: 'imported'; source: FeedSource; label: string; warnings: number }
  | { type: 'skipped'; path: string; reason: string }
  | { type: 'error'; path: string; where: string; message: string };

export interface ImportResult {
  imported: FeedSource[];
  skipped: { path: string; reason: string }[];
  errors: { path: string; where: string; message: string }[];
  /** Problems inside files that were imported nonetheless (a bad record, an unreadable date). */
  warnings: { path: string; where: string; message: string }[];
  /** Version texts of advisory products that gave no range (such products match by name only). */
  unparsedVersions: number;
}

const MAX_DEPTH = 32;

interface Parsed {
  kind: FeedSource['kind'];
  documentDate: string | null;
  records: { advisories?: Advisory[]; kev?: KevEntry[]; defaultCredentials?: DefaultCredential[] };
  count: number;
  label: string;
  problems: FeedProblem[];
  unparsed: number;
}

/** Recognise and parse one file's bytes. Null = not a feed file (with the reason). Throws FeedError. */
export function parseFeedBytes(data: Uint8Array): Parsed | { skip: string } {
  let text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const head = text.slice(0, 4096).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new FeedError(
        jsonPlace(text, e),
        `invalid JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      );
    }
    if (isCsaf(doc)) {
      const r = parseCsaf(doc);
      const a = r.advisory;
      return {
        kind: 'csaf',
        documentDate: a.updated ?? a.published,
        records: { advisories: [a] },
        count: 1,
        label: `advisory ${a.id} (${a.products.length} products, ${a.cves.length} CVEs)`,
        problems: r.problems,
        unparsed: r.unparsed.length,
      };
    }
    if (isKevJson(doc)) {
      const r = parseKevJson(doc);
      return {
        kind: 'kev',
        documentDate: r.documentDate,
        records: { kev: r.entries },
        count: r.entries.length,
        label: `KEV catalogue${r.catalogVersion ? ` ${r.catalogVersion}` : ''} (${r.entries.length} entries)`,
        problems: r.problems,
        unparsed: 0,
      };
    }
    return { skip: 'JSON, but neither a CSAF 2.0 advisory nor the KEV catalogue' };
  }
  if (text.includes('\0')) return { skip: 'binary, not a feed file' };
  const first = parseCsv(text.slice(0, 64 * 1024), { maxRecords: 50 }).records;
  const header = first.find(
    (r) => r.fields.some((f) => f.trim() !== '') && !(r.fields[0] ?? '').trimStart().startsWith('#'),
  );
  if (header !== undefined && isKevHeader(header.fields)) {
    const r = parseKevCsv(text);
    return {
      kind: 'kev',
      documentDate: r.documentDate,
      records: { kev: r.entries },
      count: r.entries.length,
      label: `KEV catalogue CSV (${r.entries.length} entries)`,
      problems: r.problems,
      unparsed: 0,
    };
  }
  if (detectCredentialLayout(first) !== null) {
    const r = parseDefaultCredentials(text);
    return {
      kind: 'default-credentials',
      documentDate: null,
      records: { defaultCredentials: r.credentials },
      count: r.credentials.length,
      label: `default credentials, ${r.layout} layout (${r.credentials.length} entries)`,
      problems: r.problems,
      unparsed: 0,
    };
  }
  return { skip: 'not a feed file (CSAF advisory, KEV catalogue or default-credential CSV)' };
}

/** "line L column C" of a JSON syntax error (Node 20's messages do not always give a position). */
function jsonPlace(text: string, e: unknown): string {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  const pos = m ? Number(m[1]) : jsonErrorOffset(text);
  if (pos < 0) return '';
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line} column ${col}`;
}

/**
 * Offset of the first JSON syntax error, by an iterative scan (no recursion, so deep nesting
 * cannot overflow the stack); -1 if none is found. Only called after JSON.parse failed.
 */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const stack: ('{' | '[')[] = [];
  // What may come next: a value, an object key, or a ',' / closing bracket.
  let want: 'value' | 'key' | 'after' | 'colon' = 'value';
  const ws = () => {
    while (i < s.length && /[ \t\n\r]/.test(s[i] as string)) i++;
  };
  const string = (): boolean => {
    i++;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const n = s[i + 1] ?? '';
        if (n === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return false;
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(n) || n === '') return false;
        i += 2;
        continue;
      }
      i++;
    }
    return false;
  };
  for (;;) {
    ws();
    if (i >= s.length) return want === 'after' && stack.length === 0 ? -1 : i;
    const c = s[i] as string;
    if (want === 'value') {
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        ws();
        if (s[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          want = 'after';
        } else want = c === '{' ? 'key' : 'value';
        continue;
      }
      if (c === '"') {
        if (!string()) return i;
        want = 'after';
        continue;
      }
      const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(s.slice(i, i + 400));
      if (!lit) return i;
      i += lit[0].length;
      want = 'after';
      continue;
    }
    if (want === 'key') {
      if (c !== '"' || !string()) return i;
      want = 'colon';
      continue;
    }
    if (want === 'colon') {
      if (c !== ':') return i;
      i++;
      want = 'value';
      continue;
    }
    // after a value
    const top = stack[stack.length - 1];
    if (top === undefined) return i;
    if (c === ',') {
      i++;
      want = top === '{' ? 'key' : 'value';
      continue;
    }
    if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
      stack.pop();
      i++;
      continue;
    }
    return i;
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function importFeeds(
  paths: string[],
  repo: FeedsRepository,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const maxFileBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
  const maxArchiveBytes = opts.maxArchiveBytes ?? 512 * 1024 * 1024;
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxMemberBytes: maxFileBytes, ...opts.archiveLimits };
  const maxFiles = opts.maxFiles ?? 200_000;
  const now = opts.now ?? (() => new Date());
  const result: ImportResult = { imported: [], skipped: [], errors: [], warnings: [], unparsedVersions: 0 };
  const seenThisRun = new Map<string, string>();
  let files = 0;

  const skip = (path: string, reason: string) => {
    result.skipped.push({ path, reason });
    opts.onFile?.({ type: 'skipped', path, reason });
  };
  const fail = (path: string, where: string, message: string) => {
    result.errors.push({ path, where, message });
    opts.onFile?.({ type: 'error', path, where, message });
  };

  const handleBytes = async (path: string, data: Uint8Array) => {
    const id = sha256(data);
    const earlier = seenThisRun.get(id);
    if (earlier !== undefined) return skip(path, `same content as ${earlier}`);
    seenThisRun.set(id, path);
    if (await repo.hasSource(id)) return skip(path, 'already imported');
    let parsed: ReturnType<typeof parseFeedBytes>;
    try {
      parsed = parseFeedBytes(data);
    } catch (e) {
      if (e instanceof FeedError) return fail(path, e.where, e.message);
      return fail(path, '', e instanceof Error ? e.message : String(e));
    }
    if ('skip' in parsed) return skip(path, parsed.skip);
    const source: FeedSource = {
      id,
      kind: parsed.kind,
      path,
      importedAt: now().toISOString(),
      documentDate: parsed.documentDate,
      records: parsed.count,
    };
    try {
      await repo.importSource(source, parsed.records);
    } catch (e) {
      return fail(path, '', `cannot store: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    result.imported.push(source);
    result.unparsedVersions += parsed.unparsed;
    for (const p of parsed.problems) result.warnings.push({ path, where: p.where, message: p.message });
    opts.onFile?.({ type: 'imported', source, label: parsed.label, warnings: parsed.problems.length });
  };

  const handleFile = async (path: string, size: number) => {
    if (++files > maxFiles) {
      if (files === maxFiles + 1) fail(path, '', `more than ${maxFiles} files; the rest were not read`);
      return;
    }
    if (size > Math.max(maxFileBytes, maxArchiveBytes))
      return skip(path, `larger than ${Math.max(maxFileBytes, maxArchiveBytes)} bytes`);
    let data: Uint8Array;
    try {
      data = await readFile(path);
    } catch (e) {
      return fail(path, '', `cannot read: ${reason(e)}`);
    }
    const archive = readArchive(data, path, limits);
    if (archive === null) {
      if (data.length > maxFileBytes) return skip(path, `larger than ${maxFileBytes} bytes`);
      return handleBytes(path, data);
    }
    for (const p of archive.problems) fail(p.where === '' ? path : `${path}!${p.where}`, '', p.message);
    for (const m of archive.members) {
      const label = `${path}!${m.path}`;
      if (archiveKind(m.data) !== null) {
        skip(label, 'archive inside an archive (unpack it first)');
        continue;
      }
      await handleBytes(label, m.data);
    }
  };

  const walk = async (path: string, depth: number) => {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = depth === 0 ? await stat(path) : await lstat(path);
    } catch (e) {
      return fail(path, '', `cannot read: ${reason(e)}`);
    }
    if (st.isSymbolicLink()) {
      // Inside a tree, follow links to files but never into directories (no loops).
      try {
        const target = await stat(path);
        if (target.isFile()) return handleFile(path, target.size);
      } catch {
        // dangling link
      }
      return skip(path, 'symbolic link not followed');
    }
    if (st.isDirectory()) {
      if (depth >= MAX_DEPTH) return skip(path, `directory deeper than ${MAX_DEPTH} levels`);
      let names: string[];
      try {
        names = (await readdir(path)).sort();
      } catch (e) {
        return fail(path, '', `cannot read directory: ${reason(e)}`);
      }
      for (const n of names) {
        if (files > maxFiles) return;
        await walk(join(path, n), depth + 1);
      }
      return;
    }
    if (!st.isFile()) return skip(path, 'not a regular file');
    return handleFile(path, st.size);
  };

  for (const p of paths) await walk(p, 0);
  return result;
}

function reason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? (e.message.split('\n')[0] as string) : String(e);
}
