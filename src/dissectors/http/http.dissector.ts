import { LIMITS } from '../../bytes/errors.js';
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
  authParam,
  decodeBase64,
  extractTitle,
  findHeaderEnd,
  findLf,
  type HttpParseError,
  lineContentEnd,
  looksLikeRequest,
  MAX_CHUNK_LINE,
  MAX_HEADER_BLOCK,
  METHODS,
  methodCode,
  nameIs,
  newRequestLine,
  newStatusLine,
  parseChunkSize,
  parseDecimal,
  parseRequestLine,
  parseStatusLine,
  serverHints,
} from './http.parse.js';

/** Requests waiting for their response (pipelining) per flow. */
export const MAX_PENDING = 32;
/** Bytes of an HTML body searched for its <title>. */
export const TITLE_WINDOW = 4096;

enum Mode {
  Headers,
  Body,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailer,
  UntilClose,
  Dead,
}

interface DirState {
  mode: Mode;
  /** Body bytes left (Body, ChunkData). */
  left: number;
  /** The message whose body is being skipped is an HTML response whose title we look for. */
  wantTitle: boolean;
}

interface PendingRequest {
  tx: TransactionObservation;
  head: boolean;
  cred: CredentialObservation | null;
}

/** Per-flow state. */
export interface HttpState {
  readonly dirs: [DirState, DirState];
  readonly pending: PendingRequest[];
  messages: number;
  violated: boolean;
  /** Identity facts already reported on this flow (field=value), to report each once. */
  readonly reported: Set<string>;
  /** First bytes of the current HTML body (allocated on first use). */
  titleBuf: Uint8Array | null;
  titleLen: number;
}

const reqLine = newRequestLine();
const statusLine = newStatusLine();
/** Scratch for decoded Basic credentials; wiped after each use. */
const scratch = new Uint8Array(1024);

/** Header values a message yields (strings only for the few we keep). */
interface Headers {
  contentLength: number;
  chunked: boolean;
  host: string | null;
  userAgent: string | null;
  server: string | null;
  authenticate: string | null;
  authorization: { start: number; end: number } | null;
  html: boolean;
  encoded: boolean;
  badLength: boolean;
}
const hdr: Headers = {
  contentLength: -1,
  chunked: false,
  host: null,
  userAgent: null,
  server: null,
  authenticate: null,
  authorization: null,
  html: false,
  encoded: false,
  badLength: false,
};

/**
 * HTTP/1.x (TCP 80, 8080; other ports by probe): requests and responses paired in order
 * (pipelining), bodies skipped without buffering (Content-Length, chunked, or until close).
 * Emits a `transaction` per exchange (method, URI, host, user agent, status), `credential`s
 * for Authorization (Basic: user + fingerprint of the password; Digest: user only; Bearer:
 * fingerprint of the token) with the outcome taken from the response status, and
 * `asset.identity` guesses (precedence 30): Server header, WWW-Authenticate realm, HTML
 * <title> about the server; User-Agent about the client.
 */
