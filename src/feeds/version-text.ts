import type { VersionRange } from './model.js';

/**
 * Version constraints as advisories write them, to `VersionRange`. Pure functions, no I/O.
 *
 * Two sources:
 * - CSAF `vers:` strings (the VERS spec used by CSAF 2.0 `product_version_range`):
 *   `vers:<scheme>/<constraint>|<constraint>...`, each constraint `[>=|<=|>|<|=|!=]version`,
 *   `*` for every version. Consecutive lower and upper bounds pair into one interval; `!=`
 *   cannot be expressed as a range and is dropped. CISA writes `vers:all/<V4.4`.
 * - Free text vendors use in `product_version` / `product_version_range` and in product names:
 *   "All versions", "prior to V2.9.4", "< V4.5 SP1", "<= 4.1", "1.9.62 and prior",
 *   "versions 2.0 through 2.3", "V3.x", ">= 1.0 | <= 1.32", "All versions < V8.01".
 *
 * Version strings in the result are normalised only lightly, so the matcher (src/vuln) keeps
 * the vendor's meaning: whitespace collapsed, a `V`/`v`/`Version`/`FW`/`Rev` prefix in front
 * of a digit removed ("V2.9.4" -> "2.9.4", "Rev 4.3" -> "4.3"), trailing punctuation dropped;
 * suffixes stay ("4.5 SP1", "17 Update 2", "1.94Y", "R6.01.00"). A wildcard `3.x` / `12.2.*`
 * becomes the interval [3, 4) / [12.2, 12.3). Text that is not recognisably a version
 * ("the first 5 digits of serial number") gives null, never a guess.
 */

/** Alphabetic words of 5+ letters allowed inside a version ("V17 Update 2", "5.2.0 build 140721"). */
const VERSION_WORDS = new Set([
  'update',
  'build',
  'release',
  'patch',
  'hotfix',
  'service',
  'beta',
  'alpha',
  'revision',
]);

const MAX_VERSION_LENGTH = 48;

/** Is this (already normalised) text plausibly one version? */
export function isVersionToken(s: string): boolean {
  if (s.length === 0 || s.length > MAX_VERSION_LENGTH) return false;
  // A digit first, or a short letter prefix ('R6.01.00', 'BT02', 'B.02', 'MS_2.6'); not 'IPv4'.
  if (!/\d/.test(s) || !/^(?:\d|[a-z]{1,2}[._-]?\d|[a-z]\.)/i.test(s)) return false;
  if (/cve-|serial|[<>=|]/i.test(s)) return false;
  const words = s.split(' ');
  if (words.length > 5) return false;
  // Every word after the first is a number or a known suffix ("V4.1 SP10 HF3", "2020 R2", "17 Update 2").
  for (let i = 1; i < words.length; i++) {
    if (
      !/^(?:\d\S*|(?:sp|hf|upd|update|build|patch|hotfix|r|rev|release|service|pack|p)\.?\d*\S*)$/i.test(
        words[i] as string,
      )
    )
      return false;
  }
  for (const w of s.split(/[\s_.\-/()]+/)) {
    if (/^[a-z]{5,}$/i.test(w) && !VERSION_WORDS.has(w.toLowerCase())) return false;
  }
  return true;
}

/** One version as text -> normalised version, or null when it is not one. */
export function normaliseVersion(s: string): string | null {
  let t = s.replace(/\s+/g, ' ').trim();
  t = t.replace(/[.,;:]+$/, '').trim();
  t = t.replace(/^(?:versions?|firmware|fw|rev(?:ision)?\.?|v\.?)\s*(?=\d)/i, '');
  return isVersionToken(t) ? t : null;
}

const MONTHS = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i;
const LEADING_VERSION = /^(v ?\d\S*|\d\S*)(?: (?:sp|hf|upd|update|build|patch|r|rev)\.? ?\d\S*)*/i;

/**
 * The version a bound names: the whole text, else a version at its start ("V2.3.0 and Function
 * State <= 3" -> "2.3.0"), else from the first token that starts like a version ("ROS V5.0.1",
 * "WinCC 7.2 Upd 15"). Dates ("january 31 2014") are not versions.
 */
