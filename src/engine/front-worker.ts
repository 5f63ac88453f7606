import { parentPort } from 'node:worker_threads';
import { runFrontWorker } from './front-worker-run.js';

/** Worker entry of the parallel pipeline when it runs from the compiled sources (tests): see front-worker-run.ts. */
if (parentPort) await runFrontWorker(parentPort);
