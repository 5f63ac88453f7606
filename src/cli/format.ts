import { severityRank } from '../findings/engine.js';
import type { Severity } from '../findings/model.js';

/** Output helpers shared by the commands. Values that came from the network are data: sanitise them. */

/** Strip terminal control characters (C0, DEL, C1 — ESC sequences included) from a value for display. */
export function safe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '.');
}

export function fmtInt(n: number): string {
  // Not toLocaleString: its first call loads ICU's number formats, 12 ms of every command.
  const v = Math.round(n);
  if (!Number.isFinite(v)) return String(v);
  const digits = String(Math.abs(v));
  let out = '';
  for (let i = digits.length; i > 0; i -= 3) out = (i > 3 ? ',' : '') + digits.slice(Math.max(0, i - 3), i) + out;
  return v < 0 ? `-${out}` : out;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtTime(us: number): string {
  if (!us) return '-';
  return new Date(Math.floor(us / 1000))
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** A plain text table: header row, rule, rows; columns padded to the widest cell (capped). */
export function table(headers: string[], rows: string[][], maxWidth = 40): string {
  const cells = rows.map((r) => r.map((c) => clip(safe(c), maxWidth)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * One CSV field (RFC 4180 quoting). Values starting with = + - @ are prefixed with an apostrophe
 * so a spreadsheet never evaluates a name that came from the network as a formula.
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: (string | number | boolean | null | undefined)[]): string {
  return values.map(csvField).join(',');
}

/**
 * The record whose id is `id`, or the only one whose id starts with it (at least `minPrefix`
 * hex digits). Errors name the kind of record (`noun`) and the command that lists them.
 */
export function pickById<T extends { id: string }>(
  id: string,
  all: readonly T[],
  noun: string,
  listing: string,
  minPrefix = 6,
): T {
  const q = id.trim().toLowerCase();
  const exact = all.find((r) => r.id === q);
  if (exact) return exact;
  if (q.length >= minPrefix && /^[0-9a-f]+$/.test(q)) {
    const m = all.filter((r) => r.id.startsWith(q));
    if (m.length === 1) return m[0] as T;
    if (m.length > 1) throw new Error(`${noun} id '${safe(id)}' is ambiguous (${m.length} ${noun}s start with it)`);
  }
  throw new Error(`no ${noun} with id '${safe(id)}' (see \`${listing}\`)`);
}

/** The records at `floor` severity or worse (all of them without a floor). */
export function atLeast<T extends { severity: Severity }>(list: T[], floor: Severity | undefined): T[] {
  if (floor === undefined) return list;
  const max = severityRank(floor);
  return list.filter((r) => severityRank(r.severity) <= max);
}
