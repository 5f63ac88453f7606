import { createHash } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import type { Alert, Suppression } from '../alerts/model.js';
import { matchSuppression } from '../detect/engine.js';
import { ALL_RULES } from '../detect/rules/index.js';
import { acceptanceExpired, severityRank } from '../findings/engine.js';
import { SEVERITIES, type Severity } from '../findings/model.js';
import { KyselyAlertsRepository } from '../store/kysely-alerts-repository.js';
import { defaultDbPath, type Store } from '../store/open.js';
import { atLeast, csvRow, fmtTime, pickById, safe } from './format.js';
import { assetLabels, withStore as withOpenStore } from './inventory-view.js';

type Out = (line: string) => void;

function severityArg(v: string): Severity {
  const s = v.trim().toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(s)) {
    throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')}`);
  }
  return s as Severity;
}

function dateArg(v: string): string {
  const s = v.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m || Number.isNaN(Date.parse(`${s}T00:00:00Z`)) || new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) !== s) {
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  }
  return s;
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

function withRepo<T>(db: string, fn: (store: Store, repo: KyselyAlertsRepository) => Promise<T>): Promise<T> {
  return withOpenStore(db, (store) => fn(store, new KyselyAlertsRepository(store.db)));
}

/** Display order: severity, then newest first, then id. */
function compareAlerts(a: Alert, b: Alert): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    b.lastSeenUs - a.lastSeenUs ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** An alert by full id or a unique prefix of at least 6 characters. */
async function findAlert(repo: KyselyAlertsRepository, id: string): Promise<Alert> {
  return pickById(id, await repo.listAlerts(), 'alert', 'plantwarden alerts');
}

export interface AlertsListOptions {
  db: string;
  json?: boolean;
  csv?: boolean;
  severity?: Severity;
  rule?: string;
  /** Include closed and suppressed alerts. */
  all?: boolean;
  now?: string;
}

/**
 * `plantwarden alerts`: open and acknowledged alerts that no active suppression covers, most
 * severe first; each with what happened (title, count, times, assets), why it matters and what
 * to do (remediation) and its newest evidence. Suppression is judged now, so a suppression added
 * after the analysis hides its alerts at once, and an expired one no longer does.
 */
