import { readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, connKey, parseZeekLog, type ZeekLog, zeekList } from '../../testing/zeek-log.js';
import { functionName } from './modbus.consts.js';

export { canonicalJson, connKey, parseZeekLog, unescapeZeek, type ZeekLog, zeekList } from '../../testing/zeek-log.js';

/**
 * Golden-test support: read Zeek's TSV logs and event dumps (the expected outputs of Zeek's and
 * CISA ICSNPP's Modbus tests), turn their rows into expected transactions, and compare our
 * `transaction` observations with them. Also the canonical JSON-lines form of our own goldens.
 * Tests only; nothing here runs in the product.
 */

function rowKey(r: Record<string, string | null>): string {
  return connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
}

/** `Return Diagnostic Register` -> `RETURN_DIAGNOSTIC_REGISTER` (ICSNPP spells names in title case). */
export function normName(s: string): string {
  return s
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
}

/** Fields of our transaction the baselines can speak about. */
export type TxField =
  | 'fn'
  | 'tid'
  | 'unit'
  | 'status'
  | 'exception'
  | 'address'
  | 'quantity'
  | 'meiTypeName'
  | 'subFunctionName'
  | 'writeAddress'
  | 'writeQuantity'
  | 'andMask'
  | 'orMask';

/** One transaction as a baseline describes it. Only the fields it defines are compared. */
export interface BaselineTx {
  key: string;
  /** Where it came from, for messages: `<log>:<row>`. */
  origin: string;
  expect: Partial<Record<TxField, string | number>>;
}

export function ourField(tx: TransactionObservation, f: TxField): string | number | undefined {
  switch (f) {
    case 'fn':
    case 'tid':
    case 'unit':
    case 'status':
    case 'exception':
    case 'address':
    case 'quantity':
      return tx[f];
    default: {
      const v = tx.detail?.[f];
      return typeof v === 'boolean' ? String(v) : v;
    }
  }
}

function num(v: string | null | undefined): number | undefined {
  return v === null || v === undefined || v === '' ? undefined : Number(v);
}

function put(e: BaselineTx['expect'], f: TxField, v: string | number | undefined): void {
  if (v !== undefined) e[f] = v;
}

/**
 * `READ_COILS_EXCEPTION` -> `READ_COILS`: exception responses name the request's function.
 * Zeek names unknown exception responses by the raw byte (`unknown-156` for 0x9C); we name
 * the function without the exception bit (`unknown-28`).
 */
export function baseFn(func: string): string {
  if (func.endsWith('_EXCEPTION')) return func.slice(0, -'_EXCEPTION'.length);
  const m = /^unknown-(\d+)$/.exec(func);
  if (m && Number(m[1]) >= 128) return `unknown-${Number(m[1]) - 128}`;
  return func;
}

/**
 * ICSNPP `modbus_detailed.log`: one row per request/response pair (`matched` T). Functions
 * ICSNPP does not pair (07, 17) appear twice, once per direction: they are collapsed here.
 * Its `exception_code` and `mei_type`/`request_subfunction_code` columns are compared too.
 */
export function fromIcsnppDetailed(log: ZeekLog, name = 'modbus_detailed.log'): BaselineTx[] {
  const out: BaselineTx[] = [];
  let prev = '';
  log.rows.forEach((r, i) => {
    const func = baseFn(r.func ?? '');
    const id = `${rowKey(r)}|${r.tid}|${func}`;
    if (r.matched === null && id === prev) return;
    prev = id;
    const e: BaselineTx['expect'] = { fn: func };
    put(e, 'tid', num(r.tid));
    put(e, 'unit', num(r.unit));
    put(e, 'address', num(r.address));
    put(e, 'quantity', num(r.quantity));
    if (r.exception_code) {
      e.exception = r.exception_code;
      e.status = 'exception';
    }
    if (r.mei_type) e.meiTypeName = normName(r.mei_type);
    if (r.request_subfunction_code) e.subFunctionName = normName(r.request_subfunction_code);
    out.push({ key: rowKey(r), origin: `${name}:${i + 1}`, expect: e });
  });
  return out;
}

