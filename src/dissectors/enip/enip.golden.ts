import { collectObservations } from '../../engine/collect.js';
import type { IdentityObservation, Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, connKey, parseZeekLog, type ZeekLog } from '../../testing/zeek-log.js';
import { Cls, snake } from './enip.consts.js';
import { enipDissector } from './enip.dissector.js';
import { enipIoDissector } from './enip-io.dissector.js';

/**
 * Golden-test support: read CISA ICSNPP-ENIP's expected logs (enip.log, cip.log, cip_io.log,
 * cip_identity.log; their tests cut the `packet_correlation_id` column and the header, so the
 * columns are given here from the ICSNPP README) and compare our observations with them.
 * Tests only; nothing here runs in the product.
 */

const ID = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'is_orig'];
const SRC = ['source_h', 'source_p', 'destination_h', 'destination_p'];
export const ENIP_LOG_FIELDS = [
  ...ID,
  ...SRC,
  'enip_command_code',
  'enip_command',
  'length',
  'session_handle',
  'enip_status',
  'sender_context',
  'options',
];
export const CIP_LOG_FIELDS = [
  ...ID,
  ...SRC,
  'cip_sequence_count',
  'direction',
  'cip_service_code',
  'cip_service',
  'cip_status_code',
  'cip_status',
  'cip_extended_status_code',
  'cip_extended_status',
  'class_id',
  'class_name',
  'instance_id',
  'attribute_id',
];
export const CIP_IO_LOG_FIELDS = [...ID, ...SRC, 'connection_id', 'sequence_number', 'data_length', 'io_data'];
export const CIP_IDENTITY_LOG_FIELDS = [
  ...ID,
  ...SRC,
  'encapsulation_version',
  'socket_address',
  'socket_port',
  'vendor_id',
  'vendor_name',
  'device_type_id',
  'device_type_name',
  'product_code',
  'revision',
  'device_status',
  'serial_number',
  'product_name',
  'device_state',
];

/** cip_identity.log column -> our identity fact field. */
export const IDENTITY_COLUMNS: [string, string][] = [
  ['encapsulation_version', 'enip_encapsulation_version'],
  ['socket_address', 'socket_address'],
  ['socket_port', 'socket_port'],
  ['vendor_id', 'vendor_id'],
  ['vendor_name', 'vendor'],
  ['device_type_id', 'device_type_id'],
  ['device_type_name', 'device_type'],
  ['product_code', 'product_code'],
  ['revision', 'firmware'],
  ['device_status', 'device_status'],
  ['serial_number', 'serial'],
  ['product_name', 'product_name'],
  ['device_state', 'device_state'],
];

export interface CompareResult {
  total: number;
  matched: number;
  mismatches: string[];
}

type Row = Record<string, string | null>;

function rowKey(r: Row): string {
  return connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
}

function groupRows(log: ZeekLog): Map<string, Row[]> {
  const g = new Map<string, Row[]>();
  for (const r of log.rows) {
    const k = rowKey(r);
    let list = g.get(k);
    if (!list) {
      list = [];
      g.set(k, list);
    }
    list.push(r);
  }
  return g;
}

function byFlow<T extends Observation>(obs: T[]): T[][] {
  const m = new Map<number, T[]>();
  for (const o of [...obs].sort((a, b) => a.ts - b.ts)) {
    let g = m.get(o.flowId);
    if (!g) {
      g = [];
      m.set(o.flowId, g);
    }
    g.push(o);
  }
  return [...m.values()];
}

/** Gives each baseline connection the unused flow that matches most of its rows. */
function assign<T>(
  groups: Map<string, Row[]>,
  flows: T[][],
  compare: (rows: Row[], ours: T[], key: string) => CompareResult,
): CompareResult {
  const used = flows.map(() => false);
  const res: CompareResult = { total: 0, matched: 0, mismatches: [] };
  for (const [key, rows] of groups) {
    let best = -1;
    let bestR: CompareResult | null = null;
    flows.forEach((f, i) => {
      if (used[i]) return;
      const r = compare(rows, f, key);
      if (bestR === null || r.matched > bestR.matched) {
        best = i;
        bestR = r;
      }
    });
    const r: CompareResult = bestR ?? compare(rows, [], key);
    if (best >= 0) used[best] = true;
    res.total += r.total;
    res.matched += r.matched;
    res.mismatches.push(...r.mismatches);
  }
  return res;
}

const isTx = (o: Observation): o is TransactionObservation => o.kind === 'transaction';
const d = (t: TransactionObservation, k: string) => t.detail?.[k];

