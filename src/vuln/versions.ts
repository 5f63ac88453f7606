import type { VersionRange } from '../feeds/model.js';

/**
 * Vendor-style versions and version ranges, as ICS advisories and devices write them
 * ("V2.9.4", "4.1.2.3", "FW 20.11", "Rev 4.3", "v3.10", "V4.5 SP1", "2.0.1a", "R21.2",
 * "V3.X.14", "V13 SP2 Update 1", "7.00-20140429"). The ordering rules are in src/vuln/README.md.
 */

/** Qualifier ranks: what follows the numeric segments, lowest first. */
const RANK = {
  pre: -1,
  none: 0,
  letter: 1,
  sp: 3,
  update: 4,
  hotfix: 5,
  patch: 6,
  build: 7,
} as const;

/** A parsed version. */
export interface Version {
  /** Numeric segments; `WILDCARD` marks an 'x' / '*' segment ("V3.X.14"). */
  nums: number[];
  /** Qualifiers in order, each `[rank, value]` (see RANK). */
  quals: [number, number][];
  raw: string;
}

/** A numeric segment written as 'x' or '*': equal to any segment. */
export const WILDCARD = -1;

/** What may follow the numbers, tried in order, each with its `[rank, value]`. */
const QUALIFIERS: readonly [RegExp, (m: RegExpExecArray) => [number, number]][] = [
  [/^(?:sp|service\s*pack)\s*(\d+)/, (m) => [RANK.sp, Number(m[1])]],
  [/^(?:update|upd)\s*(\d+)/, (m) => [RANK.update, Number(m[1])]],
  [/^(?:hf|hotfix)\s*(\d+)/, (m) => [RANK.hotfix, Number(m[1])]],
  [/^patch\s*(\d+)/, (m) => [RANK.patch, Number(m[1])]],
  [/^(?:build|b)\s*(\d+)/, (m) => [RANK.build, Number(m[1])]],
  [
    /^(alpha|beta|rc|pre)\s*(\d*)/,
    (m) => [RANK.pre, (m[1] === 'rc' ? 900 : m[1] === 'beta' ? 500 : 100) + Number(m[2] || 0)],
  ],
  [/^(\d+)/, (m) => [RANK.build, Number(m[1])]],
  [/^([a-z])(\d*)(?![a-z])/, (m) => [RANK.letter, (m[1]!.charCodeAt(0) - 96) * 100000 + Number(m[2] || 0)]],
];

const PREFIX =
  /^(?:(?:firmware|fw|software|sw|version|ver|vers|rev|revision|release|os|v|r)(?:\s*[.:]\s*|\s+|(?=\d)))+/;
const NUMS = /^(\d+|x|\*)((?:[._](?:\d+|x|\*))*)/;

/**
 * Parses a version, or returns null when it is not one this module can order (a product name,
 * a serial-number rule, free text).
 */
export function parseVersion(text: string): Version | null {
  let s = text
    .trim()
    .toLowerCase()
    .replace(/\s*\([^)]*\)\s*$/, '')
    .trim();
  if (s.length === 0 || s.length > 64) return null;
  s = s.replace(PREFIX, '');
  const m = NUMS.exec(s);
  if (!m || (m[1] === 'x' && m[2] === '') || m[1] === '*') return null;
  const nums = (m[1] + (m[2] ?? ''))
    .split(/[._]/)
    .map((p) => (p === 'x' || p === '*' ? WILDCARD : Number.parseInt(p, 10)));
  if (nums.length > 8) return null;
  const quals: [number, number][] = [];
  let rest = s.slice(m[0].length);
  for (let guard = 0; rest.length > 0 && guard < 8; guard++) {
    rest = rest.replace(/^[\s\-_,.+/]+/, '');
    if (rest.length === 0) break;
    let hit = false;
    for (const [re, qual] of QUALIFIERS) {
      const q = re.exec(rest);
      if (!q) continue;
      quals.push(qual(q));
      rest = rest.slice(q[0].length);
      hit = true;
      break;
    }
    if (!hit) return null;
  }
  if (rest.trim().length > 0) return null;
  return { nums, quals, raw: text.trim() };
}

function asVersion(v: string | Version): Version | null {
  return typeof v === 'string' ? parseVersion(v) : v;
}