/** ICSNPP `modbus_mask_write_register.log` / `modbus_read_write_multiple_registers.log` REQUEST rows. */
export function fromIcsnppAux(log: ZeekLog, name: string): BaselineTx[] {
  const out: BaselineTx[] = [];
  log.rows.forEach((r, i) => {
    if (r.request_response !== 'REQUEST') return;
    const e: BaselineTx['expect'] = { fn: r.func ?? '' };
    put(e, 'tid', num(r.tid));
    put(e, 'unit', num(r.unit));
    if (r.func === 'MASK_WRITE_REGISTER') {
      put(e, 'address', num(r.address));
      put(e, 'andMask', num(r.and_mask));
      put(e, 'orMask', num(r.or_mask));
    } else {
      put(e, 'address', num(r.read_start_address));
      put(e, 'quantity', num(r.read_quantity));
      put(e, 'writeAddress', num(r.write_start_address));
      put(e, 'writeQuantity', zeekList(log, r.write_registers ?? null).length || undefined);
    }
    out.push({ key: rowKey(r), origin: `${name}:${i + 1}`, expect: e });
  });
  return out;
}

/**
 * Zeek `modbus.log`: one row per PDU (`pdu_type` REQ or RESP) or, after the ICSNPP test's
 * `grep -v REQ | zeek-cut -n tid unit pdu_type`, one row per response without tid/unit.
 * REQ and RESP rows with the same 5-tuple, tid and function become one transaction; a lone
 * REQ is 'no-response', a lone RESP 'unsolicited' (or 'exception').
 */
export function fromZeekModbusLog(log: ZeekLog, name = 'modbus.log'): BaselineTx[] {
  const out: BaselineTx[] = [];
  const hasPdu = log.fields.includes('pdu_type');
  const pending: { key: string; tid: string | null; fn: string; tx: BaselineTx }[] = [];
  log.rows.forEach((r, i) => {
    const key = rowKey(r);
    const func = r.func ?? '';
    const fn = baseFn(func);
    const origin = `${name}:${i + 1}`;
    const e: BaselineTx['expect'] = { fn };
    put(e, 'tid', num(r.tid));
    put(e, 'unit', num(r.unit));
    if (r.exception) e.exception = r.exception;
    if (!hasPdu) {
      e.status = r.exception ? 'exception' : 'ok';
      out.push({ key, origin, expect: e });
      return;
    }
    if (r.pdu_type === 'REQ') {
      const tx: BaselineTx = { key, origin, expect: { ...e, status: 'no-response' } };
      pending.push({ key, tid: r.tid ?? null, fn, tx });
      out.push(tx);
      return;
    }
    const at = pending.findIndex((p) => p.key === key && p.tid === (r.tid ?? null) && p.fn === fn);
    if (at >= 0) {
      const p = pending.splice(at, 1)[0] as (typeof pending)[number];
      p.tx.expect.status = r.exception ? 'exception' : 'ok';
      if (r.exception) p.tx.expect.exception = r.exception;
      p.tx.origin += `+${i + 1}`;
    } else {
      out.push({ key, origin, expect: { ...e, status: 'unsolicited' } });
    }
  });
  return out;
}

/** One `modbus_message` line of a Zeek event dump (`zeek ... | sort | uniq -c`). */
export interface ZeekMessage {
  key: string;
  count: number;
  isOrig: boolean;
  unit: number;
  /** Function code byte as sent (exception responses carry the 0x80 bit); -1 when masked. */
  fc: number;
}

const MESSAGE_RE =
  /^(\d+) modbus_message, \[orig_h=([^,]+), orig_p=(\d+)\/tcp, resp_h=([^,]+), resp_p=(\d+)\/tcp(?:, [^\][]*(?:\[[^\]]*\])?)*\], \[tid=[^,]+, pid=\d+, uid=(\d+), function_code=([^,]+), len=\d+\], ([TF])$/;

/** Reads the `modbus_message` events of a Zeek event dump. */
export function parseZeekMessages(text: string): ZeekMessage[] {
  const out: ZeekMessage[] = [];
  for (const line of text.split('\n')) {
    const m = MESSAGE_RE.exec(line);
    if (!m) continue;
    out.push({
      key: connKey(m[2] as string, m[3] as string, m[4] as string, m[5] as string),
      count: Number(m[1]),
      isOrig: m[8] === 'T',
      unit: Number(m[6]),
      fc: m[7] === 'XXX' ? -1 : Number(m[7]),
    });
  }
  return out;
}

/** Result of a comparison: rows matched, and why the others did not. */
export interface CompareResult {
  total: number;
  matched: number;
  mismatches: string[];
  /** Our transactions no baseline row claimed. */
  extra: number;
}

