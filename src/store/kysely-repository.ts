import { hash, randomBytes } from 'node:crypto';
import { type Compilable, CompiledQuery, type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type {
  AnalysisRecord,
  AnomalyRecord,
  AssetRecord,
  AssetRole,
  Classification,
  CredentialRecord,
  FactRecord,
  InventorySnapshot,
  LinkRecord,
  RoleRecord,
} from '../inventory/model.js';
import { normaliseMac } from '../util/net.js';
import type { InventoryRepository } from './repository.js';
import type {
  AnalysesTable,
  AnomaliesTable,
  AssetFactsTable,
  AssetIpsTable,
  AssetRolesTable,
  AssetsTable,
  AssetVlansTable,
  CredentialsTable,
  Database,
  LinkOpsTable,
  LinksTable,
} from './schema.js';

/**
 * Bound parameters per statement: under SQLite's 32766 and PostgreSQL's 65535, so one batch
 * size works on both. Rows per multi-row INSERT = PARAM_BUDGET / columns.
 */
const PARAM_BUDGET = 32000;

const MAX_INT = Number.MAX_SAFE_INTEGER;

/** Insert shapes: what the repository writes (all columns, plain numbers). */
type Row<T> = { [K in keyof T]: T[K] extends infer V ? (V extends number | string | null ? V : number) : never };
type AnalysisRow = Row<AnalysesTable>;
type AssetRow = Row<AssetsTable>;
type FactRow = Row<AssetFactsTable>;
type RoleRow = Row<AssetRolesTable>;
type LinkRow = Row<LinksTable>;
type OpRow = Row<LinkOpsTable>;
type AnomalyRow = Row<AnomaliesTable>;
type CredentialRow = Row<CredentialsTable>;

/** `settings` key of the credential fingerprint key. */
const CREDENTIAL_KEY_SETTING = 'credential_key';

/** All rows of one snapshot, encoded, validated and de-duplicated, ready to insert. */
interface PreparedSnapshot {
  analysis: AnalysisRow;
  assets: AssetRow[];
  ips: AssetIpsTable[];
  vlans: AssetVlansTable[];
  facts: FactRow[];
  roles: RoleRow[];
  links: LinkRow[];
  ops: OpRow[];
  anomalies: AnomalyRow[];
  credentials: CredentialRow[];
}

// Text PostgreSQL cannot store (NUL) or that no UTF-8 database can hold (lone UTF-16
// surrogates) is kept as U+E000 + its JSON string form; a value that itself starts with U+E000
// is escaped too so decoding is never ambiguous. Everything else is stored as is.
const NEEDS_ESCAPE = /^\uE000|\0|\p{Cs}/u;

/** Text as stored: identical unless it holds NUL, a lone surrogate, or starts with U+E000. */
export function encodeText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? `\uE000${JSON.stringify(s)}` : s;
}

/** Inverse of `encodeText`. */
export function decodeText(s: string): string {
  if (s.charCodeAt(0) !== 0xe000) return s;
  try {
    const v: unknown = JSON.parse(s.slice(1));
    return typeof v === 'string' ? v : s;
  } catch {
    return s;
  }
}

/** Spellings an IP query may be stored under (as typed, lower case, canonical IPv6). */
function ipCandidates(q: string): string[] {
  const out = new Set([q, q.toLowerCase()]);
  if (q.includes(':')) {
    try {
      out.add(new URL(`http://[${q}]/`).hostname.slice(1, -1));
    } catch {
      // not an IPv6 literal: the plain spellings are all there is
    }
  }
  return [...out].map(encodeText);
}

/** A finite integer in the safe range (NaN -> 0), so both databases accept and agree on it. */
function int(n: number): number {
  if (n >= -MAX_INT && n <= MAX_INT) return Math.trunc(n);
  return n > 0 ? MAX_INT : n < 0 ? -MAX_INT : 0;
}

function real(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

/** Unambiguous identity text (length-prefixed parts) hashed to 43 base64url characters. */
function identityHash(...parts: (string | number)[]): string {
  let s = '';
  for (const p of parts) {
    const t = String(p);
    s += `${t.length}:${t}`;
  }
  return hash('sha256', s, 'base64url');
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseJson(s: string, fallback: unknown): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return fallback;
  }
}

