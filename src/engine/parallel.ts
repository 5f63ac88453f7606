import { Worker } from 'node:worker_threads';
import { type CaptureStats, NotACaptureError } from '../capture/types.js';
import type { FlowBack } from './back.js';
import type { FrontSummary } from './front.js';
import { RING_CTRL_SLOTS, RING_WRITE, type RingProgress, readRing } from './ring.js';

/**
 * The pipeline over two threads: a worker reads the capture and runs the front (decode, flow
 * table, TCP ordering: front.ts) while this thread runs the back (stream tails, dissectors,
 * inventory and the caller's hooks: back.ts). The front's events cross in a shared-memory ring (ring.ts) in the
 * order they happened, so results equal the one-thread `Pipeline`'s, observation for observation.
 *
 * The worker uses the default dissector registry: callers with their own registry stay on one
 * thread. The worker script sits next to this module (dist/src/engine/front-worker.js) or next
 * to the bundled CLI (dist/front-worker.js): both are `./front-worker.js` from here.
 */
export interface FrontWorkerData {
  path: string;
  /** The ring of records, and its control words. */
  data: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  /** The input area the capture is read into, in chunks of `chunkBytes` (ring.ts SharedChunks). */
  input: SharedArrayBuffer;
  chunkBytes: number;
  idleTimeoutUs: number | undefined;
}

/** Sizes of the shared memory; tests make them small so that everything wraps and waits. */
export interface RingSizes {
  ringBytes?: number;
  chunkBytes?: number;
  inputChunks?: number;
}

export type FrontWorkerMessage =
  | { type: 'end'; capture: CaptureStats; summary: FrontSummary }
  | { type: 'error'; name: string; message: string };

/** Ring size: 16 MiB holds ~500k records of the demo plant whose bytes are in the input area. */
const RING_BYTES = 16 * 1024 * 1024;
/** The input area: 16 chunks of 1 MiB, ~170k packets of the demo plant (the front may run that far ahead). */
const CHUNK_BYTES = 1024 * 1024;
const INPUT_CHUNKS = 16;

const WORKER_URL = new URL('./front-worker.js', import.meta.url);
/** A reader thread started ahead of time, waiting for its job (see prewarmFront). */
let warm: Worker | null = null;

/**
 * A reader thread already given its job by prewarmFront(path): it reads and decodes into the
 * ring while the caller opens its store. What it reports before runParallel takes it over is
 * kept here and replayed then (a capture whose records all fit in the ring can end first).
 */
interface StartedJob {
  path: string;
  worker: Worker;
  job: FrontWorkerData;
  messages: FrontWorkerMessage[];
  error: Error | null;
  exitCode: number | null;
}
let started: StartedJob | null = null;

/**
 * Start the reader thread now: it loads its code (tens of milliseconds) while the caller opens
 * its store, and the next `runParallel` takes it. With `path`, the thread also starts on that
 * capture right away, so that its cold start overlaps the caller's; the next `runParallel` of
 * the same path with default options takes the work in progress, any other call discards it.
 * Does not keep the process alive.
 */
export function prewarmFront(path?: string): void {
  if (warm === null && started === null) {
    const w = adoptReader() ?? new Worker(WORKER_URL, { workerData: null });
    w.unref();
    // An idle reader that fails to start or stops is simply not used.
    const drop = () => {
      if (warm === w) warm = null;
    };
    w.on('error', drop);
    w.on('exit', drop);
    warm = w;
  }
  if (path === undefined || warm === null) return;
  const w = warm;
  warm = null;
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  const s: StartedJob = { path, worker: w, job: newJob(path, {}), messages: [], error: null, exitCode: null };
  w.on('message', (m: FrontWorkerMessage) => s.messages.push(m));
  w.on('error', (err) => {
    s.error ??= err instanceof Error ? err : new Error(String(err));
  });
  w.on('exit', (code) => {
    s.exitCode = code;
  });
  w.postMessage(s.job);
  started = s;
}

function newJob(path: string, sizes: RingSizes, idleTimeoutUs?: number): FrontWorkerData {
  const chunkBytes = sizes.chunkBytes ?? CHUNK_BYTES;
  return {
    path,
    data: new SharedArrayBuffer(sizes.ringBytes ?? RING_BYTES),
    ctrl: new SharedArrayBuffer(RING_CTRL_SLOTS * 4),
    input: new SharedArrayBuffer(chunkBytes * (sizes.inputChunks ?? INPUT_CHUNKS)),
    chunkBytes,
    idleTimeoutUs,
  };
}

/**
 * bin/plantwarden.js starts the reader thread of a big `analyze` before it loads the CLI, and
 * leaves it here: `{ worker, usable }`, usable until the thread fails or stops.
 */
const READER_KEY = Symbol.for('plantwarden.reader');

function adoptReader(): Worker | null {
  const g = globalThis as { [READER_KEY]?: { worker: Worker; usable: boolean } };
  const r = g[READER_KEY];
  if (r === undefined) return null;
  delete g[READER_KEY];
  if (!r.usable) return null;
  r.worker.removeAllListeners('error');
  r.worker.removeAllListeners('exit');
  return r.worker;
}

export async function runParallel(
  path: string,
  back: FlowBack,
  opts: { idleTimeoutUs?: number; onProgress?: (p: RingProgress) => void; sizes?: RingSizes } = {},
): Promise<{ capture: CaptureStats; summary: FrontSummary }> {
  // A job prewarmFront(path) started on this capture with the default options is taken over.
  let pre = started;
  started = null;
  if (pre !== null && (pre.path !== path || opts.sizes !== undefined || opts.idleTimeoutUs !== undefined)) {
    void pre.worker.terminate();
    pre = null;
  }
  const job = pre?.job ?? newJob(path, opts.sizes ?? {}, opts.idleTimeoutUs);
  const { data } = job;
  const ctrl = new Int32Array(job.ctrl);
  let worker: Worker;
  if (pre !== null) worker = pre.worker;
  else {
    // A thread started ahead of time (prewarmFront, or bin/plantwarden.js) gets the job by message.
    const idle = warm ?? adoptReader();
    warm = null;
    idle?.postMessage(job);
    worker = idle ?? new Worker(WORKER_URL, { workerData: job });
  }
  // Whatever listened to a thread started ahead of time stops now; it keeps the process alive while it works.
  for (const e of ['message', 'error', 'exit']) worker.removeAllListeners(e);
  worker.ref();
  let result: { capture: CaptureStats; summary: FrontSummary } | null = null;
  let failure: Error | null = null;
  const wake = () => Atomics.notify(ctrl, RING_WRITE);
  const onMessage = (m: FrontWorkerMessage) => {
    if (m.type === 'end') result = { capture: m.capture, summary: m.summary };
    else failure = m.name === 'NotACaptureError' ? new NotACaptureError(m.message) : new Error(m.message);
    wake();
  };
  const onError = (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
    wake();
  };
  const onExit = (code: number) => {
    if (result === null) failure ??= new Error(`capture reader thread stopped (exit code ${code})`);
    wake();
  };
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  // What the taken-over thread said before, in the order it happened.
  if (pre !== null) {
    for (const m of pre.messages) onMessage(m);
    if (pre.error !== null) onError(pre.error);
    if (pre.exitCode !== null) onExit(pre.exitCode);
  }
  try {
    await readRing(data, ctrl, back, {
      done: () => result !== null,
      failed: () => failure !== null,
      input: job.input,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  if (failure !== null) {
    await worker.terminate();
    throw failure;
  }
  return result as unknown as { capture: CaptureStats; summary: FrontSummary };
}
