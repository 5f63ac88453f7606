import { u32be } from '../../bytes/words.js';
import { createTransaction, type IdentityFact } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { SecType, securityTypeName, VERSION_LEN } from './vnc.consts.js';
import { parseReason, parseServerInit, parseVersion, reason, versionText } from './vnc.parse.js';

type ServerPhase = 'version' | 'security' | 'challenge' | 'result' | 'init' | 'done';
type ClientPhase = 'version' | 'choice' | 'response' | 'init' | 'done';

export interface VncState {
  server: ServerPhase;
  client: ClientPhase;
  violated: boolean;
  serverMinor: number;
  clientMinor: number;
  serverVersion: string;
  clientVersion: string;
  ts: number;
  /** Types the server offered (3.7+) or imposed (3.3). */
  offered: number[];
  /** The type in use: chosen by the client (3.7+) or the server (3.3); -1 until known. */
  chosen: number;
  result: 'ok' | 'failed' | '';
  failure: string;
  desktopName: string;
  emitted: boolean;
}

/**
 * VNC / RFB (RFC 6143) on TCP 5900-5902, plus a probe ("RFB 0"): protocol versions both ways,
 * security types offered and chosen, SecurityResult, and the ServerInit desktop name; the
 * framebuffer traffic after that is not parsed. One `VNC_SESSION` transaction per connection.
 */
