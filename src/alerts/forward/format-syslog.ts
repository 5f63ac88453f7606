import { hostname as osHostname } from 'node:os';
import type { Severity } from '../../findings/model.js';
import type { Alert } from '../model.js';

/**
 * RFC 5424 syslog messages:
 *
 * ```
 * <PRI>1 TIMESTAMP HOSTNAME plantwarden - MSGID [plantwarden@32473 alertId=".." count=".." severity=".."
 *   firstSeen=".." protocol=".." assets=".." attack=".."] MSG
 * ```
 *
 * - PRI = facility * 8 + severity; facility local4 (20) unless told otherwise; alert severity
 *   critical -> 2 (crit), high -> 3 (err), medium -> 4 (warning), low -> 5 (notice), info -> 6.
 * - TIMESTAMP: the alert's last seen (packet time) in UTC with microseconds; `-` when unknown.
 * - HOSTNAME, APP-NAME, MSGID: printable US-ASCII only (anything else becomes `_`), cut to 255,
 *   48 and 32 octets; MSGID is the rule id. PROCID is `-`.
 * - Structured data: one element `plantwarden@32473` (32473 is the example enterprise number
 *   of RFC 5612); values escape `"`, `\` and `]` with a backslash (RFC 5424 6.3.3); `protocol`,
 *   `assets` and `attack` only when present.
 * - MSG: `<title> (<count>x): <newest evidence line> Remediation: <remediation>`, control
 *   characters replaced by spaces; prefixed with the UTF-8 BOM when it is not plain ASCII
 *   (MSG-UTF8, RFC 5424 6.4), else plain (ASCII is valid MSG-ANY).
 * - A message longer than `maxBytes` has its MSG cut (at a character boundary) to fit.
 *
 * Framing: one datagram per message over UDP (RFC 5426); octet counting `LEN SP MSG` over TCP
 * and TLS (RFC 6587 3.4.1, RFC 5425 4.3), or LF-terminated lines when a receiver wants that.
 */

export interface SyslogOptions {
  /** HOSTNAME field (default: this machine's host name). */
  hostname?: string;
  /** Facility number 0-23 (default 20, local4). */
  facility?: number;
  /** Largest message in octets (default 65,536); MSG is cut to fit. */
  maxBytes?: number;
}

export const FACILITY_LOCAL4 = 20;

/** Named facilities accepted in forward URLs (`?facility=local4`). */
export const FACILITIES: Readonly<Record<string, number>> = {
  user: 1,
  daemon: 3,
  auth: 4,
  security: 13,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

export const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = {
  critical: 2,
  high: 3,
  medium: 4,
  low: 5,
  info: 6,
};

/** Printable US-ASCII (33-126) only, cut to max octets; empty -> NILVALUE. */
export function headerField(s: string, max: number): string {
  const v = s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return v === '' ? '-' : v;
}

/** Escape an SD-PARAM value (RFC 5424 6.3.3): `"`, `\` and `]` get a backslash. */
export function sdEscape(s: string): string {
  return s.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** RFC 5424 TIMESTAMP from µs since the epoch (UTC, 6 fractional digits), '-' when unknown. */
export function syslogTimestamp(us: number): string {
  if (!Number.isFinite(us) || us <= 0 || us >= 253402300800e6) return '-';
  const whole = Math.floor(us / 1e6);
  const frac = String(Math.floor(us - whole * 1e6)).padStart(6, '0');
  return `${new Date(whole * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

const BOM = '\ufeff';

/** The RFC 5424 header up to and including MSGID, with a trailing space. */
export function syslogHeader(alert: Alert, opts: SyslogOptions = {}): string {
  const pri = (opts.facility ?? FACILITY_LOCAL4) * 8 + (SYSLOG_SEVERITY[alert.severity] ?? 4);
  const host = headerField(opts.hostname ?? osHostname(), 255);
  return `<${pri}>1 ${syslogTimestamp(alert.lastSeenUs)} ${host} plantwarden - ${headerField(alert.ruleId, 32)} `;
}

/** The structured-data element of an alert. */
export function syslogStructuredData(alert: Alert): string {
  const params: [string, string][] = [
    ['alertId', alert.id],
    ['count', String(alert.count)],
    ['severity', alert.severity],
    ['firstSeen', syslogTimestamp(alert.firstSeenUs)],
  ];
  if (alert.protocol) params.push(['protocol', alert.protocol]);
  if (alert.assets.length > 0) params.push(['assets', alert.assets.join(',')]);
  if (alert.attack.length > 0) params.push(['attack', alert.attack.join(',')]);
  // Values are cut so a long asset list never pushes the message text out of a datagram.
  return `[plantwarden@32473${params.map(([k, v]) => ` ${k}="${sdEscape(clipUtf8(v, 512))}"`).join('')}]`;
}

/** The free-text part of the message (control characters replaced). */
export function syslogText(alert: Alert): string {
  const last = alert.evidence[alert.evidence.length - 1];
  const text = `${alert.title} (${alert.count}x)${last ? `: ${last}` : ''}${alert.remediation ? ` Remediation: ${alert.remediation}` : ''}`;
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** Cut a string so its UTF-8 encoding fits in n bytes, at a code point boundary. */
export function clipUtf8(s: string, n: number): string {
  if (Buffer.byteLength(s) <= n) return s;
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > n) break;
    bytes += b;
    out += ch;
  }
  return out;
}

/** Put header + MSG together, cutting MSG (never the header) so the whole fits in maxBytes. */
export function assembleSyslog(head: string, msg: string, maxBytes: number): string {
  const utf8 = /[^\x00-\x7f]/.test(msg);
  const room = maxBytes - Buffer.byteLength(head) - (utf8 ? 3 : 0);
  const body = clipUtf8(msg, Math.max(0, room));
  return `${head}${utf8 && body !== '' ? BOM : ''}${body}`;
}

/** One alert as an RFC 5424 message (no framing). */
export function formatSyslog(alert: Alert, opts: SyslogOptions = {}): string {
  const head = `${syslogHeader(alert, opts)}${syslogStructuredData(alert)} `;
  return assembleSyslog(head, syslogText(alert), opts.maxBytes ?? 65_536);
}

/** RFC 6587 octet-counting frame: `<octets> SP <message>`. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/** Non-transparent framing: the message and a LF (the formatters never emit a raw LF). */
export function lfFrame(message: string): Buffer {
  return Buffer.from(`${message.replace(/\n/g, ' ')}\n`, 'utf8');
}
