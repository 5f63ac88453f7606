import type { IdentityFact, Op, TransactionObservation } from '../../observations/observation.js';
import type { DissectContext } from '../contract.js';

/**
 * Schneider Electric UMAS (Unity/EcoStruxure Control Expert programming protocol), carried in
 * Modbus function 90 (0x5A). Schneider publishes no specification; names and layouts follow the
 * public reverse engineering (Airbus/Kaspersky "UMAS" analyses, Nmap's `modicon-info.nse`,
 * the liushiwen555 UMAS trace). Only what is certain is decoded:
 * ```
 * request  (after the Modbus function code 0x5A):
 *   0  session key   u8    0 before a reservation; the key TAKE_PLC_RESERVATION returned after
 *   1  UMAS function u8    UMAS_FUNCTIONS
 *   2  data
 * response:
 *   0  session key   u8
 *   1  status        u8    0xFE OK, 0xFD error
 *   2  data
 * ```
 * READ_ID (0x02) response: at data offset 22 a u8 length and that many ASCII bytes, the CPU
 * module ("140 CPU 311 10"): the byte Nmap's modicon-info.nse reads (offset 33 of the TCP
 * payload). Other READ_ID bytes are not decoded (their meaning is not established).
 * TAKE_PLC_RESERVATION (0x10) request: 4 bytes, then a u8 length and the requesting station's
 * host name (seen in the trace: "USER-714E74F21B"); taken only when the length matches the rest
 * exactly and the name is printable.
 */

/** UMAS function code -> [name, op]. */
const UMAS_FUNCTIONS: ReadonlyArray<readonly [number, string, Op]> = [
  [0x01, 'INIT_COMM', 'other'],
  [0x02, 'READ_ID', 'discovery'],
  [0x03, 'READ_PROJECT_INFO', 'discovery'],
  [0x04, 'READ_PLC_INFO', 'discovery'],
  [0x06, 'READ_CARD_INFO', 'discovery'],
  [0x0a, 'REPEAT', 'diagnostic'],
  [0x10, 'TAKE_PLC_RESERVATION', 'auth'],
  [0x11, 'RELEASE_PLC_RESERVATION', 'auth'],
  [0x12, 'KEEP_ALIVE', 'other'],
  [0x20, 'READ_MEMORY_BLOCK', 'read'],
  [0x22, 'READ_VARIABLES', 'read'],
  [0x23, 'WRITE_VARIABLES', 'write'],
  [0x24, 'READ_COILS_REGISTERS', 'read'],
  [0x25, 'WRITE_COILS_REGISTERS', 'write'],
  [0x30, 'INITIALIZE_UPLOAD', 'program'],
  [0x31, 'UPLOAD_BLOCK', 'program'],
  [0x32, 'END_STRATEGY_UPLOAD', 'program'],
  [0x33, 'INITIALIZE_DOWNLOAD', 'program'],
  [0x34, 'DOWNLOAD_BLOCK', 'program'],
  [0x35, 'END_STRATEGY_DOWNLOAD', 'program'],
  [0x36, 'READ_ETH_MASTER_DATA', 'read'],
  [0x39, 'READ_DATA', 'read'],
  [0x40, 'START_PLC', 'control'],
  [0x41, 'STOP_PLC', 'control'],
  [0x50, 'MONITOR_PLC', 'read'],
  [0x58, 'CHECK_PLC', 'diagnostic'],
  [0x70, 'READ_IO_OBJECT', 'read'],
  [0x71, 'WRITE_IO_OBJECT', 'write'],
  [0x73, 'GET_STATUS_MODULE', 'diagnostic'],
];

const NAMES: string[] = [];
const OPS: Op[] = [];
for (let i = 0; i < 256; i++) {
  NAMES.push(`unknown-${i}`);
  OPS.push('program');
}
for (const [code, name, op] of UMAS_FUNCTIONS) {
  NAMES[code] = name;
  OPS[code] = op;
}

