/**
 * Every capture in ../shared/corpus goes through the whole pipeline (capture, decode, flows,
 * reassembly, dissectors, inventory) without a crash or a hang. Prints, per file, packets,
 * flows, skipped link types, anomalies and protocols (PW_VERBOSE=1), and a summary always.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NotACaptureError } from '../src/capture/types.js';
import { analyzeCapture } from '../src/engine/analyze.js';
import { corpusPath, hasCorpus } from '../src/testing/corpus.js';

interface Row {
  path: string;
  format: string;
  packets: number;
}

function indexRows(): Row[] {
  const lines = readFileSync(corpusPath('INDEX_pcaps.csv'), 'utf8').trim().split('\n');
  const header = (lines.shift() ?? '').split(',');
  const iPath = header.indexOf('path');
  const iFormat = header.indexOf('format');
  const iPackets = header.indexOf('packets');
  return lines.map((l) => {
    const f = l.split(',');
    return { path: f[iPath] ?? '', format: f[iFormat] ?? '', packets: Number(f[iPackets]) };
  });
}

test('corpus sweep: every capture analyses without crash or hang', { timeout: 600_000 }, async (t) => {
  if (!hasCorpus) {
    t.skip('no ../shared/corpus');
    return;
  }
  const verbose = process.env.PW_VERBOSE === '1';
  const rows = indexRows();
  let files = 0;
  let packets = 0;
  let flows = 0;
  let stopped = 0;
  let notCapture = 0;
  const skippedLinkTypes = new Map<string, number>();
  const protocols = new Map<string, number>();
  const anomalyCodes = new Map<string, number>();
  const t0 = Date.now();
  for (const row of rows) {
    const path = corpusPath(row.path);
    let outcome: Awaited<ReturnType<typeof analyzeCapture>>;
    try {
      outcome = await analyzeCapture(path);
    } catch (err) {
      if (err instanceof NotACaptureError) {
        notCapture++;
        if (verbose) console.log(`${row.path}\tnot a capture: ${err.message}`);
        continue;
      }
      throw new Error(`${row.path}: ${err instanceof Error ? err.stack : String(err)}`);
    }
    files++;
    packets += outcome.capture.packets;
    flows += outcome.flows;
    if (outcome.capture.stop) stopped++;
    for (const [k, n] of Object.entries(outcome.skippedLinkTypes))
      skippedLinkTypes.set(k, (skippedLinkTypes.get(k) ?? 0) + n);
    for (const [k, p] of Object.entries(outcome.protocols)) {
      if (p.dissected) protocols.set(k, (protocols.get(k) ?? 0) + p.packets);
    }
    let anomalies = 0;
    for (const a of outcome.snapshot.anomalies) {
      anomalies += a.count;
      anomalyCodes.set(a.code, (anomalyCodes.get(a.code) ?? 0) + a.count);
    }
    // Every packet the reader delivered was counted by the pipeline.
    assert.equal(outcome.counts.packets, outcome.capture.packets, row.path);
    if (verbose) {
      console.log(
        [
          row.path,
          outcome.snapshot.analysis.format,
          `packets=${outcome.capture.packets}`,
          `flows=${outcome.flows}`,
          `assets=${outcome.snapshot.assets.length}`,
          `skipped=${JSON.stringify(outcome.skippedLinkTypes)}`,
          `anomalies=${anomalies}`,
          outcome.capture.stop ? `stop=${outcome.capture.stop.reason}@${outcome.capture.stop.offset}` : '',
        ].join('\t'),
      );
    }
  }
  const secs = (Date.now() - t0) / 1000;
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  console.log(
    `corpus sweep: ${files} captures, ${notCapture} not captures, ${packets} packets, ${flows} flows, ` +
      `${stopped} stopped early, in ${secs.toFixed(1)} s`,
  );
  console.log(`  skipped link types: ${top(skippedLinkTypes, 20) || 'none'}`);
  console.log(`  dissected packets by protocol: ${top(protocols, 20) || 'none'}`);
  console.log(`  anomalies: ${top(anomalyCodes, 25) || 'none'}`);
  assert.ok(files > rows.length * 0.95, `most corpus files are captures (${files}/${rows.length})`);
});
