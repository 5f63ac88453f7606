import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { readCapture } from '../capture/source.js';
import { type CaptureStats, linkTypeName } from '../capture/types.js';
import type { ArpEvent, FlowEvent } from '../detect/contract.js';
import type { FlowInfo } from '../dissectors/contract.js';
import { defaultRegistry } from '../dissectors/index.js';
import type { DissectorRegistry } from '../dissectors/registry.js';
import type { InventorySnapshot } from '../inventory/model.js';
import type { Observation } from '../observations/observation.js';
import { Pipeline, type ProtocolCount } from './pipeline.js';

export interface AnalyzeOptions {
  registry?: DissectorRegistry;
  /** The inventory's key for credential fingerprints (see InventoryRepository.credentialKey). */
  credentialKey?: Uint8Array;
  onObservation?: (obs: Observation, flow: FlowInfo) => void;
  onFlowEnd?: (flow: FlowEvent) => void;
  onArp?: (arp: ArpEvent) => void;
  onProgress?: (p: { bytesRead: number; totalBytes: number | null; packets: number }) => void;
}

/** What one capture produced, before it is stored. */
export interface AnalysisOutcome {
  source: string;
  capture: CaptureStats;
  snapshot: InventorySnapshot;
  protocols: Record<string, ProtocolCount>;
  counts: Pipeline['counts'];
  flows: number;
  /** Link types the decoder could not handle, by name, with packet counts. */
  skippedLinkTypes: Record<string, number>;
  seconds: number;
}

/**
 * Analyse one capture (path, or '-' for standard input) into an inventory snapshot.
 * Rejects only when nothing could be read (not a capture, cannot open); a capture that
 * stops early still yields what was read, with `capture.stop` saying where and why.
 */
export async function analyzeCapture(path: string, opts: AnalyzeOptions = {}): Promise<AnalysisOutcome> {
  const started = new Date();
  const t0 = process.hrtime.bigint();
  const pipeline = new Pipeline({
    registry: opts.registry ?? defaultRegistry(),
    ...(opts.onObservation ? { onObservation: opts.onObservation } : {}),
    ...(opts.onFlowEnd ? { onFlowEnd: opts.onFlowEnd } : {}),
    ...(opts.onArp ? { onArp: opts.onArp } : {}),
    ...(opts.credentialKey ? { credentialKey: opts.credentialKey } : {}),
  });
  const onProgress = opts.onProgress;
  const capture = await readCapture(path, pipeline, {
    ...(onProgress
      ? {
          onProgress: (p: { bytesRead: number; totalBytes: number | null }) =>
            onProgress({ ...p, packets: pipeline.counts.packets }),
        }
      : {}),
  });
  pipeline.finish();
  const inv = pipeline.inventory.finalize();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const skippedLinkTypes: Record<string, number> = {};
  for (const [lt, n] of pipeline.decoder.unsupportedLinkTypes) skippedLinkTypes[linkTypeName(lt)] = n;
  const protocols: Record<string, ProtocolCount> = {};
  for (const [name, pc] of [...pipeline.protocols].sort((a, b) => b[1].packets - a[1].packets)) protocols[name] = pc;

  const source = path === '-' ? 'stdin' : basename(path);
  const id = createHash('sha256')
    .update(
      [capture.format, capture.bytes, capture.packets, pipeline.firstUs, pipeline.lastUs, pipeline.digest].join('|'),
    )
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
      firstPacketUs: pipeline.firstUs,
      lastPacketUs: pipeline.lastUs,
      summary: {
        counts: pipeline.counts,
        flows: pipeline.counts.flows,
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
    counts: pipeline.counts,
    flows: pipeline.counts.flows,
    skippedLinkTypes,
    seconds,
  };
}
