import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { buildPcap } from '../capture/pcap-builder.js';
import { LinkType, NotACaptureError } from '../capture/types.js';
import { writePlantCapture } from '../demo/plant.js';
import type { ArpEvent, FlowEvent } from '../detect/contract.js';
import type { FlowInfo } from '../dissectors/contract.js';
import type { Observation } from '../observations/observation.js';
import { corpusPath, hasCorpus } from '../testing/corpus.js';
import { TEST_CREDENTIAL_KEY } from '../testing/fake-context.js';
import { arp, ethernet, ipv4, tcpConversation, udp } from '../testing/frames.js';
import { type AnalysisOutcome, type AnalyzeOptions, analyzeCapture } from './analyze.js';
import { prewarmFront, type RingSizes } from './parallel.js';

/**
 * The two-thread pipeline (front in a worker, back here, a shared ring between) must give what
 * the one-thread pipeline gives: every hook event in the same order, the same inventory, counts
 * and protocols. Small shared memory forces the writer to wrap and to wait for the reader.
 */
interface Run {
  events: (['obs', Observation, FlowInfo, boolean] | ['flow', FlowEvent] | ['arp', ArpEvent])[];
  outcome: AnalysisOutcome;
  progress: number;
}

async function run(path: string, opts: AnalyzeOptions): Promise<Run> {
  const events: Run['events'] = [];
  let progress = 0;
  const outcome = await analyzeCapture(path, {
    ...opts,
    credentialKey: TEST_CREDENTIAL_KEY,
    onObservation: (o, f, repeat) => events.push(['obs', o, f, repeat]),
    onFlowEnd: (f) => events.push(['flow', f]),
    onArp: (a) => events.push(['arp', a]),
    onProgress: (p) => {
      assert.ok(p.packets >= progress, 'progress never goes back');
      progress = p.packets;
    },
  });
  return { events, outcome, progress };
}

/** The outcome without what differs between two runs of the same capture (wall-clock times). */
function stable(o: AnalysisOutcome): unknown {
  const { startedAt: _s, finishedAt: _f, ...analysis } = o.snapshot.analysis;
  return { ...o, seconds: 0, threads: 0, snapshot: { ...o.snapshot, analysis } };
}

async function assertSame(path: string, ring?: RingSizes, extra: AnalyzeOptions = {}): Promise<Run> {
  const one = await run(path, { ...extra, threads: 1 });
  const two = await run(path, { ...extra, threads: 2, ...(ring ? { ring } : {}) });
  assert.equal(two.events.length, one.events.length, `${path}: number of hook events`);
  for (let i = 0; i < one.events.length; i++) {
    assert.deepStrictEqual(two.events[i], one.events[i], `${path}: hook event ${i}`);
  }
  assert.deepStrictEqual(stable(two.outcome), stable(one.outcome), `${path}: outcome`);
  assert.equal(two.progress, one.progress, 'the last progress report counts the same packets');
  assert.deepEqual([one.outcome.threads, two.outcome.threads], [1, 2]);
  return two;
}

/**
 * Small shared memory: the ring wraps and the writer waits for room; the input area's chunks are
 * read into again and again (the reader waits for the back), and many packets cross chunks.
 */
const TINY: RingSizes = { ringBytes: 4096, chunkBytes: 512, inputChunks: 3 };
const SMALL: RingSizes = { ringBytes: 64 * 1024, chunkBytes: 16 * 1024, inputChunks: 3 };
const MEDIUM: RingSizes = { ringBytes: 1 << 20, chunkBytes: 64 * 1024, inputChunks: 4 };

