import { hash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type {
  Advisory,
  AdvisoryProduct,
  DefaultCredential,
  FeedSource,
  KevEntry,
  VersionRange,
} from '../feeds/model.js';
import type { FeedsRepository } from './feeds-repository.js';
import { decodeText, encodeText } from './kysely-repository.js';
import type {
  AdvisoriesTable,
  AdvisoryCvesTable,
  AdvisoryProductsTable,
  DefaultCredentialsTable,
  FeedSourcesTable,
  FeedsDatabase,
  KevTable,
} from './schema-feeds.js';

/** Bound parameters per statement, under SQLite's 32,766 and PostgreSQL's 65,535 (as the inventory store). */
const PARAM_BUDGET = 32000;
/** Values per `in (...)` list. */
const IN_CHUNK = 500;

const KINDS = new Set<FeedSource['kind']>(['csaf', 'kev', 'default-credentials']);
const STATUSES = new Set<AdvisoryProduct['status']>([
  'known_affected',
  'fixed',
  'known_not_affected',
  'under_investigation',
]);

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function enc(s: string | null | undefined): string {
  return encodeText(s ?? '');
}

function encOrNull(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : encodeText(s);
}

function decOrNull(s: string | null): string | null {
  return s === null ? null : decodeText(s);
}

function json<T>(s: string, fallback: T): T {
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Multi-row INSERT in batches of at most PARAM_BUDGET parameters. */
async function insertBatches<R extends object>(rows: R[], run: (batch: R[]) => Promise<unknown>): Promise<void> {
  if (rows.length === 0) return;
  const per = Math.max(1, Math.floor(PARAM_BUDGET / Object.keys(rows[0] as object).length));
  for (const batch of chunks(rows, per)) await run(batch);
}

/** Identity of a default credential (list, vendor, product, user, password, protocol). */
function credentialId(c: DefaultCredential): string {
  let s = '';
  for (const p of [c.list, c.vendor, c.product, c.user, c.password, c.protocol]) s += `${p.length}:${p}`;
  return hash('sha256', s, 'base64url');
}

/** A finite number or null (CVSS scores); both databases take it as double precision. */
function score(n: number | null): number | null {
  return n === null || !Number.isFinite(n) ? null : n;
}

/**
 * The feeds store over Kysely, for SQLite and PostgreSQL alike (`INSERT .. ON CONFLICT`).
 *
 * - `importSource` runs in one transaction: the source row first (`ON CONFLICT DO NOTHING`:
 *   if the id is already there nothing else is written), then advisories, KEV entries and
 *   default credentials in multi-row batches.
 * - An advisory replaces the stored one with the same id when its `updated` date is the same
 *   or newer (null counts as oldest); its products and CVEs are replaced with it. An older
 *   revision imported later changes nothing.
 * - KEV entries upsert by CVE (the later import wins); default credentials by (list, vendor,
 *   product, user, password, protocol), the later import's access text wins.
 * - Text from files goes through `encodeText` (NUL, lone surrogates) and comes back exactly.
 * Lists come back sorted in JS: sources by (importedAt, path, id), advisories by id with
 * products by productId, KEV by CVE, default credentials by (list, vendor, product, user,
 * password, protocol).
 */
export class KyselyFeedsRepository implements FeedsRepository {
  constructor(private readonly db: Kysely<FeedsDatabase>) {}

  /** Over the store's Kysely handle (`store.db`), whatever table types it was declared with. */
  static over<DB>(db: Kysely<DB>): KyselyFeedsRepository {
    return new KyselyFeedsRepository(db as unknown as Kysely<FeedsDatabase>);
  }

  async hasSource(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('feed_sources').select('id').where('id', '=', enc(id)).executeTakeFirst();
    return row !== undefined;
  }

  async importSource(
    source: FeedSource,
    records: { advisories?: Advisory[]; kev?: KevEntry[]; defaultCredentials?: DefaultCredential[] },
  ): Promise<void> {
    const src: FeedSourcesTable = {
      id: enc(source.id),
      kind: enc(source.kind),
      path: enc(source.path),
      imported_at: enc(source.importedAt),
      document_date: encOrNull(source.documentDate),
      records: Number.isSafeInteger(source.records) ? source.records : 0,
    };
    await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .insertInto('feed_sources')
        .values(src)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) return;
      await writeAdvisories(trx, src.id, records.advisories ?? []);
      await writeKev(trx, records.kev ?? []);
      await writeCredentials(trx, records.defaultCredentials ?? []);
    });
  }

  async listSources(): Promise<FeedSource[]> {
    const rows = await this.db.selectFrom('feed_sources').selectAll().execute();
    return rows
      .map(
        (r): FeedSource => ({
          id: decodeText(r.id),
          kind: decodeText(r.kind) as FeedSource['kind'],
          path: decodeText(r.path),
          importedAt: decodeText(r.imported_at),
          documentDate: decOrNull(r.document_date),
          records: Number(r.records),
        }),
      )
      .filter((s) => KINDS.has(s.kind))
      .sort((a, b) => cmp(a.importedAt, b.importedAt) || cmp(a.path, b.path) || cmp(a.id, b.id));
  }

  async summary(): Promise<{
    advisories: number;
    products: number;
    cves: number;
    kev: number;
    defaultCredentials: number;
    newest: string | null;
  }> {
    const count = async (table: keyof FeedsDatabase): Promise<number> => {
      const r = await this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    };
    const cves = await this.db
      .selectFrom('advisory_cves')
      .select(sql<number | string>`count(distinct cve)`.as('n'))
      .executeTakeFirst();
    const newest = await this.db
      .selectFrom('feed_sources')
      .select((eb) => eb.fn.max('document_date').as('d'))
      .executeTakeFirst();
    return {
      advisories: await count('advisories'),
      products: await count('advisory_products'),
      cves: Number(cves?.n ?? 0),
      kev: await count('kev'),
      defaultCredentials: await count('default_credentials'),
      newest: decOrNull((newest?.d as string | null | undefined) ?? null),
    };
  }

  async listAdvisories(): Promise<Advisory[]> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const byId = new Map<string, Advisory>();
        for (const r of await trx.selectFrom('advisories').selectAll().execute()) {
          byId.set(r.id, {
            id: decodeText(r.id),
            title: decodeText(r.title),
            publisher: decodeText(r.publisher),
            published: decOrNull(r.published),
            updated: decOrNull(r.updated),
            cves: [],
            cvssScore: r.cvss_score === null ? null : Number(r.cvss_score),
            cvssVector: decOrNull(r.cvss_vector),
            cwes: json<string[]>(r.cwes, []),
            remediations: json<Advisory['remediations']>(r.remediations, []),
            products: [],
            url: decOrNull(r.url),
          });
        }
        for (const r of await trx.selectFrom('advisory_cves').selectAll().execute()) {
          byId.get(r.advisory_id)?.cves.push(decodeText(r.cve));
        }
        for (const r of await trx.selectFrom('advisory_products').selectAll().execute()) {
          const status = decodeText(r.status) as AdvisoryProduct['status'];
          byId.get(r.advisory_id)?.products.push({
            productId: decodeText(r.product_id),
            vendor: decodeText(r.vendor),
            product: decodeText(r.product),
            models: json<string[]>(r.models, []),
            affected: json<VersionRange[]>(r.affected, []),
            fixedVersion: decOrNull(r.fixed_version),
            cpe: decOrNull(r.cpe),
            status: STATUSES.has(status) ? status : 'under_investigation',
          });
        }
        const list = [...byId.values()];
        for (const a of list) {
          a.cves.sort(cmp);
          a.products.sort((x, y) => cmp(x.productId, y.productId));
        }
        return list.sort((x, y) => cmp(x.id, y.id));
      });
  }

  async listKev(): Promise<KevEntry[]> {
    const rows = await this.db.selectFrom('kev').selectAll().execute();
    return rows
      .map(
        (r): KevEntry => ({
          cve: decodeText(r.cve),
          vendor: decodeText(r.vendor),
          product: decodeText(r.product),
          name: decodeText(r.name),
          dateAdded: decodeText(r.date_added),
          dueDate: decOrNull(r.due_date),
          knownRansomware: Number(r.known_ransomware) !== 0,
          requiredAction: decodeText(r.required_action),
        }),
      )
      .sort((x, y) => cmp(x.cve, y.cve));
  }

  async listDefaultCredentials(): Promise<DefaultCredential[]> {
    const rows = await this.db.selectFrom('default_credentials').selectAll().execute();
    return rows
      .map(
        (r): DefaultCredential => ({
          vendor: decodeText(r.vendor),
          product: decodeText(r.product),
          user: decodeText(r.user_name),
          password: decodeText(r.password),
          protocol: decodeText(r.protocol),
          access: decodeText(r.access),
          list: decodeText(r.list),
        }),
      )
      .sort(
        (x, y) =>
          cmp(x.list, y.list) ||
          cmp(x.vendor, y.vendor) ||
          cmp(x.product, y.product) ||
          cmp(x.user, y.user) ||
          cmp(x.password, y.password) ||
          cmp(x.protocol, y.protocol),
      );
  }
}

