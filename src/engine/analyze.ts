import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { readCapture } from '../capture/source.js';
import { type CaptureStats, linkTypeName } from '../capture/types.js';
import type { ArpEvent, FlowEvent } from '../detect/contract.js';
import type { FlowInfo } from '../dissectors/contract.js';
import { defaultRegistry } from '../dissectors/index.js';
import type { DissectorRegistry } from '../dissectors/registry.js';
import type { InventorySnapshot } from '../inventory/model.js';
import type { Observation } from '../observations/observation.js';
import { FlowBack, type ProtocolCount } from './back.js';
import { type FrontCounts, type FrontSummary, PacketFront } from './front.js';
import { type RingSizes, runParallel } from './parallel.js';

export interface AnalyzeOptions {
  registry?: DissectorRegistry;
  /** The inventory's key for credential fingerprints (see InventoryRepository.credentialKey). */
  credentialKey?: Uint8Array;
  onObservation?: (obs: Observation, flow: FlowInfo, repeat: boolean) => void;
  /** See BackOptions.repeatOps: the op classes whose repeated transactions onObservation wants. */
  repeatOps?: ReadonlySet<string>;
  onFlowEnd?: (flow: FlowEvent) => void;
  onArp?: (arp: ArpEvent) => void;
  onProgress?: (p: { bytesRead: number; totalBytes: number | null; packets: number }) => void;
  /**
   * 1: everything in this thread. 2: the capture is read and decoded in a worker thread while
   * this one runs dissectors, inventory and hooks (same results; parallel.ts). 'auto' (default):
   * 2 for a file of at least 64 MiB on a machine with two or more cores, when no `registry` is given.
   */
  threads?: 1 | 2 | 'auto';
  /** Sizes of the shared memory between the threads (parallel.ts). Tests use small ones. */
  ring?: RingSizes;
}

/**
 * Below this size a second thread costs about what it saves: it starts in ~40 ms and its code
 * warms up again. On the demo plant one thread is as fast up to 55 MB (500 k packets), and two
 * win from about 110 MB (1 M packets) on.
 */
const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/** Whether `analyzeCapture(path, opts)` will read the capture in a second thread. */
export async function usesWorker(path: string, opts: Pick<AnalyzeOptions, 'threads' | 'registry'>): Promise<boolean> {
  const threads = opts.threads ?? 'auto';
  if (threads === 1 || path === '-' || opts.registry !== undefined) return false;
  if (threads === 2) return true;
  if (availableParallelism() < 2) return false;
  const st = await stat(path).catch(() => null);
  return st?.isFile() === true && st.size >= PARALLEL_MIN_BYTES;
}

/** What one capture produced, before it is stored. */
export interface AnalysisOutcome {
  source: string;
  capture: CaptureStats;
  snapshot: InventorySnapshot;
  protocols: Record<string, ProtocolCount>;
  counts: FrontCounts & { observations: number };
  flows: number;
  /** Link types the decoder could not handle, by name, with packet counts. */
  skippedLinkTypes: Record<string, number>;
  seconds: number;
  /** 2 when the capture was read and decoded in a second thread, else 1. */
  threads: 1 | 2;
}

/**
 * Analyse one capture (path, or '-' for standard input) into an inventory snapshot.
 * Rejects only when nothing could be read (not a capture, cannot open); a capture that
 * stops early still yields what was read, with `capture.stop` saying where and why.
 */
export async function analyzeCapture(path: string, opts: AnalyzeOptions = {}): Promise<AnalysisOutcome> {
  const started = new Date();
  const t0 = process.hrtime.bigint();
  const registry = opts.registry ?? defaultRegistry();
  const back = new FlowBack({
    registry,
    ...(opts.onObservation ? { onObservation: opts.onObservation } : {}),
    ...(opts.repeatOps ? { repeatOps: opts.repeatOps } : {}),
    ...(opts.onFlowEnd ? { onFlowEnd: opts.onFlowEnd } : {}),
    ...(opts.onArp ? { onArp: opts.onArp } : {}),
    ...(opts.credentialKey ? { credentialKey: opts.credentialKey } : {}),
  });
  const onProgress = opts.onProgress;
  let capture: CaptureStats;
  let front: FrontSummary;
  const threads = (await usesWorker(path, opts)) ? 2 : 1;
  if (threads === 2) {
    ({ capture, summary: front } = await runParallel(path, back, {
      ...(onProgress ? { onProgress } : {}),
      ...(opts.ring ? { sizes: opts.ring } : {}),
    }));
  } else {
    const f = new PacketFront(registry, back);
    capture = await readCapture(path, f, {
      ...(onProgress
        ? {
            onProgress: (p: { bytesRead: number; totalBytes: number | null }) =>
              onProgress({ ...p, packets: f.counts.packets }),
          }
        : {}),
    });
    front = f.finish();
  }
  back.finish(front);
  const inv = back.inventory.finalize();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const counts = { ...front.counts, observations: back.observations };

  const skippedLinkTypes: Record<string, number> = {};
  for (const [lt, n] of front.unsupportedLinkTypes) skippedLinkTypes[linkTypeName(lt)] = n;
  const protocols: Record<string, ProtocolCount> = {};
  for (const [name, pc] of [...back.protocols].sort((a, b) => b[1].packets - a[1].packets)) protocols[name] = pc;

  const source = path === '-' ? 'stdin' : basename(path);
  const id = createHash('sha256')
    .update([capture.format, capture.bytes, capture.packets, front.firstUs, front.lastUs, front.digest].join('|'))
    .digest('hex')
    .slice(0, 32);
  const snapshot: InventorySnapshot = {
    analysis: {
      id,
      source,
      format: capture.format ? `${capture.format}${capture.gzip ? '+gzip' : ''}` : 'unknown',
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      packets: capture.packets,
      bytes: capture.bytes,
      firstPacketUs: front.firstUs,
      lastPacketUs: front.lastUs,
      summary: {
        counts,
        flows: counts.flows,
        protocols,
        linkTypes: Object.fromEntries(Object.entries(capture.linkTypes).map(([k, v]) => [linkTypeName(Number(k)), v])),
        skippedLinkTypes,
        skippedBlocks: capture.skippedBlocks,
        truncatedPackets: capture.truncatedPackets,
        stop: capture.stop,
      },
    },
    assets: inv.assets,
    links: inv.links,
    anomalies: inv.anomalies,
    credentials: inv.credentials,
  };
  return {
    source,
    capture,
    snapshot,
    protocols,
    counts,
    flows: counts.flows,
    skippedLinkTypes,
    seconds,
    threads,
  };
}
