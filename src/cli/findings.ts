import { type Command, InvalidArgumentError } from 'commander';
import { acceptanceExpired, compareFindings } from '../findings/engine.js';
import { type Finding, type FindingStatus, SEVERITIES, type Severity } from '../findings/model.js';
import { formatCheckSummary, runAndSaveChecks, sideRepositories } from '../findings/run.js';
import { computeRisk } from '../findings/score.js';
import { vulnDetails } from '../findings/vuln-details.js';
import { KyselyFindingsRepository } from '../store/kysely-findings-repository.js';
import { defaultDbPath, type Store } from '../store/open.js';
import { atLeast, csvRow, pickById, safe, table } from './format.js';
import { assetLabels, withStore as withOpenStore } from './inventory-view.js';

type Out = (line: string) => void;

const STATUSES: readonly FindingStatus[] = ['open', 'acknowledged', 'accepted', 'resolved'];

function severityArg(v: string): Severity {
  const s = v.trim().toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(s)) {
    throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')}`);
  }
  return s as Severity;
}

/** 'open,acknowledged' or 'all' -> the statuses; default: everything but resolved. */
function statusArg(v: string): FindingStatus[] {
  const s = v.trim().toLowerCase();
  if (s === 'all') return [...STATUSES];
  const list = s.split(',').map((x) => (x.trim() === 'ack' ? 'acknowledged' : x.trim()));
  for (const x of list) {
    if (!(STATUSES as readonly string[]).includes(x)) {
      throw new InvalidArgumentError(`expected 'all' or a comma-separated list of ${STATUSES.join(', ')}`);
    }
  }
  return list as FindingStatus[];
}

function dateArg(v: string): string {
  const s = v.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m || new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) !== s) {
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  }
  return s;
}

const ACTIVE: readonly FindingStatus[] = ['open', 'acknowledged', 'accepted'];

function withStore<T>(db: string, fn: (store: Store, repo: KyselyFindingsRepository) => Promise<T>): Promise<T> {
  return withOpenStore(db, (store) => fn(store, new KyselyFindingsRepository(store.db)));
}

function assetsCell(f: Finding, label: (k: string) => string): string {
  if (f.assetKeys.length === 0) return '-';
  const first = f.assetKeys.slice(0, 2).map(label).join(', ');
  return f.assetKeys.length > 2 ? `${first} +${f.assetKeys.length - 2}` : first;
}

/** A finding by full id or unique id prefix (at least 6 characters). */
async function findById(repo: KyselyFindingsRepository, id: string): Promise<Finding> {
  return pickById(id, await repo.listFindings(), 'finding', 'plantwarden findings');
}

interface ListOptions {
  db: string;
  severity?: Severity;
  status?: FindingStatus[];
  asset?: string;
  json?: boolean;
  csv?: boolean;
}

