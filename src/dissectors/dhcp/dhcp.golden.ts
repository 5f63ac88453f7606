import { collectObservations } from '../../engine/collect.js';
import type { Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, parseZeekLog, type ZeekLog } from '../../testing/zeek-log.js';
import { dhcpDissector } from './dhcp.dissector.js';

/**
 * Golden-test support for DHCP (tests only): Zeek's dhcp.log joins the messages of one xid
 * across connections into one row. `zeekRows` replays Zeek's `DHCP::aggregate_msgs` logic
 * (base/protocols/dhcp/main.zeek) over our transactions, so the fields both tools extract can be
 * compared row by row.
 */

export const ZEEK = ['zeek-btest', 'testing', 'btest'];
export const TRACES = [...ZEEK, 'Traces', 'dhcp'];
export const BASE = [...ZEEK, 'Baseline'];

/** The dhcp.log fields compared (the list, plus client_addr and lease_time). */
export const FIELDS = [
  'client_addr',
  'server_addr',
  'mac',
  'host_name',
  'client_fqdn',
  'domain',
  'requested_addr',
  'assigned_addr',
  'lease_time',
  'msg_types',
] as const;
export type DhcpField = (typeof FIELDS)[number] | 'circuit_id' | 'agent_remote_id' | 'subscriber_id';

export type DhcpRow = Partial<Record<DhcpField, string>>;

interface Event {
  ts: number;
  flowId: number;
  client: boolean;
  type: string;
  d: Record<string, string | number | boolean>;
}

/** One DHCP message per event, in time order: client messages and the server answers. */
function events(obs: Observation[]): Map<number, Event[]> {
  const byXid = new Map<number, Event[]>();
  const add = (xid: number, e: Event) => {
    let g = byXid.get(xid);
    if (!g) {
      g = [];
      byXid.set(xid, g);
    }
    g.push(e);
  };
  for (const o of obs) {
    if (o.kind !== 'transaction' || o.protocol !== 'dhcp') continue;
    const t = o as TransactionObservation;
    const d = t.detail ?? {};
    if (t.status !== 'unsolicited') add(t.tid ?? 0, { ts: t.ts, flowId: t.flowId, client: true, type: t.fn, d });
    if (typeof d.reply === 'string') {
      add(t.tid ?? 0, { ts: t.ts + (t.rttUs ?? 0), flowId: t.flowId, client: false, type: d.reply, d });
    }
  }
  for (const g of byXid.values()) g.sort((a, b) => a.ts - b.ts);
  return byXid;
}

/**
 * Zeek's dhcp.log rows from our observations. A row is written when its uids or msg_types
 * reach the limits (`DHCP::max_uids_per_log_entry`, `max_msg_types_per_log_entry`); Zeek's
 * 5 s/30 s expiry does not split any trace compared here.
 */
export function zeekRows(obs: Observation[], maxUids = 10, maxMsgTypes = 50): DhcpRow[] {
  const rows: DhcpRow[] = [];
  for (const g of events(obs).values()) {
    let row: DhcpRow | null = null;
    let uids = new Set<number>();
    let types: string[] = [];
    let clientChaddr = '';
    const close = () => {
      if (row === null) return;
      if (row.mac === undefined && clientChaddr) row.mac = clientChaddr;
      row.msg_types = types.join(',');
      rows.push(row);
      row = null;
    };
    for (const e of g) {
      if (row === null) {
        row = {};
        uids = new Set();
        types = [];
        clientChaddr = '';
      }
      const r: DhcpRow = row;
      uids.add(e.flowId);
      types.push(e.type);
      const d = e.d;
      const s = (k: string) => (d[k] === undefined ? undefined : String(d[k]));
      if (e.client) {
        if (d.clientAddr !== undefined) r.client_addr = s('clientAddr');
        if (d.hostName !== undefined) r.host_name = s('hostName');
        if (d.clientFqdn !== undefined) r.client_fqdn = s('clientFqdn');
        if (d.clientIdMac !== undefined) r.mac = s('clientIdMac');
        else if (d.chaddr !== undefined) clientChaddr = String(d.chaddr);
        if (d.requestedAddr !== undefined) r.requested_addr = s('requestedAddr');
      } else {
        if (d.assignedAddr !== undefined) {
          r.server_addr = s('serverAddr');
          r.assigned_addr = s('assignedAddr');
        }
        if (d.replyChaddr !== undefined && r.mac === undefined) r.mac = s('replyChaddr');
        if (r.client_addr === undefined && r.assigned_addr !== undefined) r.client_addr = r.assigned_addr;
        if (d.domain !== undefined) r.domain = s('domain');
        if (d.leaseTime !== undefined) r.lease_time = `${d.leaseTime}.000000`;
      }
      for (const [k, f] of [
        ['circuitId', 'circuit_id'],
        ['agentRemoteId', 'agent_remote_id'],
        ['subscriberId', 'subscriber_id'],
      ] as const) {
        if (d[k] !== undefined) r[f] = String(d[k]);
      }
      if (uids.size >= maxUids || types.length >= maxMsgTypes) close();
    }
    close();
  }
  return rows;
}

