import { KyselyFeedsRepository } from '../store/kysely-feeds-repository.js';
import { openStore } from '../store/open.js';
import { corpusPath } from '../testing/corpus.js';
import { importFeeds } from './import.js';

/** What `benchImportCorpus` measured. Times in milliseconds. */
export interface FeedBenchResult {
  files: number;
  advisories: number;
  products: number;
  kev: number;
  defaultCredentials: number;
  errors: number;
  warnings: number;
  unparsedVersions: number;
  /** Opening the store (migrations included). */
  openMs: number;
  /** importFeeds over the whole corpus feed set (reading, parsing, storing). */
  importMs: number;
  /** A second import of the same set (every file skipped as already imported). */
  reimportMs: number;
  /** listAdvisories() + listKev() + listDefaultCredentials(), as the matcher loads them. */
  loadMs: number;
}

/**
 * Import the whole corpus feed set (the 1,655 CSAF advisories, both KEV files and the three
 * default-credential lists) into the store at `dbPath` (a fresh SQLite file or a postgres://
 * URL with its own schema) and time it. For the benchmark and the PW_SLOW test; needs
 * `../shared/corpus`.
 */
export async function benchImportCorpus(dbPath: string): Promise<FeedBenchResult> {
  const paths = [
    corpusPath('vulns', 'csaf-ot'),
    corpusPath('vulns', 'kev', 'known_exploited_vulnerabilities.json'),
    corpusPath('vulns', 'kev', 'known_exploited_vulnerabilities.csv'),
    corpusPath('credentials', 'scadapass', 'scadapass.csv'),
    corpusPath('credentials', 'iti-ics-default-passwords', 'configurations', 'passwords', 'ics-default-passwords.csv'),
    corpusPath('credentials', 'defaultcreds-cheat-sheet', 'DefaultCreds-Cheat-Sheet.csv'),
  ];
  let t = performance.now();
  const store = await openStore(dbPath);
  const openMs = performance.now() - t;
  try {
    const repo = KyselyFeedsRepository.over(store.db);
    t = performance.now();
    const r = await importFeeds(paths, repo);
    const importMs = performance.now() - t;
    t = performance.now();
    await importFeeds(paths, repo);
    const reimportMs = performance.now() - t;
    t = performance.now();
    await repo.listAdvisories();
    await repo.listKev();
    await repo.listDefaultCredentials();
    const loadMs = performance.now() - t;
    const s = await repo.summary();
    return {
      files: r.imported.length,
      advisories: s.advisories,
      products: s.products,
      kev: s.kev,
      defaultCredentials: s.defaultCredentials,
      errors: r.errors.length,
      warnings: r.warnings.length,
      unparsedVersions: r.unparsedVersions,
      openMs: Math.round(openMs),
      importMs: Math.round(importMs),
      reimportMs: Math.round(reimportMs),
      loadMs: Math.round(loadMs),
    };
  } finally {
    await store.close();
  }
}