/** cip_identity.log rows against our ListIdentity identities, in order; every column must agree. */
export function compareIdentityLog(obs: Observation[], log: ZeekLog): CompareResult {
  const ours = obs.filter(
    (o): o is IdentityObservation =>
      o.kind === 'asset.identity' &&
      o.protocol === 'enip' &&
      o.facts.some((f) => f.source.startsWith('enip.list_identity')),
  );
  const res: CompareResult = { total: log.rows.length, matched: 0, mismatches: [] };
  log.rows.forEach((r, i) => {
    const o = ours[i];
    if (!o) {
      res.mismatches.push(`cip_identity.log:${i + 1}: no ListIdentity identity`);
      return;
    }
    const diffs: string[] = [];
    for (const [col, field] of IDENTITY_COLUMNS) {
      const got = o.facts.find((f) => f.field === field)?.value;
      if (got !== (r[col] ?? undefined)) diffs.push(`${col}: expected ${r[col]}, got ${got}`);
    }
    if (diffs.length === 0) res.matched++;
    else res.mismatches.push(`cip_identity.log:${i + 1}: ${diffs.join('; ')}`);
  });
  return res;
}

/**
 * enip.log: one row per encapsulation message. Requests (is_orig T) match our top-level
 * transactions in request order on command, session handle and sender context; replies
 * (is_orig F) match in reply order on command and encapsulation status. NOP is not logged by us.
 */
export function compareEnipLog(obs: Observation[], log: ZeekLog): CompareResult {
  const flows = byFlow(obs.filter(isTx).filter((t) => t.protocol === 'enip' && d(t, 'via') === undefined));
  return assign(groupRows(log), flows, (rows, ours, key) => {
    const res: CompareResult = { total: rows.length, matched: 0, mismatches: [] };
    const reqs = ours.filter((t) => t.status !== 'unsolicited');
    const reps = ours
      .filter((t) => t.status !== 'no-response')
      .sort((a, b) => a.ts + (a.rttUs ?? 0) - (b.ts + (b.rttUs ?? 0)));
    let qi = 0;
    let pi = 0;
    rows.forEach((r, i) => {
      const cmd = snake(r.enip_command ?? '');
      const isReq = r.is_orig === 'T';
      const t = isReq ? reqs[qi++] : reps[pi++];
      const where = `enip.log:${key}:${i + 1}`;
      if (!t) {
        res.mismatches.push(`${where}: no ${isReq ? 'request' : 'reply'} ${cmd}`);
        return;
      }
      const diffs: string[] = [];
      const ourCmd = (d(t, 'enipCommand') as string | undefined) ?? t.fn;
      if (ourCmd !== cmd) diffs.push(`command: expected ${cmd}, got ${ourCmd}`);
      if (isReq) {
        if (d(t, 'session') !== r.session_handle)
          diffs.push(`session: expected ${r.session_handle}, got ${d(t, 'session')}`);
        const ctx = (d(t, 'senderContext') as string | undefined) ?? '0x0000000000000000';
        if (ctx !== r.sender_context) diffs.push(`sender context: expected ${r.sender_context}, got ${ctx}`);
      } else {
        const st = (d(t, 'enipStatus') as string | undefined) ?? 'SUCCESS';
        if (st !== snake(r.enip_status ?? '')) diffs.push(`status: expected ${r.enip_status}, got ${st}`);
      }
      if (diffs.length === 0) res.matched++;
      else res.mismatches.push(`${where}: ${diffs.join('; ')}`);
    });
    return res;
  });
}

/** One CIP transaction as cip.log describes it (a request row and the reply row that answers it). */
export interface ExpectedCip {
  origin: string;
  fnCode: number;
  /** Our fn in ICSNPP's spelling; undefined when ICSNPP has no name or names the class' service wrongly. */
  fn?: string;
  tid: number;
  status: TransactionObservation['status'];
  exception?: string;
  classId?: number;
  className?: string;
  instanceId?: number;
  attributeId?: number;
}

const hexNum = (v: string | null | undefined) =>
  v === null || v === undefined || v === '' ? undefined : Number.parseInt(v, 16);

/**
 * Pairs cip.log rows: within a connection, the k-th reply with a given CIP sequence count
 * answers the k-th request with that count (a Multiple Service Packet logs the container then
 * each embedded service, in both directions). A request without a reply row is 'no-response'.
 */
