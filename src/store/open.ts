import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { KyselyInventoryRepository } from './kysely-repository.js';
import { migrateToLatest } from './migrations.js';
import type { InventoryRepository } from './repository.js';
import type { Database } from './schema.js';

/** An opened store: the repository plus its Kysely handle (for other repositories sharing it). */
export type Store = InventoryRepository & { db: Kysely<Database> };

/** Where the CLI keeps its database unless told otherwise. */
export function defaultDbPath(): string {
  return process.env.PLANTWARDEN_DB || './plantwarden.db';
}

const PG_URL = /^postgres(ql)?:\/\//i;
const PG_INT8_OID = 20;

/**
 * Open (or create) the store and bring its schema to the latest migration.
 *
 * - A file path: SQLite, created if missing; WAL journal, synchronous=NORMAL, foreign keys on,
 *   5 s busy timeout. `:memory:` gives a private in-memory database.
 * - `postgres://user:pass@host:port/db` (or `postgresql://`): PostgreSQL through a pg Pool.
 *   `?schema=name` keeps the tables in that schema (created if missing; sets search_path), so
 *   one server can hold several stores.
 *
 * Any failure to open, connect or migrate is an Error with one line:
 * "cannot open database '<url, password hidden>': <reason>".
 */
export async function openStore(url: string): Promise<Store> {
  return PG_URL.test(url) ? openPostgres(url) : openSqlite(url);
}

function reason(e: unknown): string {
  if (e instanceof AggregateError && e.message === '' && e.errors.length > 0) return reason(e.errors[0]);
  const msg = e instanceof Error ? e.message || String((e as { code?: unknown }).code ?? e.name) : String(e);
  const line = msg.split('\n')[0] as string;
  return line.charAt(0).toLowerCase() + line.slice(1);
}

async function openSqlite(path: string): Promise<Store> {
  let raw: SqliteDatabase.Database | undefined;
  try {
    raw = new SqliteDatabase(path);
    // The first statement reads the header: this is where a non-database file is refused.
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
  } catch (e) {
    raw?.close();
    const why = reason(e).replace(
      'cannot open database because the directory does not exist',
      'directory does not exist',
    );
    throw new Error(`cannot open database '${path}': ${why}`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) });
  return finishOpen(db, path, false, null);
}

/**
 * better-sqlite3 behind a small LRU of prepared statements. Kysely prepares every query it
 * runs, and preparing a 3,000-row upsert costs more than a millisecond; the merge repeats the
 * same SQL text batch after batch. SQLite re-prepares a cached statement itself after a schema
 * change, and Kysely's connection mutex keeps one statement from being used twice at once.
 */
function cachingStatements(raw: SqliteDatabase.Database, size = 64): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      let st = cache.get(text);
      if (st !== undefined) cache.delete(text);
      else {
        st = raw.prepare(text);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, st);
      return st;
    },
  };
}

async function openPostgres(url: string): Promise<Store> {
  const shown = redact(url);
  let schema: string | null = null;
  let connectionString = url;
  try {
    const u = new URL(url);
    schema = u.searchParams.get('schema');
    if (schema !== null) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(schema)) throw new Error(`invalid schema name '${schema}'`);
      u.searchParams.delete('schema');
      const prev = u.searchParams.get('options');
      u.searchParams.set('options', `${prev ? `${prev} ` : ''}-c search_path=${schema}`);
      connectionString = u.toString();
    }
  } catch (e) {
    throw new Error(`cannot open database '${shown}': ${reason(e)}`);
  }
  // Loaded only for PostgreSQL: the embedded default never pays for the driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString,
    connectionTimeoutMillis: 10_000,
    // 64-bit integers as numbers: every bigint here is a count or a µs time, far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary'
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return finishOpen(db, shown, true, schema);
}

async function finishOpen(
  db: Kysely<Database>,
  shown: string,
  postgres: boolean,
  schema: string | null,
): Promise<Store> {
  try {
    let tableSchema: string | undefined;
    if (postgres) {
      if (schema !== null) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      const r = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
      tableSchema = r.rows[0]?.s ?? undefined;
      if (tableSchema === undefined) throw new Error('no schema to create tables in (check search_path)');
    }
    // Kysely's migrator lists the tables of every schema in the database; another store's schema
    // dropped during that listing fails it ("schema ... does not exist"). That is not our schema:
    // list again.
    for (let attempt = 0; ; attempt++) {
      try {
        await migrateToLatest(db, tableSchema);
        break;
      } catch (e) {
        const m = /schema "([^"]+)" does not exist/.exec(e instanceof Error ? e.message : '');
        if (!postgres || !m || m[1] === tableSchema || attempt >= 4) throw e;
      }
    }
  } catch (e) {
    await db.destroy().catch(() => {});
    throw new Error(`cannot open database '${shown}': ${reason(e)}`);
  }
  return new KyselyInventoryRepository(db);
}

/** The URL with its password replaced, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@');
  }
}
