import type { Kysely } from 'kysely';
import type { BaselineRepository, BaselineState } from './baseline-repository.js';
import { decodeText, encodeText } from './kysely-repository.js';
import type { BaselineDatabase } from './schema-baseline.js';

/** Bound parameters per statement, as in kysely-repository.ts (under SQLite's and PostgreSQL's limits). */
const PARAM_BUDGET = 32000;
const BATCH = Math.floor(PARAM_BUDGET / 3);

const MODES: ReadonlySet<string> = new Set(['off', 'learning', 'frozen']);

/**
 * The baseline on either database, over the store's Kysely handle:
 * `new KyselyBaselineRepository(store.db as unknown as Kysely<BaselineDatabase>)`.
 * A store without a state row is in mode 'off'. Keys and values round-trip exactly.
 */
export class KyselyBaselineRepository implements BaselineRepository {
  constructor(private readonly db: Kysely<BaselineDatabase>) {}

  async getState(): Promise<BaselineState> {
    const r = await this.db.selectFrom('baseline_state').selectAll().where('id', '=', 1).executeTakeFirst();
    if (!r) return { mode: 'off', learnUntilUs: null, startedAt: null, frozenAt: null };
    const until = r.learn_until_us === null ? null : Number(r.learn_until_us);
    return {
      mode: MODES.has(r.mode) ? (r.mode as BaselineState['mode']) : 'off',
      learnUntilUs: until !== null && Number.isSafeInteger(until) ? until : null,
      startedAt: r.started_at === null ? null : decodeText(r.started_at),
      frozenAt: r.frozen_at === null ? null : decodeText(r.frozen_at),
    };
  }

  async setState(state: BaselineState): Promise<void> {
    const until = state.learnUntilUs !== null && Number.isSafeInteger(state.learnUntilUs) ? state.learnUntilUs : null;
    const row = {
      id: 1,
      mode: MODES.has(state.mode) ? state.mode : 'off',
      learn_until_us: until,
      started_at: state.startedAt === null ? null : encodeText(state.startedAt),
      frozen_at: state.frozenAt === null ? null : encodeText(state.frozenAt),
    };
    await this.db
      .insertInto('baseline_state')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          mode: row.mode,
          learn_until_us: row.learn_until_us,
          started_at: row.started_at,
          frozen_at: row.frozen_at,
        }),
      )
      .execute();
  }

  /**
   * Upsert documents in one transaction, multi-row statements in batches. A (kind, key) given
   * twice keeps the last value (a statement may not update one row twice on PostgreSQL).
   */
  async putStats(rows: { kind: string; key: string; value: string }[]): Promise<void> {
    if (rows.length === 0) return;
    const byId = new Map<string, { kind: string; key: string; value: string }>();
    for (const r of rows) {
      const kind = encodeText(r.kind);
      const key = encodeText(r.key);
      byId.set(`${kind}\0${key}`, { kind, key, value: encodeText(r.value) });
    }
    const values = [...byId.values()];
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < values.length; i += BATCH) {
        await trx
          .insertInto('baseline_stats')
          .values(values.slice(i, i + BATCH))
          .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
          .execute();
      }
    });
  }

  async getStats(kind: string): Promise<{ key: string; value: string }[]> {
    const rows = await this.db
      .selectFrom('baseline_stats')
      .select(['key', 'value'])
      .where('kind', '=', encodeText(kind))
      .orderBy('key')
      .execute();
    return rows.map((r) => ({ key: decodeText(r.key), value: decodeText(r.value) }));
  }

  async clearStats(): Promise<void> {
    await this.db.deleteFrom('baseline_stats').execute();
  }
}