async function writeAdvisories(trx: Transaction<FeedsDatabase>, sourceId: string, list: Advisory[]): Promise<void> {
  if (list.length === 0) return;
  // The newest revision per id inside this batch (PostgreSQL refuses to upsert one row twice).
  const newest = new Map<string, Advisory>();
  for (const a of list) {
    const old = newest.get(a.id);
    if (old === undefined || (a.updated ?? '') >= (old.updated ?? '')) newest.set(a.id, a);
  }
  const stored = new Map<string, string>();
  for (const ids of chunks([...newest.keys()].map(enc), IN_CHUNK)) {
    const rows = await trx.selectFrom('advisories').select(['id', 'updated']).where('id', 'in', ids).execute();
    for (const r of rows) stored.set(r.id, decodeText(r.updated ?? ''));
  }
  const take = [...newest.values()].filter((a) => {
    const s = stored.get(enc(a.id));
    return s === undefined || (a.updated ?? '') >= s;
  });
  if (take.length === 0) return;
  const replaced = take.map((a) => enc(a.id)).filter((id) => stored.has(id));
  for (const ids of chunks(replaced, IN_CHUNK)) {
    await trx.deleteFrom('advisory_products').where('advisory_id', 'in', ids).execute();
    await trx.deleteFrom('advisory_cves').where('advisory_id', 'in', ids).execute();
  }

  const advisories: AdvisoriesTable[] = [];
  const products: AdvisoryProductsTable[] = [];
  const cves: AdvisoryCvesTable[] = [];
  for (const a of take) {
    const id = enc(a.id);
    advisories.push({
      id,
      source_id: sourceId,
      title: enc(a.title),
      publisher: enc(a.publisher),
      published: encOrNull(a.published),
      updated: encOrNull(a.updated),
      cvss_score: score(a.cvssScore),
      cvss_vector: encOrNull(a.cvssVector),
      cwes: JSON.stringify(a.cwes ?? []),
      remediations: JSON.stringify(a.remediations ?? []),
      url: encOrNull(a.url),
    });
    const seenProducts = new Set<string>();
    for (const p of a.products ?? []) {
      const pid = enc(p.productId);
      if (seenProducts.has(pid)) continue;
      seenProducts.add(pid);
      products.push({
        advisory_id: id,
        product_id: pid,
        vendor: enc(p.vendor),
        product: enc(p.product),
        models: JSON.stringify(p.models ?? []),
        affected: JSON.stringify(p.affected ?? []),
        fixed_version: encOrNull(p.fixedVersion),
        cpe: encOrNull(p.cpe),
        status: enc(p.status),
      });
    }
    for (const cve of new Set(a.cves ?? [])) cves.push({ advisory_id: id, cve: enc(cve) });
  }

  await insertBatches(advisories, (b) =>
    trx
      .insertInto('advisories')
      .values(b)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          source_id: eb.ref('excluded.source_id'),
          title: eb.ref('excluded.title'),
          publisher: eb.ref('excluded.publisher'),
          published: eb.ref('excluded.published'),
          updated: eb.ref('excluded.updated'),
          cvss_score: eb.ref('excluded.cvss_score'),
          cvss_vector: eb.ref('excluded.cvss_vector'),
          cwes: eb.ref('excluded.cwes'),
          remediations: eb.ref('excluded.remediations'),
          url: eb.ref('excluded.url'),
        })),
      )
      .execute(),
  );
  await insertBatches(products, (b) => trx.insertInto('advisory_products').values(b).execute());
  await insertBatches(cves, (b) => trx.insertInto('advisory_cves').values(b).execute());
}

