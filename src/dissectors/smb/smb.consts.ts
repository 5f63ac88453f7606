import type { Op } from '../../observations/observation.js';

/**
 * SMB constants: NetBIOS session service (RFC 1002 §4.3), SMB1 ([MS-CIFS] §2.2.2.1), SMB2/3
 * ([MS-SMB2] §2.2.1), NT status codes ([MS-ERREF] §2.3) and NTLMSSP ([MS-NLMP] §2.2).
 * Command names follow Zeek's smb_cmd.log spelling.
 */

export const Nbss = {
  SESSION_MESSAGE: 0x00,
  SESSION_REQUEST: 0x81,
  POSITIVE_RESPONSE: 0x82,
  NEGATIVE_RESPONSE: 0x83,
  RETARGET_RESPONSE: 0x84,
  KEEP_ALIVE: 0x85,
} as const;

/** Messages larger than this are parsed from their first HEAD_BYTES and the rest skipped. */
export const MAX_PARSED_MESSAGE = 64 * 1024;
export const HEAD_BYTES = 4096;
/** Commands followed in one AndX chain (SMB1) or compound (SMB2). */
export const MAX_CHAIN = 16;
/** Requests waiting for a response per flow. */
export const MAX_PENDING = 64;
/** AV pairs walked in an NTLM CHALLENGE. */
export const MAX_AV_PAIRS = 64;

const SMB1: ReadonlyMap<number, string> = new Map([
  [0x00, 'CREATE_DIRECTORY'],
  [0x01, 'DELETE_DIRECTORY'],
  [0x02, 'OPEN'],
  [0x03, 'CREATE'],
  [0x04, 'CLOSE'],
  [0x05, 'FLUSH'],
  [0x06, 'DELETE'],
  [0x07, 'RENAME'],
  [0x08, 'QUERY_INFORMATION'],
  [0x09, 'SET_INFORMATION'],
  [0x0a, 'READ'],
  [0x0b, 'WRITE'],
  [0x10, 'CHECK_DIRECTORY'],
  [0x1a, 'READ_RAW'],
  [0x1d, 'WRITE_RAW'],
  [0x24, 'LOCKING_ANDX'],
  [0x25, 'TRANSACTION'],
  [0x2b, 'ECHO'],
  [0x2c, 'WRITE_AND_CLOSE'],
  [0x2d, 'OPEN_ANDX'],
  [0x2e, 'READ_ANDX'],
  [0x2f, 'WRITE_ANDX'],
  [0x32, 'TRANSACTION2'],
  [0x34, 'FIND_CLOSE2'],
  [0x70, 'TREE_CONNECT'],
  [0x71, 'TREE_DISCONNECT'],
  [0x72, 'NEGOTIATE'],
  [0x73, 'SESSION_SETUP_ANDX'],
  [0x74, 'LOGOFF_ANDX'],
  [0x75, 'TREE_CONNECT_ANDX'],
  [0xa0, 'NT_TRANSACT'],
  [0xa2, 'NT_CREATE_ANDX'],
  [0xa4, 'NT_CANCEL'],
]);

export const Smb1Cmd = {
  NEGOTIATE: 0x72,
  SESSION_SETUP_ANDX: 0x73,
  TREE_CONNECT_ANDX: 0x75,
} as const;

/** SMB1 commands with an AndX block (words[0] = next command, words[1] = its offset). */
export const SMB1_ANDX: ReadonlySet<number> = new Set([0x24, 0x2d, 0x2e, 0x2f, 0x73, 0x74, 0x75, 0xa2]);

export function smb1CommandName(c: number): string {
  return SMB1.get(c) ?? `unknown-${c}`;
}

export function smb1Op(c: number): Op {
  if (c === 0x0a || c === 0x1a || c === 0x2e) return 'read';
  if (c === 0x0b || c === 0x1d || c === 0x2c || c === 0x2f) return 'write';
  if (c === 0x73) return 'auth';
  return 'other';
}

const SMB2 = [
  'NEGOTIATE',
  'SESSION_SETUP',
  'LOGOFF',
  'TREE_CONNECT',
  'TREE_DISCONNECT',
  'CREATE',
  'CLOSE',
  'FLUSH',
  'READ',
  'WRITE',
  'LOCK',
  'IOCTL',
  'CANCEL',
  'ECHO',
  'QUERY_DIRECTORY',
  'CHANGE_NOTIFY',
  'QUERY_INFO',
  'SET_INFO',
  'OPLOCK_BREAK',
] as const;

export const Smb2Cmd = {
  NEGOTIATE: 0,
  SESSION_SETUP: 1,
  TREE_CONNECT: 3,
  READ: 8,
  WRITE: 9,
} as const;

export function smb2CommandName(c: number): string {
  return SMB2[c] ?? `unknown-${c}`;
}

export function smb2Op(c: number): Op {
  if (c === Smb2Cmd.SESSION_SETUP) return 'auth';
  return c === Smb2Cmd.READ ? 'read' : c === Smb2Cmd.WRITE ? 'write' : 'other';
}

