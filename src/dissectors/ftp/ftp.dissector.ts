import { latin1 } from '../../bytes/reader.js';
import {
  type CredentialObservation,
  createTransaction,
  type Direction,
  type IdentityFact,
  type IdentityObservation,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  bannerHints,
  commandCode,
  commandOp,
  findLf,
  isAnonymous,
  lineContentEnd,
  MAX_LINE,
  newCommandLine,
  newReplyLine,
  parseCommand,
  parseReply,
} from './ftp.parse.js';

/** Commands waiting for their reply per flow. */
export const MAX_PENDING = 32;

interface Pending {
  tx: TransactionObservation;
  verb: string;
}

/** Per-flow state. */
export interface FtpState {
  readonly pending: Pending[];
  /** Last USER name (names are not secrets). */
  user: string;
  /** Fingerprint of the password sent with PASS, until its reply arrives (never the password). */
  passFp: string | null;
  passTs: number;
  /** Server replies: inside a multi-line reply with this code (-1: no). */
  multi: number;
  /** First line text of the reply being read (trimmed). */
  replyText: string;
  /** Text of the closing line of a multi-line reply ('' when single-line or empty). */
  finalText: string;
  replyLines: number;
  banner: boolean;
  /** Per direction: dropping bytes up to the next LF after an overlong line. */
  readonly skipLine: [boolean, boolean];
  lines: [number, number];
  /** AUTH TLS accepted: the rest is TLS, not parsed. */
  tls: boolean;
  violated: boolean;
}

const cmd = newCommandLine();
const rep = newReplyLine();

/**
 * FTP control channel (TCP 21). Commands and replies are paired in order (1yz replies are
 * preliminary and keep the command open). Emits a `transaction` per command (verb, reply code,
 * reply text; never the PASS argument), a `credential` per login attempt (USER name,
 * fingerprint of the PASS argument, outcome from the 230/530 reply, anonymous logins marked
 * in `source`), and the 220 banner as an `asset.identity` guess (precedence 30).
 */
export const ftpDissector: Dissector<FtpState> = {
  name: 'ftp',
  transports: ['tcp'],
  defaultPorts: [21],

  newState(_flow: FlowInfo): FtpState {
    return {
      pending: [],
      user: '',
      passFp: null,
      passTs: 0,
      multi: -1,
      replyText: '',
      finalText: '',
      replyLines: 0,
      banner: false,
      skipLine: [false, false],
      lines: [0, 0],
      tls: false,
      violated: false,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated || s.tls) return len;
    const dir = ctx.dir;
    const end = off + len;
    let pos = off;
    while (pos < end) {
      const lf = findLf(buf, pos, Math.min(end, pos + MAX_LINE));
      if (lf < 0) {
        if (end - pos < MAX_LINE) return pos - off;
        if (!s.skipLine[dir]) ctx.anomaly('ftp-line-too-long', `dir ${dir}: no line end in ${MAX_LINE} bytes`);
        s.skipLine[dir] = true;
        pos += MAX_LINE;
        continue;
      }
      const lineStart = pos;
      pos = lf + 1;
      const le = lineContentEnd(buf, lineStart, lf);
      if (s.skipLine[dir]) {
        s.skipLine[dir] = false;
        // After lost bytes, keep the line only if it plainly starts a command or a reply.
        if (!startsMessage(buf, lineStart, le, dir)) continue;
      }
      if (le === lineStart) continue;
      if (dir === 0) onCommand(s, buf, lineStart, le, ctx);
      else onReplyLine(s, buf, lineStart, le, ctx);
      if (s.violated || s.tls) return len;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.skipLine[dir] = true;
  },

  onEnd(s, ctx) {
    for (const p of s.pending) ctx.emit(p.tx);
    s.pending.length = 0;
    if (s.passFp !== null) emitCredential(s, s.passFp, s.passTs, 'unknown', ctx);
    s.passFp = null;
  },
};

/** The line is a well-formed command with a known verb (dir 0) or a reply line (dir 1). */
function startsMessage(buf: Uint8Array, ls: number, le: number, dir: Direction): boolean {
  if (dir === 1) return parseReply(buf, ls, le, rep) === null;
  if (parseCommand(buf, ls, le, cmd) !== null) return false;
  return commandCode(latin1(buf.subarray(cmd.verbOff, cmd.verbOff + cmd.verbLen)).toUpperCase()) > 0;
}

function onCommand(s: FtpState, buf: Uint8Array, ls: number, le: number, ctx: DissectContext): void {
  const err = parseCommand(buf, ls, le, cmd);
  if (err === 'ftp-bad-command') {
    if (s.lines[0] === 0 && s.lines[1] === 0) {
      s.violated = true;
      ctx.violation(`${err}: ${latin1(buf.subarray(ls, Math.min(le, ls + 32)))}`);
      return;
    }
    ctx.anomaly(err, `${latin1(buf.subarray(ls, Math.min(le, ls + 32)))}`);
    return;
  }
  if (err !== null) ctx.anomaly(err, `verb of ${cmd.argOff - ls} letters`);
  s.lines[0]++;
  const verb = latin1(buf.subarray(cmd.verbOff, cmd.verbOff + cmd.verbLen)).toUpperCase();
  const detail: Record<string, string | number | boolean> = {};
  if (verb === 'ACCT') {
    // Account information can be a secret too: not kept.
  } else if (verb === 'PASS') {
    // The argument is the password: fingerprint it, keep nothing else.
    s.passFp = ctx.fingerprint(buf.subarray(cmd.argOff, cmd.argOff + cmd.argLen));
    s.passTs = ctx.tsUs;
    if (s.user !== '') detail.user = s.user;
  } else if (cmd.argLen > 0) {
    detail.arg = latin1(buf.subarray(cmd.argOff, cmd.argOff + cmd.argLen));
  }
  if (verb === 'USER') {
    if (s.passFp !== null) emitCredential(s, s.passFp, s.passTs, 'unknown', ctx);
    s.passFp = null;
    s.user = (detail.arg as string | undefined) ?? '';
    if (isAnonymous(s.user)) detail.anonymous = true;
  }
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'ftp', commandOp(verb), verb, commandCode(verb), 'no-response');
  tx.detail = detail;
  s.pending.push({ tx, verb });
  if (s.pending.length > MAX_PENDING) {
    ctx.anomaly('ftp-too-many-pending', `more than ${MAX_PENDING} commands without reply`);
    ctx.emit((s.pending.shift() as Pending).tx);
  }
}