/**
 * Orders two versions: negative when `a` < `b`, 0 when equal, positive when greater; null
 * when either is not a version. Missing numeric segments count as 0 ("2.9" = "2.9.0"); a
 * wildcard segment equals any segment.
 */
export function compareVersions(a: string | Version, b: string | Version): number | null {
  const x = asVersion(a);
  const y = asVersion(b);
  if (!x || !y) return null;
  const n = Math.max(x.nums.length, y.nums.length);
  for (let i = 0; i < n; i++) {
    const p = x.nums[i] ?? 0;
    const q = y.nums[i] ?? 0;
    if (p === WILDCARD || q === WILDCARD) continue;
    if (p !== q) return p < q ? -1 : 1;
  }
  const m = Math.max(x.quals.length, y.quals.length);
  for (let i = 0; i < m; i++) {
    const p = x.quals[i] ?? [RANK.none, 0];
    const q = y.quals[i] ?? [RANK.none, 0];
    if (p[0] !== q[0]) return p[0] < q[0] ? -1 : 1;
    if (p[1] !== q[1]) return p[1] < q[1] ? -1 : 1;
  }
  return 0;
}

/**
 * Whether `version` lies in `range`: true, false, or null when it cannot tell (the version or
 * a bound is not a version this module can order).
 */
export function inRange(version: string | null | undefined, range: VersionRange): boolean | null {
  if (range.kind === 'all') return true;
  if (version === null || version === undefined) return null;
  const v = parseVersion(version);
  if (!v) return null;
  if (range.kind === 'eq') {
    if (range.version === undefined) return null;
    const c = compareVersions(v, range.version);
    return c === null ? null : c === 0;
  }
  if (range.lower === undefined && range.upper === undefined) return null;
  if (range.lower !== undefined) {
    const c = compareVersions(v, range.lower);
    if (c === null) return null;
    if (c < 0 || (c === 0 && range.lowerExclusive === true)) return false;
  }
  if (range.upper !== undefined) {
    const c = compareVersions(v, range.upper);
    if (c === null) return null;
    if (c > 0 || (c === 0 && range.upperInclusive !== true)) return false;
  }
  return true;
}

/** `inRange` over several ranges (any of them): true if one says true, else null if one cannot tell. */
export function inAnyRange(version: string | null | undefined, ranges: readonly VersionRange[]): boolean | null {
  let unknown = false;
  for (const r of ranges) {
    const x = inRange(version, r);
    if (x === true) return true;
    if (x === null) unknown = true;
  }
  return unknown ? null : false;
}

type Op = '<' | '<=' | '>' | '>=' | '=';

/** Free-text forms: the pattern and the operator of each captured version. */
const FREE_TEXT: readonly [RegExp, Op[]][] = [
  [
    /^(?:prior\s+to|before|earlier\s+than|older\s+than|lower\s+than|below|up\s+to\s+but\s+not\s+including)\s+(.+)$/i,
    ['<'],
  ],
  [/^(?:up\s+to(?:\s+and\s+including)?|through|until)\s+(.+)$/i, ['<=']],
  [/^(.+?)\s+(?:and|or|&)\s+(?:prior|earlier|before|older|below|lower|previous(?:\s+versions?)?)$/i, ['<=']],
  [/^(.+?)\s+(?:and|or)\s+(?:later|newer|above|higher|after)$/i, ['>=']],
  [/^(.+?)\s+(?:to|through|-)\s+(.+)$/i, ['>=', '<=']],
];

/**
 * Reads the version constraints of an advisory ("vers:intdot/>=2.0|<2.5", Siemens'
 * "vers:all/>=V2.9.2<V2.9.4", "< V4.1.3", "All versions < V13 SP2", ">= V2.3 and < V6.30.016",
 * ">= 5.4.1 | <= 5.7.1", "prior to V2.9.4", "4.1 and prior", "All versions", "2.0.1a") into
 * ranges (any of them applies). A lower bound followed by an upper bound is one interval.
 * Returns null when the text holds no constraint it understands; bounds that are not
 * versions are kept as written (`inRange` then answers null).
 */