export function smb2DialectName(d: number): string {
  switch (d) {
    case 0x0202:
      return '2.0.2';
    case 0x0210:
      return '2.1';
    case 0x0222:
      return '2.2.2';
    case 0x0224:
      return '2.2.4';
    case 0x0300:
      return '3.0';
    case 0x0302:
      return '3.0.2';
    case 0x0310:
      return '3.1';
    case 0x0311:
      return '3.1.1';
    case 0x02ff:
      return '2.???';
  }
  return `unknown-0x${d.toString(16).padStart(4, '0')}`;
}

export const Status = {
  SUCCESS: 0,
  PENDING: 0x00000103,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
} as const;

const STATUS: ReadonlyMap<number, string> = new Map([
  [0x00000000, 'STATUS_SUCCESS'],
  [0x00000103, 'STATUS_PENDING'],
  [0x0000010b, 'STATUS_NOTIFY_CLEANUP'],
  [0x0000010c, 'STATUS_NOTIFY_ENUM_DIR'],
  [0x80000005, 'STATUS_BUFFER_OVERFLOW'],
  [0x80000006, 'STATUS_NO_MORE_FILES'],
  [0xc0000001, 'STATUS_UNSUCCESSFUL'],
  [0xc0000002, 'STATUS_NOT_IMPLEMENTED'],
  [0xc0000003, 'STATUS_INVALID_INFO_CLASS'],
  [0xc0000008, 'STATUS_INVALID_HANDLE'],
  [0xc000000d, 'STATUS_INVALID_PARAMETER'],
  [0xc000000f, 'STATUS_NO_SUCH_FILE'],
  [0xc0000010, 'STATUS_INVALID_DEVICE_REQUEST'],
  [0xc0000011, 'STATUS_END_OF_FILE'],
  [0xc0000016, 'STATUS_MORE_PROCESSING_REQUIRED'],
  [0xc0000022, 'STATUS_ACCESS_DENIED'],
  [0xc0000023, 'STATUS_BUFFER_TOO_SMALL'],
  [0xc0000033, 'STATUS_OBJECT_NAME_INVALID'],
  [0xc0000034, 'STATUS_OBJECT_NAME_NOT_FOUND'],
  [0xc0000035, 'STATUS_OBJECT_NAME_COLLISION'],
  [0xc000003a, 'STATUS_OBJECT_PATH_NOT_FOUND'],
  [0xc0000043, 'STATUS_SHARING_VIOLATION'],
  [0xc0000054, 'STATUS_FILE_LOCK_CONFLICT'],
  [0xc0000055, 'STATUS_LOCK_NOT_GRANTED'],
  [0xc000006a, 'STATUS_WRONG_PASSWORD'],
  [0xc000006d, 'STATUS_LOGON_FAILURE'],
  [0xc000006e, 'STATUS_ACCOUNT_RESTRICTION'],
  [0xc000006f, 'STATUS_INVALID_LOGON_HOURS'],
  [0xc0000070, 'STATUS_INVALID_WORKSTATION'],
  [0xc0000071, 'STATUS_PASSWORD_EXPIRED'],
  [0xc0000072, 'STATUS_ACCOUNT_DISABLED'],
  [0xc00000ba, 'STATUS_FILE_IS_A_DIRECTORY'],
  [0xc00000bb, 'STATUS_NOT_SUPPORTED'],
  [0xc00000c9, 'STATUS_NETWORK_NAME_DELETED'],
  [0xc00000cc, 'STATUS_BAD_NETWORK_NAME'],
  [0xc0000101, 'STATUS_DIRECTORY_NOT_EMPTY'],
  [0xc0000103, 'STATUS_NOT_A_DIRECTORY'],
  [0xc0000120, 'STATUS_CANCELLED'],
  [0xc0000121, 'STATUS_CANNOT_DELETE'],
  [0xc0000128, 'STATUS_FILE_CLOSED'],
  [0xc0000193, 'STATUS_ACCOUNT_EXPIRED'],
  [0xc0000203, 'STATUS_USER_SESSION_DELETED'],
  [0xc0000224, 'STATUS_PASSWORD_MUST_CHANGE'],
  [0xc0000234, 'STATUS_ACCOUNT_LOCKED_OUT'],
  [0xc000019c, 'STATUS_FS_DRIVER_REQUIRED'],
  [0xc0000225, 'STATUS_NOT_FOUND'],
  [0xc000022a, 'STATUS_DUPLICATE_OBJECTID'],
  [0xc0000257, 'STATUS_PATH_NOT_COVERED'],
  [0xc000035c, 'STATUS_NETWORK_SESSION_EXPIRED'],
]);

export function ntStatusName(s: number): string {
  return STATUS.get(s) ?? `unknown-0x${s.toString(16).padStart(8, '0')}`;
}

/** Error severity (top two bits 11), except "more processing required" of multi-leg logons. */
export function isErrorStatus(s: number): boolean {
  return s >>> 30 === 3 && s !== Status.MORE_PROCESSING_REQUIRED;
}

export const Ntlm = {
  NEGOTIATE: 1,
  CHALLENGE: 2,
  AUTHENTICATE: 3,
  FLAG_UNICODE: 0x00000001,
  FLAG_VERSION: 0x02000000,
} as const;

/** "NTLMSSP\0" */
export const NTLMSSP_SIGNATURE = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00] as const;
