import type { Severity } from '../../findings/model.js';
import type { Alert } from '../model.js';

/**
 * ArcSight Common Event Format, version 0:
 *
 * ```
 * CEF:0|plantwarden|plantwarden|<version>|<rule id>|<title>|<severity 0-10>|<extension>
 * ```
 *
 * - Header fields escape `\` as `\\` and `|` as `\|`; line breaks and other control characters
 *   become a space (a header is one line).
 * - Extension values escape `\` as `\\`, `=` as `\=`, CR as `\r` and LF as `\n`; other control
 *   characters become a space. Pipes are not escaped there (the spec says so).
 * - Extension keys, in this order: `rt` (last seen, ms since the epoch), `start` (first seen, ms),
 *   `end` (last seen, ms), `cnt` (alert count), `src`/`dst` (the first and second IPv4 addresses among
 *   the alert's assets, when there are any), `app` (protocol), `cs1` alert id, `cs2` assets,
 *   `cs3` ATT&CK technique ids, `cs4` remediation, `cs5` status, `msg` (evidence lines, newest
 *   last, joined by LF). Each `csN` has its `csNLabel`. Values are cut to 1023 characters (the
 *   limit of the spec's string fields); the name to 512.
 */

export interface CefOptions {
  /** Device product (default 'plantwarden'). */
  product?: string;
  /** Device version (default PLANTWARDEN_VERSION). */
  version?: string;
}

/** The version written into CEF headers unless told otherwise (kept in step with the CLI's). */
export const PLANTWARDEN_VERSION = '0.1.0';

/** Alert severity -> CEF severity (0-3 low, 4-6 medium, 7-8 high, 9-10 very high). */
export const CEF_SEVERITY: Readonly<Record<Severity, number>> = {
  info: 1,
  low: 3,
  medium: 5,
  high: 8,
  critical: 10,
};

/** Escape one CEF header field. */
export function cefHeaderEscape(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/[\\|]/g, (c) => `\\${c}`);
}

/** Escape one CEF extension value. */
export function cefExtensionEscape(s: string): string {
  return s.replace(/[\\=\r\n\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\\' || c === '=') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return ' ';
  });
}

/** Cut to at most n code points (never in the middle of a surrogate pair). */
export function clipChars(s: string, n: number): string {
  if (s.length <= n) return s;
  const chars = Array.from(s);
  return chars.length <= n ? s : `${chars.slice(0, n - 1).join('')}…`;
}

const IPV4 = /^(?:ip:)?((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})$/;

/** The IPv4 addresses among asset keys and IPs ('ip:10.0.0.1' or '10.0.0.1'), in order. */
export function ipv4Assets(assets: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of assets) {
    const m = IPV4.exec(a);
    if (m) out.push(m[1] as string);
  }
  return out;
}

function ms(us: number): number | null {
  return Number.isFinite(us) && us > 0 ? Math.floor(us / 1000) : null;
}

/** One alert as a CEF line (no trailing newline). */
export function formatCef(alert: Alert, opts: CefOptions = {}): string {
  const header = [
    'CEF:0',
    'plantwarden',
    cefHeaderEscape(opts.product ?? 'plantwarden'),
    cefHeaderEscape(opts.version ?? PLANTWARDEN_VERSION),
    cefHeaderEscape(clipChars(alert.ruleId, 1023)),
    cefHeaderEscape(clipChars(alert.title, 512)),
    String(CEF_SEVERITY[alert.severity] ?? 5),
  ].join('|');
  const ext: string[] = [];
  const add = (k: string, v: string | number | null | undefined) => {
    if (v === null || v === undefined || v === '') return;
    ext.push(`${k}=${typeof v === 'number' ? v : cefExtensionEscape(clipChars(v, 1023))}`);
  };
  const last = ms(alert.lastSeenUs);
  add('rt', last);
  add('start', ms(alert.firstSeenUs));
  add('end', last);
  add('cnt', Number.isFinite(alert.count) ? Math.max(0, Math.floor(alert.count)) : null);
  const ips = ipv4Assets(alert.assets);
  add('src', ips[0]);
  add('dst', ips[1]);
  add('app', alert.protocol);
  const custom = (n: number, label: string, v: string) => {
    if (v === '') return;
    add(`cs${n}Label`, label);
    add(`cs${n}`, v);
  };
  custom(1, 'alertId', alert.id);
  custom(2, 'assets', alert.assets.join(','));
  custom(3, 'attack', alert.attack.join(','));
  custom(4, 'remediation', alert.remediation);
  custom(5, 'status', alert.status);
  add('msg', alert.evidence.join('\n'));
  return `${header}|${ext.join(' ')}`;
}
