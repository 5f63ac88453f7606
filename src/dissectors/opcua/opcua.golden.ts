import { readdirSync, readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import { FakeContext } from '../../testing/fake-context.js';
import type { GoldenScore } from '../../testing/golden.js';
import { byConnection, canonicalJson, connKey } from '../../testing/zeek-log.js';
import { policyName, securityModeName, userTokenTypeName } from './opcua.consts.js';

/**
 * Golden-test support for OPC UA: runs the ICSNPP opcua-binary test traces through the real
 * pipeline and compares our observations with ICSNPP's logs. Those logs were cut with
 * `zeek-cut -n` (MANIFEST.json), so they have no header: columns are taken by position, as
 * documented next to each comparison. Rows are matched per connection (5-tuple) and in order.
 */

const ROOT = ['icsnpp', 'icsnpp-opcua-binary'];
export const OPCUA_TESTS: ReadonlyArray<readonly [trace: string, test: string]> = [
  ['open62541_client-server_mainloop.pcap', 'analyzer.basic'],
  ['opcua_with-gap.pcap', 'analyzer.data-gap'],
  ['opcua_with-gap_with-handshake.pcap', 'analyzer.data-gap_with-handshake'],
  ['open62541_client-server_mainloop-no-handshake.pcap', 'analyzer.no-handshake'],
  ['open62541_client-server_mainloop-not-localhost-non-standard-port.pcap', 'analyzer.non-standard-port'],
];

export interface Run {
  obs: Observation[];
  byKey: Map<string, Observation[]>;
}

const runs = new Map<string, Promise<Run>>();

/** Runs a trace once per process, remembering each flow's 5-tuple. */
export function observe(path: string): Promise<Run> {
  let p = runs.get(path);
  if (!p) {
    p = collectObservations(path).then(({ observations, flows }) => ({
      obs: observations,
      byKey: byConnection(observations, flows, 'opcua'),
    }));
    runs.set(path, p);
  }
  return p;
}

export function tracePath(trace: string): string {
  return corpusPath(...ROOT, 'tests', 'traces', trace);
}

/** Headerless rows (zeek-cut -n output): columns by position, '-' = unset. */
function rows(test: string, log: string): string[][] {
  let text: string;
  try {
    text = readFileSync(corpusPath(...ROOT, 'tests', 'baseline', test, log), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}

const val = (r: string[], i: number): string | null => {
  const v = r[i];
  return v === undefined || v === '-' ? null : v === '(empty)' ? '' : v;
};

export interface Comparison extends GoldenScore {
  mismatches: string[];
}

type Check = (o: Observation) => string | null;

/**
 * For each row, the first unused observation of its connection (either orientation) for which
 * `check` returns null (a match); else the row is a mismatch with the reason of the first
 * candidate of the right kind.
 */
function compare(
  test: string,
  log: string,
  run: Run,
  build: (r: string[]) => Check | null,
  reuse: boolean | ((r: string[]) => boolean) = false,
): Comparison {
  const res: Comparison = { protocol: 'opcua', baseline: `${test}/${log}`, matched: 0, total: 0, mismatches: [] };
  const used = new Set<Observation>();
  rows(test, log).forEach((r, i) => {
    const check = build(r);
    if (check === null) return;
    res.total++;
    const list =
      run.byKey.get(connKey(r[2] ?? '', r[3] ?? '', r[4] ?? '', r[5] ?? '')) ??
      run.byKey.get(connKey(r[4] ?? '', r[5] ?? '', r[2] ?? '', r[3] ?? '')) ??
      [];
    let why: string | null = 'no observation on the connection';
    const again = typeof reuse === 'function' ? reuse(r) : reuse;
    for (const o of list) {
      if (!again && used.has(o)) continue;
      const w = check(o);
      if (w === null) {
        used.add(o);
        res.matched++;
        return;
      }
      if (why === 'no observation on the connection' || why === 'skip') why = w;
    }
    res.mismatches.push(`${log}:${i + 2}: ${why}`);
  });
  return res;
}

const tx = (o: Observation): TransactionObservation | null => (o.kind === 'transaction' ? o : null);

function expectDetail(o: Observation, fn: string | null, want: Record<string, string | number | null>): string | null {
  const t = tx(o);
  if (!t || (fn !== null && t.fn !== fn)) return 'skip';
  for (const [k, v] of Object.entries(want)) {
    if (v === null) continue;
    const got = k === 'status' ? t.status : t.detail?.[k];
    if (String(got) !== String(v)) return `${t.fn}: ${k} expected ${v}, got ${String(got)}`;
  }
  return null;
}

/**
 * opcua_binary.log (one row per request/response pair; columns after zeek-cut): 6 msg_type,
 * 16 endpoint_url (HEL), 19 sec_policy_uri (OPN); the request's service name is the column
 * ending in `Request` (or `ServiceFault`), the response's the column ending in `Response`.
 */
export function compareMessages(test: string, run: Run): Comparison {
  return compare(
    test,
    'opcua_binary.log',
    run,
    (r) => {
      const msgType = r[6] ?? '';
      const request = r.find((x) => /^[A-Z]\w*Request$/.test(x)) ?? null;
      const response = r.find((x) => /^[A-Z]\w*(Response|ServiceFault)$/.test(x)) ?? null;
      const want: Record<string, string | number | null> = {
        msgType: msgType === 'ACK' ? 'HEL' : msgType,
        request,
        response,
      };
      if (msgType === 'HEL') want.endpointUrl = val(r, 16);
      if (msgType === 'OPN') want.policyUri = val(r, 19);
      return (o) => expectDetail(o, null, want);
    },
    (r) => r[6] === 'ACK',
  ); // HEL and ACK are two rows there, one transaction here
}

/**
 * opcua_binary_opensecure_channel.log: request rows (is_orig T) 11 client protocol version,
 * 12 request type, 13 security mode, 15 requested lifetime; response rows 16 server protocol
 * version, 17 channel id, 18 token id, 20 revised lifetime.
 */
export function compareOpenSecureChannel(test: string, run: Run): Comparison {
  return compare(
    test,
    'opcua_binary_opensecure_channel.log',
    run,
    (r) => {
      if (r[6] === 'T') {
        const rt = val(r, 12);
        const mode = val(r, 13);
        return (o) =>
          expectDetail(o, 'OpenSecureChannel', {
            requestType: rt === null ? null : rt === '0' ? 'Issue' : 'Renew',
            securityMode: mode === null ? null : securityModeName(Number(mode)),
            requestedLifetime: val(r, 15),
          });
      }
      return (o) =>
        expectDetail(o, 'OpenSecureChannel', {
          channelId: val(r, 17),
          tokenId: val(r, 18),
          revisedLifetime: val(r, 20),
        });
    },
    true,
  );
}

/**
 * opcua_binary_activate_session.log request rows: 19 identity token type name, 21 policy id,
 * 22 user name, 23 password (compared as our credential's fingerprint; the password itself
 * never appears in our output), 24 encryption algorithm. Response rows: the session answered.
 */
export function compareActivateSession(test: string, run: Run): Comparison {
  const fp = new FakeContext();
  return compare(test, 'opcua_binary_activate_session.log', run, (r) => {
    if (r[6] !== 'T') return (o) => expectDetail(o, 'ActivateSession', { response: 'ActivateSessionResponse' });
    const pw = val(r, 23);
    const user = val(r, 22);
    return (o) => {
      if (o.kind === 'credential') {
        if (pw === null) return 'skip';
        if (o.user !== user) return `credential user ${o.user}, expected ${user}`;
        if (o.secretFingerprint !== fp.fingerprint(pw)) return 'credential fingerprint differs';
        if (o.cleartext !== (val(r, 24) === null)) return `cleartext ${o.cleartext}`;
        return null;
      }
      if (pw !== null) return 'skip';
      return expectDetail(o, 'ActivateSession', { tokenType: val(r, 19), policyId: val(r, 21), user });
    };
  });
}

/** `9b63f7a0-fd18-0a8d-...` -> `a0f7639b-18fd-8d0a-...` (Data1-3 byte-swapped). */
export function wireOrderGuid(g: string): string {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-(.*)$/.exec(g);
  if (!m) return g;
  const rev = (h: string) => (h.match(/../g) ?? []).reverse().join('');
  return `${rev(m[1] as string)}-${rev(m[2] as string)}-${rev(m[3] as string)}-${m[4]}`;
}

/** opcua_binary_create_session.log: request 11 client application URI, 20 endpoint URL; response: session id (first GUID). */
export function compareCreateSession(test: string, run: Run): Comparison {
  return compare(
    test,
    'opcua_binary_create_session.log',
    run,
    (r) => {
      if (r[6] === 'T') {
        return (o) => expectDetail(o, 'CreateSession', { clientApplicationUri: val(r, 11), endpointUrl: val(r, 20) });
      }
      const sid = r.slice(11).find((x) => /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(x)) ?? null;
      return (o) => {
        const t = tx(o);
        if (t?.fn !== 'CreateSession') return 'skip';
        // ICSNPP prints a GUID's Data1-3 in wire (little-endian) byte order; OPC 10000-6 §5.2.2.7
        // and Wireshark read them as integers, as we do: compare in ICSNPP's order.
        return wireOrderGuid(String(t.detail?.sessionId ?? '')) === sid
          ? null
          : `sessionId ${t.detail?.sessionId}, expected ${sid}`;
      };
      // Request and response rows describe one transaction.
    },
    (r) => r[6] === 'F',
  );
}

/**
 * opcua_binary_get_endpoints.log (11 endpoint URL of the request) and
 * opcua_binary_get_endpoints_description.log / opcua_binary_create_session_endpoints.log
 * (11 endpoint URL, 12 application URI, 13 product URI, 16 application name, 23 security mode,
 * 24 security policy URI) and opcua_binary_get_endpoints_user_token.log (11 policy id,
 * 12 token type): against the GetEndpoints / CreateSession transaction and the server identity.
 */
export function compareEndpoints(test: string, run: Run): Comparison[] {
  const out: Comparison[] = [];
  out.push(
    compare(
      test,
      'opcua_binary_get_endpoints.log',
      run,
      (r) =>
        r[6] === 'T'
          ? (o) => expectDetail(o, 'GetEndpoints', { endpointUrl: val(r, 11) })
          : (o) => expectDetail(o, 'GetEndpoints', { response: 'GetEndpointsResponse' }),
      true,
    ),
  );
  const desc = (fn: string) => (r: string[]) => (o: Observation) => {
    if (o.kind === 'asset.identity' && fn === 'GetEndpoints') {
      const f = (field: string) => o.facts.find((x) => x.field === field)?.value ?? null;
      if (f('application_uri') === null) return 'skip';
      for (const [field, i] of [
        ['application_uri', 12],
        ['product_uri', 13],
        ['product_name', 16],
      ] as const) {
        if (val(r, i) !== null && f(field) !== val(r, i)) return `${field} ${f(field)}, expected ${val(r, i)}`;
      }
      return null;
    }
    const t = tx(o);
    if (t?.fn !== fn) return 'skip';
    const sec = `${policyName(val(r, 24))}/${securityModeName(Number(val(r, 23)))}`;
    if (
      !String(t.detail?.endpointSecurity ?? '')
        .split(',')
        .includes(sec)
    )
      return `${sec} not in ${t.detail?.endpointSecurity}`;
    return null;
  };
  out.push(compare(test, 'opcua_binary_get_endpoints_description.log', run, desc('GetEndpoints'), true));
  out.push(compare(test, 'opcua_binary_create_session_endpoints.log', run, desc('CreateSession'), true));
  out.push(
    compare(
      test,
      'opcua_binary_get_endpoints_user_token.log',
      run,
      (r) => (o) => {
        const t = tx(o);
        if (t?.fn !== 'GetEndpoints') return 'skip';
        const want = userTokenTypeName(Number(val(r, 12)));
        return String(t.detail?.userTokenTypes ?? '')
          .split(',')
          .includes(want)
          ? null
          : `${want} not offered`;
      },
      true,
    ),
  );
  return out;
}

export function compareAll(test: string, run: Run): Comparison[] {
  return [
    compareMessages(test, run),
    compareOpenSecureChannel(test, run),
    compareActivateSession(test, run),
    compareCreateSession(test, run),
    ...compareEndpoints(test, run),
  ].filter((c) => c.total > 0);
}

/** Every OPC UA capture of the corpus folder (the ICSNPP test traces and its pcaps/ collection). */
export function allTraces(): string[] {
  const out: string[] = [];
  for (const dir of [['tests', 'traces'], ['pcaps']]) {
    try {
      for (const f of readdirSync(corpusPath(...ROOT, ...dir)).sort()) {
        if (f.endsWith('.pcap')) out.push(corpusPath(...ROOT, ...dir, f));
      }
    } catch {
      // folder absent
    }
  }
  return out;
}

/** All OPC UA golden scores, for the lead's summary test. */
export async function goldenScores(): Promise<GoldenScore[]> {
  if (!hasCorpus) return [];
  const out: GoldenScore[] = [];
  for (const [trace, test] of OPCUA_TESTS) {
    const run = await observe(tracePath(trace));
    for (const c of compareAll(test, run)) {
      out.push({ protocol: 'opcua', baseline: `${c.baseline} (${trace})`, matched: c.matched, total: c.total });
    }
  }
  return out;
}

/** Our own golden lines: OPC UA transactions, identities and credentials, in emission order. */
export function goldenLines(obs: Observation[]): string[] {
  return obs.filter((o) => o.protocol === 'opcua' && o.kind !== 'anomaly').map((o) => canonicalJson(o));
}