function onReplyLine(s: FtpState, buf: Uint8Array, ls: number, le: number, ctx: DissectContext): void {
  const err = parseReply(buf, ls, le, rep);
  if (s.multi >= 0) {
    // Inside a multi-line reply: only `code SP` (or a bare code) ends it.
    if (err !== null || rep.code !== s.multi || rep.more) {
      s.replyLines++;
      return;
    }
    s.multi = -1;
    s.finalText = latin1(buf.subarray(rep.textOff, le)).trim();
    completeReply(s, rep.code, ctx);
    return;
  }
  if (err !== null) {
    const line = latin1(buf.subarray(ls, Math.min(le, ls + 48)));
    if (s.lines[1] === 0) {
      s.violated = true;
      ctx.violation(`${err}: ${line}`);
      return;
    }
    ctx.anomaly(err, line);
    // The server did answer the oldest command, with a line that is not a reply.
    const p = s.pending.shift();
    if (p) {
      p.tx.status = 'exception';
      p.tx.exception = 'MALFORMED_REPLY';
      p.tx.rttUs = ctx.tsUs - p.tx.ts;
      ctx.emit(p.tx);
    }
    return;
  }
  s.lines[1]++;
  s.replyText = latin1(buf.subarray(rep.textOff, le)).trim();
  s.finalText = '';
  s.replyLines = 1;
  if (rep.more) {
    s.multi = rep.code;
    return;
  }
  completeReply(s, rep.code, ctx);
}

function completeReply(s: FtpState, code: number, ctx: DissectContext): void {
  if (!s.banner && (code === 220 || code === 120 || code === 421)) {
    // The greeting (RFC 959 §5.4: 120/220/421 on connection, before any command is
    // answered, even when the client sent commands early) names the server.
    s.banner = code !== 120;
    if (code === 220 && s.replyText !== '') {
      const facts: IdentityFact[] = [{ field: 'ftp_banner', value: s.replyText, source: 'ftp.banner', precedence: 30 }];
      for (const f of bannerHints(s.replyText, 'ftp.banner')) facts.push(f);
      const obs: IdentityObservation = {
        kind: 'asset.identity',
        ts: ctx.tsUs,
        flowId: ctx.flow.id,
        protocol: 'ftp',
        about: 'server',
        facts,
      };
      ctx.emit(obs);
    }
    return;
  }
  s.banner = true;
  const p = s.pending[0];
  if (p === undefined) {
    ctx.anomaly('ftp-unsolicited-reply', `${code} ${s.replyText.slice(0, 48)}`);
    return;
  }
  const d = p.tx.detail as Record<string, string | number | boolean>;
  if (code < 200) {
    // Preliminary reply: the command stays open for its completion reply.
    d.preliminaryCode = code;
    return;
  }
  s.pending.shift();
  d.replyCode = code;
  // Zeek logs the closing line of a multi-line reply; so do we. The reply to PASS/ACCT is
  // left out: servers may echo the password in it ("230 ... PASS <password>").
  if (p.verb !== 'PASS' && p.verb !== 'ACCT') d.replyMsg = s.finalText !== '' ? s.finalText : s.replyText;
  p.tx.rttUs = ctx.tsUs - p.tx.ts;
  p.tx.status = code >= 400 ? 'exception' : 'ok';
  if (code >= 400) p.tx.exception = String(code);
  ctx.emit(p.tx);
  if (p.verb === 'PASS' && s.passFp !== null) {
    emitCredential(
      s,
      s.passFp,
      s.passTs,
      code === 230 || code === 202 ? 'success' : code >= 500 ? 'failure' : 'unknown',
      ctx,
    );
    s.passFp = null;
  } else if (p.verb === 'USER' && code === 230) {
    // Logged in without a password.
    emitCredential(s, null, p.tx.ts, 'success', ctx);
  } else if (p.verb === 'USER' && code === 530) {
    emitCredential(s, null, p.tx.ts, 'failure', ctx);
  } else if (p.verb === 'AUTH' && code === 234) {
    s.tls = true;
  }
}

function emitCredential(
  s: FtpState,
  fp: string | null,
  ts: number,
  outcome: CredentialObservation['outcome'],
  ctx: DissectContext,
): void {
  const obs: CredentialObservation = {
    kind: 'credential',
    ts,
    flowId: ctx.flow.id,
    protocol: 'ftp',
    mechanism: 'password',
    user: s.user,
    secretFingerprint: fp,
    cleartext: true,
    outcome,
    source: isAnonymous(s.user) ? 'ftp.USER/PASS.anonymous' : 'ftp.USER/PASS',
    by: 'client',
  };
  ctx.emit(obs);
}
