import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { SEVERITIES, type Severity } from '../../findings/model.js';
import type { AlertsRepository } from '../../store/alerts-repository.js';
import type { Alert, Suppression } from '../model.js';
import { type ForwardTarget, parseForwardUrl, type SyslogTarget, type TlsFiles } from './config.js';
import { formatCef } from './format-cef.js';
import { assembleSyslog, formatSyslog, lfFrame, octetFrame, syslogHeader } from './format-syslog.js';
import { type BackoffOptions, BoundedQueue, backoffDelay } from './queue.js';
import { DeliveryError, FileTransport, StreamTransport, type Transport, UdpTransport } from './transports.js';
import { WebhookSender } from './webhook.js';

/**
 * Forwarders: one per target, each with a bounded queue (drop-oldest) and one delivery loop.
 * A batch that fails for a transient reason goes back to the front of the queue and is retried
 * after an exponential backoff with jitter, for as long as the forwarder lives; a batch the
 * receiver refuses (a webhook's 4xx) is dropped and logged. So a receiver that is down costs
 * no alert that fits the queue, and the stats say how many were lost when it did not fit.
 */

export interface ForwarderOptions extends BackoffOptions {
  /** Where problems are reported, one line each (default: standard error). */
  log?: (line: string) => void;
  /** Random source for the jitter (tests). */
  random?: () => number;
  /** Queue size for every target (overrides the URL's `queue` and the 10,000 default). */
  queueSize?: number;
  /** TCP/TLS connect timeout, ms (default 5,000). */
  connectTimeoutMs?: number;
  /** TCP/TLS write timeout, ms (default 10,000). */
  writeTimeoutMs?: number;
  /** Extra HTTP headers for webhooks (e.g. an Authorization header kept out of the URL). */
  webhookHeaders?: Readonly<Record<string, string>>;
  /** CEF device version (default PLANTWARDEN_VERSION). */
  version?: string;
}

export interface ForwarderStats {
  /** The target, secrets hidden. */
  target: string;
  /** Alerts delivered. */
  sent: number;
  /** Alerts waiting (in the queue or being sent). */
  queued: number;
  /** Failed deliveries put back to be tried again (an alert retried 3 times counts 3). */
  retried: number;
  /** Alerts lost: pushed out of a full queue, or refused by the receiver (`rejected`). */
  dropped: number;
  /** Of `dropped`, those the receiver refused. */
  rejected: number;
  /** The last delivery error, or null. */
  lastError: string | null;
}

/** Encodes and delivers batches of alerts to one target. */
interface Sink {
  readonly maxBatch: number;
  send(alerts: Alert[]): Promise<void>;
  close(): Promise<void>;
}

function readPem(path: string | null, what: string): Buffer | undefined {
  if (path === null) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(`cannot read ${what} file '${path}': ${code ?? (e as Error).message}`);
  }
}

function tlsOptions(t: TlsFiles): SecureContextOptions & { rejectUnauthorized: boolean } {
  return {
    ca: readPem(t.ca, 'CA'),
    cert: readPem(t.cert, 'certificate'),
    key: readPem(t.key, 'key'),
    rejectUnauthorized: t.rejectUnauthorized,
  };
}

/** The bytes of one alert for a syslog/CEF target (framed for TCP/TLS). */
export function encodeForTarget(alert: Alert, t: SyslogTarget, version?: string): Buffer {
  let msg: string;
  if (t.format === 'syslog') {
    msg = formatSyslog(alert, { hostname: t.hostname ?? undefined, facility: t.facility, maxBytes: t.maxBytes });
  } else {
    const cef = formatCef(alert, { version });
    const head = t.cefHeader
      ? `${syslogHeader(alert, { hostname: t.hostname ?? undefined, facility: t.facility })}- `
      : '';
    msg = assembleSyslog(head, cef, t.maxBytes);
  }
  if (t.transport === 'udp') return Buffer.from(msg, 'utf8');
  return t.framing === 'lf' ? lfFrame(msg) : octetFrame(msg);
}

