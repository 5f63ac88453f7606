import type { Op } from '../../observations/observation.js';

/**
 * SNMP constants: PDU types (RFC 1157 §4.1, RFC 3416 §3), error-status values (RFC 3416 §3),
 * well-known MIB-II system OIDs (RFC 1213 / RFC 3418), USM report counters (RFC 3414 §5) and
 * a small table of IANA private enterprise numbers of common ICS and network vendors.
 * Every lookup is total: an unknown code becomes `unknown-<n>`.
 */

/** Context-specific constructed tags of the PDUs. */
export const Pdu = {
  GET_REQUEST: 0xa0,
  GET_NEXT_REQUEST: 0xa1,
  RESPONSE: 0xa2,
  SET_REQUEST: 0xa3,
  /** SNMPv1 Trap-PDU (different body: enterprise, agent-addr, generic, specific, time-stamp). */
  TRAP: 0xa4,
  GET_BULK_REQUEST: 0xa5,
  INFORM_REQUEST: 0xa6,
  SNMPV2_TRAP: 0xa7,
  REPORT: 0xa8,
} as const;

/** PDU tag -> [name, op]. Names are RFC 3416's PDU names in upper snake case. */
const PDUS: ReadonlyArray<readonly [number, string, Op]> = [
  [Pdu.GET_REQUEST, 'GET_REQUEST', 'read'],
  [Pdu.GET_NEXT_REQUEST, 'GET_NEXT_REQUEST', 'read'],
  [Pdu.RESPONSE, 'RESPONSE', 'other'],
  [Pdu.SET_REQUEST, 'SET_REQUEST', 'write'],
  [Pdu.TRAP, 'TRAP', 'other'],
  [Pdu.GET_BULK_REQUEST, 'GET_BULK_REQUEST', 'read'],
  [Pdu.INFORM_REQUEST, 'INFORM_REQUEST', 'other'],
  [Pdu.SNMPV2_TRAP, 'SNMPV2_TRAP', 'other'],
  [Pdu.REPORT, 'REPORT', 'other'],
];

/** Pseudo function code of an SNMPv3 message whose scoped PDU is encrypted (authPriv). */
export const ENCRYPTED_PDU = 0x100;

export function pduName(tag: number): string {
  if (tag === ENCRYPTED_PDU) return 'ENCRYPTED_PDU';
  for (const [t, n] of PDUS) if (t === tag) return n;
  return `unknown-${tag}`;
}
export function pduOp(tag: number): Op {
  for (const [t, , op] of PDUS) if (t === tag) return op;
  return 'other';
}
/** PDUs that expect a Response (the confirmed class, RFC 3411 §2.8). */
export function isRequest(tag: number): boolean {
  return (
    tag === Pdu.GET_REQUEST ||
    tag === Pdu.GET_NEXT_REQUEST ||
    tag === Pdu.SET_REQUEST ||
    tag === Pdu.GET_BULK_REQUEST ||
    tag === Pdu.INFORM_REQUEST
  );
}
export function isKnownPdu(tag: number): boolean {
  return tag >= Pdu.GET_REQUEST && tag <= Pdu.REPORT;
}

/** error-status (RFC 3416 §3; 0-5 are SNMPv1's), upper snake case. */
const ERRORS = [
  'NO_ERROR',
  'TOO_BIG',
  'NO_SUCH_NAME',
  'BAD_VALUE',
  'READ_ONLY',
  'GEN_ERR',
  'NO_ACCESS',
  'WRONG_TYPE',
  'WRONG_LENGTH',
  'WRONG_ENCODING',
  'WRONG_VALUE',
  'NO_CREATION',
  'INCONSISTENT_VALUE',
  'RESOURCE_UNAVAILABLE',
  'COMMIT_FAILED',
  'UNDO_FAILED',
  'AUTHORIZATION_ERROR',
  'NOT_WRITABLE',
  'INCONSISTENT_NAME',
] as const;
export const AUTHORIZATION_ERROR = 16;

export function errorStatusName(n: number): string {
  return n >= 0 && n < ERRORS.length ? (ERRORS[n] as string) : `unknown-${n}`;
}

/** msgVersion on the wire -> the name Zeek logs ('1', '2c', '3'). */
export function versionName(v: number): string {
  if (v === 0) return '1';
  if (v === 1) return '2c';
  if (v === 3) return '3';
  return `unknown-${v}`;
}

/** SNMPv3 msgFlags (RFC 3412 §6.4). */
export const FLAG_AUTH = 0x01;
export const FLAG_PRIV = 0x02;
export const FLAG_REPORTABLE = 0x04;

