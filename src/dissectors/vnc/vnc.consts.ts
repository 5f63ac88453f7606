/** RFB (VNC) constants (RFC 6143, IANA RFB security types registry). */

/** "RFB xxx.yyy\n" */
export const VERSION_LEN = 12;
/** Security types listed by a server, and reason strings read. */
export const MAX_REASON = 1024;

export const SecType = {
  INVALID: 0,
  NONE: 1,
  VNC: 2,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Invalid'],
  [1, 'None'],
  [2, 'VNC'],
  [5, 'RA2'],
  [6, 'RA2ne'],
  [16, 'Tight'],
  [17, 'Ultra'],
  [18, 'TLS'],
  [19, 'VeNCrypt'],
  [20, 'SASL'],
  [21, 'MD5'],
  [22, 'xvp'],
  [30, 'ARD'],
  [113, 'MSLogonII'],
]);

export function securityTypeName(t: number): string {
  return NAMES.get(t) ?? `unknown-${t}`;
}