// SQL for the upserts. `excluded` is the row that was about to be inserted; both databases
// evaluate every SET expression against the old row, so the order of columns does not matter.
function sum(table: string, col: string): RawBuilder<number> {
  return sql<number>`${sql.ref(`${table}.${col}`)} + ${sql.ref(`excluded.${col}`)}`;
}
function lowest(table: string, col: string): RawBuilder<number> {
  const cur = sql.ref(`${table}.${col}`);
  const ex = sql.ref(`excluded.${col}`);
  return sql<number>`case when ${ex} < ${cur} then ${ex} else ${cur} end`;
}
function highest(table: string, col: string): RawBuilder<number> {
  const cur = sql.ref(`${table}.${col}`);
  const ex = sql.ref(`excluded.${col}`);
  return sql<number>`case when ${ex} > ${cur} then ${ex} else ${cur} end`;
}
/** Classification: the more confident one wins; a tie keeps the stored one. */
function moreConfident<T>(col: string): RawBuilder<T> {
  return sql<T>`case when excluded.role_confidence > assets.role_confidence then ${sql.ref(`excluded.${col}`)} else ${sql.ref(`assets.${col}`)} end`;
}

/**
 * Multi-row upsert in batches of PARAM_BUDGET parameters. Kysely compiles the first batch of
 * each size; the SQL text is kept (per repository, so per dialect) and later batches only bind
 * new parameters: compiling a 3,000-row VALUES list costs more than executing it. Rows must
 * all have the same keys in the same order; the first compile checks that Kysely bound the
 * parameters in exactly that row-major order, so the reuse cannot misplace a value.
 */
async function upsert<R extends object>(
  trx: Transaction<Database>,
  templates: Map<string, string>,
  name: string,
  rows: R[],
  build: (batch: R[]) => Compilable,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object) as (keyof R)[];
  const size = Math.max(1, Math.floor(PARAM_BUDGET / columns.length));
  for (let i = 0; i < rows.length; i += size) {
    const batch = rows.slice(i, i + size);
    const params = new Array<unknown>(batch.length * columns.length);
    let k = 0;
    for (const row of batch) for (const c of columns) params[k++] = row[c];
    const key = `${name}:${batch.length}`;
    let text = templates.get(key);
    if (text === undefined) {
      const compiled = build(batch).compile();
      const bound = compiled.parameters;
      if (bound.length !== params.length || bound.some((v, j) => v !== params[j])) {
        throw new Error(`store: unexpected parameter layout in ${name} upsert`);
      }
      text = compiled.sql;
      if (batch.length === size) templates.set(key, text);
    }
    await trx.executeQuery(CompiledQuery.raw(text, params));
  }
}