/** `plantwarden findings`: the list, most severe first. */
export async function findingsCommand(o: ListOptions, out: Out = console.log): Promise<void> {
  if (o.json && o.csv) throw new Error('choose one of --json and --csv');
  await withStore(o.db, async (store, repo) => {
    const assets = await store.listAssets();
    let list = (await repo.listFindings()).sort(compareFindings);
    const statuses = o.status ?? ACTIVE;
    list = list.filter((f) => statuses.includes(f.status));
    list = atLeast(list, o.severity);
    if (o.asset !== undefined) {
      const a = await store.findAsset(o.asset);
      const key = a?.key ?? o.asset;
      list = list.filter((f) => f.assetKeys.includes(key));
    }
    const label = assetLabels(assets);
    if (o.json) {
      out(JSON.stringify(list, null, 2));
      return;
    }
    if (o.csv) {
      out(csvRow(['id', 'severity', 'score', 'status', 'rule', 'title', 'assets', 'first_found', 'last_found']));
      for (const f of list) {
        out(
          csvRow([
            f.id,
            f.severity,
            f.score,
            f.status,
            f.ruleId,
            f.title,
            f.assetKeys.map(label).join(' '),
            f.firstFoundAt,
            f.lastFoundAt,
          ]),
        );
      }
      return;
    }
    if (list.length === 0) {
      out('No findings match. Run `plantwarden check` after `plantwarden analyze` to look for problems.');
      return;
    }
    out(
      table(
        ['SEVERITY', 'SCORE', 'TITLE', 'ASSETS', 'STATUS', 'ID'],
        list.map((f) => [f.severity, f.score.toFixed(1), f.title, assetsCell(f, label), f.status, f.id]),
        72,
      ),
    );
    const counts = SEVERITIES.map((s) => [s, list.filter((f) => f.severity === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`);
    out(`${list.length} findings (${counts.join(', ')})`);
  });
}

/** `plantwarden finding <id>`: everything about one finding. */
export async function findingCommand(
  id: string,
  o: { db: string; json?: boolean },
  out: Out = console.log,
): Promise<void> {
  await withStore(o.db, async (store, repo) => {
    const f = await findById(repo, id);
    if (o.json) {
      out(JSON.stringify(f, null, 2));
      return;
    }
    const label = assetLabels(await store.listAssets());
    out(`${safe(f.title)}`);
    out(`  id ${f.id}   rule ${safe(f.ruleId)} rev ${f.ruleRevision}   severity ${f.severity}   score ${f.score}`);
    let status = `  status ${f.status}`;
    if (f.statusReason) status += `: ${safe(f.statusReason)}`;
    if (f.statusUntil) status += ` (until ${safe(f.statusUntil)})`;
    out(status);
    out(`  found ${f.firstFoundAt} .. ${f.lastFoundAt}${f.resolvedAt ? `, resolved ${f.resolvedAt}` : ''}`);
    out(
      `  assets: ${f.assetKeys.length > 0 ? f.assetKeys.map((k) => `${safe(label(k))} [${safe(k)}]`).join(', ') : '-'}`,
    );
    out('');
    out('Why it matters');
    out(`  ${safe(f.description)}`);
    out('');
    out('What to do');
    out(`  ${safe(f.remediation)}`);
    if (f.evidence.length > 0) {
      out('');
      out('Evidence');
      for (const e of f.evidence) {
        const meta = [
          e.protocol,
          e.source,
          e.count !== undefined ? `${e.count}x` : undefined,
          e.firstSeenUs ? `first ${usTime(e.firstSeenUs)}` : undefined,
          e.lastSeenUs ? `last ${usTime(e.lastSeenUs)}` : undefined,
        ].filter((x): x is string => x !== undefined && x !== '');
        out(`  - ${safe(e.text)}${meta.length > 0 ? ` [${safe(meta.join(', '))}]` : ''}`);
      }
    }
    if (f.references.length > 0) {
      out('');
      out('References');
      for (const r of f.references) out(`  - ${r.kind} ${safe(r.id)}${r.title ? `: ${safe(r.title)}` : ''}`);
    }
  });
}

function usTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return Number.isNaN(d.getTime())
    ? String(us)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

/** `plantwarden findings ack|resolve|accept <id>`. */
export async function setStatusCommand(
  action: 'ack' | 'resolve' | 'accept' | 'reopen',
  id: string,
  o: { db: string; reason?: string; until?: string; now?: string },
  out: Out = console.log,
): Promise<void> {
  const reason = o.reason?.trim() || null;
  if (action === 'accept') {
    if (reason === null || o.until === undefined) {
      throw new Error('accepting a risk needs --reason "<why>" and --until YYYY-MM-DD');
    }
    if (acceptanceExpired(o.until, o.now ?? new Date().toISOString())) {
      throw new Error(`--until ${o.until} is in the past`);
    }
  } else if (o.until !== undefined) {
    throw new Error('--until applies only to accept');
  }
  await withStore(o.db, async (_store, repo) => {
    const f = await findById(repo, id);
    const status: FindingStatus =
      action === 'ack' ? 'acknowledged' : action === 'resolve' ? 'resolved' : action === 'accept' ? 'accepted' : 'open';
    if (f.status === 'resolved' && (action === 'ack' || action === 'accept')) {
      throw new Error(`finding ${f.id} is resolved; nothing to ${action === 'ack' ? 'acknowledge' : 'accept'}`);
    }
    await repo.setStatus(f.id, status, reason, action === 'accept' ? (o.until as string) : null);
    const note =
      action === 'resolve'
        ? ' (if the condition is still there, the next check reopens it)'
        : action === 'accept'
          ? ` until ${o.until}`
          : '';
    out(`${f.id} ${status}${note}: ${safe(f.title)}`);
  });
}

/** `plantwarden vulns`: the vulnerability findings with their advisory details. */
export async function vulnsCommand(
  o: { db: string; json?: boolean; csv?: boolean; status?: FindingStatus[] },
  out: Out = console.log,
): Promise<void> {
  if (o.json && o.csv) throw new Error('choose one of --json and --csv');
  await withStore(o.db, async (store, repo) => {
    const statuses = o.status ?? ACTIVE;
    const list = (await repo.listFindings())
      .filter((f) => f.ruleId.startsWith('vuln.') && statuses.includes(f.status))
      .sort(compareFindings);
    const label = assetLabels(await store.listAssets());
    const rows = list.map((f) => ({ finding: f, ...vulnDetails(f) }));
    if (o.json) {
      out(
        JSON.stringify(
          rows.map((r) => ({
            id: r.finding.id,
            severity: r.finding.severity,
            status: r.finding.status,
            assetKeys: r.finding.assetKeys,
            advisories: r.advisories,
            cves: r.cves,
            kev: r.kev,
            cvss: r.cvss,
            confidence: r.confidence,
            fixedVersion: r.fixedVersion,
            title: r.finding.title,
          })),
          null,
          2,
        ),
      );
      return;
    }
    if (o.csv) {
      out(
        csvRow([
          'id',
          'severity',
          'status',
          'assets',
          'advisory',
          'cves',
          'kev',
          'cvss',
          'confidence',
          'fixed_version',
        ]),
      );
      for (const r of rows) {
        out(
          csvRow([
            r.finding.id,
            r.finding.severity,
            r.finding.status,
            r.finding.assetKeys.map(label).join(' '),
            r.advisories.join(' '),
            r.cves.join(' '),
            r.kev.join(' '),
            r.cvss,
            r.confidence,
            r.fixedVersion,
          ]),
        );
      }
      return;
    }
    if (rows.length === 0) {
      out(
        'No vulnerability findings. Import advisories with `plantwarden feeds import`, then run `plantwarden check`.',
      );
      return;
    }
    out(
      table(
        ['SEVERITY', 'ASSET', 'ADVISORY', 'CVES', 'KEV', 'CVSS', 'CONFIDENCE', 'FIXED IN', 'ID'],
        rows.map((r) => [
          r.finding.severity,
          assetsCell(r.finding, label),
          r.advisories.join(' ') || '-',
          r.cves.length > 3 ? `${r.cves.slice(0, 3).join(' ')} +${r.cves.length - 3}` : r.cves.join(' ') || '-',
          r.kev.length > 0 ? `yes (${r.kev.length})` : 'no',
          r.cvss === null ? '-' : r.cvss.toFixed(1),
          r.confidence ?? '-',
          r.fixedVersion ?? '-',
          r.finding.id,
        ]),
        48,
      ),
    );
    out(`${rows.length} vulnerability findings on ${new Set(rows.flatMap((r) => r.finding.assetKeys)).size} assets`);
  });
}

/** `plantwarden risk`: scores per asset with their parts, and the overall figure. */
export async function riskCommand(
  o: { db: string; json?: boolean; now?: string },
  out: Out = console.log,
): Promise<void> {
  await withStore(o.db, async (store, repo) => {
    const plant = sideRepositories(store).plant;
    const risk = computeRisk(
      await repo.listFindings(),
      await store.listAssets(),
      plant ? await plant.listPlantInventory() : [],
      o.now ?? new Date().toISOString(),
    );
    if (o.json) {
      out(JSON.stringify(risk, null, 2));
      return;
    }
    const d = risk.overall.distribution;
    out(
      `Overall risk ${risk.overall.score} (${risk.overall.band}): mean of the ${risk.overall.basis} riskiest assets; ${risk.overall.findings} findings count`,
    );
    out(`Assets by band: ${d.critical} critical, ${d.high} high, ${d.medium} medium, ${d.low} low, ${d.none} none`);
    const scored = risk.assets.filter((a) => a.score > 0);
    if (scored.length === 0) {
      out('No asset carries an open finding.');
      return;
    }
    out('');
    for (const a of scored) {
      out(
        `${a.score.toFixed(1).padStart(5)}  ${safe(a.label)}  ${a.role}, weight ${a.weight} (${safe(a.weightReason)})`,
      );
      for (const p of a.parts) {
        out(
          `         +${p.contribution.toFixed(1).padStart(5)}  ${p.severity.padEnd(8)} ${safe(p.title)}  [${p.findingId}]`,
        );
      }
    }
  });
}

/**
 * `plantwarden check`: run the checks over the inventory and feeds, save, summarise. A failing
 * check throws one line after the others' findings are saved and the summary printed.
 */
export async function checkCommand(o: { db: string; json?: boolean }, out: Out = console.log): Promise<void> {
  const s = await runAndSaveChecks(o.db);
  if (o.json) out(JSON.stringify(s, null, 2));
  else for (const line of formatCheckSummary({ ...s, errors: [] })) out(safe(line));
  if (s.errors.length > 0) {
    const what = s.errors.map((e) => `${e.checkId}: ${e.message}`).join('; ');
    throw new Error(
      `${s.errors.length} check${s.errors.length === 1 ? '' : 's'} failed (their findings were left as they were): ${safe(what)}`,
    );
  }
}

/** Wires findings, finding, findings ack|resolve|accept|reopen, vulns, risk and check into `program`. */
export function registerFindingsCommands(program: Command): void {
  const dbOpt = (c: Command) => c.option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath());
  // The parent's --db is parsed wherever it appears, also after a subcommand name, so the
  // subcommands read it from there (their own --db is only for help).
  const dbOf = (c: Command): string => {
    const own = c.getOptionValueSource('db') === 'cli' ? (c.opts().db as string) : undefined;
    return own ?? (c.parent?.opts().db as string | undefined) ?? defaultDbPath();
  };

  const findings = dbOpt(
    program
      .command('findings')
      .description('list the findings, most severe first (default: all but resolved)')
      .option('--severity <min>', `only this severity and above (${SEVERITIES.join(', ')})`, severityArg)
      .option(
        '--status <list>',
        "statuses to show: 'all' or a list of open, acknowledged, accepted, resolved",
        statusArg,
      )
      .option('--asset <ip|key>', 'only findings on this asset (IP, MAC or asset key)')
      .option('--json', 'JSON output (full records)')
      .option('--csv', 'CSV output'),
  ).action(async (o) => {
    await findingsCommand({
      db: o.db,
      severity: o.severity,
      status: o.status,
      asset: o.asset,
      json: o.json,
      csv: o.csv,
    });
  });

  const status = (name: 'ack' | 'resolve' | 'accept' | 'reopen', description: string, accept = false) => {
    const c = findings
      .command(name)
      .description(description)
      .argument('<id>', 'finding id (or a unique prefix of at least 6 characters)')
      .option('--reason <text>', accept ? 'why the risk is accepted (required)' : 'why (kept with the finding)');
    if (accept) c.option('--until <YYYY-MM-DD>', 'the acceptance ends after this day (required)', dateArg);
    dbOpt(c).action(async (id: string, o, cmd: Command) => {
      await setStatusCommand(name, id, { db: dbOf(cmd), reason: o.reason, until: o.until });
    });
  };
  status('ack', 'acknowledge a finding: known, being handled (stays acknowledged while found)');
  status('resolve', 'mark a finding resolved (the next check reopens it if still found)');
  status('accept', 'accept the risk of a finding until a date, with a reason', true);
  status('reopen', 'set a finding back to open');

  dbOpt(
    program
      .command('finding')
      .description('show one finding: evidence, remediation, references and status')
      .argument('<id>', 'finding id (or a unique prefix of at least 6 characters)')
      .option('--json', 'JSON output'),
  ).action(async (id: string, o) => {
    await findingCommand(id, { db: o.db, json: o.json });
  });

  dbOpt(
    program
      .command('vulns')
      .description('known vulnerabilities matched to assets: advisory, CVEs, KEV, CVSS, confidence, fixed version')
      .option(
        '--status <list>',
        "statuses to show: 'all' or a list of open, acknowledged, accepted, resolved",
        statusArg,
      )
      .option('--json', 'JSON output')
      .option('--csv', 'CSV output'),
  ).action(async (o) => {
    await vulnsCommand({ db: o.db, json: o.json, csv: o.csv, status: o.status });
  });

  dbOpt(
    program
      .command('risk')
      .description('risk score per asset with the findings it is made of, and the overall figure')
      .option('--json', 'JSON output'),
  ).action(async (o) => {
    await riskCommand({ db: o.db, json: o.json });
  });

  dbOpt(
    program
      .command('check')
      .description('run the checks over the inventory and the imported feeds, and update the findings')
      .option('--json', 'JSON summary'),
  ).action(async (o) => {
    await checkCommand({ db: o.db, json: o.json });
  });
}