function createSink(t: ForwardTarget, o: ForwarderOptions): Sink {
  if (t.kind === 'jsonl') {
    const file = new FileTransport(t.path);
    return {
      maxBatch: 256,
      send: (alerts) => file.send(Buffer.from(alerts.map((a) => `${JSON.stringify(a)}\n`).join(''), 'utf8')),
      close: () => file.close(),
    };
  }
  if (t.kind === 'webhook') {
    const hook = new WebhookSender(t.url, tlsOptions(t.tls), t.timeoutMs, o.webhookHeaders);
    return { maxBatch: 1, send: (alerts) => hook.send(alerts[0] as Alert), close: () => hook.close() };
  }
  let transport: Transport;
  if (t.transport === 'udp') transport = new UdpTransport(t.host, t.port);
  else {
    const tls = t.transport === 'tls' ? { ...tlsOptions(t.tls), servername: t.tls.servername ?? undefined } : undefined;
    transport = new StreamTransport(t.host, t.port, {
      tls,
      connectTimeoutMs: o.connectTimeoutMs,
      writeTimeoutMs: o.writeTimeoutMs,
    });
  }
  return {
    maxBatch: t.transport === 'udp' ? 1 : 64,
    send: (alerts) => transport.send(Buffer.concat(alerts.map((a) => encodeForTarget(a, t, o.version)))),
    close: () => transport.close(),
  };
}

function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '.');
}

const defaultLog = (line: string) => process.stderr.write(`plantwarden: forward: ${line}\n`);

export class Forwarder {
  private readonly queue: BoundedQueue<Alert>;
  private readonly sink: Sink;
  private readonly log: (line: string) => void;
  private sent = 0;
  private retried = 0;
  private rejected = 0;
  private inflight = 0;
  private failures = 0;
  private lastError: string | null = null;
  private closed = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private waiters = new Set<() => void>();
  private overflowing = false;

  constructor(
    readonly target: ForwardTarget,
    private readonly opts: ForwarderOptions = {},
  ) {
    this.queue = new BoundedQueue<Alert>(opts.queueSize ?? target.queueSize);
    this.sink = createSink(target, opts);
    this.log = opts.log ?? defaultLog;
  }

  /** Queue alerts (oldest first) and start delivering. Never blocks; a full queue drops its oldest. */
  push(alerts: readonly Alert[]): void {
    if (this.closed) throw new Error(`forwarder to ${this.target.display} is closed`);
    for (const a of alerts) {
      if (this.queue.push(a) !== undefined && !this.overflowing) {
        this.overflowing = true;
        this.log(`${this.target.display}: queue full (${this.queue.capacity} alerts): dropping the oldest`);
      }
    }
    this.kick();
  }

  stats(): ForwarderStats {
    return {
      target: this.target.display,
      sent: this.sent,
      queued: this.queue.size + this.inflight,
      retried: this.retried,
      dropped: this.queue.dropped + this.rejected,
      rejected: this.rejected,
      lastError: this.lastError,
    };
  }