export async function alertsCommand(o: AlertsListOptions, out: Out = console.log): Promise<void> {
  if (o.json && o.csv) throw new Error('choose one of --json and --csv');
  await withRepo(o.db, async (store, repo) => {
    const now = o.now ?? new Date().toISOString();
    const suppressions = await repo.listSuppressions();
    let list = (await repo.listAlerts()).map((a) => ({
      ...a,
      suppressedBy: matchSuppression(a, [], suppressions, now),
    }));
    if (!o.all) list = list.filter((a) => a.status !== 'closed' && a.suppressedBy === null);
    list = atLeast(list, o.severity);
    if (o.rule !== undefined) {
      const r = o.rule;
      list = list.filter((a) => a.ruleId === r || a.ruleId.startsWith(`${r}.`));
    }
    list.sort(compareAlerts);
    if (o.json) {
      out(JSON.stringify(list, null, 2));
      return;
    }
    const label = assetLabels(await store.listAssets());
    if (o.csv) {
      out(
        csvRow([
          'id',
          'severity',
          'status',
          'rule',
          'title',
          'count',
          'first_seen',
          'last_seen',
          'assets',
          'attack',
          'suppressed_by',
        ]),
      );
      for (const a of list) {
        out(
          csvRow([
            a.id,
            a.severity,
            a.status,
            a.ruleId,
            a.title,
            a.count,
            fmtTime(a.firstSeenUs),
            fmtTime(a.lastSeenUs),
            a.assets.map(label).join(' '),
            a.attack.join(' '),
            a.suppressedBy,
          ]),
        );
      }
      return;
    }
    if (list.length === 0) {
      out(
        o.all
          ? 'No alerts. `plantwarden analyze` runs the detection rules on each capture.'
          : 'No open alerts (use --all to include closed and suppressed ones).',
      );
      return;
    }
    for (const a of list) {
      const flags = [a.status !== 'open' ? a.status : '', a.suppressedBy ? `suppressed by ${a.suppressedBy}` : '']
        .filter((x) => x !== '')
        .join(', ');
      out(`${a.severity.toUpperCase().padEnd(8)} ${safe(a.title)}${flags ? `  [${flags}]` : ''}`);
      out(
        `         ${a.count}x, ${fmtTime(a.firstSeenUs)} .. ${fmtTime(a.lastSeenUs)}; assets ${
          a.assets.length
            ? safe(a.assets.slice(0, 4).map(label).join(', ')) + (a.assets.length > 4 ? ` +${a.assets.length - 4}` : '')
            : '-'
        }; ATT&CK ${a.attack.join(' ') || '-'}; rule ${safe(a.ruleId)}; id ${a.id}`,
      );
      out(`         Why and what to do: ${safe(a.remediation)}`);
      const ev = a.evidence[a.evidence.length - 1];
      if (ev !== undefined) out(`         Evidence: ${safe(ev)}`);
    }
    const counts = SEVERITIES.map((s) => [s, list.filter((a) => a.severity === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`);
    out(`${list.length} alerts (${counts.join(', ')}). \`plantwarden alerts show <id>\` for all evidence.`);
  });
}

/** `plantwarden alerts show <id>`: one alert with every evidence line. */
export async function alertShowCommand(
  id: string,
  o: { db: string; json?: boolean },
  out: Out = console.log,
): Promise<void> {
  await withRepo(o.db, async (store, repo) => {
    const a = await findAlert(repo, id);
    if (o.json) {
      out(JSON.stringify(a, null, 2));
      return;
    }
    const label = assetLabels(await store.listAssets());
    out(safe(a.title));
    out(`  id ${a.id}   rule ${safe(a.ruleId)} rev ${a.revision}   severity ${a.severity}   status ${a.status}`);
    out(
      `  seen ${a.count}x, ${fmtTime(a.firstSeenUs)} .. ${fmtTime(a.lastSeenUs)}${a.protocol ? ` over ${safe(a.protocol)}` : ''}`,
    );
    out(`  assets: ${a.assets.length ? a.assets.map((k) => `${safe(label(k))} [${safe(k)}]`).join(', ') : '-'}`);
    out(`  ATT&CK for ICS: ${a.attack.join(', ') || '-'}`);
    out('');
    out('Why it matters and what to do');
    out(`  ${safe(a.remediation)}`);
    out('');
    out('Evidence (newest last)');
    for (const e of a.evidence) out(`  - ${safe(e)}`);
  });
}

/** `plantwarden alerts ack|close|reopen <id>`. */
export async function alertStatusCommand(
  action: 'ack' | 'close' | 'reopen',
  id: string,
  o: { db: string },
  out: Out = console.log,
): Promise<void> {
  await withRepo(o.db, async (_store, repo) => {
    const a = await findAlert(repo, id);
    const status: Alert['status'] = action === 'ack' ? 'acknowledged' : action === 'close' ? 'closed' : 'open';
    await repo.setAlertStatus(a.id, status);
    out(`${a.id} ${status}${action === 'close' ? ' (it reopens if it fires again)' : ''}: ${safe(a.title)}`);
  });
}

export interface SuppressOptions {
  db: string;
  rule?: string;
  asset?: string[];
  until?: string;
  reason?: string;
  now?: string;
}

/**
 * `plantwarden alerts suppress`: a rule (or every rule) for some assets (or all) until a date,
 * with a reason. Needs --until and --reason, and at least one of --rule and --asset: silencing
 * every rule for every asset is not a suppression, it is switching detection off. Assets given as
 * IPs or MACs are stored as the asset's key (and the address as typed, so a host that is not yet
 * in the inventory is still covered).
 */
export async function suppressCommand(o: SuppressOptions, out: Out = console.log): Promise<void> {
  const reason = o.reason?.trim() ?? '';
  if (reason === '') throw new Error('a suppression needs --reason "<why>"');
  if (o.until === undefined) throw new Error('a suppression needs --until YYYY-MM-DD');
  const now = o.now ?? new Date().toISOString();
  if (acceptanceExpired(o.until, now)) throw new Error(`--until ${o.until} is in the past`);
  const assetsIn = (o.asset ?? []).map((s) => s.trim()).filter((s) => s !== '');
  if (o.rule === undefined && assetsIn.length === 0) {
    throw new Error(
      'give --rule <id> and/or --asset <ip|key>: a suppression of every rule on every asset is not allowed',
    );
  }
  await withRepo(o.db, async (store, repo) => {
    if (o.rule !== undefined) {
      const known = new Set([...ALL_RULES.map((r) => r.id), ...(await repo.listAlerts()).map((a) => a.ruleId)]);
      if (!known.has(o.rule)) {
        throw new Error(`unknown rule '${safe(o.rule)}' (known: ${[...known].sort().join(', ')})`);
      }
    }
    const assets: string[] = [];
    for (const q of assetsIn) {
      const a = await store.findAsset(q);
      if (a !== null && !assets.includes(a.key)) assets.push(a.key);
      if (!assets.includes(q)) assets.push(q);
    }
    const createdAt = now;
    const id = createHash('sha256')
      .update(JSON.stringify([o.rule ?? null, assets, o.until, reason, createdAt]))
      .digest('hex')
      .slice(0, 12);
    const s: Suppression = { id, ruleId: o.rule ?? null, assets, reason, until: o.until as string, createdAt };
    await repo.addSuppression(s);
    const covered = (await repo.listAlerts()).filter((a) => matchSuppression(a, [], [s], now) !== null).length;
    out(
      `suppression ${id}: ${o.rule ? `rule ${safe(o.rule)}` : 'every rule'} for ${
        assets.length ? safe(assets.join(', ')) : 'every asset'
      } until ${o.until} (${safe(reason)}); covers ${covered} stored alert${covered === 1 ? '' : 's'}`,
    );
  });
}

/** `plantwarden alerts suppressions`. */
export async function suppressionsCommand(
  o: { db: string; json?: boolean; now?: string },
  out: Out = console.log,
): Promise<void> {
  await withRepo(o.db, async (_store, repo) => {
    const list = await repo.listSuppressions();
    if (o.json) {
      out(JSON.stringify(list, null, 2));
      return;
    }
    if (list.length === 0) {
      out('No suppressions.');
      return;
    }
    const now = o.now ?? new Date().toISOString();
    for (const s of list) {
      const state = acceptanceExpired(s.until, now) ? 'expired' : 'active';
      out(
        `${s.id}  ${state.padEnd(7)}  ${s.ruleId ? safe(s.ruleId) : 'every rule'}  ${
          s.assets.length ? safe(s.assets.join(', ')) : 'every asset'
        }  until ${safe(s.until)}  ${safe(s.reason)}  (created ${safe(s.createdAt)})`,
      );
    }
  });
}

/** `plantwarden alerts unsuppress <id>`. */
export async function unsuppressCommand(id: string, o: { db: string }, out: Out = console.log): Promise<void> {
  await withRepo(o.db, async (_store, repo) => {
    const s = pickById(id, await repo.listSuppressions(), 'suppression', 'plantwarden alerts suppressions', 4);
    await repo.removeSuppression(s.id);
    out(`suppression ${s.id} removed`);
  });
}

/**
 * Registers `alerts` (`list`, the default) and its subcommands `show`, `ack`, `close`, `reopen`, `suppress`,
 * `suppressions`, `unsuppress`. Reuses an `alerts` command another module created first.
 */
export function registerAlertsCommands(program: Command): void {
  const db = (c: Command) => c.option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath());
  const alerts =
    program.commands.find((c) => c.name() === 'alerts') ??
    program
      .command('alerts')
      .description('alerts from the detection rules: list (the default), show, ack, close, suppress');
  // The list is the default subcommand rather than an action of `alerts`: options on `alerts`
  // would swallow the `--db` given after a subcommand (commander parses parent options anywhere).
  db(
    alerts
      .command('list', { isDefault: true })
      .description('list alerts: what happened, why it matters, what to do (the default)')
      .option('--json', 'JSON output')
      .option('--csv', 'CSV output')
      .option('--severity <min>', `only this severity and above (${SEVERITIES.join(', ')})`, severityArg)
      .option('--rule <id>', 'only this rule (or rule family, e.g. ops)')
      .option('--all', 'include closed and suppressed alerts'),
  ).action(async (o) => {
    await alertsCommand({ db: o.db, json: o.json, csv: o.csv, severity: o.severity, rule: o.rule, all: o.all });
  });

  db(
    alerts
      .command('show')
      .description('one alert with all its evidence')
      .argument('<id>', 'alert id or prefix')
      .option('--json', 'JSON output'),
  ).action(async (id: string, o) => {
    await alertShowCommand(id, { db: o.db, json: o.json });
  });
  for (const [name, what] of [
    ['ack', 'acknowledge an alert (someone is on it)'],
    ['close', 'close an alert (it reopens if it fires again)'],
    ['reopen', 'reopen an acknowledged or closed alert'],
  ] as const) {
    db(alerts.command(name).description(what).argument('<id>', 'alert id or prefix')).action(async (id: string, o) => {
      await alertStatusCommand(name, id, { db: o.db });
    });
  }
  db(
    alerts
      .command('suppress')
      .description(
        'suppress a rule and/or assets until a date, with a reason (alerts are kept and counted, not shown or forwarded)',
      )
      .option('--rule <id>', 'the rule to suppress (default: every rule; then --asset is required)')
      .option('--asset <ip|key>', 'an asset (IP, MAC or key); repeat for more', collect)
      .option('--until <date>', 'last day the suppression applies (YYYY-MM-DD)', dateArg)
      .option('--reason <text>', 'why (required)'),
  ).action(async (o) => {
    await suppressCommand({ db: o.db, rule: o.rule, asset: o.asset, until: o.until, reason: o.reason });
  });
  db(alerts.command('suppressions').description('list suppressions').option('--json', 'JSON output')).action(
    async (o) => {
      await suppressionsCommand({ db: o.db, json: o.json });
    },
  );
  db(alerts.command('unsuppress').description('remove a suppression').argument('<id>', 'suppression id')).action(
    async (id: string, o) => {
      await unsuppressCommand(id, { db: o.db });
    },
  );
}
