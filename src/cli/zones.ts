import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { AssetRecord, LinkRecord } from '../inventory/model.js';
import { EXPORT_FORMATS, type ExportFormat, exportPolicy } from '../policy/export.js';
import { cidrToString } from '../policy/net.js';
import { loadPolicy, type Policy, type ZoneMatch } from '../policy/policy.js';
import { suggestZones } from '../policy/suggest.js';
import { ZoneFileError } from '../policy/zone-file.js';
import { defaultDbPath, openStore } from '../store/open.js';
import { csvRow, safe, table } from './format.js';

type Out = (line: string) => void;
const stderr: Out = (line) => process.stderr.write(`${line}\n`);

/** Load a zone file; a bad one prints every problem (file:line:col) on `err` and throws one line. */
async function policyOrReport(file: string, err: Out): Promise<Policy> {
  try {
    return await loadPolicy(file);
  } catch (e) {
    if (e instanceof ZoneFileError) {
      for (const l of e.lines()) err(safe(l));
      const n = e.issues.length;
      throw new Error(`zone file '${safe(file)}' has ${n} error${n === 1 ? '' : 's'}; nothing was loaded`);
    }
    throw e;
  }
}

async function inventory(db: string): Promise<{ assets: AssetRecord[]; links: LinkRecord[] }> {
  const store = await openStore(db);
  try {
    return { assets: await store.listAssets(), links: await store.listLinks() };
  } finally {
    await store.close();
  }
}

function hasDatabase(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db) || db === ':memory:' || existsSync(db);
}

async function emit(textOut: string, out: string | undefined, print: Out, what: string): Promise<void> {
  if (out === undefined) {
    print(textOut.replace(/\n$/, ''));
    return;
  }
  try {
    await writeFile(out, textOut);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(
      `cannot write '${safe(out)}': ${code === 'ENOENT' ? 'directory does not exist' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e)}`,
    );
  }
  stderr(`${what} written to ${safe(out)}`);
}

function ports(p: Policy['conduits'][number]['ports']): string {
  return p === null
    ? 'protocol ports'
    : p.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(',');
}

/** `plantwarden zones check <file>`: validate and print the zones and conduits. */
export async function zonesCheckCommand(
  file: string,
  o: { json?: boolean },
  out: Out = console.log,
  err: Out = stderr,
): Promise<Policy> {
  const policy = await policyOrReport(file, err);
  if (o.json) {
    out(
      JSON.stringify(
        {
          file,
          engineeringStations: [...policy.engineeringStations],
          zones: policy.zones.map((z) => ({
            name: z.name,
            description: z.description,
            level: z.level,
            criticality: z.criticality,
            cidrs: z.cidrs.map(cidrToString),
            vlans: z.vlans,
            assets: [...z.assetKeys, ...z.assetIps],
          })),
          conduits: policy.conduits.map((c) => ({ ...c })),
        },
        null,
        2,
      ),
    );
    return policy;
  }
  out(
    `${safe(file)}: valid, ${policy.zones.length} zones, ${policy.conduits.length} conduits, ${policy.engineeringStations.size} engineering stations`,
  );
  out('');
  out(
    table(
      ['ZONE', 'LEVEL', 'CRITICALITY', 'CIDRS', 'VLANS', 'ASSETS'],
      policy.zones.map((z) => [
        z.name,
        String(z.level),
        z.criticality,
        z.cidrs.map(cidrToString).join(' ') || '-',
        z.vlans.join(',') || '-',
        String(z.assetKeys.length + z.assetIps.length),
      ]),
      60,
    ),
  );
  out('');
  if (policy.conduits.length === 0) out('No conduits: every connection between zones is a violation.');
  else
    out(
      table(
        ['CONDUIT', 'FROM', 'TO', 'PROTOCOLS', 'PORTS', 'OPERATIONS', 'DIRECTION'],
        policy.conduits.map((c) => [
          c.name,
          c.from,
          c.to,
          c.protocols.join(','),
          ports(c.ports),
          c.operations,
          c.bidirectional ? 'both' : 'one-way',
        ]),
        50,
      ),
    );
  return policy;
}

/** `plantwarden zones suggest`: a commented draft zone file from the inventory. */
export async function zonesSuggestCommand(o: { db: string; out?: string }, out: Out = console.log): Promise<string> {
  const { assets, links } = await inventory(o.db);
  if (assets.length === 0) throw new Error('the inventory is empty: run `plantwarden analyze` on a capture first');
  const s = suggestZones(assets, links, `database ${o.db.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@')}`);
  await emit(s.text, o.out, out, `Draft zone file (${s.zones.length} zones, ${s.conduits.length} conduits)`);
  return s.text;
}

interface ShownZone {
  /** 'none': assets in no zone; 'routers': routers, which sit between zones. */
  kind: 'zone' | 'none' | 'routers';
  zone: string | null;
  level: number | null;
  criticality: string | null;
  assets: { key: string; ips: string[]; role: string; matchedBy: ZoneMatch }[];
}

