import { fileURLToPath } from 'node:url';
import { type MessagePort, parentPort } from 'node:worker_threads';
import { runCachedBundle } from '../util/code-cache.cjs';

/**
 * Worker entry of the parallel pipeline next to the bundled CLI: the build bundles it as
 * dist/front-worker.js, where the CLI's `new URL('./front-worker.js', import.meta.url)` finds it.
 * It runs the reader's bundle (dist/front-worker.cjs, from front-worker-run.ts) with V8's code
 * cache, as bin/plantwarden.js does for the CLI: the thread starts reading sooner and compiles
 * less while it warms up. The build's warm-up run (on two threads) writes the cache when the
 * thread's work is done.
 */
const bundle = runCachedBundle(fileURLToPath(new URL('./front-worker.cjs', import.meta.url)));
const run = bundle.exports.runFrontWorker as (port: MessagePort) => Promise<void>;
if (parentPort) {
  await run(parentPort);
  bundle.saveCache();
}
