/**
 * Syslog constants: facility and severity names as Zeek's `base/protocols/syslog/consts.zeek`
 * spells them (RFC 5424 §6.2.1 tables; RFC 3164 §4.1.1). Lookups are total (`unknown-<n>`).
 */

const FACILITIES = [
  'KERN',
  'USER',
  'MAIL',
  'DAEMON',
  'AUTH',
  'SYSLOG',
  'LPR',
  'NEWS',
  'UUCP',
  'CRON',
  'AUTHPRIV',
  'FTP',
  'NTP',
  'AUDIT',
  'ALERT',
  'CLOCK',
  'LOCAL0',
  'LOCAL1',
  'LOCAL2',
  'LOCAL3',
  'LOCAL4',
  'LOCAL5',
  'LOCAL6',
  'LOCAL7',
] as const;

const SEVERITIES = ['EMERG', 'ALERT', 'CRIT', 'ERR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'] as const;

/** A message without a PRI part: Zeek logs facility and severity as UNSPECIFIED. */
export const UNSPECIFIED = 'UNSPECIFIED';
/** Largest PRI value (facility 23, severity 7). */
export const MAX_PRI = 191;
/** Longest syslog message taken from a TCP stream when it has no octet count (RFC 6587 §3.4.2). */
export const MAX_TCP_MESSAGE = 8192;
/** Distinct host names and app names remembered per flow. */
export const MAX_HOSTNAMES = 4;
export const MAX_APPS = 8;
/** Distinct facility.severity counters reported per flow; others are added to `other`. */
export const MAX_PRI_KEYS = 32;

export function facilityName(f: number): string {
  return FACILITIES[f] ?? `unknown-${f}`;
}

export function severityName(s: number): string {
  return SEVERITIES[s] ?? `unknown-${s}`;
}

/** `USER.NOTICE` for a PRI, `UNSPECIFIED.UNSPECIFIED` for -1. */
export function priName(pri: number): string {
  if (pri < 0) return `${UNSPECIFIED}.${UNSPECIFIED}`;
  return `${facilityName(pri >> 3)}.${severityName(pri & 7)}`;
}