/** Snapshot -> rows. Pure; throws only on input JSON cannot represent (summary). */
function prepareSnapshot(s: InventorySnapshot): PreparedSnapshot {
  const a = s.analysis;
  const analysis: AnalysisRow = {
    id: encodeText(a.id),
    source: encodeText(a.source),
    format: encodeText(a.format),
    started_at: encodeText(a.startedAt),
    finished_at: encodeText(a.finishedAt),
    packets: int(a.packets),
    bytes: int(a.bytes),
    first_packet_us: int(a.firstPacketUs),
    last_packet_us: int(a.lastPacketUs),
    summary: JSON.stringify(a.summary ?? {}),
  };

  // Rows are de-duplicated here with the same rules as the SQL upserts: PostgreSQL refuses an
  // INSERT .. ON CONFLICT DO UPDATE that touches one row twice. Encoded text never contains NUL,
  // so NUL separates the parts of composite map keys.
  const assets = new Map<string, AssetRow>();
  const ips = new Map<string, AssetIpsTable>();
  const vlans = new Map<string, AssetVlansTable>();
  const facts = new Map<string, FactRow>();
  const roles = new Map<string, RoleRow>();
  for (const as of s.assets) {
    const key = encodeText(as.key);
    const row: AssetRow = {
      key,
      mac: as.mac === null || as.mac === undefined ? null : encodeText(as.mac),
      is_router: as.isRouter ? 1 : 0,
      first_seen_us: int(as.firstSeenUs),
      last_seen_us: int(as.lastSeenUs),
      packets_sent: int(as.packetsSent),
      packets_received: int(as.packetsReceived),
      bytes_sent: int(as.bytesSent),
      bytes_received: int(as.bytesReceived),
      role: encodeText(as.classification.role),
      role_confidence: real(as.classification.confidence),
      role_reasons: JSON.stringify(as.classification.reasons ?? []),
    };
    const old = assets.get(key);
    if (old === undefined) assets.set(key, row);
    else {
      old.mac = row.mac ?? old.mac;
      old.is_router = old.is_router | row.is_router;
      old.first_seen_us = Math.min(old.first_seen_us, row.first_seen_us);
      old.last_seen_us = Math.max(old.last_seen_us, row.last_seen_us);
      old.packets_sent += row.packets_sent;
      old.packets_received += row.packets_received;
      old.bytes_sent += row.bytes_sent;
      old.bytes_received += row.bytes_received;
      if (row.role_confidence > old.role_confidence) {
        old.role = row.role;
        old.role_confidence = row.role_confidence;
        old.role_reasons = row.role_reasons;
      }
    }
    for (const ip of as.ips) {
      const e = encodeText(ip);
      ips.set(`${key}\0${e}`, { asset_key: key, ip: e });
    }
    for (const v of as.vlans) {
      const vlan = int(v);
      vlans.set(`${key}\0${vlan}`, { asset_key: key, vlan });
    }
    for (const f of as.facts) {
      const id = identityHash(as.key, f.field, f.value, f.protocol, f.source);
      const mk = `${key}\0${id}`;
      const fr: FactRow = {
        asset_key: key,
        id,
        field: encodeText(f.field),
        value: encodeText(f.value),
        protocol: encodeText(f.protocol),
        source: encodeText(f.source),
        precedence: int(f.precedence),
        first_seen_us: int(f.firstSeenUs),
        last_seen_us: int(f.lastSeenUs),
        count: int(f.count),
      };
      const of = facts.get(mk);
      if (of === undefined) facts.set(mk, fr);
      else {
        of.precedence = Math.max(of.precedence, fr.precedence);
        of.first_seen_us = Math.min(of.first_seen_us, fr.first_seen_us);
        of.last_seen_us = Math.max(of.last_seen_us, fr.last_seen_us);
        of.count += fr.count;
      }
    }
    for (const r of as.roles) {
      const rr: RoleRow = {
        asset_key: key,
        protocol: encodeText(r.protocol),
        role: encodeText(r.role),
        transport: encodeText(r.transport),
        port: int(r.port),
        peers: int(r.peers),
        flows: int(r.flows),
        first_seen_us: int(r.firstSeenUs),
        last_seen_us: int(r.lastSeenUs),
      };
      const mk = `${key}\0${rr.protocol}\0${rr.role}\0${rr.transport}\0${rr.port}`;
      const or = roles.get(mk);
      if (or === undefined) roles.set(mk, rr);
      else {
        or.peers = Math.max(or.peers, rr.peers);
        or.flows += rr.flows;
        or.first_seen_us = Math.min(or.first_seen_us, rr.first_seen_us);
        or.last_seen_us = Math.max(or.last_seen_us, rr.last_seen_us);
      }
    }
  }

  const links = new Map<string, LinkRow>();
  const ops = new Map<string, OpRow>();
  for (const l of s.links) {
    const port = int(l.port);
    const id = identityHash(l.clientKey, l.serverKey, l.protocol, l.transport, port);
    const lr: LinkRow = {
      id,
      client_key: encodeText(l.clientKey),
      server_key: encodeText(l.serverKey),
      protocol: encodeText(l.protocol),
      transport: encodeText(l.transport),
      port,
      flows: int(l.flows),
      packets: int(l.packets),
      bytes: int(l.bytes),
      first_seen_us: int(l.firstSeenUs),
      last_seen_us: int(l.lastSeenUs),
    };
    const ol = links.get(id);
    if (ol === undefined) links.set(id, lr);
    else {
      ol.flows += lr.flows;
      ol.packets += lr.packets;
      ol.bytes += lr.bytes;
      ol.first_seen_us = Math.min(ol.first_seen_us, lr.first_seen_us);
      ol.last_seen_us = Math.max(ol.last_seen_us, lr.last_seen_us);
    }
    for (const [op, n] of Object.entries(l.ops ?? {})) {
      const e = encodeText(op);
      const mk = `${id}\0${e}`;
      const oo = ops.get(mk);
      if (oo === undefined) ops.set(mk, { link_id: id, op: e, count: int(n) });
      else oo.count += int(n);
    }
  }

  const anomalies = new Map<string, AnomalyRow>();
  for (const an of s.anomalies) {
    const ar: AnomalyRow = {
      code: encodeText(an.code),
      protocol: encodeText(an.protocol),
      asset_key: an.assetKey === null || an.assetKey === undefined ? '' : encodeText(an.assetKey),
      count: int(an.count),
      first_seen_us: int(an.firstSeenUs),
      last_seen_us: int(an.lastSeenUs),
      example: encodeText(an.example),
    };
    const mk = `${ar.code}\0${ar.protocol}\0${ar.asset_key}`;
    const oa = anomalies.get(mk);
    if (oa === undefined) anomalies.set(mk, ar);
    else {
      oa.count += ar.count;
      oa.first_seen_us = Math.min(oa.first_seen_us, ar.first_seen_us);
      oa.last_seen_us = Math.max(oa.last_seen_us, ar.last_seen_us);
    }
  }

  // Keyed by the hash of the identity; a null key or fingerprint counts as '' (asset keys and
  // fingerprints are never empty), exactly as the inventory builder groups them.
  const credentials = new Map<string, CredentialRow>();
  for (const c of s.credentials ?? []) {
    const client = c.clientKey ?? '';
    const server = c.serverKey ?? '';
    const fingerprint = c.secretFingerprint ?? '';
    const id = identityHash(client, server, c.protocol, c.mechanism, c.user, fingerprint, c.source);
    const cr: CredentialRow = {
      id,
      client_key: encodeText(client),
      server_key: encodeText(server),
      protocol: encodeText(c.protocol),
      mechanism: encodeText(c.mechanism),
      user_name: encodeText(c.user),
      secret_fingerprint: encodeText(fingerprint),
      source: encodeText(c.source),
      cleartext: c.cleartext ? 1 : 0,
      successes: int(c.successes),
      failures: int(c.failures),
      count: int(c.count),
      first_seen_us: int(c.firstSeenUs),
      last_seen_us: int(c.lastSeenUs),
    };
    const oc = credentials.get(id);
    if (oc === undefined) credentials.set(id, cr);
    else {
      oc.cleartext = oc.cleartext | cr.cleartext;
      oc.successes += cr.successes;
      oc.failures += cr.failures;
      oc.count += cr.count;
      oc.first_seen_us = Math.min(oc.first_seen_us, cr.first_seen_us);
      oc.last_seen_us = Math.max(oc.last_seen_us, cr.last_seen_us);
    }
  }

  return {
    analysis,
    assets: [...assets.values()],
    ips: [...ips.values()],
    vlans: [...vlans.values()],
    facts: [...facts.values()],
    roles: [...roles.values()],
    links: [...links.values()],
    // link_ops' key starts with a random hash: in key order its btree pages are visited once
    // each instead of at random (about 0.1 s less per 100,000 ops on SQLite).
    ops: [...ops.values()].sort((x, y) => cmp(x.link_id, y.link_id)),
    anomalies: [...anomalies.values()],
    credentials: [...credentials.values()],
  };
}

