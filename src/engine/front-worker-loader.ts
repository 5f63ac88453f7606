import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { type MessagePort, parentPort } from 'node:worker_threads';

/**
 * Worker entry of the parallel pipeline next to the bundled CLI: the build copies it to
 * dist/front-worker.js, where the CLI's `new URL('./front-worker.js', import.meta.url)` finds it.
 * It runs the reader's bundle (dist/front-worker.cjs) through vm.Script with V8's code cache
 * (dist/front-worker.cjs.cache), as bin/plantwarden.js does for the CLI: the thread starts
 * reading sooner and compiles less while it warms up. Without the cache, or when this Node's V8
 * rejects it, the bundle compiles from source. PLANTWARDEN_WRITE_CODE_CACHE=1 rewrites the cache
 * when the thread's work is done (the build does, analysing a demo capture on two threads).
 */
const file = fileURLToPath(new URL('./front-worker.cjs', import.meta.url));
const cacheFile = `${file}.cache`;
const writeCache = process.env.PLANTWARDEN_WRITE_CODE_CACHE === '1';
const cachedData = !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
// The bundle is ASCII (scripts/build-assets.mjs): latin1 reads it faster than UTF-8, to the same code.
const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'latin1')}\n})`,
  { filename: file, ...(cachedData ? { cachedData } : {}) },
);
const mod: { exports: { runFrontWorker?: (port: MessagePort) => Promise<void> } } = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
if (parentPort && mod.exports.runFrontWorker) {
  await mod.exports.runFrontWorker(parentPort);
  if (writeCache) writeFileSync(cacheFile, script.createCachedData());
}
