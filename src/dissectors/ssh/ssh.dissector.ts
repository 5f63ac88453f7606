import { createTransaction, type IdentityFact } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { BANNER_HINTS, KEX_LISTS, MAX_PRE_LINES, Msg } from './ssh.consts.js';
import {
  type KexInit,
  negotiate,
  newIdentLine,
  packetMsgType,
  packetSize,
  parseIdentLine,
  parseKexInit,
} from './ssh.parse.js';

/** Per direction: identification, then the first binary packet (KEXINIT), then encrypted: stop. */
interface SshSide {
  phase: 'ident' | 'kex' | 'done';
  preLines: number;
  ident: string;
  proto: string;
  software: string;
  comments: string;
  ts: number;
  kex: KexInit | null;
}

export interface SshState {
  readonly sides: [SshSide, SshSide];
  violated: boolean;
  emitted: boolean;
}

const line = newIdentLine();

function newSide(): SshSide {
  return { phase: 'ident', preLines: 0, ident: '', proto: '', software: '', comments: '', ts: 0, kex: null };
}

/**
 * SSH (RFC 4253) on TCP 22, plus a probe ("SSH-" on other ports): both identification strings,
 * both KEXINIT algorithm lists; everything after is encrypted and consumed unparsed. One
 * `SSH_SESSION` transaction per connection, the server banner (+ OS/vendor hints at precedence
 * 30) and the client banner as identity facts.
 */