function versionIn(text: string): string | null {
  if (MONTHS.test(text)) return null;
  const whole = normaliseVersion(text);
  if (whole !== null) return whole;
  const t = text.replace(/\s+/g, ' ').trim();
  const lead = LEADING_VERSION.exec(t);
  if (lead) {
    const v = normaliseVersion(lead[0]);
    if (v !== null) return v;
  }
  const from = /(?:^| )(v ?\d.*|\d.*)$/i.exec(t);
  if (from) {
    const v =
      normaliseVersion(from[1] as string) ?? normaliseVersion(LEADING_VERSION.exec(from[1] as string)?.[0] ?? '');
    if (v !== null) return v;
  }
  return null;
}

/** "3" -> "4", "12.2" -> "12.3": the first version after a wildcard prefix, or null. */
function nextPrefix(prefix: string): string | null {
  const m = /^(.*?)(\d+)$/.exec(prefix);
  if (!m) return null;
  return `${m[1]}${Number(m[2]) + 1}`;
}

/** `3.x`, `12.2.*`, `1.X` -> the prefix ("3"), else null. */
function wildcardPrefix(v: string): string | null {
  const m = /^(.*\d)\.(?:x|\*)$/i.exec(v);
  return m ? (m[1] as string) : null;
}

type Bound = { lower?: string; lowerExclusive?: boolean; upper?: string; upperInclusive?: boolean };

/** One bound from a comparator and a version text ('<=' with '11.x' -> upper '12' exclusive). */
function bound(op: '<' | '<=' | '>' | '>=', text: string): Bound | null {
  const v = versionIn(text);
  if (v === null) return null;
  const wild = wildcardPrefix(v);
  if (wild !== null) {
    if (op === '<=' || op === '>') {
      const next = nextPrefix(wild);
      if (next === null) return null;
      return op === '<=' ? { upper: next } : { lower: next };
    }
    return op === '<' ? { upper: wild } : { lower: wild };
  }
  switch (op) {
    case '<':
      return { upper: v };
    case '<=':
      return { upper: v, upperInclusive: true };
    case '>':
      return { lower: v, lowerExclusive: true };
    case '>=':
      return { lower: v };
  }
}

function range(raw: string, ...bounds: (Bound | null)[]): VersionRange | null {
  const r: VersionRange = { kind: 'range', raw };
  for (const b of bounds) {
    if (b === null) return null;
    Object.assign(r, b);
  }
  if (r.lower === undefined && r.upper === undefined) return null;
  return r;
}

function exact(raw: string, text: string): VersionRange | null {
  const v = normaliseVersion(text);
  if (v === null) return null;
  const wild = wildcardPrefix(v);
  if (wild !== null) {
    const next = nextPrefix(wild);
    return next === null ? { kind: 'range', lower: wild, raw } : { kind: 'range', lower: wild, upper: next, raw };
  }
  return { kind: 'eq', version: v, raw };
}

function op(s: string): '<' | '<=' | '>' | '>=' | '=' | '!=' | null {
  switch (s) {
    case '<':
      return '<';
    case '<=':
    case '=<':
    case '≤':
      return '<=';
    case '>':
      return '>';
    case '>=':
    case '=>':
    case '≥':
      return '>=';
    case '=':
    case '==':
      return '=';
    case '!=':
      return '!=';
    default:
      return null;
  }
}

/** Clean a phrase: whitespace, asides in parentheses, trailing qualifiers, leading "Versions". */
function clean(s: string): string {
  let t = s.replace(/\s+/g, ' ').trim();
  const wrapped = /^\((.*)\)$/.exec(t);
  if (wrapped && !/[()]/.test(wrapped[1] as string)) t = (wrapped[1] as string).trim();
  // Asides after a space ("v1.2 and prior (for Trusted Controllers)"); "15.2(4a)EA5" keeps its own.
  t = t.replace(/ \([^()]*\)/g, '').trim();
  // Trailing qualifiers ("< V8.1 SP1 with WinCC V7.3 Upd 13"), only after a version: "All
  // versions with U-Boot < V2016.05" must not shrink to "All versions".
  const q = / (?:with|for|on|running|when|if|are affected|is affected|all revisions|only)\b.*$/i.exec(t);
  if (q && /\d/.test(t.slice(0, q.index))) t = t.slice(0, q.index).trim();
  // "V4.7: < V4.7 HF27", "NMC2 <= 6.9.6": a label in front of the constraint.
  t = t.replace(/^[^<>=]{1,24}?:\s*(?=[<>=])/, '').replace(/^[a-z][a-z0-9]{0,11} (?=[<>]=?\s*\d|[<>]=?\s*v\d)/i, '');
  t = t.replace(/[.,;:]+$/, '').trim();
  for (let i = 0; i < 3; i++) {
    const before = t;
    t = t
      .replace(/^(?:all|any|affected|firmware|software|fw|bios|versions?|releases?|revisions?)\s+(?=\S)/i, '')
      .trim();
    if (t === before) break;
  }
  return t;
}

