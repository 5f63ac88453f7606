import { readFileSync } from 'node:fs';
import { collectObservations } from '../../engine/collect.js';
import type { IdentityObservation, Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath } from '../../testing/corpus.js';
import type { GoldenScore } from '../../testing/golden.js';
import { canonicalJson, connKey, parseZeekLog, type ZeekLog, zeekList } from '../../testing/zeek-log.js';
import type { Dissector, FlowInfo } from '../contract.js';
import { tlsDissector } from './tls.dissector.js';

/**
 * Golden-test support for TLS (tests only): run traces through the real pipeline, remember each
 * flow's 5-tuple, and compare our HANDSHAKE transactions and certificate facts with Zeek's
 * ssl.log and x509.log.
 */

export const ZEEK_TRACES = ['zeek-btest', 'testing', 'btest', 'Traces'];
export const ZEEK_BASE = ['zeek-btest', 'testing', 'btest', 'Baseline'];

interface StartTlsState<S> {
  started: [boolean, boolean];
  inner: S;
}

/**
 * Test harness for STARTTLS protocols (FTP AUTH TLS, POP3 STLS): on `ports`, skips the
 * clear-text lines of each side until a TLS handshake record starts, then hands the rest to
 * `d`. The product's FTP/POP dissectors own those ports; this only lets the golden tests
 * compare our TLS parsing with Zeek's ssl.log on those traces.
 */
export function startTls<S>(d: Dissector<S>, ports: number[]): Dissector<StartTlsState<S>> {
  return {
    name: d.name,
    transports: ['tcp'],
    defaultPorts: ports,
    newState: (flow) => ({ started: [false, false], inner: d.newState(flow) }),
    parse(s, buf, off, len, ctx) {
      const dir = ctx.dir;
      if (s.started[dir]) return d.parse(s.inner, buf, off, len, ctx);
      let pos = off;
      const end = off + len;
      while (pos < end) {
        if (buf[pos] === 0x16 && (end - pos < 2 || buf[pos + 1] === 0x03)) {
          s.started[dir] = true;
          return pos - off + d.parse(s.inner, buf, pos, end - pos, ctx);
        }
        const nl = buf.indexOf(0x0a, pos);
        if (nl < 0 || nl >= end) break;
        pos = nl + 1;
      }
      return pos - off;
    },
    onEnd: (s, ctx) => d.onEnd?.(s.inner, ctx),
  };
}

export interface TlsRun {
  obs: Observation[];
  flows: Map<number, FlowInfo>;
}

const runs = new Map<string, Promise<TlsRun>>();

/** Observations of a corpus trace (cached per path); `starttls` ports get the STARTTLS harness. */
export function tlsRun(parts: string[], starttls: number[] = []): Promise<TlsRun> {
  const path = corpusPath(...parts);
  const key = `${path}|${starttls.join(',')}`;
  let p = runs.get(key);
  if (!p) {
    const extra: Dissector[] = [
      starttls.length > 0 ? (startTls(tlsDissector, starttls) as Dissector) : (tlsDissector as Dissector),
    ];
    if (starttls.length > 0) extra.push(tlsDissector as Dissector);
    p = collectObservations(path, { dissectors: extra }).then((r) => ({ obs: r.observations, flows: r.flows }));
    runs.set(key, p);
  }
  return p;
}

export function baseline(...parts: string[]): string {
  return readFileSync(corpusPath(...parts), 'utf8');
}

/** Our observations as canonical JSON lines (transactions, identities, anomalies of 'tls'). */
export function goldenLines(obs: Observation[], protocol = 'tls'): string[] {
  return obs.filter((o) => o.protocol === protocol).map((o) => canonicalJson(o));
}

export interface CompareResult {
  matched: number;
  total: number;
  mismatches: string[];
}

function flowKey(f: FlowInfo): string {
  return connKey(f.clientIp, f.clientPort, f.serverIp, f.serverPort);
}

function rowKey(r: Record<string, string | null>): string {
  return connKey(r['id.orig_h'] ?? '', r['id.orig_p'] ?? '', r['id.resp_h'] ?? '', r['id.resp_p'] ?? '');
}

function handshakeByKey(run: TlsRun): Map<string, TransactionObservation> {
  const m = new Map<string, TransactionObservation>();
  for (const o of run.obs) {
    if (o.kind !== 'transaction' || o.protocol !== 'tls') continue;
    const f = run.flows.get(o.flowId);
    if (f) m.set(flowKey(f), o);
  }
  return m;
}

/** Zeek's ssl.log rows vs our HANDSHAKE transactions: version, cipher, server_name, resumed, established. */
export function compareSslLog(run: TlsRun, log: ZeekLog, allow: (key: string) => boolean = () => false): CompareResult {
  const ours = handshakeByKey(run);
  const res: CompareResult = { matched: 0, total: log.rows.length, mismatches: [] };
  for (const r of log.rows) {
    const key = rowKey(r);
    const tx = ours.get(key);
    if (!tx) {
      if (!allow(key)) res.mismatches.push(`${key}: no HANDSHAKE transaction`);
      continue;
    }
    const want: Record<string, string | boolean | undefined> = {
      version: r.version ?? undefined,
      cipher: r.cipher ?? undefined,
      sni: r.server_name ?? undefined,
      resumed: r.resumed === null ? undefined : r.resumed === 'T',
      established: r.established === null ? undefined : r.established === 'T',
    };
    const bad = Object.entries(want).filter(([k, v]) => tx.detail?.[k] !== v);
    if (bad.length === 0) res.matched++;
    else res.mismatches.push(`${key}: ${bad.map(([k, v]) => `${k} expected ${v}, got ${tx.detail?.[k]}`).join('; ')}`);
  }
  return res;
}