export const sshDissector: Dissector<SshState> = {
  name: 'ssh',
  transports: ['tcp'],
  defaultPorts: [22],

  probe(buf, off, len) {
    const sig = [0x53, 0x53, 0x48, 0x2d]; // "SSH-"
    for (let i = 0; i < Math.min(len, 4); i++) if (buf[off + i] !== sig[i]) return 'no-match';
    return len < 4 ? 'need-more' : 'match';
  },

  newState(_flow: FlowInfo): SshState {
    return { sides: [newSide(), newSide()], violated: false, emitted: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const dir = ctx.dir;
    const side = s.sides[dir];
    if (side.phase === 'done') return len;
    const end = off + len;
    let pos = off;
    while (side.phase === 'ident' && pos < end) {
      const n = parseIdentLine(buf, pos, end - pos, line);
      if (n === 0) return pos - off;
      if (n < 0 || (!line.isIdent && (dir === 0 || ++side.preLines > MAX_PRE_LINES))) {
        s.violated = true;
        ctx.violation(
          n < 0
            ? 'ssh-ident-too-long: no identification line within 255 bytes'
            : `ssh-no-identification: ${dir === 0 ? 'client' : 'server'} line "${line.text.slice(0, 40)}"`,
        );
        return len;
      }
      pos += n;
      if (!line.isIdent) continue;
      side.ident = line.text;
      side.proto = line.proto;
      side.software = line.software;
      side.comments = line.comments;
      side.ts = ctx.tsUs;
      if (line.proto !== '2.0' && line.proto !== '1.99') {
        if (!line.proto.startsWith('1.'))
          ctx.anomaly('ssh-bad-version', `${dir === 0 ? 'client' : 'server'} protocol version "${line.proto}"`);
        side.phase = 'done'; // SSH-1 packets are not followed
        maybeEmit(s, ctx);
        return len;
      }
      side.phase = 'kex';
    }
    if (side.phase === 'kex' && pos < end) {
      const size = packetSize(buf, pos, end - pos);
      if (size === 0) return pos - off;
      if (size < 0) {
        ctx.anomaly('ssh-bad-packet-length', `${dir === 0 ? 'client' : 'server'} first packet`);
        side.phase = 'done';
        maybeEmit(s, ctx);
        return len;
      }
      if (end - pos < size) return pos - off;
      const type = packetMsgType(buf, pos);
      if (type !== Msg.KEXINIT) {
        ctx.anomaly(
          'ssh-unexpected-message',
          `${dir === 0 ? 'client' : 'server'} first packet is message ${type}, not KEXINIT`,
        );
      } else {
        const r = parseKexInit(buf, pos, size);
        if (r.error !== null) ctx.anomaly(r.error, `${dir === 0 ? 'client' : 'server'} KEXINIT of ${size} bytes`);
        side.kex = r.kex;
      }
      side.phase = 'done';
      maybeEmit(s, ctx);
      return len;
    }
    return pos - off;
  },

  onGap(s, dir) {
    s.sides[dir].phase = 'done';
  },

  onEnd(s, ctx) {
    if (!s.emitted && (s.sides[0].ident !== '' || s.sides[1].ident !== '')) emit(s, ctx);
  },
};

function maybeEmit(s: SshState, ctx: DissectContext): void {
  if (!s.emitted && s.sides[0].phase === 'done' && s.sides[1].phase === 'done') emit(s, ctx);
}

function emit(s: SshState, ctx: DissectContext): void {
  s.emitted = true;
  const [c, sv] = s.sides;
  const ts = c.ident !== '' && (sv.ident === '' || c.ts <= sv.ts) ? c.ts : sv.ts;
  const detail: Record<string, string | number | boolean> = {};
  const version = sv.proto || c.proto;
  if (version !== '') detail.version = version;
  if (c.ident !== '') detail.client = c.ident;
  if (sv.ident !== '') detail.server = sv.ident;
  const ck = c.kex;
  const sk = sv.kex;
  const pick = (name: (typeof KEX_LISTS)[number], key: string) => {
    const i = KEX_LISTS.indexOf(name);
    const a = ck && sk ? negotiate(ck.lists[i] ?? [], sk.lists[i] ?? []) : ((ck ?? sk)?.lists[i]?.[0] ?? '');
    if (a !== '') detail[key] = a;
  };
  pick('kex', 'kex');
  pick('host_key', 'hostKey');
  pick('cipher_c2s', 'cipher');
  pick('mac_c2s', 'mac');
  pick('compression_c2s', 'compression');
  const tx = createTransaction(
    ts,
    ctx.flow.id,
    'ssh',
    'auth',
    'SSH_SESSION',
    0,
    c.ident === '' ? 'unsolicited' : sv.ident === '' ? 'no-response' : 'ok',
  );
  tx.detail = detail;
  if (c.ident !== '' && sv.ident !== '') tx.rttUs = Math.abs(sv.ts - c.ts);
  ctx.emit(tx);
  if (sv.ident !== '')
    ctx.emit({
      kind: 'asset.identity',
      ts: sv.ts,
      flowId: ctx.flow.id,
      protocol: 'ssh',
      about: 'server',
      facts: serverFacts(sv),
    });
  if (c.ident !== '') {
    ctx.emit({
      kind: 'asset.identity',
      ts: c.ts,
      flowId: ctx.flow.id,
      protocol: 'ssh',
      about: 'client',
      facts: [{ field: 'ssh_client', value: c.ident, source: 'ssh.identification.client' }],
    });
  }
}

/** The banner, the software version, and OS/vendor guesses (precedence 30). */
export function serverFacts(sv: { ident: string; software: string; comments: string }): IdentityFact[] {
  const facts: IdentityFact[] = [{ field: 'ssh_banner', value: sv.ident, source: 'ssh.identification.server' }];
  if (sv.software !== '')
    facts.push({ field: 'ssh_software', value: sv.software, source: 'ssh.identification.softwareversion' });
  const text = sv.comments === '' ? sv.software : `${sv.software} ${sv.comments}`;
  let os = '';
  let vendor = '';
  for (const h of BANNER_HINTS) {
    if (!h.re.test(text)) continue;
    if (os === '' && h.os) os = h.os;
    if (vendor === '' && h.vendor) vendor = h.vendor;
  }
  if (os !== '') facts.push({ field: 'os', value: os, source: 'ssh.identification.server', precedence: 30 });
  if (vendor !== '')
    facts.push({ field: 'vendor', value: vendor, source: 'ssh.identification.server', precedence: 30 });
  return facts;
}