type AssetSelect = {
  [K in keyof AssetsTable]: AssetsTable[K] extends infer V ? (V extends string ? V : unknown) : never;
};

function toFact(r: { [K in keyof AssetFactsTable]: unknown }): FactRecord {
  return {
    field: decodeText(r.field as string),
    value: decodeText(r.value as string),
    protocol: decodeText(r.protocol as string),
    source: decodeText(r.source as string),
    precedence: Number(r.precedence),
    firstSeenUs: Number(r.first_seen_us),
    lastSeenUs: Number(r.last_seen_us),
    count: Number(r.count),
  };
}

function toRole(r: { [K in keyof AssetRolesTable]: unknown }): RoleRecord {
  return {
    protocol: decodeText(r.protocol as string),
    role: decodeText(r.role as string) as RoleRecord['role'],
    transport: decodeText(r.transport as string) as RoleRecord['transport'],
    port: Number(r.port),
    peers: Number(r.peers),
    flows: Number(r.flows),
    firstSeenUs: Number(r.first_seen_us),
    lastSeenUs: Number(r.last_seen_us),
  };
}

function toAsset(r: AssetSelect): AssetRecord {
  const reasons = parseJson(r.role_reasons, []);
  return {
    key: decodeText(r.key),
    mac: r.mac === null ? null : decodeText(r.mac as string),
    ips: [],
    vlans: [],
    isRouter: Number(r.is_router) !== 0,
    firstSeenUs: Number(r.first_seen_us),
    lastSeenUs: Number(r.last_seen_us),
    packetsSent: Number(r.packets_sent),
    packetsReceived: Number(r.packets_received),
    bytesSent: Number(r.bytes_sent),
    bytesReceived: Number(r.bytes_received),
    facts: [],
    roles: [],
    classification: {
      role: decodeText(r.role) as AssetRole,
      confidence: Number(r.role_confidence),
      reasons: Array.isArray(reasons) ? (reasons as string[]) : [],
    },
  };
}

