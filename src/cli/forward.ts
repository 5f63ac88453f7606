import { type Command, InvalidArgumentError } from 'commander';
import { parseForwardUrl } from '../alerts/forward/config.js';
import { type ForwardResult, forwardAlerts, forwardableAlerts } from '../alerts/forward/forwarder.js';
import { SEVERITIES, type Severity } from '../findings/model.js';
import { KyselyAlertsRepository } from '../store/kysely-alerts-repository.js';
import { defaultDbPath, openStore } from '../store/open.js';
import { fmtInt, safe } from './format.js';

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function severityArg(v: string): Severity {
  const s = v.trim().toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(s))
    throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')}`);
  return s as Severity;
}

function secondsArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw new InvalidArgumentError('expected seconds above 0 (at most 86400)');
  return n;
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a date (YYYY-MM-DD, UTC midnight), an ISO date-time, or a duration back from `now`
 * (30m, 24h, 7d) -> µs since the epoch, compared with the alerts' last seen (packet time).
 */
export function sinceArg(v: string, now: Date = new Date()): number {
  const s = v.trim();
  const rel = /^(\d{1,6})([mhd])$/.exec(s);
  if (rel) return (now.getTime() - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number)) * 1000;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(s);
  const t = Date.parse(day ? `${s}T00:00:00Z` : s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || !Number.isFinite(t) || (day && new Date(t).toISOString().slice(0, 10) !== s)) {
    throw new InvalidArgumentError(
      'expected a date (YYYY-MM-DD), an ISO date-time, or a duration such as 30m, 24h, 7d',
    );
  }
  return t * 1000;
}

function printResult(r: ForwardResult, count: number, out: (line: string) => void): void {
  out(
    `Forwarded ${fmtInt(count)} alert${count === 1 ? '' : 's'} to ${r.targets.length} target${r.targets.length === 1 ? '' : 's'}:`,
  );
  for (const t of r.targets) {
    const parts = [`${fmtInt(t.sent)} sent`];
    if (t.queued > 0) parts.push(`${fmtInt(t.queued)} not delivered before the deadline`);
    if (t.dropped > 0)
      parts.push(`${fmtInt(t.dropped)} dropped${t.rejected > 0 ? ` (${fmtInt(t.rejected)} refused)` : ''}`);
    if (t.retried > 0) parts.push(`${fmtInt(t.retried)} retried`);
    out(
      `  ${safe(t.target)}: ${parts.join(', ')}${t.lastError && (t.queued > 0 || t.dropped > 0) ? ` (last error: ${safe(t.lastError)})` : ''}`,
    );
  }
}

/**
 * `alerts forward --to <url>...`: send the stored open, unsuppressed alerts to each target
 * (see src/alerts/forward/README.md for the URL forms). Attaches to an existing `alerts`
 * command, or creates it. Exit code 1 when an alert did not reach every target.
 */
export function registerForwardCommands(program: Command): void {
  const alerts =
    program.commands.find((c) => c.name() === 'alerts') ??
    program.command('alerts').description('alerts from the detection rules');
  alerts
    .command('forward')
    .description('send the open, unsuppressed alerts as CEF or RFC 5424 syslog (UDP, TCP, TLS), JSON lines or webhooks')
    .requiredOption(
      '--to <url>',
      'target; repeat for more: syslog+udp://host:514, syslog+tcp://host:514, syslog+tls://host:6514?ca=/ca.pem, cef+udp://host:514, jsonl:///path/alerts.jsonl, https://host/hook',
      collect,
    )
    .option(
      '--since <when>',
      'only alerts last seen since a date (YYYY-MM-DD), an ISO date-time or a duration (24h, 7d)',
      (v) => sinceArg(v),
    )
    .option('--severity <min>', `only this severity and above (${SEVERITIES.join(', ')})`, severityArg)
    .option('--deadline <seconds>', 'give up waiting for receivers after this long', secondsArg, 30)
    .option('--json', 'print the delivery statistics as JSON')
    .option('--db <file>', 'database file (or postgres:// URL)', defaultDbPath())
    .action(
      async (o: {
        to: string[];
        since?: number;
        severity?: Severity;
        deadline: number;
        json?: boolean;
        db: string;
      }) => {
        // Validate every target before opening anything: a typo must not half-send.
        for (const u of o.to) parseForwardUrl(u);
        const store = await openStore(o.db);
        let chosen: Awaited<ReturnType<typeof forwardableAlerts>>;
        try {
          const repo = new KyselyAlertsRepository(store.db);
          const [list, suppressions] = await Promise.all([repo.listAlerts(), repo.listSuppressions()]);
          chosen = forwardableAlerts(list, suppressions, { sinceUs: o.since, minSeverity: o.severity });
        } finally {
          await store.close();
        }
        const result = await forwardAlerts(chosen, o.to, {
          deadlineMs: o.deadline * 1000,
          log: (line) => process.stderr.write(`plantwarden: forward: ${safe(line)}\n`),
        });
        if (o.json) console.log(JSON.stringify({ alerts: chosen.length, ...result }, null, 2));
        else printResult(result, chosen.length, (l) => console.log(l));
        if (!result.complete) process.exitCode = 1;
      },
    );
}
