import { latin1 } from '../../bytes/reader.js';
import {
  type CredentialObservation,
  createTransaction,
  type IdentityObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  type IacStripper,
  isFailure,
  isPasswordPrompt,
  isSuccess,
  isUserPrompt,
  newStripper,
  stripByte,
} from './telnet.parse.js';

/** Login attempts followed per flow. */
export const MAX_ATTEMPTS = 16;
/** Server bytes watched for a login dialogue before the flow is left alone. */
export const MAX_WATCH = 65536;
/** Bytes kept of the current server line and of the client's input line. */
export const LINE = 256;

enum Phase {
  /** Before any prompt. */
  Idle,
  /** The server asked for a user name: the client's next line is the user. */
  User,
  /** The user name is sent; waiting for the password prompt. */
  AwaitPassword,
  /** The server asked for a password: the client's next line is the secret. */
  Password,
  /** Password sent: the server's next output tells the outcome. */
  Result,
  /** Logged in, or gave up: the rest of the flow is not parsed. */
  Done,
}

/** Per-flow state. */
export interface TelnetState {
  readonly strip: [IacStripper, IacStripper];
  phase: Phase;
  /** Current server line (after command stripping), bounded. */
  readonly serverLine: Uint8Array;
  serverLen: number;
  /** Client input line being typed (user name or password; wiped after a password). */
  readonly input: Uint8Array;
  inputLen: number;
  user: string;
  userTs: number;
  /** Fingerprint of the password of the attempt awaiting its outcome. */
  passFp: string | null;
  passTs: number;
  attempts: number;
  bannerDone: boolean;
  watched: number;
  subAnomaly: boolean;
}

/**
 * Telnet (TCP 23, RFC 854/855): option negotiation stripped, then the login dialogue followed:
 * a `login:`/`Username:` prompt makes the client's next line the user name, a `Password:`
 * prompt makes it the secret (fingerprinted at once and wiped), and the server's next output
 * gives the outcome (failure text or a new login prompt -> failure; a shell prompt or
 * "Last login" -> success). One `LOGIN` transaction (op auth) and one `credential` per
 * attempt; the first server text line is the `telnet_banner` (precedence 30).
 */