/** Runs `fn` with a fresh temp folder, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-par-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const T0 = 1_772_431_200_000_000;
const readRequest = [0x00, 0x08, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x02];
const readResponse = [0x00, 0x08, 0x00, 0x00, 0x00, 0x07, 0x01, 0x03, 0x04, 0x00, 0x2a, 0x00, 0x2b];

/** Every kind of front event: TCP with a dissector, a probed port, UDP, ARP, non-IP, IP without ports. */
function mixedCapture(): Uint8Array {
  const packets: { tsUs: number; data: Uint8Array }[] = [];
  const conv = (serverPort: number, startUs: number) =>
    tcpConversation({
      clientMac: '00:0c:29:aa:bb:cc',
      serverMac: '00:80:f4:01:02:03',
      clientIp: '10.10.1.20',
      serverIp: '10.10.1.10',
      clientPort: 49152 + (serverPort % 1000),
      serverPort,
      exchanges: [
        { request: readRequest, response: readResponse },
        { request: readRequest, response: readResponse },
      ],
      startUs,
      vlan: 20,
    });
  packets.push(...conv(502, T0), ...conv(5020, T0 + 100_000));
  let ts = T0 + 200_000;
  const frame = (data: number[]) => packets.push({ tsUs: ts++, data: Uint8Array.from(data) });
  frame(
    ethernet(
      'ff:ff:ff:ff:ff:ff',
      '00:1a:2b:00:00:01',
      0x0806,
      arp(1, '00:1a:2b:00:00:01', '10.0.0.1', '00:00:00:00:00:00', '10.0.0.1'),
    ),
  );
  frame(
    ethernet(
      'ff:ff:ff:ff:ff:ff',
      '00:1a:2b:00:00:02',
      0x0806,
      arp(1, '00:1a:2b:00:00:02', '0.0.0.0', '00:00:00:00:00:00', '10.0.0.9'),
    ),
  );
  // NTP client request (UDP with a dissector) and an IP packet of protocol 47 (GRE: no flow).
  frame(
    ethernet(
      '00:1a:2b:00:00:01',
      '00:1a:2b:00:00:02',
      0x0800,
      ipv4('10.0.0.2', '10.0.0.1', 17, udp(40000, 123, [0x23, ...new Array(47).fill(0)])),
    ),
  );
  frame(ethernet('00:1a:2b:00:00:01', '00:1a:2b:00:00:02', 0x0800, ipv4('10.0.0.2', '10.0.0.1', 47, [0, 0, 0x08, 0])));
  // LLDP with chassis id, port id, TTL and end TLVs (an L2 dissector), and an STP frame (none).
  const lldp = [
    0x02, 0x07, 0x04, 0, 0x1a, 0x2b, 0, 0, 0x03, 0x04, 0x03, 0x05, 0x70, 0x31, 0x06, 0x02, 0x00, 0x78, 0x00, 0x00,
  ];
  frame(ethernet('01:80:c2:00:00:0e', '00:1a:2b:00:00:03', 0x88cc, lldp));
  frame([
    0x01,
    0x80,
    0xc2,
    0,
    0,
    0,
    0x00,
    0x1a,
    0x2b,
    0,
    0,
    0x04,
    0x00,
    0x26,
    0x42,
    0x42,
    0x03,
    ...new Array(35).fill(0),
  ]);
  return buildPcap({ linkType: LinkType.ETHERNET }, packets);
}

test('parallel pipeline: every kind of event crosses the ring as it happened', () =>
  inTempDir(async (dir) => {
    const path = join(dir, 'mixed.pcap');
    writeFileSync(path, mixedCapture());
    const r = await assertSame(path, TINY);
    assert.equal(r.progress, r.outcome.capture.packets, 'the last progress report counts every packet');
    const protocols = Object.keys(r.outcome.protocols);
    for (const p of ['modbus', 'ntp', 'lldp', 'stp']) assert.ok(protocols.includes(p), `${p} in ${protocols}`);
    assert.equal(r.outcome.protocols.modbus?.flows, 2, 'the flow on port 5020 was probed as Modbus');
    assert.ok(r.events.some((e) => e[0] === 'arp'));
    assert.ok(r.outcome.counts.arp === 2 && r.outcome.counts.otherL2 === 2);
  }));

test('parallel pipeline: the demo plant through a 64 KiB ring equals the one-thread run', () =>
  inTempDir(async (dir) => {
    const path = join(dir, 'plant.pcap');
    await writePlantCapture(path, { packets: 60_000 });
    const r = await assertSame(path, SMALL);
    assert.ok(r.events.length > 20_000, `${r.events.length} events`);
    assert.ok(Object.keys(r.outcome.protocols).length >= 8);
    // With the rules' repeat filter (src/detect/run.ts), fewer events, still the same on both.
    const filtered = await assertSame(path, SMALL, { repeatOps: new Set(['write', 'control']) });
    assert.ok(filtered.events.length < r.events.length / 2, `${filtered.events.length} of ${r.events.length}`);
    assert.deepStrictEqual(filtered.outcome.snapshot.links, r.outcome.snapshot.links, 'links count every transaction');
  }));

test('parallel pipeline: a reader thread started ahead of time takes the next capture', () =>
  inTempDir(async (dir) => {
    const path = join(dir, 'mixed.pcap');
    writeFileSync(path, mixedCapture());
    prewarmFront();
    prewarmFront(); // a second call keeps the one waiting thread
    await assertSame(path);
    // Nothing is left waiting: the next two-thread run starts its own reader.
    await assertSame(path);
  }));