export function parseVersionRanges(raw: string): VersionRange[] | null {
  const text = raw.trim();
  if (text.length === 0 || text.length > 300) return null;
  const note = /\s*\((?:only|with|except|see|incl|including)[^)]*\)?\s*$/i;
  const vers = /^vers:[a-z0-9.+-]*\/(.*)$/i.exec(text);
  if (vers) {
    const body = vers[1]!.replace(note, '').trim();
    if (body === '*' || body === '') return [{ kind: 'all', raw: text }];
    const cons: [Op, string][] = [];
    for (const part of body.split('|')) {
      for (const m of part.matchAll(/(>=|<=|!=|<|>|=)?\s*([^<>=!|]+)/g)) {
        const v = m[2]!.trim();
        if (v === '') continue;
        if (m[1] === '!=') continue;
        cons.push([(m[1] as Op | undefined) ?? '=', v]);
      }
    }
    return build(cons, text);
  }

  let t = text.replace(note, '').trim();
  if (/^(?:\*|all|any|all\s+(?:versions?|releases|firmware(?:\s+versions?)?)|versions?\s+all)\s*\*?\.?$/i.test(t)) {
    return [{ kind: 'all', raw: text }];
  }
  t = t
    .replace(/^(?:all\s+)?(?:firmware\s+|software\s+)?(?:versions?|releases?)?\s*(?::\s*)?/i, '')
    .replace(/\bfrom\s+/gi, '>= ')
    .trim();
  for (const [re, ops] of FREE_TEXT) {
    const m = re.exec(t);
    if (m && !(ops.length === 2 && /[<>=]/.test(t)))
      return build(
        ops.map((op, i) => [op, m[i + 1]!] as [Op, string]),
        text,
      );
  }
  if (/[<>=]/.test(t)) {
    const cons: [Op, string][] = [];
    for (const m of t.matchAll(/(>=|=>|<=|=<|==|<|>|=)\s*([^<>=|,;]+?)\s*(?=$|\||,|;|\band\b|<|>|=)/gi)) {
      const op = m[1] === '=>' ? '>=' : m[1] === '=<' ? '<=' : m[1] === '==' ? '=' : (m[1] as Op);
      const v = m[2]!.trim();
      if (v !== '') cons.push([op, v]);
    }
    return build(cons, text);
  }
  if (/^\S+(?:\s+(?:sp|update|hf|build|patch|rev)\s*\S+)*$/i.test(t)) return build([['=', t]], text);
  return null;
}

function build(cons: readonly [Op, string][], raw: string): VersionRange[] | null {
  const out: VersionRange[] = [];
  let lower: { v: string; exclusive: boolean } | null = null;
  for (const [op, v0] of cons) {
    const v = v0.trim();
    if (op === '=') {
      if (lower) out.push(open(lower, raw));
      lower = null;
      out.push({ kind: 'eq', version: v, raw });
    } else if (op === '>' || op === '>=') {
      if (lower) out.push(open(lower, raw));
      lower = { v, exclusive: op === '>' };
    } else {
      const r: VersionRange = { kind: 'range', upper: v, raw };
      if (op === '<=') r.upperInclusive = true;
      if (lower) {
        r.lower = lower.v;
        if (lower.exclusive) r.lowerExclusive = true;
        lower = null;
      }
      out.push(r);
    }
  }
  if (lower) out.push(open(lower, raw));
  return out.length > 0 ? out : null;
}

function open(lower: { v: string; exclusive: boolean }, raw: string): VersionRange {
  const r: VersionRange = { kind: 'range', lower: lower.v, raw };
  if (lower.exclusive) r.lowerExclusive = true;
  return r;
}

/** The range in the short form reasons use: "< V2.9.4", ">= 2.0 < 2.5", "= 4.3", "all versions". */
export function describeRange(r: VersionRange): string {
  if (r.kind === 'all') return 'all versions';
  if (r.kind === 'eq') return `= ${r.version ?? '?'}`;
  const parts: string[] = [];
  if (r.lower !== undefined) parts.push(`${r.lowerExclusive ? '>' : '>='} ${r.lower}`);
  if (r.upper !== undefined) parts.push(`${r.upperInclusive ? '<=' : '<'} ${r.upper}`);
  return parts.join(' ');
}
