// Build step after tsc: (1) a compact, sorted MAC-vendor table from the IEEE registry shipped by
// the `oui-data` package, searched by bisection at run time instead of parsing 5 MB of JSON;
// (2) the CLI bundled into one ESM file, so a command starts in tens of milliseconds instead of
// resolving hundreds of modules (Kysely alone is 280 files).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const registry = require('oui-data');
const lines = [];
for (const [oui, raw] of Object.entries(registry)) {
  if (!/^[0-9A-F]{6}$/.test(oui)) continue;
  const name = String(raw)
    .split('\n', 1)[0]
    .replace(/[\s,.;]+$/, '')
    .replace(/[\t\r]/g, ' ')
    .trim();
  if (name) lines.push(`${oui}\t${name}`);
}
lines.sort();
writeFileSync('dist/oui-vendors.tsv', `${lines.join('\n')}\n`);

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
