import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { Alert } from '../model.js';
import { DeliveryError } from './transports.js';

/**
 * Webhook: one HTTP(S) POST per alert, body = the Alert as JSON (`Content-Type:
 * application/json`), header `X-Plantwarden-Alert-Id` so a receiver can recognise a retried
 * delivery. User name and password in the URL become Basic authentication.
 *
 * - 2xx: delivered.
 * - 408, 429, 5xx, timeouts, connection errors: retried by the forwarder (exponential backoff
 *   with jitter; a Retry-After in seconds is honoured, up to the backoff ceiling).
 * - any other status (4xx, and 3xx: redirects are not followed): dropped, and the reason
 *   (status and the first 200 characters of the answer) is logged.
 */
export class WebhookSender {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly url: URL;
  private readonly inflight = new Set<{ destroy(e?: Error): void }>();

  constructor(
    url: string,
    tls: SecureContextOptions & { rejectUnauthorized?: boolean },
    private readonly timeoutMs: number,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {
    this.url = new URL(url);
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...tls })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  send(alert: Alert): Promise<void> {
    const body = Buffer.from(JSON.stringify(alert), 'utf8');
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<void>((res, rej) => {
      let settled = false;
      const done = (e?: DeliveryError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inflight.delete(req);
        if (e) rej(e);
        else res();
      };
      const req = request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'plantwarden',
          'x-plantwarden-alert-id': alert.id,
          ...this.headers,
        },
      });
      this.inflight.add(req);
      // One timer for the whole exchange: a receiver that trickles its answer still times out.
      const timer = setTimeout(() => {
        req.destroy();
        done(new DeliveryError(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.on('error', (e) => done(new DeliveryError(e.message || String((e as { code?: string }).code))));
      req.on('response', (r: IncomingMessage) => {
        const status = r.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        r.on('data', (c: Buffer) => {
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        r.on('error', () => done(new DeliveryError(`answer ${status} cut off`)));
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 200).trim();
          const reason = `HTTP ${status}${r.statusMessage ? ` ${r.statusMessage}` : ''}${text ? `: ${text}` : ''}`;
          if (status >= 200 && status < 300) done();
          else if (status === 408 || status === 429 || status >= 500) {
            done(new DeliveryError(reason, false, retryAfter(r.headers['retry-after'])));
          } else done(new DeliveryError(reason, true));
        });
      });
      req.end(body);
    });
  }

  async close(): Promise<void> {
    for (const r of this.inflight) r.destroy(new Error('closed'));
    this.agent.destroy();
  }
}

/** Retry-After as delta-seconds or an HTTP date -> ms; null when absent or unreadable. */
export function retryAfter(v: string | undefined, now = Date.now()): number | null {
  if (v === undefined) return null;
  const s = v.trim();
  if (/^\d{1,9}$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}