/** Certificate facts by (flow key, side) -> field -> value. */
function certFactsByKey(run: TlsRun): Map<string, Map<string, string>> {
  const m = new Map<string, Map<string, string>>();
  for (const o of run.obs) {
    if (o.kind !== 'asset.identity' || o.protocol !== 'tls') continue;
    const f = run.flows.get(o.flowId);
    if (!f) continue;
    const facts = new Map((o as IdentityObservation).facts.map((x) => [x.field, x.value]));
    m.set(`${flowKey(f)}|${o.about === 'client' ? 'client' : 'server'}`, facts);
  }
  return m;
}

const epoch = (iso: string | undefined): string => (iso ? (Date.parse(iso) / 1000).toFixed(6) : '');

/**
 * Zeek's x509.log vs our first-certificate facts: for each ssl.log row, the first fingerprint of
 * cert_chain_fps (server) and client_cert_chain_fps (client) must be our tls_cert_sha256, and
 * that x509.log row's serial, subject, issuer, validity, key algorithm and length our facts.
 */
export function compareX509Log(
  run: TlsRun,
  ssl: ZeekLog,
  x509: ZeekLog,
  allow: (key: string) => boolean = () => false,
): CompareResult {
  const ours = certFactsByKey(run);
  const byFp = new Map(x509.rows.map((r) => [r.fingerprint ?? '', r]));
  const res: CompareResult = { matched: 0, total: 0, mismatches: [] };
  for (const r of ssl.rows) {
    const key = rowKey(r);
    for (const [side, col] of [
      ['server', 'cert_chain_fps'],
      ['client', 'client_cert_chain_fps'],
    ] as const) {
      const fp = zeekList(ssl, r[col] ?? null)[0];
      if (fp === undefined) continue;
      res.total++;
      const facts = ours.get(`${key}|${side}`);
      if (!facts) {
        if (!allow(key)) res.mismatches.push(`${key} ${side}: no certificate facts`);
        continue;
      }
      const row = byFp.get(fp);
      const keyFact = (facts.get('tls_cert_key') ?? '').split(' ');
      const want: [string, string | null | undefined, string | undefined][] = [
        ['sha256', fp, facts.get('tls_cert_sha256')],
        ['serial', row?.['certificate.serial'], facts.get('tls_cert_serial')],
        ['subject', row?.['certificate.subject'], facts.get('tls_cert_subject')],
        ['issuer', row?.['certificate.issuer'], facts.get('tls_cert_issuer')],
        ['not_valid_before', row?.['certificate.not_valid_before'], epoch(facts.get('tls_cert_not_before'))],
        ['not_valid_after', row?.['certificate.not_valid_after'], epoch(facts.get('tls_cert_not_after'))],
        ['key_alg', row?.['certificate.key_alg'], keyFact[0]],
        ['key_length', row?.['certificate.key_length'], keyFact[1]],
      ];
      const bad = want.filter(([, a, b]) => a !== b);
      if (bad.length === 0) res.matched++;
      else res.mismatches.push(`${key} ${side}: ${bad.map(([k, a, b]) => `${k} expected ${a}, got ${b}`).join('; ')}`);
    }
  }
  return res;
}

/** The GridFTP control connection (port 2811) carries TLS inside FTP ADAT commands (base64). */
export const GRIDFTP_CONTROL = connKey('192.168.57.103', 60108, '192.168.57.101', 2811);

/** Baseline agreement for the summary test. */
export async function goldenScores(): Promise<GoldenScore[]> {
  const grid = await tlsRun([...ZEEK_TRACES, 'globus-url-copy.pcap']);
  const gridDir = [...ZEEK_BASE, 'scripts.base.protocols.ftp.gridftp'];
  const gridSsl = parseZeekLog(baseline(...gridDir, 'ssl.log'));
  const a = compareSslLog(grid, gridSsl);
  const x = compareX509Log(grid, gridSsl, parseZeekLog(baseline(...gridDir, 'x509.log')));
  const ftp = await tlsRun([...ZEEK_TRACES, 'ftp', 'ftp-auth-tls.pcap'], [21]);
  const b = compareSslLog(
    ftp,
    parseZeekLog(baseline(...ZEEK_BASE, 'scripts.base.protocols.ftp.ftp-auth-tls', 'ssl.log')),
  );
  return [
    { protocol: 'tls', baseline: 'zeek gridftp ssl.log (globus-url-copy.pcap)', matched: a.matched, total: a.total },
    {
      protocol: 'tls',
      baseline: 'zeek gridftp x509.log first certificates (globus-url-copy.pcap)',
      matched: x.matched,
      total: x.total,
    },
    {
      protocol: 'tls',
      baseline: 'zeek ftp-auth-tls ssl.log (ftp-auth-tls.pcap, STARTTLS harness)',
      matched: b.matched,
      total: b.total,
    },
  ];
}