const ALL_TEXT =
  /^(?:\*|all|any|all versions?|any versions?|all releases|all firmware(?: versions?)?|all versions and (?:models|variants)|versions? all|vers:[a-z0-9.+-]+\/\*)$/i;

/**
 * One phrase -> one VersionRange, or null when it is not a version constraint. For lists
 * ("7.30 | 7.40", "V4.4, V4.5, and V5.1") and `vers:` strings use `parseVersionList`.
 */
export function parseVersionText(s: string): VersionRange | null {
  const raw = s;
  const whole = s.replace(/\s+/g, ' ').trim();
  if (whole === '') return null;
  if (/^vers:/i.test(whole)) {
    const list = parseVers(whole);
    return list !== null && list.length === 1 ? (list[0] as VersionRange) : null;
  }
  if (ALL_TEXT.test(whole) || /^all versions? \(/i.test(whole)) return { kind: 'all', raw };
  const t = clean(whole);
  if (t === '' || ALL_TEXT.test(t)) return { kind: 'all', raw };

  let m = /^(>=|=>|≥|>)\s*(.+?)\s*(?:\||,|;|&|and)?\s*(<=|=<|≤|<)\s*(.+)$/i.exec(t);
  if (m) {
    return range(
      raw,
      bound(op(m[1] as string) as '>' | '>=', m[2] as string),
      bound(op(m[3] as string) as '<' | '<=', m[4] as string),
    );
  }
  m = /^(.+?) (<=|=<|≤|<) ?(.+)$/.exec(t);
  if (m && normaliseVersion(m[1] as string) !== null) {
    // "V7.1 < V7.1 Upd3": the line from V7.1 up to the fix.
    return range(raw, bound('>=', m[1] as string), bound(op(m[2] as string) as '<' | '<=', m[3] as string));
  }
  m = /^(<=|=<|≤|<|>=|=>|≥|>)\s*(.+)$/.exec(t);
  if (m) return range(raw, bound(op(m[1] as string) as '<' | '<=' | '>' | '>=', m[2] as string));
  m = /^(?:=|==)\s*(.+)$/.exec(t);
  if (m) return exact(raw, m[1] as string);

  m = /^(?:prior to and including|up to and including|up to|through|until|to) (.+)$/i.exec(t);
  if (m) return range(raw, bound('<=', m[1] as string));
  m =
    /^(?:prior to|prior|before|earlier than|older than|lower than|less than|below|under|up to but not including|previous to) (.+)$/i.exec(
      t,
    );
  if (m) return range(raw, bound('<', m[1] as string));
  m =
    /^(.+?) (?:and|or|&) (?:all )?(?:prior|earlier|older|below|before|lower|previous|under)(?: (?:versions?|releases?|revisions?|firmware))?$/i.exec(
      t,
    );
  if (m) return range(raw, bound('<=', m[1] as string));
  m = /^(.+?) (?:and|or|&) (?:later|newer|above|higher|after|greater|up)(?: (?:versions?|releases?))?$/i.exec(t);
  if (m) return range(raw, bound('>=', m[1] as string));
  m = /^(.+?) ?\+$/.exec(t);
  if (m) return range(raw, bound('>=', m[1] as string));
  m = /^(?:since|from|starting with|starting from) (.+)$/i.exec(t);
  if (m && !/ (?:to|through|thru|until|-) /i.test(m[1] as string)) return range(raw, bound('>=', m[1] as string));

  m = /^(?:between |from )?(.+?) ?(?: through | thru | to | until | and | - | – | — |-|–)(?: ?v(?=\d))? ?(.+)$/i.exec(
    t,
  );
  if (m && (/^(?:between|from) /i.test(t) || !/ and /i.test(t))) {
    const spaced = /(?: through | thru | to | until | - | – | — )/i.test(t);
    // "12.6.1-12.6.7" reads as an interval only when both sides are dotted; "1783-SAD4T0" is a name.
    const dotted = /^\d+(?:\.\d+)+[a-z]?-\d+(?:\.\d+)+[a-z]?$/i.test(t);
    if (spaced || dotted || /^between /i.test(t)) {
      const r = range(raw, bound('>=', m[1] as string), bound('<=', m[2] as string));
      if (r !== null) return r;
    }
  }
  return exact(raw, t);
}

/**
 * A CSAF `vers:` string -> ranges (one per interval or exact version), or null if it is not a
 * well-formed `vers:` string. `vers:all/*` -> [{ kind: 'all' }].
 */
export function parseVers(s: string): VersionRange[] | null {
  const raw = s;
  const m = /^vers:([a-z0-9.+-]+)\/(.*)$/i.exec(s.trim());
  if (!m) return null;
  const body = (m[2] as string).trim();
  if (body === '*') return [{ kind: 'all', raw }];
  const parts = body
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return null;
  const constraints: { op: '<' | '<=' | '>' | '>=' | '=' | '!='; version: string }[] = [];
  // CISA also writes the pair without its '|' ("vers:all/>=V2.9.2<V2.9.4").
  const split = parts.flatMap((p) => {
    const two = /^(>=?)([^<>=|]+)(<=?)(.+)$/.exec(p);
    return two ? [`${two[1]}${two[2]}`, `${two[3]}${two[4]}`] : [p];
  });
  for (const p of split) {
    const c = /^(>=|<=|!=|<|>|=)?\s*(.+)$/.exec(p);
    if (!c) return null;
    let version = c[2] as string;
    try {
      version = decodeURIComponent(version);
    } catch {
      // not percent-encoded after all: keep the text
    }
    if (version === '*') return [{ kind: 'all', raw }];
    constraints.push({ op: (c[1] ?? '=') as '<' | '<=' | '>' | '>=' | '=' | '!=', version });
  }
  const out = pairBounds(
    raw,
    constraints.map((c) => {
      if (c.op === '!=') return null;
      if (c.op === '=') return exact(raw, c.version);
      return range(raw, bound(c.op, c.version));
    }),
  );
  return out.length === 0 ? null : out;
}

/**
 * Pair a lower-bound-only range with the upper-bound-only range right after it (VERS and CISA's
 * ">= 1.0 | <= 1.32" both mean the interval). Nulls (unparsed pieces) are dropped.
 */
function pairBounds(raw: string, pieces: (VersionRange | null)[]): VersionRange[] {
  const out: VersionRange[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (p === null || p === undefined) continue;
    const next = pieces[i + 1];
    if (
      p.kind === 'range' &&
      p.upper === undefined &&
      next !== null &&
      next !== undefined &&
      next.kind === 'range' &&
      next.lower === undefined
    ) {
      out.push({ ...p, ...next, kind: 'range', raw });
      i++;
      continue;
    }
    out.push({ ...p, raw });
  }
  return out;
}

/**
 * Any version text of an advisory -> its ranges: a `vers:` string, a `|`-separated list
 * (bounds pair up), a list of versions ("V4.4, V4.5, V5.0, and V5.1"), or one phrase. Every
 * range keeps the whole text as `raw`. Unrecognised text gives [].
 */
export function parseVersionList(s: string): VersionRange[] {
  const raw = s;
  const t = s.replace(/\s+/g, ' ').trim();
  if (t === '') return [];
  if (/^vers:/i.test(t)) return parseVers(t) ?? [];
  if (t.includes('|')) {
    return pairBounds(
      raw,
      t.split('|').map((p) => parseVersionText(p)),
    );
  }
  const one = parseVersionText(t);
  if (one !== null) return [{ ...one, raw }];
  const cleaned = clean(t);
  const parts = cleaned.split(/ ?, ?(?:and |or )?| and | or |; ?/).filter((p) => p.trim() !== '');
  if (parts.length > 1) {
    const list = parts.map((p) => parseVersionText(p));
    if (list.every((r) => r !== null)) return (list as VersionRange[]).map((r) => ({ ...r, raw }));
  }
  return [];
}