/** Transactions out of a list of observations, grouped by flow in order of first appearance. */
export function transactionsByFlow(obs: Observation[]): TransactionObservation[][] {
  const byFlow = new Map<number, TransactionObservation[]>();
  const sorted = obs
    .filter((o): o is TransactionObservation => o.kind === 'transaction' && o.protocol === 'modbus')
    .sort((a, b) => a.ts - b.ts);
  for (const tx of sorted) {
    let g = byFlow.get(tx.flowId);
    if (!g) {
      g = [];
      byFlow.set(tx.flowId, g);
    }
    g.push(tx);
  }
  return [...byFlow.values()];
}

/** Matches baseline rows to transactions of one flow; returns matched count and messages. */
function matchGroup(
  ours: TransactionObservation[],
  rows: BaselineTx[],
  used: boolean[],
  allow: (b: BaselineTx, f: TxField) => boolean,
): { matched: number; mismatches: string[] } {
  let matched = 0;
  const mismatches: string[] = [];
  for (const b of rows) {
    const fn = b.expect.fn;
    const tid = b.expect.tid;
    let best = -1;
    for (let i = 0; i < ours.length; i++) {
      const t = ours[i] as TransactionObservation;
      if (used[i] || t.fn !== fn || (tid !== undefined && t.tid !== tid)) continue;
      best = i;
      break;
    }
    if (best < 0) {
      mismatches.push(`${b.origin}: no transaction ${fn}${tid !== undefined ? ` tid ${tid}` : ''} on ${b.key}`);
      continue;
    }
    used[best] = true;
    const t = ours[best] as TransactionObservation;
    const diffs: string[] = [];
    for (const [f, v] of Object.entries(b.expect) as [TxField, string | number][]) {
      const o = ourField(t, f);
      if (o !== v && !allow(b, f)) diffs.push(`${f}: expected ${v}, got ${o}`);
    }
    if (diffs.length === 0) matched++;
    else mismatches.push(`${b.origin}: ${fn} tid ${t.tid}: ${diffs.join('; ')}`);
  }
  return { matched, mismatches };
}

/**
 * Compares our transactions with baseline rows. Rows are grouped by 5-tuple and our
 * transactions by flow (observations carry flow ids, not addresses); each baseline
 * connection takes the flow that matches most of its rows, in baseline order. Within a
 * connection, rows match our transactions in order, on function name and tid where present.
 * `allow(row, field)` lists deliberate disagreements.
 */
export function compareTransactions(
  obs: Observation[],
  baseline: BaselineTx[],
  allow: (b: BaselineTx, f: TxField) => boolean = () => false,
): CompareResult {
  const flows = transactionsByFlow(obs);
  const flowUsed = flows.map(() => false);
  const groups = new Map<string, BaselineTx[]>();
  for (const b of baseline) {
    let g = groups.get(b.key);
    if (!g) {
      g = [];
      groups.set(b.key, g);
    }
    g.push(b);
  }
  const res: CompareResult = { total: baseline.length, matched: 0, mismatches: [], extra: 0 };
  for (const [key, rows] of groups) {
    let best = -1;
    let bestScore = -1;
    for (let f = 0; f < flows.length; f++) {
      if (flowUsed[f]) continue;
      const g = flows[f] as TransactionObservation[];
      const score = matchGroup(
        g,
        rows,
        g.map(() => false),
        allow,
      ).matched;
      if (score > bestScore) {
        best = f;
        bestScore = score;
      }
    }
    if (best < 0) {
      res.mismatches.push(`${key}: no flow left for ${rows.length} baseline row(s)`);
      continue;
    }
    flowUsed[best] = true;
    const g = flows[best] as TransactionObservation[];
    const used = g.map(() => false);
    const m = matchGroup(g, rows, used, allow);
    res.matched += m.matched;
    res.mismatches.push(...m.mismatches);
    res.extra += used.filter((u) => !u).length;
  }
  flows.forEach((g, f) => {
    if (!flowUsed[f]) res.extra += g.length;
  });
  return res;
}

/**
 * Compares PDU counts with a Zeek `modbus_message` dump, per connection and per
 * (direction, unit, function code byte). Our transactions stand for one request PDU unless
 * 'unsolicited', and one response PDU unless 'no-response'.
 */
