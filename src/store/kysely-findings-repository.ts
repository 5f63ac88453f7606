import { type Kysely, sql } from 'kysely';
import type { Finding, FindingEvidence, FindingReference, FindingStatus, Severity } from '../findings/model.js';
import { SEVERITIES } from '../findings/model.js';
import type { FindingsRepository } from './findings-repository.js';
import { decodeText, encodeText } from './kysely-repository.js';
import type { Database } from './schema.js';
import type { FindingsDatabase, FindingsTable } from './schema-findings.js';

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const PARAM_BUDGET = 32000;

const STATUSES: readonly FindingStatus[] = ['open', 'acknowledged', 'resolved', 'accepted'];

/**
 * Findings in the store's database (table `findings`, migration 0004-findings), SQLite or
 * PostgreSQL through the same Kysely handle as the inventory: `new KyselyFindingsRepository(store.db)`.
 * Text goes through `encodeText` (NUL and lone surrogates survive PostgreSQL); asset keys, evidence
 * and references are JSON text. Lists come back sorted by id, identical on both databases.
 */
export class KyselyFindingsRepository implements FindingsRepository {
  private readonly db: Kysely<FindingsDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db as unknown as Kysely<FindingsDatabase>;
  }

  async listFindings(): Promise<Finding[]> {
    const rows = await this.db.selectFrom('findings').selectAll().execute();
    return rows.map(fromRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async getFinding(id: string): Promise<Finding | null> {
    const row = await this.db.selectFrom('findings').selectAll().where('id', '=', encodeText(id)).executeTakeFirst();
    return row === undefined ? null : fromRow(row);
  }

  /** Multi-row upserts by id in one transaction; a repeated id in the list: the last one wins. */
  async saveFindings(findings: Finding[]): Promise<void> {
    if (findings.length === 0) return;
    const byId = new Map<string, FindingsTable>();
    for (const f of findings) {
      const row = toRow(f);
      byId.set(row.id, row);
    }
    const rows = [...byId.values()];
    const size = Math.max(1, Math.floor(PARAM_BUDGET / Object.keys(rows[0] as FindingsTable).length));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += size) {
        await trx
          .insertInto('findings')
          .values(rows.slice(i, i + size))
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              rule_id: sql.ref('excluded.rule_id'),
              rule_revision: sql.ref('excluded.rule_revision'),
              scope: sql.ref('excluded.scope'),
              severity: sql.ref('excluded.severity'),
              title: sql.ref('excluded.title'),
              description: sql.ref('excluded.description'),
              remediation: sql.ref('excluded.remediation'),
              asset_keys: sql.ref('excluded.asset_keys'),
              evidence: sql.ref('excluded.evidence'),
              refs: sql.ref('excluded.refs'),
              score: sql.ref('excluded.score'),
              status: sql.ref('excluded.status'),
              status_reason: sql.ref('excluded.status_reason'),
              status_until: sql.ref('excluded.status_until'),
              first_found_at: sql.ref('excluded.first_found_at'),
              last_found_at: sql.ref('excluded.last_found_at'),
              resolved_at: sql.ref('excluded.resolved_at'),
            }),
          )
          .execute();
      }
    });
  }

  /**
   * Status, reason and expiry as given; resolving stamps resolvedAt with the current time, any
   * other status clears it. False when no finding has that id.
   */
  async setStatus(id: string, status: FindingStatus, reason: string | null, until: string | null): Promise<boolean> {
    if (!STATUSES.includes(status)) throw new Error(`store: unknown finding status '${String(status)}'`);
    const r = await this.db
      .updateTable('findings')
      .set({
        status,
        status_reason: reason === null ? null : encodeText(reason),
        status_until: until === null ? null : encodeText(until),
        resolved_at: status === 'resolved' ? new Date().toISOString() : null,
      })
      .where('id', '=', encodeText(id))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}

function toRow(f: Finding): FindingsTable {
  const opt = (s: string | null | undefined) => (s === null || s === undefined ? null : encodeText(s));
  return {
    id: encodeText(f.id),
    rule_id: encodeText(f.ruleId),
    rule_revision: Number.isSafeInteger(f.ruleRevision) ? f.ruleRevision : 0,
    scope: encodeText(f.scope),
    severity: encodeText(f.severity),
    title: encodeText(f.title),
    description: encodeText(f.description),
    remediation: encodeText(f.remediation),
    // JSON.stringify escapes NUL and lone surrogates, so JSON text needs no further escaping.
    asset_keys: JSON.stringify(f.assetKeys ?? []),
    evidence: JSON.stringify(f.evidence ?? []),
    refs: JSON.stringify(f.references ?? []),
    score: Number.isFinite(f.score) ? f.score : 0,
    status: encodeText(f.status),
    status_reason: opt(f.statusReason),
    status_until: opt(f.statusUntil),
    first_found_at: encodeText(f.firstFoundAt),
    last_found_at: encodeText(f.lastFoundAt),
    resolved_at: opt(f.resolvedAt),
  };
}

function jsonList<T>(s: string): T[] {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function fromRow(r: FindingsTable): Finding {
  const opt = (s: string | null) => (s === null ? null : decodeText(s));
  const severity = decodeText(r.severity);
  const status = decodeText(r.status);
  return {
    id: decodeText(r.id),
    ruleId: decodeText(r.rule_id),
    ruleRevision: Number(r.rule_revision),
    scope: decodeText(r.scope),
    severity: (SEVERITIES as readonly string[]).includes(severity) ? (severity as Severity) : 'info',
    title: decodeText(r.title),
    description: decodeText(r.description),
    remediation: decodeText(r.remediation),
    assetKeys: jsonList<unknown>(r.asset_keys).filter((k): k is string => typeof k === 'string'),
    evidence: jsonList<FindingEvidence>(r.evidence),
    references: jsonList<FindingReference>(r.refs),
    score: Number(r.score),
    status: (STATUSES as readonly string[]).includes(status) ? (status as FindingStatus) : 'open',
    statusReason: opt(r.status_reason),
    statusUntil: opt(r.status_until),
    firstFoundAt: decodeText(r.first_found_at),
    lastFoundAt: decodeText(r.last_found_at),
    resolvedAt: opt(r.resolved_at),
  };
}