export function securityLevelName(flags: number): string {
  if (flags & FLAG_PRIV) return flags & FLAG_AUTH ? 'authPriv' : 'privWithoutAuth';
  return flags & FLAG_AUTH ? 'authNoPriv' : 'noAuthNoPriv';
}

/** Content bytes of OID 1.3.6.1.2.1.1 (MIB-II system group); the leaf arc and `.0` follow. */
export const SYSTEM_PREFIX = [0x2b, 0x06, 0x01, 0x02, 0x01, 0x01] as const;
/** system group leaf -> identity field. */
export const SYSTEM_FIELDS: Readonly<Record<number, { field: string; name: string }>> = {
  1: { field: 'description', name: 'sysDescr' },
  2: { field: 'snmp_sys_object_id', name: 'sysObjectID' },
  4: { field: 'contact', name: 'sysContact' },
  5: { field: 'hostname', name: 'sysName' },
  6: { field: 'location', name: 'sysLocation' },
};

/** Content bytes of 1.3.6.1.6.3.15.1.1 (usmStats); leaf and `.0` follow (RFC 3414 §5). */
export const USM_STATS_PREFIX = [0x2b, 0x06, 0x01, 0x06, 0x03, 0x0f, 0x01, 0x01] as const;
const USM_STATS = [
  'unknown-0',
  'usmStatsUnsupportedSecLevels',
  'usmStatsNotInTimeWindows',
  'usmStatsUnknownUserNames',
  'usmStatsUnknownEngineIDs',
  'usmStatsWrongDigests',
  'usmStatsDecryptionErrors',
];
export function usmStatsName(leaf: number): string {
  return leaf > 0 && leaf < USM_STATS.length ? (USM_STATS[leaf] as string) : `unknown-${leaf}`;
}
/** Reports that say the credential was refused (not the discovery/time-sync steps 2 and 4). */
export function usmStatsRefuses(leaf: number): boolean {
  return leaf === 1 || leaf === 3 || leaf === 5 || leaf === 6;
}

/**
 * IANA private enterprise numbers (1.3.6.1.4.1.<n>) of vendors common in plants and their
 * networks. Deliberately small: an unknown number yields only the OID, never a guess.
 * Generic agent stacks (net-snmp 8072) name no device vendor and are left out on purpose.
 */
const ENTERPRISES: Readonly<Record<number, string>> = {
  2: 'IBM',
  9: 'Cisco',
  11: 'Hewlett-Packard',
  43: '3Com',
  95: 'Rockwell Automation (Allen-Bradley)',
  171: 'D-Link',
  248: 'Hirschmann',
  253: 'Xerox',
  311: 'Microsoft',
  318: 'APC (Schneider Electric)',
  367: 'Ricoh',
  674: 'Dell',
  1602: 'Canon',
  1916: 'Extreme Networks',
  2001: 'OKI Data',
  2011: 'Huawei',
  2435: 'Brother',
  2636: 'Juniper Networks',
  3833: 'Schneider Electric',
  4329: 'Siemens',
  4346: 'Phoenix Contact',
  5624: 'Enterasys',
  6527: 'Nokia (Alcatel-Lucent)',
  6876: 'VMware',
  8691: 'Moxa',
  8741: 'SonicWall',
  11863: 'TP-Link',
  12356: 'Fortinet',
  14988: 'MikroTik',
  16177: 'Westermo',
  25461: 'Palo Alto Networks',
  25506: 'H3C',
  41112: 'Ubiquiti',
};

/** Vendor name of an enterprise number, or null when it is not in the table. */
export function enterpriseVendor(n: number): string | null {
  return ENTERPRISES[n] ?? null;
}

/** Hard limits of this dissector. */
export const SNMP_LIMITS = {
  /** Nesting depth of BER elements we follow (message > PDU > varbind list > varbind). */
  maxDepth: 8,
  /** Varbinds decoded per PDU (more are counted as an anomaly and skipped). */
  maxVarbinds: 256,
  /** Sub-identifiers per OID (RFC 2578 §7.1.3: at most 128). */
  maxSubIds: 128,
  /** Bytes of one sub-identifier (7 bits each; 7 bytes = 49 bits stays an exact JS number). */
  maxSubIdBytes: 7,
  /** Requests waiting for their response per flow. */
  maxPending: 64,
  /** Distinct communities / user names tracked per flow. */
  maxCredentials: 16,
} as const;
