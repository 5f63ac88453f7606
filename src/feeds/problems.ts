/**
 * Where and why a feed file (or a part of it) could not be read. `where` is a JSON pointer
 * (RFC 6901, "/vulnerabilities/3/cve") for JSON feeds and "line N" for CSV; '' for the whole file.
 */
export interface FeedProblem {
  where: string;
  message: string;
}

/** A feed file that cannot be used at all (the rest of an import goes on). */
export class FeedError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
    this.name = 'FeedError';
  }
}

/** One JSON pointer segment, escaped per RFC 6901. */
export function pointer(...parts: (string | number)[]): string {
  return parts.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** An own property of a plain object, or undefined (never an inherited one such as `__proto__`). */
export function prop(o: unknown, key: string): unknown {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

export function isObject(o: unknown): o is Record<string, unknown> {
  return o !== null && typeof o === 'object' && !Array.isArray(o);
}

/** A string property, trimmed and capped at `max` characters, or null if absent / not a string. */
export function str(o: unknown, key: string, max = 4000): string | null {
  const v = prop(o, key);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length > max ? t.slice(0, max) : t;
}

/** An ISO date-time (or date) as ISO 8601 UTC, or null when it does not parse. */
export function isoDate(s: string | null): string | null {
  if (s === null || s === '') return null;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  return new Date(t).toISOString();
}
