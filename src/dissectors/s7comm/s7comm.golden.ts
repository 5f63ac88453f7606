import { readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { IdentityObservation, Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, connKey, parseZeekLog, type ZeekLog } from '../../testing/zeek-log.js';
import {
  hasSubfunctionTable,
  jobFunctionName,
  plusFunctionName,
  plusOpcodeName,
  rosctrName,
  subfunctionName,
  userdataFunctionName,
} from './s7comm.consts.js';
import { s7commDissector } from './s7comm.dissector.js';

/**
 * Golden-test support: turn our transactions back into the rows CISA ICSNPP writes to
 * s7comm.log, s7comm_plus.log and cotp.log (one row per PDU), and our identities into
 * s7comm_known_devices.log rows, then count how many baseline rows we reproduce. Tests only.
 *
 * Deliberate differences, handled here and explained in the golden test:
 * - ICSNPP reads the PDU reference little-endian (snap7 writes it in host order); the field is
 *   big-endian (Wireshark, the S7 header). We compare our value byte-swapped.
 * - ICSNPP writes no row for ROSCTR 2 (ACK without data); we skip those answer rows.
 */

export const ICSNPP = ['icsnpp', 'icsnpp-s7comm', 'tests'];

const runs = new Map<string, Promise<Observation[]>>();
/** Observations of a corpus trace through the real pipeline, computed once per test run. */
export function observe(...parts: string[]): Promise<Observation[]> {
  const path = corpusPath(...parts);
  let p = runs.get(path);
  if (!p) {
    p = collectObservations(path, { dissectors: [s7commDissector] }).then((r) => r.observations);
    runs.set(path, p);
  }
  return p;
}

export function baselineLog(test: string, log: string): ZeekLog {
  return parseZeekLog(readFileSync(corpusPath(...ICSNPP, 'baseline', test, log), 'utf8'));
}

const swap16 = (n: number): number => ((n & 0xff) << 8) | (n >> 8);
const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/** A log row reduced to the compared columns, as one string. */
export type Row = string;

function rowKey(r: Record<string, string | null>): string {
  return connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
}

const S7_COLUMNS = [
  'is_orig',
  'rosctr_code',
  'rosctr_name',
  'pdu_reference',
  'function_code',
  'function_name',
  'subfunction_code',
  'subfunction_name',
  'error_class',
  'error_code',
] as const;

const PLUS_COLUMNS = ['is_orig', 'version', 'opcode', 'opcode_name', 'function_code', 'function_name'] as const;

function rowOf(cols: readonly string[], v: Record<string, string | number | null | undefined>): Row {
  return cols.map((c) => (v[c] === null || v[c] === undefined ? '-' : String(v[c]))).join('|');
}

/** Baseline rows grouped by connection. */
export function baselineRows(
  log: ZeekLog,
  cols: readonly string[],
  keep: (r: Record<string, string | null>) => boolean = () => true,
) {
  const g = new Map<string, Row[]>();
  for (const r of log.rows) {
    if (!keep(r)) continue;
    const k = rowKey(r);
    let a = g.get(k);
    if (!a) {
      a = [];
      g.set(k, a);
    }
    a.push(rowOf(cols, r));
  }
  return g;
}

/** Our S7comm transactions as ICSNPP s7comm.log rows (request row, answer row). */
export function s7Rows(txs: TransactionObservation[]): Row[] {
  const out: Row[] = [];
  for (const t of txs) {
    const d = t.detail ?? {};
    if (typeof d.functionCode !== 'number') continue;
    const ref = swap16(t.tid ?? 0);
    const userdata = d.rosctr === 7 || d.respRosctr === 7;
    const group = t.fnCode >> 8;
    const sub = t.fnCode & 0xff;
    const subCols = (typeGroup: number) =>
      userdata
        ? {
            function_code: hex2(typeGroup),
            function_name: userdataFunctionName(typeGroup),
            subfunction_code: hex2(sub),
            subfunction_name: hasSubfunctionTable(group) ? icsnppSub(group, sub) : null,
          }
        : { function_code: hex2(t.fnCode), function_name: icsnppJob(t.fnCode) };
    if (t.status !== 'unsolicited') {
      const pi = t.fnCode === 0x28 && !userdata && typeof d.piService === 'string';
      out.push(
        rowOf(S7_COLUMNS, {
          is_orig: 'T',
          rosctr_code: d.rosctr as number,
          rosctr_name: rosctrName(d.rosctr as number),
          pdu_reference: ref,
          ...subCols(d.functionCode as number),
          ...(pi
            ? {
                subfunction_code: d.piService as string,
                subfunction_name: PI_NAMES[d.piService as string] ?? 'unknown',
              }
            : {}),
        }),
      );
    }
    if (t.status !== 'no-response' && d.respRosctr !== 2) {
      out.push(
        rowOf(S7_COLUMNS, {
          is_orig: 'F',
          rosctr_code: d.respRosctr as number,
          rosctr_name: rosctrName(d.respRosctr as number),
          pdu_reference: ref,
          ...subCols((d.respFunctionCode as number | undefined) ?? (d.functionCode as number)),
          error_class: d.errorClass as string | undefined,
          error_code: d.errorCode as string | undefined,
        }),
      );
    }
  }
  return out;
}

/** ICSNPP prints 'unknown' where we print 'unknown-<n>'. */
function icsnppJob(fn: number): string {
  const n = jobFunctionName(fn);
  return n.startsWith('unknown-') ? 'unknown' : n;
}
function icsnppSub(group: number, sub: number): string {
  const n = subfunctionName(group, sub);
  return n.startsWith('unknown-') ? 'unknown' : n;
}

/** ICSNPP's PI service descriptions for the services in the traces. */
const PI_NAMES: Record<string, string> = {
  _INSE: 'Activates a PLC module',
  _INS2: 'Activates a PLC module',
  _DELE: "Removes module from the PLC's passive file system",
  P_PROGRAM: 'PLC Start / Stop',
  _MODU: 'PLC Copy Ram to Rom',
  _GARB: 'Compress PLC memory',
};

/** Our S7comm-plus transactions as ICSNPP s7comm_plus.log rows. */
export function plusRows(txs: TransactionObservation[]): Row[] {
  const out: Row[] = [];
  for (const t of txs) {
    const d = t.detail ?? {};
    if (typeof d.opcode !== 'number') continue;
    const fn =
      t.fn === 'Notification' ? {} : { function_code: hex4(t.fnCode), function_name: plusFunctionName(t.fnCode) };
    if (d.opcode === 0x33) {
      out.push(
        rowOf(PLUS_COLUMNS, {
          is_orig: 'F',
          version: d.version as number,
          opcode: hex2(0x33),
          opcode_name: plusOpcodeName(0x33),
        }),
      );
      continue;
    }
    if (t.status !== 'unsolicited') {
      out.push(
        rowOf(PLUS_COLUMNS, {
          is_orig: 'T',
          version: d.version as number,
          opcode: hex2(0x31),
          opcode_name: 'Request',
          ...fn,
        }),
      );
    }
    if (t.status !== 'no-response') {
      const op = (d.respOpcode as number | undefined) ?? 0x32;
      out.push(
        rowOf(PLUS_COLUMNS, {
          is_orig: 'F',
          version: d.version as number,
          opcode: hex2(op),
          opcode_name: plusOpcodeName(op),
          ...fn,
        }),
      );
    }
  }
  return out;
}

/** Our COTP connection transactions as cotp.log CR/CC rows. */
export function cotpRows(txs: TransactionObservation[]): Row[] {
  const out: Row[] = [];
  for (const t of txs) {
    if (t.fnCode !== 0xe || t.fn !== 'CR Connection Request') continue;
    out.push('T|0x0e|CR Connection Request');
    if (t.status === 'ok') out.push('F|0x0d|CC Connection Confirm');
  }
  return out;
}

export interface Compared {
  matched: number;
  total: number;
  missing: string[];
  /** Rows we produce that the baseline does not have. */
  extra: string[];
}

/**
 * Multiset comparison per connection: baseline connections take our flows (observations carry
 * flow ids, not addresses) in order of best agreement.
 */
export function compareRows(baseline: Map<string, Row[]>, oursByFlow: Row[][]): Compared {
  const res: Compared = { matched: 0, total: 0, missing: [], extra: [] };
  const used = oursByFlow.map(() => false);
  for (const [key, rows] of baseline) {
    res.total += rows.length;
    let best = -1;
    let bestScore = -1;
    oursByFlow.forEach((ours, i) => {
      if (used[i]) return;
      const s = countMatches(rows, ours).matched;
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    });
    if (best < 0) {
      res.missing.push(...rows.map((r) => `${key} ${r}`));
      continue;
    }
    used[best] = true;
    const m = countMatches(rows, oursByFlow[best] as Row[]);
    res.matched += m.matched;
    res.missing.push(...m.missing.map((r) => `${key} ${r}`));
    res.extra.push(...m.extra.map((r) => `${key} ${r}`));
  }
  return res;
}

function countMatches(want: Row[], got: Row[]): { matched: number; missing: Row[]; extra: Row[] } {
  const pool = new Map<Row, number>();
  for (const r of got) pool.set(r, (pool.get(r) ?? 0) + 1);
  let matched = 0;
  const missing: Row[] = [];
  for (const r of want) {
    const n = pool.get(r) ?? 0;
    if (n > 0) {
      pool.set(r, n - 1);
      matched++;
    } else missing.push(r);
  }
  const extra: Row[] = [];
  for (const [r, n] of pool) for (let i = 0; i < n; i++) extra.push(r);
  return { matched, missing, extra };
}

/** Transactions of one protocol grouped by flow, in time order. */
export function byFlow(obs: Observation[], protocol: string): TransactionObservation[][] {
  const g = new Map<number, TransactionObservation[]>();
  for (const o of obs) {
    if (o.kind !== 'transaction' || o.protocol !== protocol) continue;
    let a = g.get(o.flowId);
    if (!a) {
      a = [];
      g.set(o.flowId, a);
    }
    a.push(o);
  }
  return [...g.values()];
}

/** s7comm_known_devices.log row from our SZL 0x001C identity: name, module, plant, serial. */
export function knownDeviceRows(obs: Observation[]): Row[] {
  const out: Row[] = [];
  for (const o of obs) {
    if (o.kind !== 'asset.identity' || o.protocol !== 's7comm') continue;
    const f = (name: string) => (o as IdentityObservation).facts.find((x) => x.field === name)?.value;
    if (f('module_name') === undefined && f('device_name') === undefined) continue;
    // We do not emit empty facts; ICSNPP logs an empty plant name as '(empty)' = ''.
    out.push([f('device_name') ?? '', f('module_name') ?? '', f('plant_id') ?? '', f('serial') ?? ''].join('|'));
  }
  return out;
}

export function knownDeviceBaseline(log: ZeekLog): Row[] {
  return log.rows.map((r) =>
    [r.automation_system_name, r.module_name, r.plant_name, r.module_serial].map((v) => v ?? '').join('|'),
  );
}

/** Our golden lines: S7comm / S7comm-plus transactions, identities and credentials, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => o.protocol.startsWith('s7comm') && o.kind !== 'anomaly').map((o) => canonicalJson(o));
}

/** All comparisons against the ICSNPP baselines. */
export async function compareAll(): Promise<{ name: string; r: Compared }[]> {
  const out: { name: string; r: Compared }[] = [];
  const s7Keep = (r: Record<string, string | null>) => r.rosctr_code !== '2';
  for (const [test, trace] of [
    ['analyzer.s7ident', 's7ident.pcap'],
    ['analyzer.snap7', 'snap7.pcap'],
    ['analyzer.s7comm_plus', 's7comm_plus.pcap'],
  ] as const) {
    const obs = await observe(...ICSNPP, 'traces', trace);
    const s7 = baselineRows(baselineLog(test, 's7comm.log'), S7_COLUMNS, s7Keep);
    out.push({ name: `${test}/s7comm.log`, r: compareRows(s7, byFlow(obs, 's7comm').map(s7Rows)) });
    const cotp = baselineRows(
      baselineLog(test, 'cotp.log'),
      ['is_orig', 'pdu_code', 'pdu_name'],
      (r) => r.pdu_code !== '0x0f',
    );
    const all = byFlow(obs, 's7comm').concat(byFlow(obs, 's7comm-plus'));
    out.push({ name: `${test}/cotp.log (CR/CC rows)`, r: compareRows(cotp, all.map(cotpRows)) });
    if (test === 'analyzer.s7comm_plus') {
      const plus = baselineRows(baselineLog(test, 's7comm_plus.log'), PLUS_COLUMNS);
      out.push({ name: `${test}/s7comm_plus.log`, r: compareRows(plus, byFlow(obs, 's7comm-plus').map(plusRows)) });
    }
    if (test === 'analyzer.s7ident') {
      const want = knownDeviceBaseline(baselineLog(test, 's7comm_known_devices.log'));
      const m = countMatches(want, knownDeviceRows(obs));
      out.push({
        name: `${test}/s7comm_known_devices.log`,
        r: { matched: m.matched, total: want.length, missing: m.missing, extra: m.extra },
      });
    }
  }
  return out;
}

/** Per-baseline scores for the lead's summary test. */
export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  return (await compareAll()).map(({ name, r }) => ({
    protocol: name.includes('s7comm_plus.log') ? 's7comm-plus' : 's7comm',
    baseline: `icsnpp-s7comm ${name}`,
    matched: r.matched,
    total: r.total,
  }));
}
