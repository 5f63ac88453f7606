/**
 * NetBIOS over TCP/IP constants (RFC 1001/1002) and the browser protocol ([MS-BRWS]).
 * Lookups are total: an unknown code becomes `unknown-<n>`.
 */

/** Name service opcodes (RFC 1002 §4.2.1.1). */
const OPCODES: Readonly<Record<number, string>> = {
  0: 'QUERY',
  5: 'REGISTRATION',
  6: 'RELEASE',
  7: 'WACK',
  8: 'REFRESH',
  9: 'REFRESH',
  15: 'MULTI_HOMED_REGISTRATION',
};

export function opcodeName(op: number): string {
  return OPCODES[op] ?? `unknown-${op}`;
}

/** Question/record types (RFC 1002 §4.2.1.2). */
export const NB = 0x20;
export const NBSTAT = 0x21;

/** Rcodes of name service responses (RFC 1002 §4.2.6, §4.2.14). */
const RCODES = ['NOERROR', 'FMT_ERR', 'SRV_ERR', 'NAM_ERR', 'IMP_ERR', 'RFS_ERR', 'ACT_ERR', 'CFT_ERR'] as const;

export function rcodeName(r: number): string {
  return RCODES[r] ?? `unknown-${r}`;
}

/** The 16th byte of a NetBIOS name: the service it names (Microsoft's conventions). */
const SUFFIXES: Readonly<Record<number, string>> = {
  0: 'workstation',
  1: 'messenger/master browser',
  3: 'messenger',
  6: 'RAS server',
  27: 'domain master browser',
  28: 'domain controllers',
  29: 'master browser',
  30: 'browser election',
  31: 'NetDDE',
  32: 'server',
  33: 'RAS client',
  190: 'network monitor agent',
  191: 'network monitor application',
};

export function suffixName(s: number): string {
  return SUFFIXES[s] ?? `unknown-${s}`;
}

/** `<1c>` display form of a suffix. */
export function suffixTag(s: number): string {
  return `<${s.toString(16).padStart(2, '0')}>`;
}

/** Datagram service message types (RFC 1002 §4.4.1). */
const DGM_TYPES: Readonly<Record<number, string>> = {
  16: 'DIRECT_UNIQUE',
  17: 'DIRECT_GROUP',
  18: 'BROADCAST',
  19: 'ERROR',
  20: 'QUERY_REQUEST',
  21: 'POSITIVE_QUERY_RESPONSE',
  22: 'NEGATIVE_QUERY_RESPONSE',
};

export function dgmTypeName(t: number): string {
  return DGM_TYPES[t] ?? `unknown-${t}`;
}

/** Browser protocol opcodes ([MS-BRWS] §2.2). */
const BROWSER_OPS: Readonly<Record<number, string>> = {
  1: 'HOST_ANNOUNCEMENT',
  2: 'ANNOUNCEMENT_REQUEST',
  8: 'REQUEST_ELECTION',
  9: 'GET_BACKUP_LIST_REQUEST',
  10: 'GET_BACKUP_LIST_RESPONSE',
  11: 'BECOME_BACKUP',
  12: 'DOMAIN_ANNOUNCEMENT',
  13: 'MASTER_ANNOUNCEMENT',
  14: 'RESET_STATE',
  15: 'LOCAL_MASTER_ANNOUNCEMENT',
};

export function browserOpName(op: number): string {
  return BROWSER_OPS[op] ?? `unknown-${op}`;
}

export const HOST_ANNOUNCEMENT = 1;
export const DOMAIN_ANNOUNCEMENT = 12;
export const LOCAL_MASTER_ANNOUNCEMENT = 15;

/** Server type bits of announcements ([MS-BRWS] §2.2.1, [MS-RAP] SV_TYPE_*). */
export const SERVER_TYPES: ReadonlyArray<readonly [number, string]> = [
  [0x00000001, 'workstation'],
  [0x00000002, 'server'],
  [0x00000004, 'sql_server'],
  [0x00000008, 'domain_controller'],
  [0x00000010, 'backup_domain_controller'],
  [0x00000020, 'time_source'],
  [0x00000040, 'apple'],
  [0x00000080, 'novell'],
  [0x00000100, 'domain_member'],
  [0x00000200, 'print_queue'],
  [0x00000400, 'dialin'],
  [0x00000800, 'unix'],
  [0x00001000, 'nt_workstation'],
  [0x00002000, 'wfw'],
  [0x00008000, 'nt_server'],
  [0x00010000, 'potential_browser'],
  [0x00020000, 'backup_browser'],
  [0x00040000, 'master_browser'],
  [0x00080000, 'domain_master'],
  [0x00400000, 'windows_95_plus'],
  [0x00800000, 'dfs'],
  [0x40000000, 'local_list_only'],
  [0x80000000, 'domain_enum'],
];

export function serverTypeNames(bits: number): string {
  const out: string[] = [];
  for (const [bit, name] of SERVER_TYPES) if ((bits & bit) >>> 0 !== 0) out.push(name);
  return out.join(',');
}

/**
 * OS guessed from an announcement's version (a guess: Samba and embedded stacks announce what
 * they are configured to). Windows versions per [MS-BRWS] §2.2.1 and the NT version numbers.
 */
export function osFromVersion(major: number, minor: number, serverType: number): string {
  if ((serverType & 0x800) !== 0) return `Unix (Samba) announcing ${major}.${minor}`;
  const v = `${major}.${minor}`;
  const names: Record<string, string> = {
    '4.0': 'Windows NT 4.0 / 95 / 98',
    '4.10': 'Windows 98',
    '4.90': 'Windows ME',
    '5.0': 'Windows 2000',
    '5.1': 'Windows XP',
    '5.2': 'Windows Server 2003 / XP x64',
    '6.0': 'Windows Vista / Server 2008',
    '6.1': 'Windows 7 / Server 2008 R2',
    '6.2': 'Windows 8 / Server 2012',
    '6.3': 'Windows 8.1 / Server 2012 R2',
    '10.0': 'Windows 10 / 11 / Server 2016+',
  };
  return names[v] ?? `Windows ${v}`;
}