export const httpDissector: Dissector<HttpState> = {
  name: 'http',
  transports: ['tcp'],
  defaultPorts: [80, 8080],

  probe(buf, off, len, dir) {
    if (dir === 1) {
      const want = 'HTTP/1.';
      for (let i = 0; i < want.length; i++) {
        if (i >= len) return 'need-more';
        if (buf[off + i] !== want.charCodeAt(i)) return 'no-match';
      }
      return 'match';
    }
    return looksLikeRequest(buf, off, off + len);
  },

  newState(_flow: FlowInfo): HttpState {
    const d = (): DirState => ({ mode: Mode.Headers, left: 0, wantTitle: false });
    return {
      dirs: [d(), d()],
      pending: [],
      messages: 0,
      violated: false,
      reported: new Set(),
      titleBuf: null,
      titleLen: 0,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const dir = ctx.dir;
    const st = s.dirs[dir];
    const end = off + len;
    let pos = off;
    // Each pass consumes bytes or returns: no loop without progress.
    while (pos < end) {
      switch (st.mode) {
        case Mode.Dead:
        case Mode.UntilClose:
          if (st.mode === Mode.UntilClose) feedTitle(s, st, buf, pos, end - pos);
          return len;
        case Mode.Headers: {
          // Tolerate stray CRLFs between messages (RFC 9112 §2.2).
          while (pos < end && (buf[pos] === 0x0d || buf[pos] === 0x0a)) pos++;
          if (pos === end) return len;
          const he = findHeaderEnd(buf, pos, end);
          if (he < 0) {
            if (end - pos <= MAX_HEADER_BLOCK) return pos - off;
            ctx.anomaly('http-header-too-long', `dir ${dir}: no end of header block in ${end - pos} bytes`);
            st.mode = Mode.Dead;
            return len;
          }
          if (!onHeaderBlock(s, st, buf, pos, he, ctx)) return len;
          pos = he;
          break;
        }
        case Mode.Body:
        case Mode.ChunkData: {
          const n = Math.min(st.left, end - pos);
          feedTitle(s, st, buf, pos, n);
          pos += n;
          st.left -= n;
          if (st.left === 0) {
            if (st.mode === Mode.Body) endMessage(s, st, ctx);
            else st.mode = Mode.ChunkEnd;
          }
          break;
        }
        case Mode.ChunkEnd: {
          if (end - pos < 2) return pos - off;
          if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) pos += 2;
          else if (buf[pos] === 0x0a) pos += 1;
          else ctx.anomaly('http-bad-chunk-end', `dir ${dir}: chunk data not followed by CRLF`);
          st.mode = Mode.ChunkSize;
          break;
        }
        case Mode.ChunkSize:
        case Mode.Trailer: {
          const lf = findLf(buf, pos, Math.min(end, pos + MAX_CHUNK_LINE));
          if (lf < 0) {
            if (end - pos < MAX_CHUNK_LINE) return pos - off;
            ctx.anomaly(st.mode === Mode.ChunkSize ? 'http-bad-chunk-size' : 'http-header-too-long', `dir ${dir}`);
            st.mode = Mode.Dead;
            return len;
          }
          const ce = lineContentEnd(buf, pos, lf);
          if (st.mode === Mode.Trailer) {
            if (ce === pos) endMessage(s, st, ctx);
          } else {
            const size = parseChunkSize(buf, pos, ce);
            if (size < 0) {
              ctx.anomaly('http-bad-chunk-size', `dir ${dir}: ${latin1(buf.subarray(pos, Math.min(ce, pos + 32)))}`);
              st.mode = Mode.Dead;
              return len;
            }
            if (size === 0) st.mode = Mode.Trailer;
            else {
              st.mode = Mode.ChunkData;
              st.left = size;
            }
          }
          pos = lf + 1;
          break;
        }
      }
    }
    return pos - off;
  },

  onGap(s, dir: Direction, _bytes, ctx) {
    // Without the lost bytes we cannot tell where the next message starts.
    const st = s.dirs[dir];
    if (st.mode !== Mode.Dead && st.mode !== Mode.UntilClose) {
      ctx.anomaly('http-gap', `dir ${dir}: lost bytes, rest of the direction not parsed`);
      st.mode = Mode.Dead;
    }
  },

  onEnd(s, ctx) {
    const st = s.dirs[1];
    if (st.mode === Mode.UntilClose || (st.mode === Mode.Body && st.wantTitle)) endMessage(s, st, ctx);
    for (const p of s.pending) {
      ctx.emit(p.tx);
      if (p.cred) ctx.emit(p.cred);
    }
    s.pending.length = 0;
  },
};

/**
 * The request target with secrets masked: user:password@ in absolute URIs and the values of
 * query parameters whose names say password/secret/token/key (`?pwd=x` -> `?pwd=***`).
 */
