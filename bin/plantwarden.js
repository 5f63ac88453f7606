#!/usr/bin/env node
// Loads the bundled CLI (dist/plantwarden.cjs) with V8's code cache (dist/plantwarden.cjs.cache,
// written by the build): compiling 2 MB of JavaScript from source costs ~40 ms at every command,
// loading the cached code a few. Without the cache, or when this Node's V8 rejects it, the bundle
// compiles from source as usual. PLANTWARDEN_WRITE_CODE_CACHE=1 rewrites the cache after the command.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'plantwarden.cjs');
const cacheFile = `${file}.cache`;
const writeCache = process.env.PLANTWARDEN_WRITE_CODE_CACHE === '1';
const cachedData = !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
const script = new vm.Script(
  `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
  { filename: file, ...(cachedData ? { cachedData } : {}) },
);
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));

mod.exports.main(process.argv).then(
  (code) => {
    process.exitCode = code;
    if (writeCache) writeFileSync(cacheFile, script.createCachedData());
  },
  (err) => {
    process.stderr.write(`plantwarden: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