/** `plantwarden zones show`: the stored assets in each zone (and those in none). */
export async function zonesShowCommand(
  o: { db: string; zones: string; json?: boolean },
  out: Out = console.log,
  err: Out = stderr,
): Promise<ShownZone[]> {
  const policy = await policyOrReport(o.zones, err);
  const { assets } = await inventory(o.db);
  const rows: ShownZone[] = policy.zones.map((z) => ({
    kind: 'zone',
    zone: z.name,
    level: z.level,
    criticality: z.criticality,
    assets: [],
  }));
  const none: ShownZone = { kind: 'none', zone: null, level: null, criticality: null, assets: [] };
  const routers: ShownZone = { kind: 'routers', zone: null, level: null, criticality: null, assets: [] };
  for (const a of assets) {
    if (a.isRouter) {
      routers.assets.push({ key: a.key, ips: a.ips, role: a.classification.role, matchedBy: 'cidr' });
      continue;
    }
    const vlan = a.vlans.find((v) => v > 0) ?? 0;
    let placed: ReturnType<Policy['placeHost']> = null;
    for (const ip of a.ips) {
      placed = policy.placeHost(ip, vlan, a.key);
      if (placed) break;
    }
    placed ??= policy.placeHost('', vlan, a.key);
    const row = placed ? rows.find((r) => r.zone === placed.zone.name) : none;
    row?.assets.push({ key: a.key, ips: a.ips, role: a.classification.role, matchedBy: placed?.match ?? 'cidr' });
  }
  const all = [...rows, ...(none.assets.length ? [none] : []), ...(routers.assets.length ? [routers] : [])];
  if (o.json) {
    out(JSON.stringify(all, null, 2));
    return all;
  }
  for (const r of all) {
    out(
      r.kind === 'none'
        ? `In no zone: ${r.assets.length} assets`
        : r.kind === 'routers'
          ? `Routers (between zones): ${r.assets.length}`
          : `Zone ${r.zone} (level ${r.level}, ${r.criticality}): ${r.assets.length} assets`,
    );
    if (r.assets.length)
      out(
        table(
          ['ASSET', 'IPS', 'ROLE', 'BY'],
          r.assets.map((a) => [a.key, a.ips.join(' ') || '-', a.role, r.kind === 'zone' ? a.matchedBy : '-']),
          50,
        ).replace(/^/gm, '  '),
      );
    out('');
  }
  return all;
}

/** `plantwarden policy export`: the allow-list enforcing the conduits. */
export async function policyExportCommand(
  o: { zones: string; format: ExportFormat; db: string; out?: string },
  out: Out = console.log,
  err: Out = stderr,
): Promise<string> {
  const policy = await policyOrReport(o.zones, err);
  let inv: { assets: AssetRecord[]; links: LinkRecord[] } | null = null;
  if (hasDatabase(o.db)) inv = await inventory(o.db);
  else err(`note: no database at '${safe(o.db)}': the rules carry no observed evidence`);
  const text = exportPolicy(o.format, { policy, ...(inv ? { assets: inv.assets, links: inv.links } : {}) }, csvRow);
  await emit(text, o.out, out, `Policy (${o.format})`);
  return text;
}

function formatArg(v: string): ExportFormat {
  const s = v.trim().toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(s))
    throw new InvalidArgumentError(`expected one of ${EXPORT_FORMATS.join(', ')}`);
  return s as ExportFormat;
}

/** `zones check|suggest|show` and `policy export`. */
export function registerZonesCommands(program: Command): void {
  const zones = program
    .command('zones')
    .description('the zone file: zones (Purdue level, criticality) and the conduits allowed between them');
  zones
    .command('check')
    .description('validate a zone file and print its zones and conduits')
    .argument('<file>', 'zone file (YAML)')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { json?: boolean }) => {
      await zonesCheckCommand(file, o);
    });
  zones
    .command('suggest')
    .description('draft a zone file from the stored inventory (subnets or VLANs, roles, observed links), for review')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .option('--out <file>', 'write the draft to this file instead of standard output')
    .action(async (o: { db: string; out?: string }) => {
      await zonesSuggestCommand(o);
    });
  zones
    .command('show')
    .description('list the stored assets in each zone of a zone file')
    .requiredOption('--zones <file>', 'zone file (YAML)')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .option('--json', 'JSON output')
    .action(async (o: { db: string; zones: string; json?: boolean }) => {
      await zonesShowCommand(o);
    });

  const policy = program.command('policy').description('enforce the zone file');
  policy
    .command('export')
    .description('write the firewall allow-list enforcing the conduits, each rule with its evidence')
    .requiredOption('--zones <file>', 'zone file (YAML)')
    .requiredOption('--format <format>', `output format: ${EXPORT_FORMATS.join(', ')}`, formatArg)
    .option('--db <file>', 'database file (or postgres:// URL) for the evidence', defaultDbPath())
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (o: { zones: string; format: ExportFormat; db: string; out?: string }) => {
      await policyExportCommand(o);
    });
}
