import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { readCapture } from '../capture/source.js';
import { defaultRegistry } from '../dissectors/index.js';
import { PacketFront } from './front.js';
import type { FrontWorkerData, FrontWorkerMessage } from './parallel.js';
import { RingWriter } from './ring.js';

/**
 * Worker entry of the parallel pipeline (parallel.ts): reads the capture and runs the front
 * (decode, flow table, TCP ordering) into the shared ring. Reports the end or a failure by
 * message, after everything it wrote has been published. The job comes as workerData, or, for a
 * thread started ahead of time (prewarmFront), as the first message.
 */
const port = parentPort;
if (port) {
  const job = ((workerData as FrontWorkerData | null) ?? (await once(port, 'message'))[0]) as FrontWorkerData;
  const ring = new RingWriter(job.data, new Int32Array(job.ctrl));
  const front = new PacketFront(defaultRegistry(), ring, job.idleTimeoutUs);
  let msg: FrontWorkerMessage;
  try {
    const capture = await readCapture(job.path, front, {
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
