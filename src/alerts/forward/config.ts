import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { FACILITIES } from './format-syslog.js';

/**
 * Forward targets, given as URLs:
 *
 * | URL                                          | What                                              |
 * |----------------------------------------------|---------------------------------------------------|
 * | `syslog+udp://host[:514]`                    | RFC 5424, one datagram per alert                  |
 * | `syslog+tcp://host[:514]`                    | RFC 5424, octet-counting framing (RFC 6587)       |
 * | `syslog+tls://host[:6514]?ca=/ca.pem`        | RFC 5424 over TLS (RFC 5425)                      |
 * | `cef+udp://host[:514]`, `cef+tcp`, `cef+tls` | CEF inside an RFC 5424 header (`header=none`: bare CEF) |
 * | `jsonl:///abs/path.jsonl`, `jsonl:rel.jsonl` | one Alert as JSON per line, appended              |
 * | `http://..`, `https://..`                    | webhook: POST of one Alert as JSON                |
 *
 * Query options for syslog/CEF targets: `ca`, `cert`, `key` (PEM files, TLS only), `servername`
 * (TLS), `insecure=1` (TLS without certificate checks: say so loudly), `hostname` (HOSTNAME
 * field), `facility` (`local0`..`local7`, ...; default local4), `framing=octet|lf` (TCP/TLS,
 * default octet), `header=syslog|none` (CEF only), `queue` (queue size, default 10,000),
 * `maxbytes` (largest message; default 2,048 for UDP, 65,536 otherwise). Unknown options are
 * errors. A webhook URL's query string belongs to the receiver; its own options go in the
 * fragment, which is never sent: `https://hook.example/in?token=x#ca=/ca.pem&timeout=5000`
 * (`ca`, `cert`, `key`, `insecure`, `timeout` ms, `queue`).
 */

export type SyslogFormat = 'syslog' | 'cef';
export type StreamTransportKind = 'udp' | 'tcp' | 'tls';

export interface TlsFiles {
  ca: string | null;
  cert: string | null;
  key: string | null;
  /** false only with `insecure=1`. */
  rejectUnauthorized: boolean;
}

interface TargetBase {
  /** The URL as given, with secrets (password, query values of webhooks) hidden: safe to print. */
  display: string;
  /** Queue size (alerts). */
  queueSize: number;
}

export interface SyslogTarget extends TargetBase {
  kind: 'syslog';
  format: SyslogFormat;
  transport: StreamTransportKind;
  host: string;
  port: number;
  tls: TlsFiles & { servername: string | null };
  hostname: string | null;
  facility: number;
  framing: 'octet' | 'lf';
  /** CEF only: wrap in an RFC 5424 header (default) or send bare CEF. */
  cefHeader: boolean;
  maxBytes: number;
}

export interface JsonlTarget extends TargetBase {
  kind: 'jsonl';
  /** Absolute path of the file appended to. */
  path: string;
}

export interface WebhookTarget extends TargetBase {
  kind: 'webhook';
  /** The URL posted to (fragment removed). */
  url: string;
  tls: TlsFiles;
  timeoutMs: number;
}

export type ForwardTarget = SyslogTarget | JsonlTarget | WebhookTarget;

export const DEFAULT_QUEUE_SIZE = 10_000;
const MAX_QUEUE_SIZE = 10_000_000;

/** Hide a URL's password and (for webhooks) its query values, which often carry tokens. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password !== '') u.password = '***';
    if (/^https?:$/.test(u.protocol) && u.search !== '') {
      for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***');
    }
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return raw.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@');
  }
}

function fail(raw: string, why: string): never {
  throw new Error(`invalid forward target '${redactUrl(raw)}': ${why}`);
}

function intOption(raw: string, name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    fail(raw, `option '${name}' must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function boolOption(raw: string, name: string, v: string): boolean {
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  return fail(raw, `option '${name}' must be 1 or 0`);
}

function fileOption(raw: string, name: string, v: string): string {
  if (v === '') fail(raw, `option '${name}' needs a file path`);
  return resolve(v);
}

/** Parse the options of a query string or fragment, refusing unknown and repeated keys. */
function options(raw: string, params: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) {
    if (!allowed.includes(k)) fail(raw, `unknown option '${k}' (expected ${allowed.join(', ')})`);
    if (out.has(k)) fail(raw, `option '${k}' given twice`);
    out.set(k, v);
  }
  return out;
}

const SCHEME = /^(syslog|cef)\+(udp|tcp|tls):$/;

/** Parse and validate one forward URL; throws an Error with one clear line. */
export function parseForwardUrl(raw: string): ForwardTarget {
  const text = raw.trim();
  if (text === '') fail(raw, 'empty');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail(
      raw,
      'not a URL (expected syslog+udp://host:port, cef+tls://host:port, jsonl:///path or https://host/path)',
    );
  }
  const scheme = u.protocol.toLowerCase();
  const m = SCHEME.exec(scheme);
  if (m) return parseSyslog(text, u, m[1] as SyslogFormat, m[2] as StreamTransportKind);
  if (scheme === 'jsonl:') return parseJsonl(text, u);
  if (scheme === 'http:' || scheme === 'https:') return parseWebhook(text, u);
  return fail(
    raw,
    `unknown scheme '${scheme.slice(0, -1)}' (expected syslog+udp, syslog+tcp, syslog+tls, cef+udp, cef+tcp, cef+tls, jsonl, http, https)`,
  );
}

function hostOf(raw: string, u: URL): string {
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') fail(raw, 'no host');
  return host;
}