export const vncDissector: Dissector<VncState> = {
  name: 'vnc',
  transports: ['tcp'],
  defaultPorts: [5900, 5901, 5902],

  probe(buf, off, len) {
    const v = parseVersion(buf, off, len);
    return v < 0 ? 'no-match' : v === 0 && len < VERSION_LEN ? 'need-more' : 'match';
  },

  newState(_flow: FlowInfo): VncState {
    return {
      server: 'version',
      client: 'version',
      violated: false,
      serverMinor: 0,
      clientMinor: 0,
      serverVersion: '',
      clientVersion: '',
      ts: 0,
      offered: [],
      chosen: -1,
      result: '',
      failure: '',
      desktopName: '',
      emitted: false,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const n = ctx.dir === 0 ? client(s, buf, off, len, ctx) : server(s, buf, off, len, ctx);
    return n < 0 ? len : n;
  },

  onGap(s, dir) {
    if (dir === 0) s.client = 'done';
    else s.server = 'done';
  },

  onEnd(s, ctx) {
    if (!s.emitted && (s.serverVersion !== '' || s.clientVersion !== '')) emit(s, ctx);
  },
};

/** Negotiated minor version: the lower of both sides (3.3 semantics below 7, 3.8 from 8 up). */
function minor(s: VncState): number {
  const m = s.clientMinor > 0 ? Math.min(s.clientMinor, s.serverMinor || s.clientMinor) : s.serverMinor;
  return m >= 8 ? 8 : m === 7 ? 7 : 3;
}

function violate(s: VncState, ctx: DissectContext, why: string): number {
  s.violated = true;
  ctx.violation(why);
  return -1;
}

/** Server bytes; returns bytes consumed, -1 = stop. */
function server(s: VncState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): number {
  let p = off;
  const end = off + len;
  for (;;) {
    const avail = end - p;
    switch (s.server) {
      case 'version': {
        const v = parseVersion(buf, p, avail);
        if (v < 0) return violate(s, ctx, 'vnc-bad-version: server did not send "RFB xxx.yyy"');
        if (v === 0) return p - off;
        s.serverMinor = v;
        s.serverVersion = versionText(buf, p);
        if (s.ts === 0) s.ts = ctx.tsUs;
        p += VERSION_LEN;
        s.server = 'security';
        continue;
      }
      case 'security': {
        if (avail < 1) return p - off;
        if (minor(s) === 3) {
          if (avail < 4) return p - off;
          const t = u32be(buf, p);
          if (t === SecType.INVALID) {
            const r = parseReason(buf, p + 4, avail - 4);
            if (r === 0) return p - off;
            return fail(s, ctx, 'CONNECTION_FAILED', r > 0 ? reason.text : '');
          }
          s.offered = [t];
          s.chosen = t;
          p += 4;
        } else {
          const count = buf[p] as number;
          if (count === 0) {
            const r = parseReason(buf, p + 1, avail - 1);
            if (r === 0) return p - off;
            return fail(s, ctx, 'CONNECTION_FAILED', r > 0 ? reason.text : '');
          }
          if (avail < 1 + count) return p - off;
          s.offered = Array.from(buf.subarray(p + 1, p + 1 + count));
          p += 1 + count;
        }
        s.server = 'challenge';
        continue;
      }
      case 'challenge': {
        if (s.chosen < 0) return p - off; // the client's choice decides what follows
        if (s.chosen === SecType.VNC) {
          if (avail < 16) return p - off;
          p += 16;
          s.server = 'result';
        } else if (s.chosen === SecType.NONE) {
          s.server = minor(s) >= 8 ? 'result' : 'init';
        } else {
          // Other security types (TLS, VeNCrypt, ARD...) are not followed.
          s.server = 'done';
          emit(s, ctx);
          return -1;
        }
        continue;
      }
      case 'result': {
        if (avail < 4) return p - off;
        if (u32be(buf, p) !== 0) {
          let text = '';
          if (minor(s) >= 8) {
            const n = parseReason(buf, p + 4, avail - 4);
            if (n === 0) return p - off;
            if (n > 0) text = reason.text;
          }
          s.result = 'failed';
          return fail(s, ctx, 'AUTH_FAILED', text);
        }
        p += 4;
        s.result = 'ok';
        s.server = 'init';
        continue;
      }
      case 'init': {
        const si = parseServerInit(buf, p, avail);
        if (si === null) return p - off;
        if (si.length < 0) {
          ctx.anomaly('vnc-bad-server-init', 'desktop name longer than 1024 bytes');
        } else {
          s.desktopName = si.name;
        }
        s.server = 'done';
        emit(s, ctx, si.length > 0 ? `${si.width}x${si.height}` : '');
        return -1;
      }
      default:
        return -1;
    }
  }
}

/** Client bytes; returns bytes consumed, -1 = stop. */
function client(s: VncState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): number {
  let p = off;
  const end = off + len;
  for (;;) {
    const avail = end - p;
    switch (s.client) {
      case 'version': {
        const v = parseVersion(buf, p, avail);
        if (v < 0) return violate(s, ctx, 'vnc-bad-version: client did not send "RFB xxx.yyy"');
        if (v === 0) return p - off;
        s.clientMinor = v;
        s.clientVersion = versionText(buf, p);
        if (s.ts === 0) s.ts = ctx.tsUs;
        if (s.serverMinor > 0 && v > s.serverMinor)
          ctx.anomaly('vnc-version-above-server', `client ${s.clientVersion}, server ${s.serverVersion}`);
        p += VERSION_LEN;
        s.client = minor(s) === 3 ? 'response' : 'choice';
        continue;
      }
      case 'choice': {
        if (avail < 1) return p - off;
        s.chosen = buf[p] as number;
        if (s.offered.length > 0 && !s.offered.includes(s.chosen)) {
          ctx.anomaly('vnc-security-type-not-offered', `client chose ${securityTypeName(s.chosen)}`);
        }
        p += 1;
        s.client = 'response';
        continue;
      }
      case 'response': {
        if (s.chosen < 0) return p - off; // 3.3: the server's type has not arrived yet
        if (s.chosen === SecType.VNC) {
          if (avail < 16) return p - off;
          p += 16; // DES response to the challenge: not a reusable secret, never kept
        } else if (s.chosen !== SecType.NONE) {
          s.client = 'done';
          return -1;
        }
        s.client = 'init';
        continue;
      }
      case 'init':
        if (avail < 1) return p - off;
        s.client = 'done';
        return -1;
      default:
        return -1;
    }
  }
}

function fail(s: VncState, ctx: DissectContext, code: string, text: string): number {
  s.failure = code;
  s.server = 'done';
  s.client = 'done';
  emit(s, ctx, '', text);
  return -1;
}

function emit(s: VncState, ctx: DissectContext, resolution = '', reasonText = ''): void {
  if (s.emitted) return;
  s.emitted = true;
  const detail: Record<string, string | number | boolean> = {};
  if (s.serverVersion !== '') detail.serverVersion = s.serverVersion;
  if (s.clientVersion !== '') detail.clientVersion = s.clientVersion;
  if (s.offered.length > 0) detail.securityTypes = s.offered.map(securityTypeName).join(',');
  if (s.chosen >= 0) detail.security = securityTypeName(s.chosen);
  if (s.result !== '') detail.result = s.result;
  if (reasonText !== '') detail.reason = reasonText;
  if (s.desktopName !== '') detail.desktopName = s.desktopName;
  const tx = createTransaction(
    s.ts || ctx.tsUs,
    ctx.flow.id,
    'vnc',
    'auth',
    'VNC_SESSION',
    0,
    s.failure !== ''
      ? 'exception'
      : s.serverVersion === ''
        ? 'no-response'
        : s.clientVersion === ''
          ? 'unsolicited'
          : 'ok',
  );
  tx.detail = detail;
  if (s.failure !== '') tx.exception = s.failure;
  ctx.emit(tx);
  if (s.chosen === SecType.VNC) {
    ctx.emit({
      kind: 'credential',
      ts: tx.ts,
      flowId: ctx.flow.id,
      protocol: 'vnc',
      mechanism: 'vnc-challenge',
      user: '',
      secretFingerprint: null,
      cleartext: false,
      outcome: s.result === 'ok' ? 'success' : s.result === 'failed' ? 'failure' : 'unknown',
      source: 'vnc.security.vnc_authentication',
      by: 'client',
    });
  }
  const facts: IdentityFact[] = [];
  if (s.serverVersion !== '')
    facts.push({ field: 'vnc_version', value: s.serverVersion, source: 'vnc.protocol_version.server' });
  if (s.offered.length > 0)
    facts.push({ field: 'vnc_security_types', value: detail.securityTypes as string, source: 'vnc.security.types' });
  if (s.offered.includes(SecType.NONE)) {
    // Anyone on the network can take this screen without a password.
    facts.push({ field: 'vnc_auth_none', value: 'true', source: 'vnc.security.types' });
  }
  if (s.desktopName !== '') {
    facts.push({ field: 'device_name', value: s.desktopName, source: 'vnc.server_init.name', precedence: 50 });
    facts.push({ field: 'vnc_desktop_name', value: s.desktopName, source: 'vnc.server_init.name', precedence: 50 });
  }
  if (resolution !== '')
    facts.push({ field: 'vnc_resolution', value: resolution, source: 'vnc.server_init.framebuffer' });
  if (facts.length > 0)
    ctx.emit({ kind: 'asset.identity', ts: tx.ts, flowId: ctx.flow.id, protocol: 'vnc', about: 'server', facts });
  if (s.clientVersion !== '') {
    ctx.emit({
      kind: 'asset.identity',
      ts: tx.ts,
      flowId: ctx.flow.id,
      protocol: 'vnc',
      about: 'client',
      facts: [{ field: 'vnc_client_version', value: s.clientVersion, source: 'vnc.protocol_version.client' }],
    });
  }
}
