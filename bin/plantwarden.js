#!/usr/bin/env node
// Loads the bundled CLI (dist/plantwarden.cjs) with V8's code cache (dist/plantwarden.cjs.cache,
// written by the build): compiling 2 MB of JavaScript from source costs ~40 ms at every command,
// loading the cached code a few. Without the cache, or when this Node's V8 rejects it, the bundle
// compiles from source as usual. PLANTWARDEN_WRITE_CODE_CACHE=1 rewrites the cache after the command.
// It is CommonJS (bin/package.json): Node starts a CommonJS entry ~6 ms sooner than an ES module.
const { statSync } = require('node:fs');
const { join } = require('node:path');
const { Worker } = require('node:worker_threads');

const dist = join(__dirname, '..', 'dist');

// `analyze` of a capture big enough for two threads (src/engine/analyze.ts PARALLEL_MIN_BYTES)
// starts the capture reader thread before the bundle loads, so that the thread's own start
// overlaps it; src/engine/parallel.ts takes the thread over (READER_KEY) or starts its own.
const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;
const READER_KEY = Symbol.for('plantwarden.reader');
const args = process.argv.slice(2);
if (args[0] === 'analyze' && !args.some((a, i) => a === '--threads=1' || (a === '--threads' && args[i + 1] === '1'))) {
  const big = args.slice(1).some((a) => {
    if (a.startsWith('-')) return false;
    try {
      const st = statSync(a);
      return st.isFile() && st.size >= PARALLEL_MIN_BYTES;
    } catch {
      return false;
    }
  });
  if (big) {
    const reader = { worker: new Worker(join(dist, 'front-worker.js'), { workerData: null }), usable: true };
    const drop = () => {
      reader.usable = false;
    };
    reader.worker.on('error', drop);
    reader.worker.on('exit', drop);
    reader.worker.unref();
    globalThis[READER_KEY] = reader;
  }
}

// The CLI bundle, with V8's code cache (dist/src/util/code-cache.cjs, from src/util/code-cache.cts).
const cli = require(join(dist, 'src', 'util', 'code-cache.cjs')).runCachedBundle(join(dist, 'plantwarden.cjs'));

cli.exports.main(process.argv).then(
  (code) => {
    process.exitCode = code;
    cli.saveCache();
  },
  (err) => {
    process.stderr.write(`plantwarden: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
