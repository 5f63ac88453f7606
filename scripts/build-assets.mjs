// Build step after tsc: (1) a compact, sorted MAC-vendor table from the IEEE registry shipped by
// the `oui-data` package, searched by bisection at run time instead of parsing 5 MB of JSON;
// (2) the CLI bundled into one file, so a command starts in tens of milliseconds instead of
// resolving hundreds of modules (Kysely alone is 280 files). It is CommonJS so that bin/plantwarden.js
// can load it through vm.Script with V8's code cache (Node 20 has no code cache for ES modules);
// (3) that code cache, written by one run of the CLI; (4) the capture-reading worker of the
// parallel pipeline (src/engine/front-worker.ts) bundled next to it, where the CLI's
// `new URL('./front-worker.js', import.meta.url)` finds it.
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
await build({
  ...common,
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/plantwarden.cjs',
  format: 'cjs',
  // import.meta.url has no CommonJS equivalent: the bundle's own file URL stands in.
  define: { 'import.meta.url': '__pwImportMetaUrl' },
  banner: { js: "const __pwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // vm.Script has no loader for import(): dynamic imports of external packages become require().
  supported: { 'dynamic-import': false },
});
await build({ ...common, entryPoints: ['dist/src/engine/front-worker.js'], outfile: 'dist/front-worker.js' });

// The code cache holds what one run compiled: analysing a small demo capture compiles the
// analysis path as well as the start-up code. Without a cache the CLI works the same, only its
// start is slower. (The reader thread's bundle loads as a plain ES module, without a cache.)
const tmp = mkdtempSync(join(tmpdir(), 'pw-build-'));
try {
  const { writePlantCapture } = await import('../dist/src/demo/plant.js');
  const capture = join(tmp, 'warm.pcap');
  await writePlantCapture(capture, { packets: 5000 });
  execFileSync(process.execPath, ['bin/plantwarden.js', 'analyze', capture, '--db', join(tmp, 'warm.db'), '-q'], {
    env: { ...process.env, PLANTWARDEN_WRITE_CODE_CACHE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} catch (err) {
  console.warn(`build: no code cache for the CLI (${err instanceof Error ? err.message : String(err)})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