export function compareMessages(
  obs: Observation[],
  messages: ZeekMessage[],
  keep: (key: string) => boolean = () => true,
): CompareResult {
  const expected = new Map<string, Map<string, number>>();
  for (const m of messages) {
    if (!keep(m.key)) continue;
    let g = expected.get(m.key);
    if (!g) {
      g = new Map();
      expected.set(m.key, g);
    }
    const k = `${m.isOrig ? 'req' : 'resp'}|${m.unit}|${m.fc}`;
    g.set(k, (g.get(k) ?? 0) + m.count);
  }
  // The events test masks function codes (`function_code=XXX`): then only direction and unit count.
  const masked = messages.some((m) => m.fc < 0);
  const ours = transactionsByFlow(obs).map((txs) => {
    const g = new Map<string, number>();
    const add = (k: string) => g.set(k, (g.get(k) ?? 0) + 1);
    for (const t of txs) {
      const respFc = t.exception !== undefined ? t.fnCode | 0x80 : t.fnCode;
      if (t.status !== 'unsolicited') add(`req|${t.unit}|${masked ? -1 : t.fnCode}`);
      if (t.status !== 'no-response') add(`resp|${t.unit}|${masked ? -1 : respFc}`);
    }
    return g;
  });
  const used = ours.map(() => false);
  const res: CompareResult = { total: 0, matched: 0, mismatches: [], extra: 0 };
  const score = (exp: Map<string, number>, got: Map<string, number>) => {
    let s = 0;
    for (const [k, n] of exp) s += Math.min(n, got.get(k) ?? 0);
    return s;
  };
  for (const [key, exp] of expected) {
    for (const n of exp.values()) res.total += n;
    let best = -1;
    let bestScore = -1;
    ours.forEach((g, i) => {
      if (used[i]) return;
      const s = score(exp, g);
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    });
    const got = best >= 0 ? (ours[best] as Map<string, number>) : new Map<string, number>();
    if (best >= 0) used[best] = true;
    res.matched += Math.max(0, bestScore);
    for (const [k, n] of exp) {
      const g = got.get(k) ?? 0;
      if (g !== n) {
        const [d, unit, fc] = k.split('|');
        const fname = functionName(Number(fc) & 0x7f);
        res.mismatches.push(`${key}: ${d} unit ${unit} ${fname} (${fc}): expected ${n}, got ${g}`);
      }
    }
  }
  return res;
}

/** Our golden lines: Modbus transactions and identities, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs
    .filter((o) => o.protocol === 'modbus' && (o.kind === 'transaction' || o.kind === 'asset.identity'))
    .map((o) => canonicalJson(o));
}

/**
 * Baseline agreement for the summary test: our transactions against ICSNPP's modbus_detailed.log
 * and modbus.log for modbus_example.pcap, and Zeek's coil_parsing_big message counts.
 */
export async function goldenScores(): Promise<GoldenScore[]> {
  const icsnpp = ['icsnpp', 'icsnpp-modbus', 'testing'];
  const base = [...icsnpp, 'baseline', 'analyzer.basic'];
  const { observations } = await collectObservations(corpusPath(...icsnpp, 'traces', 'modbus_example.pcap'));
  const read = (...p: string[]) => readFileSync(corpusPath(...p), 'utf8');
  const detailed = compareTransactions(
    observations,
    fromIcsnppDetailed(parseZeekLog(read(...base, 'modbus_detailed.log'))),
  );
  const fields = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'func', 'exception'];
  const plain = compareTransactions(observations, fromZeekModbusLog(parseZeekLog(read(...base, 'modbus.log'), fields)));
  const big = await collectObservations(
    corpusPath('zeek-btest', 'testing', 'btest', 'Traces', 'modbus', 'modbusBig.pcap'),
  );
  const msgs = compareMessages(
    big.observations,
    parseZeekMessages(
      read('zeek-btest', 'testing', 'btest', 'Baseline', 'scripts.base.protocols.modbus.coil_parsing_big', 'output'),
    ),
  );
  return [
    {
      protocol: 'modbus',
      baseline: 'icsnpp modbus_detailed.log (modbus_example.pcap)',
      matched: detailed.matched,
      total: detailed.total,
    },
    {
      protocol: 'modbus',
      baseline: 'icsnpp modbus.log (modbus_example.pcap)',
      matched: plain.matched,
      total: plain.total,
    },
    {
      protocol: 'modbus',
      baseline: 'zeek coil_parsing_big output (modbusBig.pcap)',
      matched: msgs.matched,
      total: msgs.total,
    },
  ];
}