/** Deterministic order of an asset's lists, the same whichever database sorted (or not). */
function sortAsset(a: AssetRecord): AssetRecord {
  a.ips.sort(cmp);
  a.vlans.sort((x, y) => x - y);
  a.facts.sort(
    (x, y) =>
      cmp(x.field, y.field) ||
      y.precedence - x.precedence ||
      cmp(x.value, y.value) ||
      cmp(x.protocol, y.protocol) ||
      cmp(x.source, y.source),
  );
  a.roles.sort(
    (x, y) => cmp(x.protocol, y.protocol) || cmp(x.role, y.role) || cmp(x.transport, y.transport) || x.port - y.port,
  );
  return a;
}

/**
 * The inventory store over Kysely, for SQLite and PostgreSQL alike (no dialect-specific SQL:
 * upserts are `INSERT .. ON CONFLICT .. DO UPDATE`, which both speak).
 *
 * Lists come back in a stable order sorted in JS (JS string order, so both databases agree):
 * assets by key, ips/vlans ascending, facts by field then precedence (highest first), roles by
 * (protocol, role, transport, port), links by (client, server, protocol, transport, port),
 * anomalies by (code, protocol, asset), analyses by (startedAt, id), credentials by (client,
 * server, protocol, mechanism, user, fingerprint, source) with null as ''.
 */
export class KyselyInventoryRepository implements InventoryRepository {
  /** Compiled upsert SQL by table and batch size (see `upsert`). */
  private readonly templates = new Map<string, string>();
  /** The credential key once read (it never changes for a database). */
  private key: Buffer | null = null;

  constructor(readonly db: Kysely<Database>) {}