export function fromCipLog(rows: Row[], key: string): ExpectedCip[] {
  const out: ExpectedCip[] = [];
  const bySeq = new Map<string, { list: ExpectedCip[]; replies: number }>();
  rows.forEach((r, i) => {
    const seq = r.cip_sequence_count ?? '';
    let g = bySeq.get(seq);
    if (!g) {
      g = { list: [], replies: 0 };
      bySeq.set(seq, g);
    }
    const code = hexNum(r.cip_service_code) ?? -1;
    if (r.direction === 'request') {
      const classId = hexNum(r.class_id);
      const e: ExpectedCip = {
        origin: `cip.log:${key}:${i + 1}`,
        fnCode: code,
        tid: Number(seq),
        status: 'no-response',
      };
      const special = classId === Cls.CONNECTION_MANAGER || classId === Cls.FILE;
      if (r.cip_service && r.cip_service !== 'unknown' && !special) e.fn = snake(r.cip_service);
      if (classId !== undefined) e.classId = classId;
      if (r.class_name && r.class_name !== 'unknown') e.className = r.class_name;
      const inst = hexNum(r.instance_id);
      if (inst !== undefined) e.instanceId = inst;
      const attr = hexNum(r.attribute_id);
      if (attr !== undefined) e.attributeId = attr;
      g.list.push(e);
      out.push(e);
      return;
    }
    const e = g.list[g.replies++];
    const status = hexNum(r.cip_status_code) ?? 0;
    const ok = status === 0 || status === 6;
    if (!e) {
      out.push({
        origin: `cip.log:${key}:${i + 1}`,
        fnCode: code,
        tid: Number(seq),
        status: 'unsolicited',
        ...(ok ? {} : { exception: snake(r.cip_status ?? '') }),
      });
      return;
    }
    e.origin += `+${i + 1}`;
    e.status = ok ? 'ok' : 'exception';
    if (!ok) e.exception = snake(r.cip_status ?? '');
  });
  return out;
}

/** cip.log against our CIP transactions (matched in order on service code and sequence count). */
export function compareCipLog(obs: Observation[], log: ZeekLog): CompareResult {
  const flows = byFlow(
    obs.filter(isTx).filter((t) => t.protocol === 'enip' && String(d(t, 'enipCommand') ?? '').startsWith('SEND_')),
  );
  return assign(groupRows(log), flows, (rows, ours, key) => {
    const exp = fromCipLog(rows, key);
    const res: CompareResult = { total: exp.length, matched: 0, mismatches: [] };
    const used = ours.map(() => false);
    for (const e of exp) {
      const i = ours.findIndex((t, j) => !used[j] && t.fnCode === e.fnCode && t.tid === e.tid);
      if (i < 0) {
        res.mismatches.push(`${e.origin}: no transaction ${e.fn ?? e.fnCode} seq ${e.tid}`);
        continue;
      }
      used[i] = true;
      const t = ours[i] as TransactionObservation;
      const diffs: string[] = [];
      const cmp = (what: string, want: unknown, got: unknown) => {
        if (want !== undefined && want !== got) diffs.push(`${what}: expected ${want}, got ${got}`);
      };
      cmp('fn', e.fn, t.fn);
      cmp('status', e.status, t.status);
      cmp('exception', e.exception, t.exception);
      cmp('classId', e.classId, d(t, 'classId'));
      cmp('className', e.className, d(t, 'className'));
      cmp('instanceId', e.instanceId, d(t, 'instanceId'));
      cmp('attributeId', e.attributeId, d(t, 'attributeId'));
      if (diffs.length === 0) res.matched++;
      else res.mismatches.push(`${e.origin}: ${diffs.join('; ')}`);
    }
    return res;
  });
}

/**
 * cip_io.log: one row per I/O datagram; we count per connection id and direction. A row
 * matches when its connection has as many datagrams in our count, the same first sequence
 * number and a data length within our range.
 */