/** Zeek's rows with the compared fields (unset '-' -> absent). */
export function baselineRows(log: ZeekLog, fields: readonly DhcpField[]): DhcpRow[] {
  return log.rows.map((r) => {
    const out: DhcpRow = {};
    for (const f of fields) {
      const v = r[f];
      if (v !== null && v !== undefined) out[f] = v;
    }
    return out;
  });
}

/**
 * Zeek logs option bytes as they are (escaped `\x13`); we never keep control characters in a
 * value (they become '.', see `ascii`), so the baseline is compared in that form.
 */
function printable(r: DhcpRow): DhcpRow {
  const out: DhcpRow = {};
  for (const [k, v] of Object.entries(r) as [DhcpField, string][]) out[k] = v.replace(/[\x00-\x1f\x7f]/g, '.');
  return out;
}

export interface DhcpCompare {
  matched: number;
  total: number;
  mismatches: string[];
  extra: number;
}

/**
 * Pairs each baseline row with the unused row of ours that agrees on most fields (Zeek writes
 * rows in expiry order, not time order), then counts exact agreements on `fields`.
 */
export function compareRows(ours: DhcpRow[], want: DhcpRow[], fields: readonly DhcpField[]): DhcpCompare {
  const used = ours.map(() => false);
  const res: DhcpCompare = { matched: 0, total: want.length, mismatches: [], extra: 0 };
  want.forEach((w, i) => {
    let best = -1;
    let bestScore = -1;
    ours.forEach((o, j) => {
      if (used[j]) return;
      const score = fields.filter((f) => o[f] === w[f]).length;
      if (score > bestScore) {
        best = j;
        bestScore = score;
      }
    });
    if (best < 0) {
      res.mismatches.push(`row ${i + 1}: no row of ours left`);
      return;
    }
    used[best] = true;
    const o = ours[best] as DhcpRow;
    const diffs = fields.filter((f) => o[f] !== w[f]).map((f) => `${f}: expected ${w[f]}, got ${o[f]}`);
    if (diffs.length === 0) res.matched++;
    else res.mismatches.push(`row ${i + 1}: ${diffs.join('; ')}`);
  });
  res.extra = used.filter((u) => !u).length;
  return res;
}

export async function observe(...parts: string[]): Promise<Observation[]> {
  return (await collectObservations(corpusPath(...parts), { dissectors: [dhcpDissector] })).observations;
}

/** The dhcp.log baselines compared: [test, trace, extra fields, maxUids, maxMsgTypes]. */
export const DHCP_LOGS: ReadonlyArray<readonly [string, string, readonly DhcpField[], number, number]> = [
  ['dhcp-all-msg-types', 'dhcp.pcap', [], 10, 50],
  ['dhcp-ack-msg-types', 'dhcp_ack_subscriber_id_and_agent_remote_id.pcap', [], 10, 50],
  [
    'dhcp-sub-opts',
    'dhcp_ack_subscriber_id_and_agent_remote_id.pcap',
    ['circuit_id', 'agent_remote_id', 'subscriber_id'],
    10,
    50,
  ],
  ['dhcp-discover-msg-types', 'dhcp_discover_param_req_and_client_id.pcap', [], 10, 50],
  ['inform', 'dhcp_inform.pcap', [], 10, 50],
  ['dhcp-max-tracked-transactions', 'dhcp-unique-xid-join-data-growth.pcapng', [], 10, 50],
  ['dhcp-prevent-large-msgtypes', 'dhcp_flood.pcap', [], 500, 8],
  ['dhcp-prevent-large-uids', 'dhcp_flood.pcap', [], 5, 50],
];

export async function compareDhcpLog(
  test: string,
  trace: string,
  extra: readonly DhcpField[],
  maxUids: number,
  maxMsgTypes: number,
): Promise<DhcpCompare> {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(corpusPath(...BASE, `scripts.base.protocols.dhcp.${test}`, 'dhcp.log'), 'utf8');
  const fields = [...FIELDS, ...extra];
  // `btest-diff-cut -m` baselines have no header: their first line names the columns.
  const first = text.split('\n').find((l) => l !== '' && !l.startsWith('#')) ?? '';
  const log = text.includes('#fields')
    ? parseZeekLog(text)
    : parseZeekLog(text.replace(`${first}\n`, ''), first.split('\t'));
  const want = baselineRows(log, fields).map(printable);
  const ours = zeekRows(await observe(...TRACES, trace), maxUids, maxMsgTypes);
  return compareRows(ours, want, fields);
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const [test, trace, extra, u, m] of DHCP_LOGS) {
    const r = await compareDhcpLog(test, trace, extra, u, m);
    out.push({ protocol: 'dhcp', baseline: `zeek ${test}/dhcp.log (${trace})`, matched: r.matched, total: r.total });
  }
  return out;
}

/** Our golden lines: DHCP transactions and identities, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs
    .filter((o) => o.protocol === 'dhcp' && (o.kind === 'transaction' || o.kind === 'asset.identity'))
    .map((o) => canonicalJson(o));
}