  /** Wait until every queued alert was delivered or dropped: true, or false after timeoutMs. */
  drain(timeoutMs: number): Promise<boolean> {
    const empty = () => this.queue.size === 0 && this.inflight === 0;
    if (empty()) return Promise.resolve(true);
    return new Promise<boolean>((res) => {
      const check = () => {
        if (!empty()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        res(true);
      };
      const timer = setTimeout(
        () => {
          this.waiters.delete(check);
          res(empty());
        },
        Math.max(0, timeoutMs),
      );
      this.waiters.add(check);
    });
  }

  /** Stop delivering and close the connection; alerts still queued are abandoned (see stats). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelSleep();
    await this.sink.close().catch(() => {});
    await this.running?.catch(() => {});
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private cancelSleep(): void {
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = null;
    this.wake?.();
    this.wake = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((res) => {
      this.wake = res;
      this.sleepTimer = setTimeout(() => {
        this.sleepTimer = null;
        this.wake = null;
        res();
      }, ms);
    });
  }

  private kick(): void {
    if (this.running || this.closed || this.queue.size === 0) return;
    this.running = this.run().finally(() => {
      this.running = null;
      this.notify();
      this.kick();
    });
  }

  private async run(): Promise<void> {
    while (!this.closed && this.queue.size > 0) {
      const batch = this.queue.take(this.sink.maxBatch);
      this.inflight = batch.length;
      let retryIn = 0;
      try {
        await this.sink.send(batch);
        this.sent += batch.length;
        if (this.failures > 0) this.log(`${this.target.display}: delivering again after ${this.failures} failed tries`);
        this.failures = 0;
        this.overflowing = false;
      } catch (e) {
        const err = e instanceof DeliveryError ? e : new DeliveryError(e instanceof Error ? e.message : String(e));
        if (this.closed) {
          // Aborted by close(): not the receiver's answer; the batch counts as still queued.
          this.queue.unshiftAll(batch);
          this.inflight = 0;
          break;
        }
        this.lastError = printable(err.message);
        if (err.permanent) {
          this.rejected += batch.length;
          for (const a of batch) this.log(`${this.target.display}: alert ${a.id} dropped: ${this.lastError}`);
        } else {
          this.queue.unshiftAll(batch);
          this.retried += batch.length;
          this.failures++;
          if (this.failures === 1) {
            this.log(`${this.target.display}: ${this.lastError}; will retry (${this.queue.size} queued)`);
          }
          const max = this.opts.maxMs ?? 30_000;
          retryIn = Math.max(
            backoffDelay(this.failures, this.opts, this.opts.random),
            Math.min(err.retryAfterMs ?? 0, max),
          );
        }
      } finally {
        this.inflight = 0;
      }
      this.notify();
      if (retryIn > 0 && !this.closed) await this.sleep(retryIn);
    }
  }
}

export interface ForwardOptions extends ForwarderOptions {
  /** Give up waiting after this long, ms (default 30,000); what is still queued is reported. */
  deadlineMs?: number;
}

export interface ForwardResult {
  targets: ForwarderStats[];
  /** Sums over the targets. */
  sent: number;
  queued: number;
  retried: number;
  dropped: number;
  /** Every alert reached every target. */
  complete: boolean;
}

/** Parse every URL first (so a typo sends nothing), then create one forwarder per target. */
export function createForwarders(urls: readonly string[], opts: ForwarderOptions = {}): Forwarder[] {
  if (urls.length === 0) throw new Error('no forward target given');
  const targets = urls.map(parseForwardUrl);
  return targets.map((t) => new Forwarder(t, opts));
}

/** Sum per-target stats. */
export function summarize(targets: ForwarderStats[]): ForwardResult {
  const sum = (k: 'sent' | 'queued' | 'retried' | 'dropped') => targets.reduce((n, t) => n + t[k], 0);
  const queued = sum('queued');
  const dropped = sum('dropped');
  return {
    targets,
    sent: sum('sent'),
    queued,
    retried: sum('retried'),
    dropped,
    complete: queued === 0 && dropped === 0,
  };
}

/**
 * Send alerts to every target and wait until all are delivered or the deadline passes, then
 * close the connections. Throws (before sending anything) on an invalid URL or unreadable
 * certificate file; delivery problems are in the result, never thrown.
 */
export async function forwardAlerts(
  alerts: readonly Alert[],
  urls: readonly string[],
  opts: ForwardOptions = {},
): Promise<ForwardResult> {
  const forwarders = createForwarders(urls, opts);
  try {
    for (const f of forwarders) f.push(alerts);
    const deadline = opts.deadlineMs ?? 30_000;
    await Promise.all(forwarders.map((f) => f.drain(deadline)));
  } finally {
    await Promise.all(forwarders.map((f) => f.close()));
  }
  return summarize(forwarders.map((f) => f.stats()));
}

const severityRank = (s: Severity) => SEVERITIES.indexOf(s);

function bareIp(s: string): string {
  return s.startsWith('ip:') ? s.slice(3) : s;
}

/** A suppression applies to an alert: its rule (or every rule), one of its assets (or every asset), not expired. */
export function suppressionMatches(s: Suppression, a: Alert, nowMs: number): boolean {
  const until = Date.parse(s.until);
  if (!Number.isFinite(until) || until <= nowMs) return false;
  if (s.ruleId !== null && s.ruleId !== a.ruleId) return false;
  if (s.assets.length === 0) return true;
  const mine = new Set(a.assets.flatMap((x) => [x, bareIp(x)]));
  return s.assets.some((x) => mine.has(x) || mine.has(bareIp(x)));
}

export interface SelectOptions {
  /** Only alerts last seen at or after this packet time (µs). */
  sinceUs?: number;
  /** Only alerts at this severity or above. */
  minSeverity?: Severity;
  /** Wall clock for suppression expiry (default now). */
  now?: Date;
}

/**
 * The alerts to forward: open, not suppressed (neither when stored nor by a suppression active
 * now), filtered by time and severity; oldest last-seen first, so a full queue drops the oldest.
 */
export function forwardableAlerts(
  alerts: readonly Alert[],
  suppressions: readonly Suppression[],
  o: SelectOptions = {},
): Alert[] {
  const now = (o.now ?? new Date()).getTime();
  const min = o.minSeverity === undefined ? SEVERITIES.length : severityRank(o.minSeverity);
  return alerts
    .filter(
      (a) =>
        a.status === 'open' &&
        a.suppressedBy === null &&
        (o.sinceUs === undefined || a.lastSeenUs >= o.sinceUs) &&
        severityRank(a.severity) <= min &&
        !suppressions.some((s) => suppressionMatches(s, a, now)),
    )
    .sort((x, y) => x.lastSeenUs - y.lastSeenUs || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

/** Alert id -> count, taken before an analysis to tell afterwards which alerts are new or grew. */
export type AlertSnapshot = ReadonlyMap<string, number>;

export async function snapshotAlerts(store: Pick<AlertsRepository, 'listAlerts'>): Promise<AlertSnapshot> {
  return new Map((await store.listAlerts()).map((a) => [a.id, a.count]));
}

export interface ForwardNewOptions extends ForwardOptions, SelectOptions {
  /** Forward only alerts absent from this snapshot or whose count grew since. */
  since?: AlertSnapshot;
}

/**
 * For `analyze --forward <url>`: forward the stored alerts that are open and not suppressed and,
 * given a snapshot from before the analysis (`snapshotAlerts`), only those the analysis created
 * or added to. Resolves to the result (nothing to send: every count 0, complete).
 */
export async function forwardNewAlerts(
  store: Pick<AlertsRepository, 'listAlerts' | 'listSuppressions'>,
  urls: readonly string[],
  opts: ForwardNewOptions = {},
): Promise<ForwardResult> {
  urls.forEach(parseForwardUrl);
  const [alerts, suppressions] = await Promise.all([store.listAlerts(), store.listSuppressions()]);
  const since = opts.since;
  const fresh = since === undefined ? alerts : alerts.filter((a) => a.count > (since.get(a.id) ?? 0));
  const chosen = forwardableAlerts(fresh, suppressions, opts);
  if (chosen.length === 0) {
    return summarize(
      urls.map((u) => ({
        target: parseForwardUrl(u).display,
        sent: 0,
        queued: 0,
        retried: 0,
        dropped: 0,
        rejected: 0,
        lastError: null,
      })),
    );
  }
  return forwardAlerts(chosen, urls, opts);
}