export function redactUri(uri: string): string {
  return uri
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@?#]*?):[^/@?#]*@/i, '$1:***@')
    .replace(/([?&;][^=&;#]*(?:pass|pwd|secret|token|key|auth)[^=&;#]*=)[^&;#]*/gi, '$1***');
}

/** Header fields of the block [start, he) after its first line; fills `hdr`. */
function readHeaders(buf: Uint8Array, start: number, he: number, ctx: DissectContext): void {
  hdr.contentLength = -1;
  hdr.chunked = false;
  hdr.host = null;
  hdr.userAgent = null;
  hdr.server = null;
  hdr.authenticate = null;
  hdr.authorization = null;
  hdr.html = false;
  hdr.encoded = false;
  hdr.badLength = false;
  let p = start;
  let lines = 0;
  while (p < he && lines++ < 512) {
    const lf = findLf(buf, p, he);
    if (lf < 0) break;
    const ce = lineContentEnd(buf, p, lf);
    const lineStart = p;
    p = lf + 1;
    if (ce === lineStart) break;
    let colon = lineStart;
    while (colon < ce && buf[colon] !== 0x3a) colon++;
    if (colon === ce) continue;
    let vs = colon + 1;
    while (vs < ce && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
    let ve = ce;
    while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
    const ns = lineStart;
    const ne = colon;
    if (nameIs(buf, ns, ne, 'content-length')) {
      const v = parseDecimal(buf, vs, ve);
      if (v < 0 || (hdr.contentLength >= 0 && v !== hdr.contentLength)) hdr.badLength = true;
      else hdr.contentLength = v;
    } else if (nameIs(buf, ns, ne, 'transfer-encoding')) {
      hdr.chunked = /chunked\s*$/i.test(latin1(buf.subarray(vs, ve)));
    } else if (nameIs(buf, ns, ne, 'host')) hdr.host = latin1(buf.subarray(vs, ve));
    else if (nameIs(buf, ns, ne, 'user-agent')) hdr.userAgent = latin1(buf.subarray(vs, ve));
    else if (nameIs(buf, ns, ne, 'server')) hdr.server = latin1(buf.subarray(vs, ve));
    else if (nameIs(buf, ns, ne, 'www-authenticate')) hdr.authenticate ??= latin1(buf.subarray(vs, ve));
    else if (nameIs(buf, ns, ne, 'authorization')) hdr.authorization = { start: vs, end: ve };
    else if (nameIs(buf, ns, ne, 'content-type')) hdr.html = /text\/html/i.test(latin1(buf.subarray(vs, ve)));
    else if (nameIs(buf, ns, ne, 'content-encoding')) {
      hdr.encoded = !/^identity$/i.test(latin1(buf.subarray(vs, ve)));
    }
  }
  if (hdr.badLength) ctx.anomaly('http-bad-content-length', `dir ${ctx.dir}: invalid or conflicting Content-Length`);
}

/** Handles one header block [pos, he). Returns false when the flow was given up. */
function onHeaderBlock(s: HttpState, st: DirState, buf: Uint8Array, pos: number, he: number, ctx: DissectContext) {
  const lf = findLf(buf, pos, he) as number;
  const le = lineContentEnd(buf, pos, lf);
  const err: HttpParseError | null =
    ctx.dir === 0 ? parseRequestLine(buf, pos, le, reqLine) : parseStatusLine(buf, pos, le, statusLine);
  if (err !== null) {
    const line = latin1(buf.subarray(pos, Math.min(le, pos + 64)));
    if (s.messages === 0) {
      s.violated = true;
      ctx.violation(`${err}: ${line}`);
      return false;
    }
    ctx.anomaly(err, `dir ${ctx.dir}: ${line}`);
    st.mode = Mode.Dead;
    return false;
  }
  s.messages++;
  readHeaders(buf, lf + 1, he, ctx);
  if (ctx.dir === 0) onRequest(s, st, buf, ctx);
  else onResponse(s, st, ctx);
  return true;
}

function onRequest(s: HttpState, st: DirState, buf: Uint8Array, ctx: DissectContext): void {
  const method = latin1(buf.subarray(reqLine.methodOff, reqLine.methodOff + reqLine.methodLen));
  const code = methodCode(method);
  const detail: Record<string, string | number | boolean> = {
    uri: redactUri(latin1(buf.subarray(reqLine.uriOff, reqLine.uriOff + reqLine.uriLen), LIMITS.maxString)),
    version: reqLine.version === 11 ? '1.1' : `${Math.floor(reqLine.version / 10)}.${reqLine.version % 10}`,
  };
  if (hdr.host !== null) detail.host = hdr.host;
  if (hdr.userAgent !== null) detail.userAgent = hdr.userAgent;
  const tx = createTransaction(
    ctx.tsUs,
    ctx.flow.id,
    'http',
    (METHODS[code] as readonly [string, TransactionObservation['op']])[1],
    method,
    code,
    'no-response',
  );
  tx.detail = detail;
  const cred = hdr.authorization ? credential(buf, hdr.authorization.start, hdr.authorization.end, ctx) : null;
  if (cred) detail.auth = cred.mechanism;
  if (hdr.userAgent !== null)
    report(
      s,
      'client',
      [{ field: 'user_agent', value: hdr.userAgent, source: 'http.request.user-agent', precedence: 30 }],
      ctx,
    );
  s.pending.push({ tx, head: code === 2, cred });
  if (s.pending.length > MAX_PENDING) {
    const old = s.pending.shift() as PendingRequest;
    ctx.emit(old.tx);
    if (old.cred) ctx.emit(old.cred);
  }
  // Requests carry a body only when framed (RFC 9112 §6.3: no length = no body).
  if (hdr.chunked) st.mode = Mode.ChunkSize;
  else if (hdr.contentLength > 0) {
    st.mode = Mode.Body;
    st.left = hdr.contentLength;
  } else st.mode = Mode.Headers;
  st.wantTitle = false;
}

/**
 * Authorization header value [s, e): Basic (RFC 7617) -> user and fingerprint(password);
 * Digest (RFC 7616) -> user only; Bearer (RFC 6750) -> fingerprint(token). Plaintext is
 * decoded into a scratch buffer that is wiped before returning.
 */
function credential(buf: Uint8Array, s: number, e: number, ctx: DissectContext): CredentialObservation | null {
  let p = s;
  while (p < e && buf[p] !== 0x20) p++;
  const scheme = latin1(buf.subarray(s, p)).toLowerCase();
  while (p < e && buf[p] === 0x20) p++;
  const base = {
    kind: 'credential' as const,
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'http',
    outcome: 'unknown' as CredentialObservation['outcome'],
    by: 'client' as const,
  };
  if (scheme === 'basic') {
    const n = decodeBase64(buf, p, e, scratch);
    if (n < 0) {
      ctx.anomaly('http-bad-authorization', 'Basic credentials are not valid base64');
      return null;
    }
    let colon = 0;
    while (colon < n && scratch[colon] !== 0x3a) colon++;
    const user = latin1(scratch.subarray(0, colon));
    const fp = colon < n ? ctx.fingerprint(scratch.subarray(colon + 1, n)) : null;
    scratch.fill(0, 0, n);
    if (colon === n) ctx.anomaly('http-bad-authorization', 'Basic credentials without a colon');
    return {
      ...base,
      mechanism: 'password',
      user,
      secretFingerprint: fp,
      cleartext: true,
      source: 'http.authorization.basic',
    };
  }
  if (scheme === 'digest') {
    const user = authParam(latin1(buf.subarray(p, e), 4096), 'username') ?? '';
    return {
      ...base,
      mechanism: 'digest',
      user,
      secretFingerprint: null,
      cleartext: false,
      source: 'http.authorization.digest',
    };
  }
  if (scheme === 'bearer') {
    const fp = ctx.fingerprint(buf.subarray(p, e));
    return {
      ...base,
      mechanism: 'token',
      user: '',
      secretFingerprint: fp,
      cleartext: true,
      source: 'http.authorization.bearer',
    };
  }
  return null;
}

function onResponse(s: HttpState, st: DirState, ctx: DissectContext): void {
  const code = statusLine.code;
  const informational = code < 200;
  let head = false;
  if (!informational) {
    const p = s.pending.shift();
    let tx: TransactionObservation;
    if (p === undefined) {
      tx = createTransaction(ctx.tsUs, ctx.flow.id, 'http', 'other', 'RESPONSE', 0, 'unsolicited');
      tx.detail = {};
    } else {
      tx = p.tx;
      head = p.head;
      tx.status = 'ok';
      tx.rttUs = ctx.tsUs - tx.ts;
    }
    if (code >= 400) {
      tx.status = 'exception';
      tx.exception = String(code);
    }
    (tx.detail as Record<string, string | number | boolean>).statusCode = code;
    ctx.emit(tx);
    if (p?.cred) {
      p.cred.outcome = code === 401 || code === 403 ? 'failure' : code < 400 ? 'success' : 'unknown';
      ctx.emit(p.cred);
    }
  }
  const facts: IdentityFact[] = [];
  if (hdr.server !== null) {
    facts.push({ field: 'http_server', value: hdr.server, source: 'http.response.server', precedence: 30 });
    for (const f of serverHints(hdr.server, 'http.response.server')) facts.push(f);
  }
  if (hdr.authenticate !== null) {
    const realm = authParam(hdr.authenticate, 'realm');
    if (realm)
      facts.push({ field: 'http_realm', value: realm, source: 'http.response.www-authenticate', precedence: 30 });
  }
  if (facts.length > 0) report(s, 'server', facts, ctx);
  // Message body length (RFC 9112 §6.3).
  st.wantTitle = false;
  s.titleLen = 0;
  if (head || informational || code === 204 || code === 304) {
    st.mode = Mode.Headers;
    return;
  }
  st.wantTitle = hdr.html && !hdr.encoded && !s.reported.has('title');
  if (hdr.chunked) st.mode = Mode.ChunkSize;
  else if (hdr.contentLength >= 0 && !hdr.badLength) {
    st.left = hdr.contentLength;
    st.mode = hdr.contentLength > 0 ? Mode.Body : Mode.Headers;
    if (hdr.contentLength === 0) st.wantTitle = false;
  } else st.mode = Mode.UntilClose;
}

function feedTitle(s: HttpState, st: DirState, buf: Uint8Array, pos: number, n: number): void {
  if (!st.wantTitle || n <= 0) return;
  s.titleBuf ??= new Uint8Array(TITLE_WINDOW);
  const k = Math.min(n, TITLE_WINDOW - s.titleLen);
  s.titleBuf.set(buf.subarray(pos, pos + k), s.titleLen);
  s.titleLen += k;
}

/** End of a message body: look for the title of an HTML response. */
function endMessage(s: HttpState, st: DirState, ctx: DissectContext): void {
  if (st.wantTitle && s.titleBuf && s.titleLen > 0) {
    const title = extractTitle(s.titleBuf, s.titleLen);
    if (title !== null) {
      s.reported.add('title');
      report(s, 'server', [{ field: 'http_title', value: title, source: 'http.response.title', precedence: 30 }], ctx);
    }
  }
  st.wantTitle = false;
  s.titleLen = 0;
  st.mode = Mode.Headers;
}

/** Emits the facts not yet reported on this flow (each field=value once). */
function report(s: HttpState, about: 'client' | 'server', facts: IdentityFact[], ctx: DissectContext): void {
  const fresh = facts.filter((f) => !s.reported.has(`${about}:${f.field}=${f.value}`));
  if (fresh.length === 0 || s.reported.size > LIMITS.maxItems) return;
  for (const f of fresh) s.reported.add(`${about}:${f.field}=${f.value}`);
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'http',
    about,
    facts: fresh,
  };
  ctx.emit(obs);
}
