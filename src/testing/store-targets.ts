import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';

/**
 * The databases every store test runs against: SQLite (a temp file per test) and PostgreSQL (a
 * fresh schema per test, dropped at the end). PostgreSQL must be reachable at PW_TEST_PG_URL
 * (default postgres://postgres@127.0.0.1:5432/test, trust auth); PW_SKIP_PG=1 skips it when it
 * is not, otherwise an unreachable server fails the tests.
 */
export const PG_URL = process.env.PW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SKIP_PG = process.env.PW_SKIP_PG === '1';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  setup(): Promise<void>;
  /** URL of a new, empty database; null when the test must skip. */
  freshUrl(t: TestContext): Promise<string | null>;
  teardown(): Promise<void>;
}

/** SQLite then PostgreSQL; `prefix` names the PostgreSQL schemas ('pw_alerts' -> pw_alerts_<pid>_<n>). */
export function storeTargets(prefix: string): StoreTarget[] {
  return [sqliteTarget(prefix), postgresTarget(prefix)];
}

function sqliteTarget(prefix: string): StoreTarget {
  let dir = '';
  let n = 0;
  return {
    name: 'sqlite',
    async setup() {
      dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    },
    async freshUrl() {
      return join(dir, `store-${n++}.db`);
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresTarget(prefix: string): StoreTarget {
  let admin: pg.Pool | null = null;
  let down: string | null = null;
  let n = 0;
  const schemas: string[] = [];
  return {
    name: 'postgres',
    async setup() {
      admin = new pg.Pool({ connectionString: PG_URL, connectionTimeoutMillis: 3000, max: 2 });
      admin.on('error', () => {});
      try {
        await admin.query('select 1');
      } catch (e) {
        down = e instanceof Error ? e.message || String((e as { code?: string }).code) : String(e);
      }
    },
    async freshUrl(t) {
      if (down !== null) {
        if (SKIP_PG) {
          t.skip(`PostgreSQL not reachable (PW_SKIP_PG=1): ${down}`);
          return null;
        }
        throw new Error(`PostgreSQL not reachable at ${PG_URL}: ${down} (start it, or set PW_SKIP_PG=1 to skip)`);
      }
      const schema = `${prefix}_${process.pid}_${n++}`;
      schemas.push(schema);
      await admin!.query(`drop schema if exists ${schema} cascade`);
      return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
    },
    async teardown() {
      if (admin === null) return;
      if (down === null) for (const s of schemas) await admin.query(`drop schema if exists ${s} cascade`);
      await admin.end();
    },
  };
}