function parseSyslog(raw: string, u: URL, format: SyslogFormat, transport: StreamTransportKind): SyslogTarget {
  const host = hostOf(raw, u);
  if (u.username !== '' || u.password !== '') fail(raw, 'syslog targets take no user name or password');
  if (u.pathname !== '' && u.pathname !== '/') fail(raw, `unexpected path '${u.pathname}'`);
  if (u.hash !== '') fail(raw, 'unexpected fragment');
  const port = u.port === '' ? (transport === 'tls' ? 6514 : 514) : Number(u.port);
  if (port < 1 || port > 65535) fail(raw, 'port must be 1-65535');
  const allowed = ['hostname', 'facility', 'queue', 'maxbytes'];
  if (transport !== 'udp') allowed.push('framing');
  if (transport === 'tls') allowed.push('ca', 'cert', 'key', 'servername', 'insecure');
  if (format === 'cef') allowed.push('header');
  const o = options(raw, u.searchParams, allowed);
  const facilityName = (o.get('facility') ?? 'local4').toLowerCase();
  const facility = FACILITIES[facilityName];
  if (facility === undefined)
    fail(raw, `unknown facility '${facilityName}' (expected ${Object.keys(FACILITIES).join(', ')})`);
  const framing = o.get('framing') ?? 'octet';
  if (framing !== 'octet' && framing !== 'lf') fail(raw, "option 'framing' must be octet or lf");
  const header = o.get('header') ?? 'syslog';
  if (header !== 'syslog' && header !== 'none') fail(raw, "option 'header' must be syslog or none");
  const hostname = o.get('hostname') ?? null;
  if (hostname !== null && !/^[\x21-\x7e]{1,255}$/.test(hostname)) {
    fail(raw, "option 'hostname' must be 1-255 printable ASCII characters");
  }
  const cert = o.has('cert') ? fileOption(raw, 'cert', o.get('cert') as string) : null;
  const key = o.has('key') ? fileOption(raw, 'key', o.get('key') as string) : null;
  if ((cert === null) !== (key === null)) fail(raw, "options 'cert' and 'key' go together");
  return {
    kind: 'syslog',
    display: redactUrl(raw),
    format,
    transport,
    host,
    port,
    tls: {
      ca: o.has('ca') ? fileOption(raw, 'ca', o.get('ca') as string) : null,
      cert,
      key,
      rejectUnauthorized: !(o.has('insecure') && boolOption(raw, 'insecure', o.get('insecure') as string)),
      servername: o.get('servername') ?? (isIP(host) ? null : host),
    },
    hostname,
    facility,
    framing,
    cefHeader: header === 'syslog',
    queueSize: o.has('queue')
      ? intOption(raw, 'queue', o.get('queue') as string, 1, MAX_QUEUE_SIZE)
      : DEFAULT_QUEUE_SIZE,
    maxBytes: o.has('maxbytes')
      ? intOption(raw, 'maxbytes', o.get('maxbytes') as string, 480, transport === 'udp' ? 65_000 : 1 << 24)
      : transport === 'udp'
        ? 2048
        : 65_536,
  };
}

function parseJsonl(raw: string, u: URL): JsonlTarget {
  if (u.host !== '') fail(raw, 'a jsonl target is a file: jsonl:///absolute/path or jsonl:relative/path');
  if (u.hash !== '') fail(raw, 'unexpected fragment');
  const o = options(raw, u.searchParams, ['queue']);
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return fail(raw, 'bad percent-encoding in the path');
  }
  if (path === '' || path.endsWith('/')) fail(raw, 'no file name');
  if (path.includes('\0')) fail(raw, 'NUL in the path');
  return {
    kind: 'jsonl',
    display: redactUrl(raw),
    path: isAbsolute(path) ? path : resolve(path),
    queueSize: o.has('queue')
      ? intOption(raw, 'queue', o.get('queue') as string, 1, MAX_QUEUE_SIZE)
      : DEFAULT_QUEUE_SIZE,
  };
}

function parseWebhook(raw: string, u: URL): WebhookTarget {
  hostOf(raw, u);
  const o = options(raw, new URLSearchParams(u.hash.slice(1)), ['ca', 'cert', 'key', 'insecure', 'timeout', 'queue']);
  if (u.protocol === 'http:' && (o.has('ca') || o.has('cert') || o.has('insecure'))) {
    fail(raw, 'TLS options need an https:// URL');
  }
  const cert = o.has('cert') ? fileOption(raw, 'cert', o.get('cert') as string) : null;
  const key = o.has('key') ? fileOption(raw, 'key', o.get('key') as string) : null;
  if ((cert === null) !== (key === null)) fail(raw, "options 'cert' and 'key' go together");
  const url = new URL(u.toString());
  url.hash = '';
  return {
    kind: 'webhook',
    display: redactUrl(url.toString()),
    url: url.toString(),
    tls: {
      ca: o.has('ca') ? fileOption(raw, 'ca', o.get('ca') as string) : null,
      cert,
      key,
      rejectUnauthorized: !(o.has('insecure') && boolOption(raw, 'insecure', o.get('insecure') as string)),
    },
    timeoutMs: o.has('timeout') ? intOption(raw, 'timeout', o.get('timeout') as string, 1, 600_000) : 10_000,
    queueSize: o.has('queue')
      ? intOption(raw, 'queue', o.get('queue') as string, 1, MAX_QUEUE_SIZE)
      : DEFAULT_QUEUE_SIZE,
  };
}
