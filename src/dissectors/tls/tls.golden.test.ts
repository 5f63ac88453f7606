import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { parseZeekLog } from '../../testing/zeek-log.js';
import {
  baseline,
  type CompareResult,
  compareSslLog,
  compareX509Log,
  GRIDFTP_CONTROL,
  goldenLines,
  goldenScores,
  tlsRun,
  ZEEK_BASE,
  ZEEK_TRACES,
} from './tls.golden.js';

function skipWithoutCorpus(t: TestContext): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}
function report(what: string, r: CompareResult): void {
  console.log(`[tls golden] ${what}: ${r.matched}/${r.total} baseline rows matched`);
  for (const m of r.mismatches) console.log(`  - ${m}`);
}

describe('tls golden: Zeek ssl.log / x509.log', () => {
  const gridDir = [...ZEEK_BASE, 'scripts.base.protocols.ftp.gridftp'];
  // Deliberate disagreement: on the GridFTP control connection (2811) the TLS handshake travels
  // base64-encoded inside FTP ADAT commands (GSSAPI, RFC 2228); Zeek's FTP analyzer unwraps it.
  // That is FTP's business (another dissector's port), not a TLS parsing difference.
  const allowControl = (key: string) => key === GRIDFTP_CONTROL;

  it('gridftp ssl.log: version, cipher, server_name, resumed, established', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const run = await tlsRun([...ZEEK_TRACES, 'globus-url-copy.pcap']);
    const r = compareSslLog(run, parseZeekLog(baseline(...gridDir, 'ssl.log')), allowControl);
    report('zeek gridftp ssl.log', r);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.matched, 1); // the data connection on 55968, found by the probe
    assert.equal(r.total, 2);
  });

  it('gridftp x509.log: first server and client certificates', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const run = await tlsRun([...ZEEK_TRACES, 'globus-url-copy.pcap']);
    const ssl = parseZeekLog(baseline(...gridDir, 'ssl.log'));
    const r = compareX509Log(run, ssl, parseZeekLog(baseline(...gridDir, 'x509.log')), allowControl);
    report('zeek gridftp x509.log', r);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.matched, 2);
    assert.equal(r.total, 4);
  });

  it('ftp-auth-tls ssl.log (TLS 1.3 after AUTH TLS, STARTTLS harness on port 21)', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const run = await tlsRun([...ZEEK_TRACES, 'ftp', 'ftp-auth-tls.pcap'], [21]);
    const r = compareSslLog(
      run,
      parseZeekLog(baseline(...ZEEK_BASE, 'scripts.base.protocols.ftp.ftp-auth-tls', 'ssl.log')),
    );
    report('zeek ftp-auth-tls ssl.log', r);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.matched, 1);
  });

  it('goldenScores', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const s = await goldenScores();
    assert.deepEqual(
      s.map((x) => [x.matched, x.total]),
      [
        [1, 2],
        [2, 4],
        [1, 1],
      ],
    );
  });
});

/** Our own baselines: JSON lines of every tls observation, reviewed like code. */
const GOLDEN: { parts: string[]; starttls?: number[] }[] = [
  { parts: [...ZEEK_TRACES, 'globus-url-copy.pcap'] },
  { parts: [...ZEEK_TRACES, 'ftp', 'ftp-auth-tls.pcap'], starttls: [21] },
  { parts: ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'pop', 'pop_ssl.pcap'], starttls: [110] },
  { parts: ['icsnpp', 'icsnpp-hart-ip', 'testing', 'traces', 'hart-ip.pcap'] },
];

describe('tls golden: our JSON-lines baselines', () => {
  const dir = join(repoRoot, 'src', 'dissectors', 'tls', 'golden');
  for (const g of GOLDEN) {
    const name = basename(g.parts[g.parts.length - 1] as string).replace(/\.pcap(ng)?$/, '');
    it(`golden/${name}.jsonl`, async (t) => {
      if (skipWithoutCorpus(t)) return;
      const run = await tlsRun(g.parts, g.starttls);
      checkGolden(t, join(dir, `${name}.jsonl`), goldenLines(run.obs));
    });
  }
});