async function writeKev(trx: Transaction<FeedsDatabase>, list: KevEntry[]): Promise<void> {
  const rows = new Map<string, KevTable>();
  for (const k of list) {
    const cve = enc(k.cve);
    rows.set(cve, {
      cve,
      vendor: enc(k.vendor),
      product: enc(k.product),
      name: enc(k.name),
      date_added: enc(k.dateAdded),
      due_date: encOrNull(k.dueDate),
      known_ransomware: k.knownRansomware ? 1 : 0,
      required_action: enc(k.requiredAction),
    });
  }
  await insertBatches([...rows.values()], (b) =>
    trx
      .insertInto('kev')
      .values(b)
      .onConflict((oc) =>
        oc.column('cve').doUpdateSet((eb) => ({
          vendor: eb.ref('excluded.vendor'),
          product: eb.ref('excluded.product'),
          name: eb.ref('excluded.name'),
          date_added: eb.ref('excluded.date_added'),
          due_date: eb.ref('excluded.due_date'),
          known_ransomware: eb.ref('excluded.known_ransomware'),
          required_action: eb.ref('excluded.required_action'),
        })),
      )
      .execute(),
  );
}

async function writeCredentials(trx: Transaction<FeedsDatabase>, list: DefaultCredential[]): Promise<void> {
  const rows = new Map<string, DefaultCredentialsTable>();
  for (const c of list) {
    const id = credentialId(c);
    rows.set(id, {
      id,
      list: enc(c.list),
      vendor: enc(c.vendor),
      product: enc(c.product),
      user_name: enc(c.user),
      password: enc(c.password),
      protocol: enc(c.protocol),
      access: enc(c.access),
    });
  }
  await insertBatches([...rows.values()], (b) =>
    trx
      .insertInto('default_credentials')
      .values(b)
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ access: eb.ref('excluded.access') })))
      .execute(),
  );
}
