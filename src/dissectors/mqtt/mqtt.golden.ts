import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { connKey, parseZeekLog, zeekList } from '../../testing/zeek-log.js';
import type { Dissector } from '../contract.js';
import { goldenLines, observe, scoreLines } from '../profinet/profinet.golden.js';
import { mqttDissector } from './mqtt.dissector.js';

/**
 * Golden support for MQTT (tests only): Zeek's `scripts.base.protocols.mqtt.mqtt` baselines
 * (mqtt_connect.log, mqtt_publish.log, mqtt_subscribe.log for mqtt.pcap) and our own JSON-lines
 * baseline of the same trace. Rows are matched per connection: each baseline 5-tuple takes the
 * flow whose transactions agree with most of its rows (observations carry flow ids, not
 * addresses), then rows and transactions pair in order.
 */

export const TRACE = ['zeek-btest', 'testing', 'btest', 'Traces', 'mqtt.pcap'];
const BASE = ['zeek-btest', 'testing', 'btest', 'Baseline', 'scripts.base.protocols.mqtt.mqtt'];
export const LOGS = ['mqtt_connect.log', 'mqtt_publish.log', 'mqtt_subscribe.log'] as const;

export const goldenFile = join(repoRoot, 'src', 'dissectors', 'mqtt', 'golden', 'mqtt.jsonl');
export const observeMqtt = () => observe(TRACE, mqttDissector as Dissector);
export const mqttLines = (obs: Observation[]) => goldenLines(obs, 'mqtt');

type Row = Record<string, string | null>;
/** What a row expects of one transaction: [fn, field -> expected value]. */
type Expect = { fn: string; fields: Record<string, string | number | boolean> };

const bool = (v: string | null) => v === 'T';

/** Zeek's row -> the transaction fields we compare (the columns the issue names). */
function expectOf(log: (typeof LOGS)[number], r: Row, list: (v: string | null) => string[]): Expect {
  switch (log) {
    case 'mqtt_connect.log':
      return {
        fn: 'CONNECT',
        fields: {
          protoName: r.proto_name ?? '',
          protoVersion: r.proto_version ?? '',
          clientId: r.client_id ?? '',
          connectStatus: r.connect_status ?? '',
          ...(r.will_topic ? { willTopic: r.will_topic } : {}),
        },
      };
    case 'mqtt_publish.log':
      return {
        fn: 'PUBLISH',
        fields: {
          fromClient: bool(r.from_client),
          retain: bool(r.retain),
          qos: r.qos === 'at most once' ? 0 : r.qos === 'at least once' ? 1 : 2,
          status: r.status === 'ok' ? 'ok' : String(r.status),
          topic: r.topic ?? '',
          payloadLen: Number(r.payload_len),
        },
      };
    case 'mqtt_subscribe.log':
      return {
        fn: r.action === 'MQTT::SUBSCRIBE' ? 'SUBSCRIBE' : 'UNSUBSCRIBE',
        fields: {
          topics: list(r.topics).join(','),
          qosLevels: list(r.qos_levels).join(','),
          grantedQos: r.granted_qos_level ?? '',
          status: r.ack === 'T' ? 'ok' : 'no-response',
        },
      };
  }
}

function value(tx: TransactionObservation, f: string): string | number | boolean | undefined {
  return f === 'status' ? tx.status : tx.detail?.[f];
}

export interface MqttCompare {
  log: string;
  matched: number;
  total: number;
  mismatches: string[];
}

export function compareLog(obs: Observation[], log: (typeof LOGS)[number], text: string): MqttCompare {
  const z = parseZeekLog(text);
  const txs = obs.filter((o): o is TransactionObservation => o.kind === 'transaction' && o.protocol === 'mqtt');
  const flows = [...new Set(txs.map((t) => t.flowId))];
  const byKey = new Map<string, Expect[]>();
  for (const r of z.rows) {
    const key = connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
    const e = expectOf(log, r, (v) => zeekList(z, v));
    byKey.set(key, [...(byKey.get(key) ?? []), e]);
  }
  const res: MqttCompare = { log, matched: 0, total: z.rows.length, mismatches: [] };
  const used = new Set<number>();
  const agree = (t: TransactionObservation, e: Expect) =>
    t.fn === e.fn && Object.entries(e.fields).every(([f, v]) => value(t, f) === v);
  const score = (flow: number, rows: Expect[]) => {
    const mine = txs.filter((t) => t.flowId === flow);
    const taken = new Set<TransactionObservation>();
    let n = 0;
    for (const e of rows) {
      const t = mine.find((x) => !taken.has(x) && agree(x, e));
      if (t) {
        taken.add(t);
        n++;
      }
    }
    return n;
  };
  for (const [key, rows] of byKey) {
    let best = -1;
    let bestScore = -1;
    for (const f of flows) {
      if (used.has(f)) continue;
      const s = score(f, rows);
      if (s > bestScore) [best, bestScore] = [f, s];
    }
    if (best >= 0) used.add(best);
    res.matched += Math.max(0, bestScore);
    if (bestScore < rows.length) {
      const mine = txs.filter((t) => t.flowId === best && t.fn === rows[0]?.fn).map((t) => JSON.stringify(t.detail));
      res.mismatches.push(
        `${log} ${key}: ${bestScore}/${rows.length}; expected ${JSON.stringify(rows)}; ours ${mine.join(' ')}`,
      );
    }
  }
  return res;
}

export async function compareAll(): Promise<MqttCompare[]> {
  const obs = await observeMqtt();
  return LOGS.map((l) => compareLog(obs, l, readFileSync(corpusPath(...BASE, l), 'utf8')));
}

export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = (await compareAll()).map((c) => ({
    protocol: 'mqtt',
    baseline: `Zeek ${c.log} (mqtt.pcap)`,
    matched: c.matched,
    total: c.total,
  }));
  const { matched, total } = scoreLines(goldenFile, mqttLines(await observeMqtt()));
  out.push({ protocol: 'mqtt', baseline: `golden/${basename(goldenFile)} (mqtt.pcap)`, matched, total });
  return out;
}
