import type { Op } from '../../observations/observation.js';

/**
 * IEC 60870-5-104 constants: APCI, U-format functions, ASDU type identifications, causes of
 * transmission. Type names are the standard's (IEC 60870-5-101 §7.2.1.1 and -104 §8), as
 * Wireshark's packet-iec104.c spells them. Every lookup is total (`unknown-<n>`).
 */

export const START = 0x68;
/** APDU length octet: control field (4) + ASDU, at most 253 (104 §5). */
export const MIN_APDU_LENGTH = 4;
export const MAX_APDU_LENGTH = 253;
export const APCI_LEN = 6;

/** U-format control functions (104 §5.3): octet 1 values. */
const U_FUNCTIONS: Record<number, string> = {
  7: 'STARTDT_ACT',
  11: 'STARTDT_CON',
  19: 'STOPDT_ACT',
  35: 'STOPDT_CON',
  67: 'TESTFR_ACT',
  131: 'TESTFR_CON',
};
export function uFunctionName(c: number): string {
  return U_FUNCTIONS[c] ?? `unknown-${c}`;
}

/**
 * Type identification -> [name, information element bytes (after the IOA), op].
 * Monitoring types (1-40, 70) are reported data: op 'read'. Commands: single/double/regulating
 * step/set-point/bitstring (45-64) 'write'; interrogation (100) and counter interrogation (101),
 * read (102) 'read'; clock synchronisation (103) 'other'; test (104, 107) 'diagnostic'; reset
 * process (105) 'control'; delay acquisition (106) 'diagnostic'; parameters (110-113) 'write';
 * file transfer (120-127) 'firmware'. Size -1 = variable (F_SG_NA_1 segment).
 */
const TYPES: ReadonlyArray<readonly [number, string, number, Op]> = [
  [1, 'M_SP_NA_1', 1, 'read'],
  [2, 'M_SP_TA_1', 4, 'read'],
  [3, 'M_DP_NA_1', 1, 'read'],
  [4, 'M_DP_TA_1', 4, 'read'],
  [5, 'M_ST_NA_1', 2, 'read'],
  [6, 'M_ST_TA_1', 5, 'read'],
  [7, 'M_BO_NA_1', 5, 'read'],
  [8, 'M_BO_TA_1', 8, 'read'],
  [9, 'M_ME_NA_1', 3, 'read'],
  [10, 'M_ME_TA_1', 6, 'read'],
  [11, 'M_ME_NB_1', 3, 'read'],
  [12, 'M_ME_TB_1', 6, 'read'],
  [13, 'M_ME_NC_1', 5, 'read'],
  [14, 'M_ME_TC_1', 8, 'read'],
  [15, 'M_IT_NA_1', 5, 'read'],
  [16, 'M_IT_TA_1', 8, 'read'],
  [17, 'M_EP_TA_1', 6, 'read'],
  [18, 'M_EP_TB_1', 7, 'read'],
  [19, 'M_EP_TC_1', 7, 'read'],
  [20, 'M_PS_NA_1', 5, 'read'],
  [21, 'M_ME_ND_1', 2, 'read'],
  [30, 'M_SP_TB_1', 8, 'read'],
  [31, 'M_DP_TB_1', 8, 'read'],
  [32, 'M_ST_TB_1', 9, 'read'],
  [33, 'M_BO_TB_1', 12, 'read'],
  [34, 'M_ME_TD_1', 10, 'read'],
  [35, 'M_ME_TE_1', 10, 'read'],
  [36, 'M_ME_TF_1', 12, 'read'],
  [37, 'M_IT_TB_1', 12, 'read'],
  [38, 'M_EP_TD_1', 10, 'read'],
  [39, 'M_EP_TE_1', 11, 'read'],
  [40, 'M_EP_TF_1', 11, 'read'],
  [45, 'C_SC_NA_1', 1, 'write'],
  [46, 'C_DC_NA_1', 1, 'write'],
  [47, 'C_RC_NA_1', 1, 'write'],
  [48, 'C_SE_NA_1', 3, 'write'],
  [49, 'C_SE_NB_1', 3, 'write'],
  [50, 'C_SE_NC_1', 5, 'write'],
  [51, 'C_BO_NA_1', 4, 'write'],
  [58, 'C_SC_TA_1', 8, 'write'],
  [59, 'C_DC_TA_1', 8, 'write'],
  [60, 'C_RC_TA_1', 8, 'write'],
  [61, 'C_SE_TA_1', 10, 'write'],
  [62, 'C_SE_TB_1', 10, 'write'],
  [63, 'C_SE_TC_1', 12, 'write'],
  [64, 'C_BO_TA_1', 11, 'write'],
  [70, 'M_EI_NA_1', 1, 'read'],
  [100, 'C_IC_NA_1', 1, 'read'],
  [101, 'C_CI_NA_1', 1, 'read'],
  [102, 'C_RD_NA_1', 0, 'read'],
  [103, 'C_CS_NA_1', 7, 'other'],
  [104, 'C_TS_NA_1', 2, 'diagnostic'],
  [105, 'C_RP_NA_1', 1, 'control'],
  [106, 'C_CD_NA_1', 2, 'diagnostic'],
  [107, 'C_TS_TA_1', 9, 'diagnostic'],
  [110, 'P_ME_NA_1', 3, 'write'],
  [111, 'P_ME_NB_1', 3, 'write'],
  [112, 'P_ME_NC_1', 5, 'write'],
  [113, 'P_AC_NA_1', 1, 'write'],
  [120, 'F_FR_NA_1', 6, 'firmware'],
  [121, 'F_SR_NA_1', 7, 'firmware'],
  [122, 'F_SC_NA_1', 4, 'firmware'],
  [123, 'F_LS_NA_1', 5, 'firmware'],
  [124, 'F_AF_NA_1', 4, 'firmware'],
  [125, 'F_SG_NA_1', -1, 'firmware'],
  [126, 'F_DR_TA_1', 13, 'firmware'],
  [127, 'F_SC_NB_1', 16, 'firmware'],
];