export const UmasFn = { READ_ID: 0x02, TAKE_PLC_RESERVATION: 0x10 } as const;
export const UMAS_OK = 0xfe;
export const UMAS_ERROR = 0xfd;

/** `STOP_PLC`, or `unknown-<n>`. */
export function umasName(code: number): string {
  return NAMES[code & 0xff] as string;
}

/** Op class of a UMAS function; unknown codes count as 'program' (the protocol programs PLCs). */
export function umasOp(code: number): Op {
  return OPS[code & 0xff] as Op;
}

/**
 * A UMAS request: the transaction's fn becomes `UMAS_<NAME>`, op the function's class;
 * detail keeps the UMAS code and session key. `off`/`len`: the PDU after the Modbus function.
 */
export function umasRequest(
  tx: TransactionObservation,
  buf: Uint8Array,
  off: number,
  len: number,
  ctx: DissectContext,
): void {
  if (len < 2) {
    ctx.anomaly('modbus-umas-truncated', `UMAS request of ${len} byte(s)`);
    return;
  }
  const key = buf[off] as number;
  const code = buf[off + 1] as number;
  tx.fn = `UMAS_${umasName(code)}`;
  tx.op = umasOp(code);
  tx.detail = { umasCode: code, umasSessionKey: key };
  if (code === UmasFn.TAKE_PLC_RESERVATION) {
    const name = lengthPrefixed(buf, off + 2 + 4, off + len, true);
    if (name !== null) {
      emitFacts(ctx, 'client', [
        { field: 'hostname', value: name, source: 'modbus.umas.TAKE_PLC_RESERVATION.host', precedence: 50 },
      ]);
    }
  }
}

/**
 * A UMAS response (OK 0xFE / error 0xFD) to a paired or unsolicited transaction. READ_ID
 * answers name the CPU module (identity about the server).
 */
export function umasResponse(
  tx: TransactionObservation,
  buf: Uint8Array,
  off: number,
  len: number,
  ctx: DissectContext,
): void {
  if (len < 2) {
    ctx.anomaly('modbus-umas-truncated', `UMAS response of ${len} byte(s)`);
    return;
  }
  const status = buf[off + 1] as number;
  if (status === UMAS_ERROR) {
    tx.status = 'exception';
    tx.exception = len >= 3 ? `UMAS_ERROR_${(buf[off + 2] as number).toString(16).padStart(2, '0')}` : 'UMAS_ERROR';
  } else if (status !== UMAS_OK) {
    ctx.anomaly('modbus-umas-bad-status', `UMAS response status 0x${status.toString(16)} to ${tx.fn}`);
  }
  const code = tx.detail?.umasCode;
  if (status === UMAS_OK && code === UmasFn.TAKE_PLC_RESERVATION && len >= 3 && tx.detail) {
    tx.detail.umasNewSessionKey = buf[off + 2] as number;
  }
  if (status === UMAS_OK && code === UmasFn.READ_ID) {
    const model = lengthPrefixed(buf, off + 2 + 22, off + len, false);
    if (model !== null)
      emitFacts(ctx, 'server', [{ field: 'model', value: model, source: 'modbus.umas.READ_ID.cpu_module' }]);
  }
}

/** A u8-length-prefixed printable ASCII string at `p` (ending exactly at `end` when `exact`). */
function lengthPrefixed(buf: Uint8Array, p: number, end: number, exact: boolean): string | null {
  if (end - p < 2) return null;
  const n = buf[p] as number;
  if (n === 0 || n > end - p - 1 || (exact && n !== end - p - 1)) return null;
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = buf[p + 1 + i] as number;
    if (c < 0x20 || c > 0x7e) return null;
    s += String.fromCharCode(c);
  }
  return s.trim() || null;
}

function emitFacts(ctx: DissectContext, about: 'client' | 'server', facts: IdentityFact[]): void {
  ctx.emit({ kind: 'asset.identity', ts: ctx.tsUs, flowId: ctx.flow.id, protocol: 'modbus', about, facts });
}