test('parallel pipeline: a reader thread started on a capture ahead of time is taken over, or discarded', () =>
  inTempDir(async (dir) => {
    const path = join(dir, 'mixed.pcap');
    writeFileSync(path, mixedCapture());
    const big = join(dir, 'plant.pcap');
    // More than the shared memory holds (23 MB of capture, 16 MiB of input area).
    await writePlantCapture(big, { packets: 250_000 });
    // Started on the capture the run then reads: the work in progress is taken over.
    prewarmFront(path);
    await assertSame(path);
    // The whole capture fits in the shared memory: the thread ends (and says so) before anyone reads.
    prewarmFront(path);
    await new Promise((r) => setTimeout(r, 500));
    await assertSame(path);
    // A capture that fills the shared memory: the thread waits for its reader, then goes on.
    prewarmFront(big);
    await new Promise((r) => setTimeout(r, 300));
    await assertSame(big);
    // Started on another capture, or the run asks for other options: discarded, a new thread reads.
    prewarmFront(big);
    await assertSame(path);
    prewarmFront(path);
    await assertSame(path, SMALL);
    // A capture that cannot be read: the error comes when the run takes the thread over.
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, Buffer.from('not a capture\n'.repeat(20)));
    prewarmFront(junk);
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(analyzeCapture(junk, { threads: 2 }), NotACaptureError);
  }));

test('parallel pipeline: the reader thread bin/plantwarden.js starts is taken over once', () =>
  inTempDir(async (dir) => {
    const path = join(dir, 'mixed.pcap');
    writeFileSync(path, mixedCapture());
    // What bin/plantwarden.js leaves for a big `analyze`: the thread, usable until it fails or stops.
    const key = Symbol.for('plantwarden.reader');
    const g = globalThis as { [key]?: unknown };
    const worker = new Worker(new URL('./front-worker.js', import.meta.url), { workerData: null });
    worker.unref();
    g[key] = { worker, usable: true };
    await assertSame(path);
    assert.equal(g[key], undefined, 'taken over');
    // A thread that stopped is not taken: a new one is started.
    const gone = new Worker(new URL('./front-worker.js', import.meta.url), { workerData: null });
    await gone.terminate();
    g[key] = { worker: gone, usable: false };
    await assertSame(path);
    assert.equal(g[key], undefined);
  }));

test('parallel pipeline: unreadable input fails as in one thread, with the same message', () =>
  inTempDir(async (dir) => {
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, Buffer.from('this is not a capture file at all, just text\n'.repeat(20)));
    const missing = join(dir, 'missing.pcap');
    for (const path of [junk, missing, dir]) {
      const one = await analyzeCapture(path, { threads: 1 }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      const two = await analyzeCapture(path, { threads: 2 }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      assert.ok(one && two, `${path} is rejected`);
      assert.equal(two.message, one.message);
      assert.equal(two instanceof NotACaptureError, one instanceof NotACaptureError);
    }
    // A capture cut inside a packet: what came before stands, and the stop says where.
    const whole = mixedCapture();
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 7));
    const r = await assertSame(cut);
    assert.ok(r.outcome.capture.stop !== null);
  }));

test('parallel pipeline: corpus captures give the same results on one and two threads', {
  timeout: 300_000,
}, async (t) => {
  if (!hasCorpus) {
    t.skip('no ../shared/corpus');
    return;
  }
  const lines = readFileSync(corpusPath('INDEX_pcaps.csv'), 'utf8').trim().split('\n');
  const header = (lines.shift() ?? '').split(',');
  const iPath = header.indexOf('path');
  const iPackets = header.indexOf('packets');
  const rows = lines.map((l) => l.split(',')).filter((f) => Number(f[iPackets]) > 0);
  // Every 8th capture, and the 12 largest: all protocols of the corpus, and long streams.
  const bySize = [...rows].sort((a, b) => Number(b[iPackets]) - Number(a[iPackets]));
  const pick = new Set([...rows.filter((_, i) => i % 8 === 0), ...bySize.slice(0, 12)].map((f) => f[iPath] ?? ''));
  let checked = 0;
  for (const rel of pick) {
    const path = corpusPath(rel);
    const one = await analyzeCapture(path, { threads: 1 }).catch(() => null);
    if (one === null) continue; // not a capture: the error test above covers that
    await assertSame(path, MEDIUM);
    checked++;
  }
  console.log(`parallel pipeline: ${checked} corpus captures identical on one and two threads`);
  assert.ok(checked >= 50, `${checked} captures checked`);
});