  async mergeSnapshot(snapshot: InventorySnapshot): Promise<boolean> {
    const p = prepareSnapshot(snapshot);
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .insertInto('analyses')
        .values(p.analysis)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      await mergeRows(trx, this.templates, p);
      return true;
    });
  }

  async listAssets(): Promise<AssetRecord[]> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const rows = await trx.selectFrom('assets').selectAll().execute();
        const byKey = new Map<string, AssetRecord>();
        for (const r of rows) byKey.set(r.key, toAsset(r));
        for (const r of await trx.selectFrom('asset_ips').selectAll().execute()) {
          byKey.get(r.asset_key)?.ips.push(decodeText(r.ip));
        }
        for (const r of await trx.selectFrom('asset_vlans').selectAll().execute()) {
          byKey.get(r.asset_key)?.vlans.push(Number(r.vlan));
        }
        for (const r of await trx.selectFrom('asset_facts').selectAll().execute()) {
          byKey.get(r.asset_key)?.facts.push(toFact(r));
        }
        for (const r of await trx.selectFrom('asset_roles').selectAll().execute()) {
          byKey.get(r.asset_key)?.roles.push(toRole(r));
        }
        return [...byKey.values()].map(sortAsset).sort((x, y) => cmp(x.key, y.key));
      });
  }

  async findAsset(query: string): Promise<AssetRecord | null> {
    const key = await this.resolveKey(query);
    if (key === null) return null;
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const row = await trx.selectFrom('assets').selectAll().where('key', '=', key).executeTakeFirst();
        if (row === undefined) return null;
        const a = toAsset(row);
        const ips = await trx.selectFrom('asset_ips').select('ip').where('asset_key', '=', key).execute();
        for (const r of ips) a.ips.push(decodeText(r.ip));
        const vlans = await trx.selectFrom('asset_vlans').select('vlan').where('asset_key', '=', key).execute();
        for (const r of vlans) a.vlans.push(Number(r.vlan));
        const facts = await trx.selectFrom('asset_facts').selectAll().where('asset_key', '=', key).execute();
        for (const r of facts) a.facts.push(toFact(r));
        const roles = await trx.selectFrom('asset_roles').selectAll().where('asset_key', '=', key).execute();
        for (const r of roles) a.roles.push(toRole(r));
        return sortAsset(a);
      });
  }

  /** Stored (encoded) key for a query: exact key, then MAC in any spelling, then IP. */
  private async resolveKey(query: string): Promise<string | null> {
    const exact = await this.db
      .selectFrom('assets')
      .select('key')
      .where('key', '=', encodeText(query))
      .executeTakeFirst();
    if (exact !== undefined) return exact.key;
    const q = query.trim();
    if (q === '') return null;

    const mac = normaliseMac(q.replace(/^mac:/i, ''));
    if (mac !== null) {
      // The asset keyed by this MAC first; else the most recently seen asset carrying it.
      const byMac = await this.db
        .selectFrom('assets')
        .select('key')
        .where((eb) => eb.or([eb('key', '=', `mac:${mac}`), eb('mac', '=', mac)]))
        .orderBy(sql`case when ${sql.ref('key')} = ${`mac:${mac}`} then 0 else 1 end`)
        .orderBy('last_seen_us', 'desc')
        .orderBy('key')
        .executeTakeFirst();
      if (byMac !== undefined) return byMac.key;
    }

    const ip = q.replace(/^ip:/i, '');
    const byIp = await this.db
      .selectFrom('asset_ips')
      .innerJoin('assets', 'assets.key', 'asset_ips.asset_key')
      .select('assets.key')
      .where('asset_ips.ip', 'in', ipCandidates(ip))
      .orderBy('assets.last_seen_us', 'desc')
      .orderBy('assets.key')
      .executeTakeFirst();
    return byIp?.key ?? null;
  }

  async setClassifications(items: { key: string; classification: Classification }[]): Promise<void> {
    if (items.length === 0) return;
    const rows = items.map((i) => ({
      key: encodeText(i.key),
      role: encodeText(i.classification.role),
      role_confidence: real(i.classification.confidence),
      role_reasons: JSON.stringify(i.classification.reasons ?? []),
    }));
    await this.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        await trx
          .updateTable('assets')
          .set({ role: r.role, role_confidence: r.role_confidence, role_reasons: r.role_reasons })
          .where('key', '=', r.key)
          .execute();
      }
    });
  }

  async listLinks(): Promise<LinkRecord[]> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const rows = await trx.selectFrom('links').selectAll().execute();
        const ops = new Map<string, [string, number][]>();
        for (const r of await trx.selectFrom('link_ops').selectAll().execute()) {
          const list = ops.get(r.link_id);
          const entry: [string, number] = [decodeText(r.op), Number(r.count)];
          if (list === undefined) ops.set(r.link_id, [entry]);
          else list.push(entry);
        }
        const links: LinkRecord[] = rows.map((r) => ({
          clientKey: decodeText(r.client_key),
          serverKey: decodeText(r.server_key),
          protocol: decodeText(r.protocol),
          transport: decodeText(r.transport) as LinkRecord['transport'],
          port: Number(r.port),
          flows: Number(r.flows),
          packets: Number(r.packets),
          bytes: Number(r.bytes),
          firstSeenUs: Number(r.first_seen_us),
          lastSeenUs: Number(r.last_seen_us),
          // fromEntries defines own properties, so an op named '__proto__' stays data.
          ops: Object.fromEntries((ops.get(r.id) ?? []).sort((x, y) => cmp(x[0], y[0]))),
        }));
        return links.sort(
          (x, y) =>
            cmp(x.clientKey, y.clientKey) ||
            cmp(x.serverKey, y.serverKey) ||
            cmp(x.protocol, y.protocol) ||
            cmp(x.transport, y.transport) ||
            x.port - y.port,
        );
      });
  }

  async listAnomalies(): Promise<AnomalyRecord[]> {
    const rows = await this.db.selectFrom('anomalies').selectAll().execute();
    return rows
      .map(
        (r): AnomalyRecord => ({
          code: decodeText(r.code),
          protocol: decodeText(r.protocol),
          assetKey: r.asset_key === '' ? null : decodeText(r.asset_key),
          count: Number(r.count),
          firstSeenUs: Number(r.first_seen_us),
          lastSeenUs: Number(r.last_seen_us),
          example: decodeText(r.example),
        }),
      )
      .sort((x, y) => cmp(x.code, y.code) || cmp(x.protocol, y.protocol) || cmp(x.assetKey ?? '', y.assetKey ?? ''));
  }

  async listAnalyses(): Promise<AnalysisRecord[]> {
    const rows = await this.db.selectFrom('analyses').selectAll().execute();
    return rows
      .map(
        (r): AnalysisRecord => ({
          id: decodeText(r.id),
          source: decodeText(r.source),
          format: decodeText(r.format),
          startedAt: decodeText(r.started_at),
          finishedAt: decodeText(r.finished_at),
          packets: Number(r.packets),
          bytes: Number(r.bytes),
          firstPacketUs: Number(r.first_packet_us),
          lastPacketUs: Number(r.last_packet_us),
          summary: parseJson(r.summary, {}) as Record<string, unknown>,
        }),
      )
      .sort((x, y) => cmp(x.startedAt, y.startedAt) || cmp(x.id, y.id));
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    const rows = await this.db.selectFrom('credentials').selectAll().execute();
    const orNull = (s: string) => (s === '' ? null : decodeText(s));
    return rows
      .map(
        (r): CredentialRecord => ({
          clientKey: orNull(r.client_key),
          serverKey: orNull(r.server_key),
          protocol: decodeText(r.protocol),
          mechanism: decodeText(r.mechanism),
          user: decodeText(r.user_name),
          secretFingerprint: orNull(r.secret_fingerprint),
          cleartext: Number(r.cleartext) !== 0,
          source: decodeText(r.source),
          successes: Number(r.successes),
          failures: Number(r.failures),
          count: Number(r.count),
          firstSeenUs: Number(r.first_seen_us),
          lastSeenUs: Number(r.last_seen_us),
        }),
      )
      .sort(
        (x, y) =>
          cmp(x.clientKey ?? '', y.clientKey ?? '') ||
          cmp(x.serverKey ?? '', y.serverKey ?? '') ||
          cmp(x.protocol, y.protocol) ||
          cmp(x.mechanism, y.mechanism) ||
          cmp(x.user, y.user) ||
          cmp(x.secretFingerprint ?? '', y.secretFingerprint ?? '') ||
          cmp(x.source, y.source),
      );
  }

  /**
   * Created on first call: a random candidate is inserted only if no key exists yet, then the
   * stored one is read back, so two processes opening one database at once agree on the key.
   * Each call returns a fresh copy.
   */
  async credentialKey(): Promise<Uint8Array> {
    if (this.key === null) {
      await this.db
        .insertInto('settings')
        .values({ key: CREDENTIAL_KEY_SETTING, value: randomBytes(32).toString('hex') })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await this.db
        .selectFrom('settings')
        .select('value')
        .where('key', '=', CREDENTIAL_KEY_SETTING)
        .executeTakeFirst();
      // Never show the value: it is the key to every fingerprint in this inventory.
      if (row === undefined || !/^[0-9a-f]{64}$/.test(row.value)) {
        throw new Error('store: the credential key in settings is missing or not 32 bytes of hex');
      }
      this.key = Buffer.from(row.value, 'hex');
    }
    return new Uint8Array(this.key);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** The upserts of one snapshot, inside the caller's transaction. Parents before children. */
async function mergeRows(trx: Transaction<Database>, t: Map<string, string>, p: PreparedSnapshot): Promise<void> {
  await upsert(trx, t, 'assets', p.assets, (b) =>
    trx
      .insertInto('assets')
      .values(b)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          // The newest non-null MAC wins (an IP-keyed asset may have changed NIC).
          mac: sql<string | null>`coalesce(excluded.mac, assets.mac)`,
          is_router: sql<number>`case when excluded.is_router <> 0 then 1 else assets.is_router end`,
          first_seen_us: lowest('assets', 'first_seen_us'),
          last_seen_us: highest('assets', 'last_seen_us'),
          packets_sent: sum('assets', 'packets_sent'),
          packets_received: sum('assets', 'packets_received'),
          bytes_sent: sum('assets', 'bytes_sent'),
          bytes_received: sum('assets', 'bytes_received'),
          role: moreConfident<string>('role'),
          role_confidence: moreConfident<number>('role_confidence'),
          role_reasons: moreConfident<string>('role_reasons'),
        }),
      ),
  );
  await upsert(trx, t, 'ips', p.ips, (b) =>
    trx
      .insertInto('asset_ips')
      .values(b)
      .onConflict((oc) => oc.columns(['asset_key', 'ip']).doNothing()),
  );
  await upsert(trx, t, 'vlans', p.vlans, (b) =>
    trx
      .insertInto('asset_vlans')
      .values(b)
      .onConflict((oc) => oc.columns(['asset_key', 'vlan']).doNothing()),
  );
  await upsert(trx, t, 'facts', p.facts, (b) =>
    trx
      .insertInto('asset_facts')
      .values(b)
      .onConflict((oc) =>
        oc.columns(['asset_key', 'id']).doUpdateSet({
          precedence: highest('asset_facts', 'precedence'),
          first_seen_us: lowest('asset_facts', 'first_seen_us'),
          last_seen_us: highest('asset_facts', 'last_seen_us'),
          count: sum('asset_facts', 'count'),
        }),
      ),
  );
  await upsert(trx, t, 'roles', p.roles, (b) =>
    trx
      .insertInto('asset_roles')
      .values(b)
      .onConflict((oc) =>
        oc.columns(['asset_key', 'protocol', 'role', 'transport', 'port']).doUpdateSet({
          peers: highest('asset_roles', 'peers'),
          flows: sum('asset_roles', 'flows'),
          first_seen_us: lowest('asset_roles', 'first_seen_us'),
          last_seen_us: highest('asset_roles', 'last_seen_us'),
        }),
      ),
  );
  await upsert(trx, t, 'links', p.links, (b) =>
    trx
      .insertInto('links')
      .values(b)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          flows: sum('links', 'flows'),
          packets: sum('links', 'packets'),
          bytes: sum('links', 'bytes'),
          first_seen_us: lowest('links', 'first_seen_us'),
          last_seen_us: highest('links', 'last_seen_us'),
        }),
      ),
  );
  await upsert(trx, t, 'ops', p.ops, (b) =>
    trx
      .insertInto('link_ops')
      .values(b)
      .onConflict((oc) => oc.columns(['link_id', 'op']).doUpdateSet({ count: sum('link_ops', 'count') })),
  );
  await upsert(trx, t, 'anomalies', p.anomalies, (b) =>
    trx
      .insertInto('anomalies')
      .values(b)
      .onConflict((oc) =>
        oc.columns(['code', 'protocol', 'asset_key']).doUpdateSet({
          count: sum('anomalies', 'count'),
          first_seen_us: lowest('anomalies', 'first_seen_us'),
          last_seen_us: highest('anomalies', 'last_seen_us'),
        }),
      ),
  );
  await upsert(trx, t, 'credentials', p.credentials, (b) =>
    trx
      .insertInto('credentials')
      .values(b)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          cleartext: sql<number>`case when excluded.cleartext <> 0 then 1 else credentials.cleartext end`,
          successes: sum('credentials', 'successes'),
          failures: sum('credentials', 'failures'),
          count: sum('credentials', 'count'),
          first_seen_us: lowest('credentials', 'first_seen_us'),
          last_seen_us: highest('credentials', 'last_seen_us'),
        }),
      ),
  );
}
