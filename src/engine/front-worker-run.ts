import { once } from 'node:events';
import { type MessagePort, workerData } from 'node:worker_threads';
import { readCapture } from '../capture/source.js';
import { defaultRegistry } from '../dissectors/index.js';
import { PacketFront } from './front.js';
import type { FrontWorkerData, FrontWorkerMessage } from './parallel.js';
import { RingWriter, SharedChunks } from './ring.js';

/**
 * The reader thread of the parallel pipeline (parallel.ts): reads the capture into the shared input
 * area and runs the front (decode, flow table, TCP ordering) into the shared ring. Reports the
 * end or a failure by message, after everything it wrote has been published. The job comes as
 * workerData, or, for a thread started ahead of time (prewarmFront), as the first message.
 *
 * Started by front-worker.ts (from the compiled sources) or by front-worker-loader.ts (the
 * bundle, with V8's code cache).
 */
export async function runFrontWorker(port: MessagePort): Promise<void> {
  const job = ((workerData as FrontWorkerData | null) ?? (await once(port, 'message'))[0]) as FrontWorkerData;
  const ring = new RingWriter(job.data, new Int32Array(job.ctrl), job.input);
  const front = new PacketFront(defaultRegistry(), ring, job.idleTimeoutUs);
  const pool = new SharedChunks(job.input, job.chunkBytes, ring);
  let msg: FrontWorkerMessage;
  try {
    const capture = await readCapture(job.path, front, {
      pool,
      onProgress: (p) => ring.progress({ ...p, packets: front.counts.packets }),
    });
    msg = { type: 'end', capture, summary: front.finish() };
  } catch (err) {
    msg = {
      type: 'error',
      name: err instanceof Error ? err.name : 'Error',
      message: err instanceof Error ? err.message : String(err),
    };
  }
  ring.publish();
  port.postMessage(msg);
}
