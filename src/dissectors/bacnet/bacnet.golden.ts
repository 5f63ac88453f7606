import { readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { CredentialObservation, Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import { FakeContext } from '../../testing/fake-context.js';
import type { GoldenScore } from '../../testing/golden.js';
import { byConnection, canonicalJson, connKey, parseZeekLog, type ZeekLog } from '../../testing/zeek-log.js';

/**
 * Golden-test support for BACnet: runs the ICSNPP test traces through the real pipeline and
 * compares our observations with the logs ICSNPP's Zeek parser writes for them
 * (bacnet_discovery.log, bacnet.log, bacnet_property.log, bacnet_device_control.log).
 * Rows are matched per connection (5-tuple) and in order. Tests only.
 */

export const BACNET_TRACES = ['icsnpp', 'icsnpp-bacnet', 'testing', 'traces'];
export const BACNET_BASE = ['icsnpp', 'icsnpp-bacnet', 'testing', 'baseline'];

/** Traces and their baseline folders (MANIFEST.json of icsnpp-bacnet). */
export const BACNET_TESTS: ReadonlyArray<readonly [trace: string, test: string, logs: readonly string[]]> = [
  ['bacnet_example.pcap', 'analyzer.basic', ['bacnet_discovery.log', 'bacnet.log', 'bacnet_property.log']],
  [
    'bacnet_error_reject_abort.pcap',
    'analyzer.error-reject-abort',
    ['bacnet_discovery.log', 'bacnet.log', 'bacnet_property.log'],
  ],
  [
    'bacnet_segmented_data.pcap',
    'analyzer.segmented_data',
    ['bacnet_discovery.log', 'bacnet.log', 'bacnet_property.log'],
  ],
  [
    'bacnet_services.pcap',
    'analyzer.services',
    ['bacnet_discovery.log', 'bacnet.log', 'bacnet_property.log', 'bacnet_device_control.log'],
  ],
];

export interface Run {
  obs: Observation[];
  /** Our observations grouped by connection key (`orig:port>resp:port`). */
  byKey: Map<string, Observation[]>;
}

const runs = new Map<string, Promise<Run>>();

/** Runs a trace once per process, remembering each flow's 5-tuple (observations carry only flow ids). */
export function observe(trace: string): Promise<Run> {
  let p = runs.get(trace);
  if (!p) {
    p = collectObservations(corpusPath(...BACNET_TRACES, trace)).then(({ observations, flows }) => ({
      obs: observations,
      byKey: byConnection(observations, flows, 'bacnet'),
    }));
    runs.set(trace, p);
  }
  return p;
}

export function baseline(test: string, log: string): ZeekLog {
  return parseZeekLog(readFileSync(corpusPath(...BACNET_BASE, test, log), 'utf8'));
}

function rowKey(r: Record<string, string | null>): string {
  return connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
}

function ours(run: Run, r: Record<string, string | null>): Observation[] {
  return (
    run.byKey.get(rowKey(r)) ??
    run.byKey.get(connKey(r['id.resp_h'] ?? '', r['id.resp_p'] ?? '', r['id.orig_h'] ?? '', r['id.orig_p'] ?? '')) ??
    []
  );
}

export interface Comparison extends GoldenScore {
  mismatches: string[];
  /** Rows counted as matched although a field differs, with the documented reason. */
  allowed: string[];
}

/** Field expectations of one baseline row; `null` = the baseline says nothing. */
type Expect = Record<string, string | number | boolean | null>;

/**
 * Matches rows to our observations of the same connection, in order: the first unused
 * candidate for which `same` holds. A row matches when all its expectations hold, or the
 * differences are allowed (`allow` returns the reason).
 */
function matchRows<T extends Observation>(
  name: string,
  baselineName: string,
  log: ZeekLog,
  run: Run,
  rows: (r: Record<string, string | null>) => Expect | null,
  pick: (o: Observation) => o is T,
  get: (o: T, field: string) => string | number | boolean | undefined,
  key: readonly string[],
  allow: (field: string, want: string | number | boolean, got: unknown) => string | null = () => null,
): Comparison {
  const res: Comparison = {
    protocol: 'bacnet',
    baseline: `${baselineName}`,
    matched: 0,
    total: 0,
    mismatches: [],
    allowed: [],
  };
  const used = new Map<Observation[], boolean[]>();
  log.rows.forEach((r, i) => {
    const e = rows(r);
    if (e === null) return;
    res.total++;
    const list = ours(run, r);
    let u = used.get(list);
    if (!u) {
      u = list.map(() => false);
      used.set(list, u);
    }
    let at = -1;
    for (let j = 0; j < list.length; j++) {
      const o = list[j] as Observation;
      if (u[j] || !pick(o)) continue;
      if (key.every((k) => e[k] === null || e[k] === undefined || norm(get(o, k)) === norm(e[k]))) {
        at = j;
        break;
      }
    }
    if (at < 0) {
      res.mismatches.push(`${name}:${i + 1}: nothing for ${canonicalJson(e)} on ${rowKey(r)}`);
      return;
    }
    u[at] = true;
    const o = list[at] as T;
    const diffs: string[] = [];
    const allowed: string[] = [];
    for (const [f, v] of Object.entries(e)) {
      if (v === null) continue;
      const got = get(o, f);
      if (norm(got) === norm(v)) continue;
      const why = allow(f, v, got);
      if (why) allowed.push(`${f}: ${v} vs ${String(got)} (${why})`);
      else diffs.push(`${f}: expected ${v}, got ${String(got)}`);
    }
    if (diffs.length === 0) {
      res.matched++;
      if (allowed.length) res.allowed.push(`${name}:${i + 1}: ${allowed.join('; ')}`);
    } else res.mismatches.push(`${name}:${i + 1}: ${diffs.join('; ')}`);
  });
  return res;
}

function norm(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

const isTx = (o: Observation): o is TransactionObservation => o.kind === 'transaction';
const detail = (t: TransactionObservation, f: string) => (f in t ? (t as never)[f] : t.detail?.[f]);

/**
 * ICSNPP names vendors from its own copy of the ASHRAE list: without commas (Zeek's set
 * separator) and without ids assigned after it was made ("Unknown Vendor-0x539" for 1337,
 * which ASHRAE assigned to Xxter bv).
 */
export function allowVendor(field: string, want: string | number | boolean, got: unknown): string | null {
  if (field !== 'vendor' || typeof got !== 'string') return null;
  if (String(want).replace(/,/g, '') === got.replace(/,/g, '')) return null;
  if (/^Unknown Vendor-0x[0-9a-f]+$/i.test(String(want)) && !got.startsWith('unknown-')) {
    return 'vendor id assigned after the ICSNPP table was made';
  }
  return null;
}

/** bacnet_discovery.log: Who-Is, I-Am, Who-Has, I-Have with their fields. */
export function compareDiscovery(test: string, run: Run): Comparison {
  const log = baseline(test, 'bacnet_discovery.log');
  const res = matchRows(
    'bacnet_discovery.log',
    `${test}/bacnet_discovery.log`,
    log,
    run,
    (r) => {
      const fn = (r.pdu_service ?? '').replace(/-/g, '_');
      const e: Expect = { fn };
      if (fn === 'who_is' || fn === 'who_has') e.range = r.range;
      if (fn === 'i_am' || fn === 'i_have' || fn === 'who_has') {
        e.objectType = r.object_type;
        e.instance = r.instance_number;
      }
      if (fn === 'i_am') e.vendor = r.vendor;
      if (fn === 'i_have') {
        e.deviceInstance = r.device_id_number;
        e.objectName = r.object_name ?? '';
      }
      if (fn === 'who_has' && r.object_name !== 'N/A') e.objectName = r.object_name;
      return e;
    },
    isTx,
    detail,
    ['fn', 'instance', 'deviceInstance', 'range'],
    (f, want, got) => {
      const v = allowVendor(f, want, got);
      if (f === 'objectName' && want === '' && got !== '') return 'ICSNPP leaves DBCS (charset 1) names empty';
      if (f === 'vendor' && v === null && String(want).replace(/,/g, '') === String(got).replace(/,/g, ''))
        return 'commas';
      return v;
    },
  );
  return res;
}

/**
 * bacnet.log: one row per APDU. Confirmed requests pair with the answer of the same invoke id
 * (as our transactions do); unconfirmed requests and network messages stand alone.
 * Segment-ACK rows steer segmentation and are not transactions: they are not counted.
 */
export function compareApdus(test: string, run: Run): Comparison {
  const log = baseline(test, 'bacnet.log');
  // Fold answers into their requests first.
  const pending = new Map<string, Expect>();
  const rows = new Map<Record<string, string | null>, Expect>();
  for (const r of log.rows) {
    const type = r.pdu_type;
    const fn = r.pdu_service ?? '';
    const inv = r.invoke_id ?? '';
    const key = `${rowKey(r)}|${inv}`;
    if (type === 'SEGMENT_ACK') continue;
    if (type === 'CONFIRMED_REQUEST') {
      const e: Expect = { fn, tid: inv, status: 'no-response' };
      pending.set(key, e);
      rows.set(r, e);
    } else if (type === 'UNCONFIRMED_REQUEST' || type === 'NPDU') {
      rows.set(r, { fn, status: 'ok' });
    } else {
      const p = pending.get(key);
      const exc = type === 'ERROR_PDU' || type === 'REJECT_PDU' || type === 'ABORT_PDU' ? (r.result_code ?? '') : null;
      if (p && (p.fn === fn || fn === 'reject' || fn === 'abort')) {
        pending.delete(key);
        p.status = exc === null ? 'ok' : 'exception';
        if (exc !== null) p.exception = exc;
      } else {
        rows.set(r, { fn, tid: inv, status: 'unsolicited', exception: exc });
      }
    }
  }
  const filtered: ZeekLog = { ...log, rows: log.rows.filter((r) => rows.has(r)) };
  return matchRows('bacnet.log', `${test}/bacnet.log`, filtered, run, (r) => rows.get(r) ?? null, isTx, detail, [
    'fn',
    'tid',
  ]);
}

/** The identity properties of the device object we decode (bacnet_property.log rows about them). */
export const IDENTITY_PROPERTY_NAMES = new Set([
  'vendor-name',
  'vendor-identifier',
  'model-name',
  'firmware-revision',
  'application-software-version',
  'object-name',
  'location',
  'description',
  'serial-number',
]);

/**
 * bacnet_property.log rows about the device object's identity properties: each request row
 * needs our transaction with its invoke id naming the property (ReadPropertyMultiple: one
 * transaction, several rows); each ACK row needs an identity fact from that property with the
 * same value.
 */
export function compareDeviceProperties(test: string, run: Run): Comparison {
  const log = baseline(test, 'bacnet_property.log');
  const res: Comparison = {
    protocol: 'bacnet',
    baseline: `${test}/bacnet_property.log (device identity properties)`,
    matched: 0,
    total: 0,
    mismatches: [],
    allowed: [],
  };
  const fnOf: Record<string, string> = {
    'read-property-request': 'read_property',
    'read-property-multiple-request': 'read_property_multiple',
    'write-property': 'write_property',
  };
  const usedFacts = new Set<object>();
  log.rows.forEach((r, i) => {
    const prop = r.property ?? '';
    if (r.object_type !== 'device' || !IDENTITY_PROPERTY_NAMES.has(prop)) return;
    res.total++;
    const list = ours(run, r);
    let ok = false;
    if (r.pdu_service === 'read-property-ack') {
      for (const o of list) {
        // A device behind a BACnet router (SNET/SADR) is not the IP sender: its values stay in
        // the transaction's detail instead of an identity about the router's address.
        if (
          o.kind === 'transaction' &&
          o.detail?.snet !== undefined &&
          String(o.tid) === r.invoke_id &&
          o.detail?.property === prop &&
          o.detail?.value === r.value
        ) {
          ok = true;
          break;
        }
        if (o.kind !== 'asset.identity') continue;
        const f = o.facts.find((x) => !usedFacts.has(x) && x.source.endsWith(`.${prop}`) && x.value === r.value);
        if (f) {
          usedFacts.add(f);
          ok = true;
          break;
        }
      }
    } else {
      const fn = fnOf[r.pdu_service ?? ''];
      ok = list.some((o) => {
        if (o.kind !== 'transaction' || o.fn !== fn || String(o.tid) !== r.invoke_id) return false;
        const props = String(o.detail?.properties ?? o.detail?.property ?? '').split(',');
        return props.includes(prop) && String(o.detail?.instance) === r.instance_number;
      });
    }
    if (ok) res.matched++;
    else
      res.mismatches.push(
        `bacnet_property.log:${i + 1}: ${r.pdu_service} ${prop} = ${r.value} (invoke ${r.invoke_id})`,
      );
  });
  return res;
}

/**
 * bacnet_device_control.log: DeviceCommunicationControl and ReinitializeDevice requests
 * (state, duration, password) and their results. The password column is compared by
 * fingerprint: our credential must carry HMAC(test key, password); the password itself is
 * never in our output.
 */
export function compareDeviceControl(test: string, run: Run): Comparison {
  const log = baseline(test, 'bacnet_device_control.log');
  const fp = new FakeContext();
  const requests: ZeekLog = { ...log, rows: log.rows.filter((r) => r.result === null) };
  const results = new Map<string, Record<string, string | null>>();
  for (const r of log.rows) if (r.result !== null) results.set(`${rowKey(r)}|${r.invoke_id}`, r);
  const creds = new Map<TransactionObservation, CredentialObservation>();
  for (const list of run.byKey.values()) {
    for (let i = 0; i < list.length; i++) {
      const o = list[i] as Observation;
      if (o.kind !== 'credential') continue;
      // Our credential is emitted right after its transaction (same request time).
      for (let j = i - 1; j >= 0; j--) {
        const t = list[j] as Observation;
        if (t.kind === 'transaction' && t.ts === o.ts && !creds.has(t)) {
          creds.set(t, o);
          break;
        }
      }
    }
  }
  return matchRows(
    'bacnet_device_control.log',
    `${test}/bacnet_device_control.log`,
    requests,
    run,
    (r) => {
      const res = results.get(`${rowKey(r)}|${r.invoke_id}`);
      const e: Expect = {
        fn: r.pdu_service,
        tid: r.invoke_id,
        state: r.device_state,
        duration: r.time_duration,
        passwordFingerprint: r.password === null ? null : fp.fingerprint(r.password),
      };
      if (res) {
        e.status = res.result === 'SUCCESS' ? 'ok' : 'exception';
        if (res.result_code) e.exception = res.result_code;
      }
      return e;
    },
    isTx,
    (t, f) => (f === 'passwordFingerprint' ? (creds.get(t)?.secretFingerprint ?? undefined) : detail(t, f)),
    ['fn', 'tid'],
  );
}

/** All BACnet golden scores, for the lead's summary test. */
export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const [trace, test, logs] of BACNET_TESTS) {
    const run = await observe(trace);
    for (const c of compareAll(test, logs, run)) {
      out.push({ protocol: c.protocol, baseline: `${c.baseline} (${trace})`, matched: c.matched, total: c.total });
    }
  }
  return out;
}

export function compareAll(test: string, logs: readonly string[], run: Run): Comparison[] {
  const out: Comparison[] = [];
  for (const log of logs) {
    if (log === 'bacnet_discovery.log') out.push(compareDiscovery(test, run));
    else if (log === 'bacnet.log') out.push(compareApdus(test, run));
    else if (log === 'bacnet_property.log') out.push(compareDeviceProperties(test, run));
    else if (log === 'bacnet_device_control.log') out.push(compareDeviceControl(test, run));
  }
  return out;
}

/** Our own golden lines: BACnet transactions, identities and credentials, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => o.protocol === 'bacnet' && o.kind !== 'anomaly').map((o) => canonicalJson(o));
}
