// Build step after tsc: (1) a compact, sorted MAC-vendor table from the IEEE registry shipped by
// the `oui-data` package, searched by bisection at run time instead of parsing 5 MB of JSON;
// (2) the CLI bundled into one file, so a command starts in tens of milliseconds instead of
// resolving hundreds of modules (Kysely alone is 280 files). It is CommonJS so that bin/plantwarden.js
// can load it through vm.Script with V8's code cache (Node 20 has no code cache for ES modules);
// (3) that code cache, written by one run of the CLI; (4) the capture-reading worker of the
// parallel pipeline (src/engine/front-worker-run.ts) bundled next to it as dist/front-worker.cjs,
// with its loader (src/engine/front-worker-loader.ts) bundled as dist/front-worker.js, where the CLI's
// `new URL('./front-worker.js', import.meta.url)` finds it, and its own code cache.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildOuiTable } from '../dist/src/inventory/oui.js';

writeFileSync('dist/oui-vendors.tsv', buildOuiTable());

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // esbuild's default, stated because bin/plantwarden.js relies on it: strings, templates and
  // regular expressions come out ASCII (other characters escaped), so reading the bundle as
  // latin1 (half the time of UTF-8) gives the same code. Only comments keep UTF-8 bytes, read as
  // two latin1 characters each, none of them a line terminator or comment end.
  charset: 'ascii',
  sourcemap: true,
  external: ['better-sqlite3', 'pg', 'oui-data'],
  banner: {
    js: "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};
/** CommonJS for vm.Script (bin/plantwarden.js, the worker's loader). */
const cjs = {
  ...common,
  format: 'cjs',
  // import.meta.url has no CommonJS equivalent: the bundle's own file URL stands in.
  define: { 'import.meta.url': '__pwImportMetaUrl' },
  banner: { js: "const __pwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // vm.Script has no loader for import(): dynamic imports of external packages become require().
  supported: { 'dynamic-import': false },
};
await build({ ...cjs, entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/plantwarden.cjs' });
await build({ ...cjs, entryPoints: ['dist/src/engine/front-worker-run.js'], outfile: 'dist/front-worker.cjs' });
await build({ ...common, entryPoints: ['dist/src/engine/front-worker-loader.js'], outfile: 'dist/front-worker.js' });

// The code caches hold what one run compiled: analysing a small demo capture on two threads
// compiles the analysis path as well as the start-up code, in the CLI and in the reader thread.
// Without a cache the CLI works the same, only its start is slower.
const tmp = mkdtempSync(join(tmpdir(), 'pw-build-'));
try {
  const { writePlantCapture } = await import('../dist/src/demo/plant.js');
  const capture = join(tmp, 'warm.pcap');
  await writePlantCapture(capture, { packets: 5000 });
  execFileSync(
    process.execPath,
    ['bin/plantwarden.js', 'analyze', capture, '--db', join(tmp, 'warm.db'), '--threads', '2', '-q'],
    {
      env: { ...process.env, PLANTWARDEN_WRITE_CODE_CACHE: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
} catch (err) {
  console.warn(
    `build: no code cache for the CLI or its reader thread (${err instanceof Error ? err.message : String(err)})`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
