import { type Kysely, sql } from 'kysely';
import type { Alert, Suppression } from '../alerts/model.js';
import { SEVERITIES, type Severity } from '../findings/model.js';
import type { AlertsRepository } from './alerts-repository.js';
import { decodeText, encodeText } from './kysely-repository.js';
import type { Database } from './schema.js';
import type { AlertSuppressionsTable, AlertsDatabase, AlertsTable } from './schema-alerts.js';

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const PARAM_BUDGET = 32000;
/** Ids per `where id in (...)` lookup. */
const LOOKUP_BATCH = 5000;
const MAX_EVIDENCE = 10;
const STATUSES: readonly Alert['status'][] = ['open', 'acknowledged', 'closed'];

/**
 * Alerts and suppressions in the store's database (tables `alerts` and `alert_suppressions`,
 * migration 0006-alerts), SQLite or PostgreSQL through the inventory's Kysely handle:
 * `new KyselyAlertsRepository(store.db)`.
 *
 * `mergeAlerts` reads the stored rows of the incoming ids (batched `in` lookups), folds them in
 * JS (counts add, first/last seen widen, evidence keeps the newest 10 lines by time, assets are
 * unioned, severity/title/remediation/revision/attack/suppression take the new values, status is
 * kept but a closed alert that fires again reopens) and writes everything back with multi-row
 * upserts, all in one transaction. Lists come back sorted by id, identical on both databases.
 */