export function compareCipIoLog(obs: Observation[], log: ZeekLog): CompareResult {
  const flows = byFlow(obs.filter(isTx).filter((t) => t.protocol === 'enip-io'));
  return assign(groupRows(log), flows, (rows, ours, key) => {
    const res: CompareResult = { total: rows.length, matched: 0, mismatches: [] };
    const conns = new Map<string, Row[]>();
    for (const r of rows) {
      const k = `${r.is_orig === 'T' ? 'client-to-server' : 'server-to-client'}|${r.connection_id}`;
      let g = conns.get(k);
      if (!g) {
        g = [];
        conns.set(k, g);
      }
      g.push(r);
    }
    for (const [k, rs] of conns) {
      const [dir, id] = k.split('|');
      const t = ours.find((x) => d(x, 'connectionId') === id && d(x, 'direction') === dir);
      const first = rs[0] as Row;
      const lens = rs.map((r) => Number(r.data_length));
      const diffs: string[] = [];
      if (!t) diffs.push('no connection');
      else {
        if (d(t, 'packets') !== rs.length) diffs.push(`packets: expected ${rs.length}, got ${d(t, 'packets')}`);
        if (d(t, 'firstSequence') !== Number(first.sequence_number)) {
          diffs.push(`first sequence: expected ${first.sequence_number}, got ${d(t, 'firstSequence')}`);
        }
        if (d(t, 'minDataLength') !== Math.min(...lens) || d(t, 'maxDataLength') !== Math.max(...lens)) {
          diffs.push(`data length: expected ${Math.min(...lens)}..${Math.max(...lens)}`);
        }
      }
      if (diffs.length === 0) res.matched += rs.length;
      else res.mismatches.push(`cip_io.log:${key}: ${dir} ${id}: ${diffs.join('; ')}`);
    }
    return res;
  });
}

/** Our golden lines: ENIP transactions and identities, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs
    .filter(
      (o) =>
        (o.protocol === 'enip' || o.protocol === 'enip-io') &&
        (o.kind === 'transaction' || o.kind === 'asset.identity'),
    )
    .map((o) => canonicalJson(o));
}

export const ICSNPP_ENIP = ['icsnpp', 'icsnpp-enip', 'tests'];

const runs = new Map<string, Promise<Observation[]>>();
/** Observations of a corpus trace with the ENIP dissectors, computed once per process. */
export function observeTrace(...parts: string[]): Promise<Observation[]> {
  const path = corpusPath(...parts);
  let p = runs.get(path);
  if (!p) {
    p = collectObservations(path, { dissectors: [enipDissector, enipIoDissector] }).then((r) => r.observations);
    runs.set(path, p);
  }
  return p;
}

/** A baseline log of an ICSNPP-ENIP test, with its columns. */
export async function icsnppLog(test: string, log: string): Promise<ZeekLog> {
  const { readFile } = await import('node:fs/promises');
  const fields =
    log === 'enip.log'
      ? ENIP_LOG_FIELDS
      : log === 'cip.log'
        ? CIP_LOG_FIELDS
        : log === 'cip_io.log'
          ? CIP_IO_LOG_FIELDS
          : CIP_IDENTITY_LOG_FIELDS;
  const text = await readFile(corpusPath(...ICSNPP_ENIP, 'baseline', test, log), 'utf8');
  return parseZeekLog(text, fields);
}

/** The ICSNPP-ENIP comparisons: test, trace, log, and how it is compared. */
export const ICSNPP_RUNS: [string, string, string, (obs: Observation[], log: ZeekLog) => CompareResult][] = [
  ['analyzer.basic', 'enip_cip_example.pcap', 'cip_identity.log', compareIdentityLog],
  ['analyzer.basic', 'enip_cip_example.pcap', 'enip.log', compareEnipLog],
  ['analyzer.basic', 'enip_cip_example.pcap', 'cip.log', compareCipLog],
  ['analyzer.basic', 'enip_cip_example.pcap', 'cip_io.log', compareCipIoLog],
  ['analyzer.multiple_service_request', 'multiple_service_packet_cip.pcapng', 'enip.log', compareEnipLog],
  ['analyzer.multiple_service_request', 'multiple_service_packet_cip.pcapng', 'cip.log', compareCipLog],
  ['analyzer.set_attr_single_service', 'set_attribute_single_service_cip.pcapng', 'enip.log', compareEnipLog],
  ['analyzer.set_attr_single_service', 'set_attribute_single_service_cip.pcapng', 'cip.log', compareCipLog],
];

/** Runs one ICSNPP comparison. */
export async function runIcsnpp(i: number): Promise<CompareResult> {
  const [test, trace, log, compare] = ICSNPP_RUNS[i] as (typeof ICSNPP_RUNS)[number];
  const obs = await observeTrace(...ICSNPP_ENIP, 'traces', trace);
  return compare(obs, await icsnppLog(test, log));
}

/** Agreement with every ICSNPP-ENIP baseline, for the lead's summary test. */
export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (let i = 0; i < ICSNPP_RUNS.length; i++) {
    const [test, trace, log] = ICSNPP_RUNS[i] as (typeof ICSNPP_RUNS)[number];
    const r = await runIcsnpp(i);
    out.push({
      protocol: log === 'cip_io.log' ? 'enip-io' : 'enip',
      baseline: `icsnpp-enip ${test}/${log} (${trace})`,
      matched: r.matched,
      total: r.total,
    });
  }
  return out;
}
