import type { PacketSink } from '../capture/types.js';
import { type BackOptions, FlowBack } from './back.js';
import { PacketFront } from './front.js';

export type { ProtocolCount } from './back.js';

/**
 * The analysis pipeline in one thread: capture packets in, observations and inventory out.
 *
 *   packet -> PacketFront (decode, flow table, dissector choice; front.ts)
 *          -> BackSink events, called directly
 *          -> FlowBack (reassembly, dissectors, observations, inventory, hooks; back.ts)
 *
 * `analyzeCapture` may instead run the front in a worker thread with a shared-memory ring in
 * between (parallel.ts); the events, their order and so the results are the same.
 */
export interface PipelineOptions extends BackOptions {
  /** Flow idle timeout in µs of packet time (default 120 s). */
  idleTimeoutUs?: number;
}

export class Pipeline implements PacketSink {
  readonly back: FlowBack;
  readonly front: PacketFront;

  constructor(opts: PipelineOptions) {
    this.back = new FlowBack(opts);
    this.front = new PacketFront(opts.registry, this.back, opts.idleTimeoutUs);
  }

  packet(linkType: number, tsUs: number, buf: Uint8Array, off: number, capLen: number, origLen: number): void {
    this.front.packet(linkType, tsUs, buf, off, capLen, origLen);
  }

  get inventory(): FlowBack['inventory'] {
    return this.back.inventory;
  }
  get protocols(): FlowBack['protocols'] {
    return this.back.protocols;
  }
  get decoder(): PacketFront['decoder'] {
    return this.front.decoder;
  }
  get flows(): PacketFront['flows'] {
    return this.front.flows;
  }
  get firstUs(): number {
    return this.front.firstUs;
  }
  get lastUs(): number {
    return this.front.lastUs;
  }
  get digest(): number {
    return this.front.digest;
  }
  /** Packet counts by kind and observations, for the summary. */
  get counts(): PacketFront['counts'] & { observations: number } {
    return { ...this.front.counts, observations: this.back.observations };
  }

  /** End of input: flush every flow (in id order), end L2 contexts, fold decoder anomalies in. */
  finish(): void {
    this.back.finish(this.front.finish());
  }
}