export const telnetDissector: Dissector<TelnetState> = {
  name: 'telnet',
  transports: ['tcp'],
  defaultPorts: [23],

  newState(_flow: FlowInfo): TelnetState {
    return {
      strip: [newStripper(), newStripper()],
      phase: Phase.Idle,
      serverLine: new Uint8Array(LINE),
      serverLen: 0,
      input: new Uint8Array(LINE),
      inputLen: 0,
      user: '',
      userTs: 0,
      passFp: null,
      passTs: 0,
      attempts: 0,
      bannerDone: false,
      watched: 0,
      subAnomaly: false,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (isDone(s)) return len;
    const dir = ctx.dir;
    const st = s.strip[dir];
    const end = off + len;
    if (dir === 1) {
      s.watched += len;
      if (s.watched > MAX_WATCH && s.phase === Phase.Idle) {
        s.phase = Phase.Done;
        return len;
      }
    }
    for (let i = off; i < end && !isDone(s); i++) {
      const b = stripByte(st, buf[i] as number);
      if (b === -2 && !s.subAnomaly) {
        s.subAnomaly = true;
        ctx.anomaly('telnet-suboption-too-long', `dir ${dir}: sub-negotiation without IAC SE`);
      }
      if (b < 0) continue;
      if (dir === 1) serverByte(s, b, ctx);
      else clientByte(s, b, ctx);
    }
    if (dir === 1 && !isDone(s)) checkTail(s, ctx);
    return len;
  },

  onEnd(s, ctx) {
    if (s.phase === Phase.Result) finish(s, 'unknown', ctx);
    else if ((s.phase === Phase.AwaitPassword || s.phase === Phase.Password) && s.user !== '') {
      // The password never completed: only the user name is known.
      s.input.fill(0);
      s.passFp = null;
      s.passTs = s.userTs;
      finish(s, 'unknown', ctx);
    }
    s.phase = Phase.Done;
  },
};

/** Read through a function so that TypeScript does not narrow the phase across calls. */
function isDone(s: TelnetState): boolean {
  return s.phase === Phase.Done;
}

function serverByte(s: TelnetState, b: number, ctx: DissectContext): void {
  if (b === 0x0a || b === 0x0d || b === 0) {
    if (s.serverLen > 0) serverLine(s, ctx);
    s.serverLen = 0;
    return;
  }
  if (s.serverLen === LINE) s.serverLen = 0;
  s.serverLine[s.serverLen++] = b;
}

/** A complete server line: banner, or the outcome of a pending attempt. */
function serverLine(s: TelnetState, ctx: DissectContext): void {
  const text = latin1(s.serverLine.subarray(0, s.serverLen)).trim();
  if (text === '') return;
  if (!s.bannerDone && s.phase === Phase.Idle && !isUserPrompt(text) && !isPasswordPrompt(text)) {
    s.bannerDone = true;
    const obs: IdentityObservation = {
      kind: 'asset.identity',
      ts: ctx.tsUs,
      flowId: ctx.flow.id,
      protocol: 'telnet',
      about: 'server',
      facts: [{ field: 'telnet_banner', value: text, source: 'telnet.banner', precedence: 30 }],
    };
    ctx.emit(obs);
    return;
  }
  if (s.phase === Phase.Result) {
    if (isFailure(text)) finish(s, 'failure', ctx);
    else if (isSuccess(text)) finish(s, 'success', ctx);
  }
}

/** The unterminated end of the server's output: prompts live there. */
function checkTail(s: TelnetState, ctx: DissectContext): void {
  if (s.serverLen === 0) return;
  const tail = latin1(s.serverLine.subarray(0, s.serverLen));
  if (isPasswordPrompt(tail)) {
    if (s.phase === Phase.Result) finish(s, 'failure', ctx);
    if (s.phase === Phase.Idle) {
      s.user = '';
      s.userTs = ctx.tsUs;
    }
    if (!isDone(s)) startInput(s, Phase.Password);
  } else if (isUserPrompt(tail)) {
    // A new login prompt after a password means the last attempt was refused.
    if (s.phase === Phase.Result) finish(s, 'failure', ctx);
    if (!isDone(s)) startInput(s, Phase.User);
  } else if (s.phase === Phase.Result && isSuccess(tail)) {
    finish(s, 'success', ctx);
  }
}

function startInput(s: TelnetState, phase: Phase): void {
  s.phase = phase;
  s.input.fill(0, 0, s.inputLen);
  s.inputLen = 0;
}

function clientByte(s: TelnetState, b: number, ctx: DissectContext): void {
  if (s.phase !== Phase.User && s.phase !== Phase.Password) return;
  if (b === 0x0d || b === 0x0a) {
    if (s.inputLen === 0) return;
    if (s.phase === Phase.User) {
      s.user = latin1(s.input.subarray(0, s.inputLen));
      s.userTs = ctx.tsUs;
      startInput(s, Phase.AwaitPassword);
    } else {
      s.passFp = ctx.fingerprint(s.input.subarray(0, s.inputLen));
      s.passTs = ctx.tsUs;
      startInput(s, Phase.Result);
    }
    return;
  }
  if (b === 0x08 || b === 0x7f) {
    if (s.inputLen > 0) s.input[--s.inputLen] = 0;
    return;
  }
  if (b === 0 || s.inputLen === LINE) return;
  s.input[s.inputLen++] = b;
}

/** Ends an attempt: one LOGIN transaction and one credential. */
function finish(s: TelnetState, outcome: CredentialObservation['outcome'], ctx: DissectContext): void {
  const ts = s.userTs || s.passTs;
  const tx = createTransaction(
    ts,
    ctx.flow.id,
    'telnet',
    'auth',
    'LOGIN',
    0,
    outcome === 'success' ? 'ok' : outcome === 'failure' ? 'exception' : 'no-response',
  );
  tx.rttUs = outcome === 'unknown' ? undefined : ctx.tsUs - ts;
  tx.exception = outcome === 'failure' ? 'LOGIN_FAILED' : undefined;
  tx.detail = { user: s.user };
  ctx.emit(tx);
  const cred: CredentialObservation = {
    kind: 'credential',
    ts: s.passTs || ts,
    flowId: ctx.flow.id,
    protocol: 'telnet',
    mechanism: 'password',
    user: s.user,
    secretFingerprint: s.passFp,
    cleartext: true,
    outcome,
    source: 'telnet.login',
    by: 'client',
  };
  ctx.emit(cred);
  s.passFp = null;
  s.passTs = 0;
  s.userTs = 0;
  s.user = '';
  s.attempts++;
  s.phase = outcome === 'success' || s.attempts >= MAX_ATTEMPTS ? Phase.Done : Phase.Idle;
}
