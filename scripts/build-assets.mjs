// Build step after tsc: (1) a compact, sorted MAC-vendor table from the IEEE registry shipped by
// the `oui-data` package, searched by bisection at run time instead of parsing 5 MB of JSON;
// (2) the CLI bundled into one ESM file, so a command starts in tens of milliseconds instead of
// resolving hundreds of modules (Kysely alone is 280 files).
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { buildOuiTable } from '../dist/src/inventory/oui.js';

writeFileSync('dist/oui-vendors.tsv', buildOuiTable());

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/plantwarden.mjs',
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
});
