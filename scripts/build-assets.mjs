// Build step after tsc: (1) a compact, sorted MAC-vendor table from the IEEE registry shipped by
// the `oui-data` package, searched by bisection at run time instead of parsing 5 MB of JSON;
// (2) the CLI bundled into one ESM file, so a command starts in tens of milliseconds instead of
// resolving hundreds of modules (Kysely alone is 280 files); (3) the capture-reading worker of the
// parallel pipeline (src/engine/front-worker.ts) bundled next to it, where the CLI's
// `new URL('./front-worker.js', import.meta.url)` finds it.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { buildOuiTable } from '../dist/src/inventory/oui.js';

writeFileSync('dist/oui-vendors.tsv', buildOuiTable());

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['better-sqlite3', 'pg', 'oui-data'],
  banner: {
    js: "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/plantwarden.mjs' });
await build({ ...common, entryPoints: ['dist/src/engine/front-worker.js'], outfile: 'dist/front-worker.js' });
