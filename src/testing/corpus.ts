import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, found from this file whether it runs from src/ (ts) or dist/src/ (js). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('package.json not found above the test support module');
})();

/** `../shared/corpus` beside the checkout (tests and benchmarks only; never at run time). */
export const corpusRoot = resolve(repoRoot, '..', 'shared', 'corpus');

export function corpusPath(...parts: string[]): string {
  return join(corpusRoot, ...parts);
}

export const hasCorpus = existsSync(corpusRoot);