const TYPE_NAME: string[] = [];
const TYPE_SIZE: number[] = [];
const TYPE_OP: Op[] = [];
for (let i = 0; i < 256; i++) {
  TYPE_NAME.push(`unknown-${i}`);
  TYPE_SIZE.push(-2);
  TYPE_OP.push('other');
}
for (const [t, name, size, op] of TYPES) {
  TYPE_NAME[t] = name;
  TYPE_SIZE[t] = size;
  TYPE_OP[t] = op;
}

export function typeName(t: number): string {
  return t >= 0 && t < 256 ? (TYPE_NAME[t] as string) : `unknown-${t}`;
}
/** Bytes of one information element (without IOA); -1 variable; -2 unknown type. */
export function elementSize(t: number): number {
  return t >= 0 && t < 256 ? (TYPE_SIZE[t] as number) : -2;
}
export function typeOp(t: number): Op {
  return t >= 0 && t < 256 ? (TYPE_OP[t] as Op) : 'other';
}
/** Control direction types (commands, parameters, system commands, file transfer requests). */
export function isCommandType(t: number): boolean {
  return (t >= 45 && t <= 64) || (t >= 100 && t <= 113);
}
export function isKnownType(t: number): boolean {
  return elementSize(t) !== -2;
}

/** Cause of transmission (101 §7.2.3), as Wireshark abbreviates them. */
const CAUSES: Record<number, string> = {
  1: 'per/cyc',
  2: 'back',
  3: 'spont',
  4: 'init',
  5: 'req',
  6: 'act',
  7: 'actcon',
  8: 'deact',
  9: 'deactcon',
  10: 'actterm',
  11: 'retrem',
  12: 'retloc',
  13: 'file',
  20: 'inrogen',
  37: 'reqcogen',
  44: 'unknown_type',
  45: 'unknown_cause',
  46: 'unknown_asdu_address',
  47: 'unknown_object_address',
};
for (let i = 1; i <= 16; i++) CAUSES[20 + i] = `inro${i}`;
for (let i = 1; i <= 4; i++) CAUSES[37 + i] = `reqco${i}`;

export function causeName(c: number): string {
  return CAUSES[c] ?? `unknown-${c}`;
}

export const Cot = {
  ACT: 6,
  ACTCON: 7,
  DEACT: 8,
  DEACTCON: 9,
  ACTTERM: 10,
} as const;
