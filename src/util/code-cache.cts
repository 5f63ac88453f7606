import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * Runs a CommonJS bundle through vm.Script with V8's code cache `<file>.cache`: compiling a bundle
 * of a megabyte or two from source costs tens of milliseconds at every start, loading cached code
 * a few. Without the cache, or when this Node's V8 rejects it, the bundle compiles from source as
 * usual. With PLANTWARDEN_WRITE_CODE_CACHE=1 the cache is ignored, and `saveCache()` writes it
 * (after a representative run, so that it holds what that run compiled).
 *
 * Used by bin/plantwarden.js for the CLI bundle and by front-worker-loader.ts for the reader
 * thread's; CommonJS itself (a .cts file) so that bin, a CommonJS entry, can require it.
 * The bundles are ASCII (scripts/build-assets.mjs): read as latin1, twice as fast as UTF-8, they
 * give the same code.
 */
export function runCachedBundle(file: string): { exports: Record<string, unknown>; saveCache(): void } {
  const cacheFile = `${file}.cache`;
  const writeCache = process.env.PLANTWARDEN_WRITE_CODE_CACHE === '1';
  const cachedData = !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'latin1')}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
  return {
    exports: mod.exports,
    saveCache: () => {
      if (writeCache) writeFileSync(cacheFile, script.createCachedData());
    },
  };
}