export class KyselyAlertsRepository implements AlertsRepository {
  private readonly db: Kysely<AlertsDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db as unknown as Kysely<AlertsDatabase>;
  }

  async mergeAlerts(alerts: Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    // Repeated ids inside one call are folded first (PostgreSQL refuses an upsert touching a row twice).
    const incoming = new Map<string, Alert>();
    for (const a of alerts) {
      const prev = incoming.get(a.id);
      incoming.set(a.id, prev === undefined ? a : fold(prev, a));
    }
    await this.db.transaction().execute(async (trx) => {
      const ids = [...incoming.keys()];
      const stored = new Map<string, Alert>();
      for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
        const rows = await trx
          .selectFrom('alerts')
          .selectAll()
          .where(
            'id',
            'in',
            ids.slice(i, i + LOOKUP_BATCH).map((id) => encodeText(id)),
          )
          .execute();
        for (const r of rows) {
          const a = fromRow(r);
          stored.set(a.id, a);
        }
      }
      const rows: AlertsTable[] = [];
      for (const a of incoming.values()) {
        const old = stored.get(a.id);
        rows.push(toRow(old === undefined ? a : fold(old, a)));
      }
      const size = Math.max(1, Math.floor(PARAM_BUDGET / Object.keys(rows[0] as AlertsTable).length));
      for (let i = 0; i < rows.length; i += size) {
        await trx
          .insertInto('alerts')
          .values(rows.slice(i, i + size))
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              rule_id: sql.ref('excluded.rule_id'),
              revision: sql.ref('excluded.revision'),
              key: sql.ref('excluded.key'),
              severity: sql.ref('excluded.severity'),
              title: sql.ref('excluded.title'),
              remediation: sql.ref('excluded.remediation'),
              attack: sql.ref('excluded.attack'),
              assets: sql.ref('excluded.assets'),
              count: sql.ref('excluded.count'),
              first_seen_us: sql.ref('excluded.first_seen_us'),
              last_seen_us: sql.ref('excluded.last_seen_us'),
              evidence: sql.ref('excluded.evidence'),
              protocol: sql.ref('excluded.protocol'),
              status: sql.ref('excluded.status'),
              suppressed_by: sql.ref('excluded.suppressed_by'),
            }),
          )
          .execute();
      }
    });
  }

  async listAlerts(): Promise<Alert[]> {
    const rows = await this.db.selectFrom('alerts').selectAll().execute();
    return rows.map(fromRow).sort(byId);
  }

  async setAlertStatus(id: string, status: Alert['status']): Promise<boolean> {
    if (!STATUSES.includes(status)) throw new Error(`store: unknown alert status '${String(status)}'`);
    const r = await this.db.updateTable('alerts').set({ status }).where('id', '=', encodeText(id)).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Insert, or replace the suppression with the same id. */
  async addSuppression(s: Suppression): Promise<void> {
    const row: AlertSuppressionsTable = {
      id: encodeText(s.id),
      rule_id: s.ruleId === null ? null : encodeText(s.ruleId),
      assets: JSON.stringify(s.assets ?? []),
      reason: encodeText(s.reason),
      until: encodeText(s.until),
      created_at: encodeText(s.createdAt),
    };
    await this.db
      .insertInto('alert_suppressions')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          rule_id: sql.ref('excluded.rule_id'),
          assets: sql.ref('excluded.assets'),
          reason: sql.ref('excluded.reason'),
          until: sql.ref('excluded.until'),
          created_at: sql.ref('excluded.created_at'),
        }),
      )
      .execute();
  }

  async listSuppressions(): Promise<Suppression[]> {
    const rows = await this.db.selectFrom('alert_suppressions').selectAll().execute();
    return rows
      .map((r) => ({
        id: decodeText(r.id),
        ruleId: r.rule_id === null ? null : decodeText(r.rule_id),
        assets: jsonStrings(r.assets),
        reason: decodeText(r.reason),
        until: decodeText(r.until),
        createdAt: decodeText(r.created_at),
      }))
      .sort(byId);
  }

  async removeSuppression(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_suppressions').where('id', '=', encodeText(id)).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * `next` folded into `prev` (same id): counts add, seen widens, evidence keeps the newest lines
 * (the later alert's lines go last), assets union, the rest from `next`; status kept, closed
 * reopens.
 */
export function fold(prev: Alert, next: Alert): Alert {
  const nextIsNewer = next.lastSeenUs >= prev.lastSeenUs;
  const evidence = (nextIsNewer ? [...prev.evidence, ...next.evidence] : [...next.evidence, ...prev.evidence]).slice(
    -MAX_EVIDENCE,
  );
  const assets = [...prev.assets];
  for (const k of next.assets) if (!assets.includes(k)) assets.push(k);
  return {
    id: next.id,
    ruleId: next.ruleId,
    revision: next.revision,
    key: next.key,
    severity: next.severity,
    title: next.title,
    remediation: next.remediation,
    attack: [...next.attack],
    assets,
    count: prev.count + next.count,
    firstSeenUs: Math.min(prev.firstSeenUs, next.firstSeenUs),
    lastSeenUs: Math.max(prev.lastSeenUs, next.lastSeenUs),
    evidence,
    protocol: next.protocol ?? prev.protocol,
    status: prev.status === 'closed' ? 'open' : prev.status,
    suppressedBy: next.suppressedBy,
  };
}

function toRow(a: Alert): AlertsTable {
  return {
    id: encodeText(a.id),
    rule_id: encodeText(a.ruleId),
    revision: Number.isSafeInteger(a.revision) ? a.revision : 0,
    key: encodeText(a.key),
    severity: encodeText(a.severity),
    title: encodeText(a.title),
    remediation: encodeText(a.remediation),
    // JSON.stringify escapes NUL and lone surrogates: JSON text needs no further escaping.
    attack: JSON.stringify(a.attack ?? []),
    assets: JSON.stringify(a.assets ?? []),
    count: safeInt(a.count),
    first_seen_us: safeInt(a.firstSeenUs),
    last_seen_us: safeInt(a.lastSeenUs),
    evidence: JSON.stringify((a.evidence ?? []).slice(-MAX_EVIDENCE)),
    protocol: a.protocol === null ? null : encodeText(a.protocol),
    status: encodeText(a.status),
    suppressed_by: a.suppressedBy === null ? null : encodeText(a.suppressedBy),
  };
}

function safeInt(n: number): number {
  return Number.isSafeInteger(n) ? n : 0;
}

function jsonStrings(s: string): string[] {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function fromRow(r: AlertsTable): Alert {
  const severity = decodeText(r.severity);
  const status = decodeText(r.status);
  return {
    id: decodeText(r.id),
    ruleId: decodeText(r.rule_id),
    revision: Number(r.revision),
    key: decodeText(r.key),
    severity: (SEVERITIES as readonly string[]).includes(severity) ? (severity as Severity) : 'info',
    title: decodeText(r.title),
    remediation: decodeText(r.remediation),
    attack: jsonStrings(r.attack),
    assets: jsonStrings(r.assets),
    count: Number(r.count),
    firstSeenUs: Number(r.first_seen_us),
    lastSeenUs: Number(r.last_seen_us),
    evidence: jsonStrings(r.evidence),
    protocol: r.protocol === null ? null : decodeText(r.protocol),
    status: (STATUSES as readonly string[]).includes(status) ? (status as Alert['status']) : 'open',
    suppressedBy: r.suppressed_by === null ? null : decodeText(r.suppressed_by),
  };
}
