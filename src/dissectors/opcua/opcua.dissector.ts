import { createHash } from 'node:crypto';
import { LIMITS } from '../../bytes/errors.js';
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
  BUILD_INFO,
  BUILD_INFO_NAMES,
  encodingName,
  HEADER_LEN,
  MIN_CHUNK,
  Msg,
  msgTypeName,
  OPCUA_PORT,
  policyName,
  requestTypeName,
  SERVICE_FAULT,
  Service,
  securityModeName,
  serviceInfo,
  statusName,
  Token,
  tokenTypeName,
  userTokenTypeName,
} from './opcua.consts.js';
import {
  type AppDescription,
  type Cur,
  cur,
  type EndpointDescription,
  type Header,
  node,
  nodeId,
  parseActivateSessionRequest,
  parseAsymHeader,
  parseCreateSessionRequest,
  parseCreateSessionResponse,
  parseEndpoints,
  parseErr,
  parseGetEndpointsRequest,
  parseHeader,
  parseHello,
  parseOpenRequest,
  parseOpenResponse,
  parseReadRequest,
  parseReadResponse,
  plausibleHeader,
  responseHeader,
  skip,
  u32,
} from './opcua.parse.js';

/** Requests waiting for a response per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 64;
/** Bytes skipped looking for a chunk header after a gap before we give up on the flow. */
export const MAX_RESYNC_BYTES = 65536;
/** Largest chunk we wait for: what the stream buffer can hold. */
const MAX_WAIT = LIMITS.maxStreamBuffer;
const CHUNK_F = 0x46;
const CHUNK_C = 0x43;
const CHUNK_A = 0x41;

type Detail = Record<string, string | number | boolean>;

interface Pending {
  /** Secure-conversation request id; -1 for an OPN whose sequence header is encrypted. */
  requestId: number;
  tx: TransactionObservation;
  cred: CredentialObservation | null;
  /** ReadRequest: ns=0 node ids read, by result index (BuildInfo). */
  readIds: number[] | null;
}

/** Per-flow state. */
export interface OpcuaState {
  readonly pending: Pending[];
  hello: TransactionObservation | null;
  /** Security policy short name of the channel ('None', 'Basic256Sha256'...), null before OPN. */
  policy: string | null;
  /** MessageSecurityMode seen in a plaintext OPN request, else -1. */
  mode: number;
  /** Per direction: the request id and encoding id of a message whose first chunk was 'C'. */
  readonly partial: [Map<number, number> | null, Map<number, number> | null];
  chunks: number;
  /** The mode of a non-None channel was inferred from its first MSG (and reported). */
  modeInferred: boolean;
  readonly resync: [boolean, boolean];
  skipped: number;
  violated: boolean;
}

const header: Header = { type: 0, chunk: 0, size: 0 };
const c: Cur = cur(new Uint8Array(0), 0, 0);

/**
 * OPC UA binary over TCP (port 4840; OPC 10000-6 §7 UA TCP, §6.7 UA Secure Conversation).
 * Chunks are framed by their 8-byte header; HEL/ACK, OPN request/response and MSG
 * request/response (paired by request id) become transactions named by the service (OPC
 * 10000-4). Unencrypted channels are decoded further: security policy and mode, endpoints,
 * application descriptions (identity), ActivateSession identity tokens (credentials by
 * fingerprint) and BuildInfo reads. Encrypted bodies are reported as `encrypted`, never parsed.
 */
export const opcuaDissector: Dissector<OpcuaState> = {
  name: 'opcua',
  transports: ['tcp'],
  defaultPorts: [OPCUA_PORT],

  probe(buf, off, len) {
    if (len < HEADER_LEN) {
      const h = Math.min(len, 3);
      for (let i = 0; i < h; i++)
        if ((buf[off + i] as number) < 0x41 || (buf[off + i] as number) > 0x5a) return 'no-match';
      return 'need-more';
    }
    parseHeader(buf, off, header);
    return plausibleHeader(header, MIN_CHUNK, MAX_WAIT) &&
      (header.type === Msg.HEL || header.type === Msg.OPN || header.type === Msg.MSG)
      ? 'match'
      : 'no-match';
  },

  newState(_flow: FlowInfo): OpcuaState {
    return {
      pending: [],
      hello: null,
      policy: null,
      mode: -1,
      partial: [null, null],
      chunks: 0,
      modeInferred: false,
      resync: [false, false],
      skipped: 0,
      violated: false,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const dir = ctx.dir;
    const end = off + len;
    let pos = off;
    if (s.resync[dir]) {
      const at = findHeader(buf, pos, end);
      const skipN = at < 0 ? Math.max(0, len - HEADER_LEN) : at - pos;
      s.skipped += skipN;
      if (s.skipped > MAX_RESYNC_BYTES) {
        s.violated = true;
        ctx.violation(`opcua-resync-failed: no chunk header in ${s.skipped} bytes`);
        return len;
      }
      if (at < 0) return skipN;
      s.resync[dir] = false;
      pos = at;
    }
    while (end - pos >= HEADER_LEN) {
      parseHeader(buf, pos, header);
      if (!plausibleHeader(header, HEADER_LEN, 0xffffffff)) {
        if (s.chunks === 0) {
          s.violated = true;
          ctx.violation(`opcua-bad-header: type 0x${header.type.toString(16)}, chunk ${header.chunk}`);
          return len;
        }
        ctx.anomaly('opcua-bad-header', `type 0x${header.type.toString(16)}, chunk ${header.chunk}, dir ${dir}`);
        s.resync[dir] = true;
        return pos - off + 1;
      }
      if (header.size > MAX_WAIT) {
        s.violated = true;
        ctx.violation(`opcua-chunk-too-large: ${msgTypeName(header.type)} of ${header.size} bytes`);
        return len;
      }
      if (end - pos < header.size) break;
      s.chunks++;
      s.skipped = 0;
      onChunk(s, buf, pos, header.size, ctx);
      pos += header.size;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.resync[dir] = true;
  },

  onEnd(s, ctx) {
    if (s.hello) ctx.emit(s.hello);
    s.hello = null;
    for (const p of s.pending) flush(p, ctx);
    s.pending.length = 0;
  },
};

/** First offset in [from, end) where a plausible chunk header starts, or -1. */
function findHeader(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i + HEADER_LEN <= end; i++) {
    parseHeader(buf, i, header);
    if (plausibleHeader(header, MIN_CHUNK, MAX_WAIT)) return i;
  }
  return -1;
}

function flush(p: Pending, ctx: DissectContext): void {
  ctx.emit(p.tx);
  if (p.cred) ctx.emit(p.cred);
}

function newTx(
  ctx: DissectContext,
  fn: string,
  fnCode: number,
  op: TransactionObservation['op'],
  status: TransactionObservation['status'],
  msgType: string,
): TransactionObservation {
  const detail: Detail = { msgType };
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'opcua', op, fn, fnCode, status);
  tx.detail = detail;
  return tx;
}

function addPending(s: OpcuaState, p: Pending, ctx: DissectContext): void {
  if (p.requestId >= 0) {
    for (let i = 0; i < s.pending.length; i++) {
      if ((s.pending[i] as Pending).requestId === p.requestId) {
        flush(s.pending.splice(i, 1)[0] as Pending, ctx);
        break;
      }
    }
  }
  s.pending.push(p);
  if (s.pending.length > MAX_PENDING) flush(s.pending.shift() as Pending, ctx);
}

function takePending(s: OpcuaState, requestId: number, opn: boolean): Pending | undefined {
  for (let i = 0; i < s.pending.length; i++) {
    const p = s.pending[i] as Pending;
    if (p.requestId === requestId || (opn && requestId < 0 && p.tx.fnCode === Service.OPEN_REQ)) {
      s.pending.splice(i, 1);
      return p;
    }
  }
  return undefined;
}

function identity(ctx: DissectContext, about: 'client' | 'server', facts: IdentityFact[]): void {
  if (facts.length === 0) return;
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'opcua',
    about,
    facts,
  };
  ctx.emit(obs);
}

function appFacts(d: AppDescription, source: string, facts: IdentityFact[]): void {
  if (d.applicationName)
    facts.push({ field: 'product_name', value: d.applicationName, source: `${source}.ApplicationName` });
  if (d.applicationUri)
    facts.push({ field: 'application_uri', value: d.applicationUri, source: `${source}.ApplicationUri` });
  if (d.productUri) facts.push({ field: 'product_uri', value: d.productUri, source: `${source}.ProductUri` });
}

function onChunk(s: OpcuaState, buf: Uint8Array, off: number, size: number, ctx: DissectContext): void {
  const type = header.type;
  const chunk = header.chunk;
  cur(buf, off + HEADER_LEN, off + size, c);
  switch (type) {
    case Msg.HEL:
    case Msg.ACK:
    case Msg.ERR:
    case Msg.RHE:
      onConnection(s, type, ctx);
      return;
    case Msg.OPN:
      onOpen(s, buf, chunk, ctx);
      return;
    default:
      onMessage(s, buf, type, chunk, ctx);
  }
}

/** HEL / ACK / ERR / RHE (OPC 10000-6 §7.1.2). */
function onConnection(s: OpcuaState, type: number, ctx: DissectContext): void {
  if (type === Msg.HEL) {
    const h = parseHello(c, true);
    if (h === null) ctx.anomaly('opcua-hello-malformed', `HEL dir ${ctx.dir}`);
    if (s.hello) ctx.emit(s.hello);
    const tx = newTx(ctx, 'Hello', 0, 'other', 'no-response', 'HEL');
    const d = tx.detail as Detail;
    if (h) {
      d.version = h.version;
      d.receiveBufferSize = h.receiveBufferSize;
      d.sendBufferSize = h.sendBufferSize;
      d.maxMessageSize = h.maxMessageSize;
      d.maxChunkCount = h.maxChunkCount;
      if (h.endpointUrl !== null) d.endpointUrl = h.endpointUrl;
    }
    s.hello = tx;
    return;
  }
  if (type === Msg.RHE) {
    const tx = newTx(ctx, 'ReverseHello', 0, 'other', 'ok', 'RHE');
    ctx.emit(tx);
    return;
  }
  let tx = s.hello;
  s.hello = null;
  if (tx === null) tx = newTx(ctx, type === Msg.ACK ? 'Hello' : 'Error', 0, 'other', 'unsolicited', msgTypeName(type));
  else {
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
  }
  const d = tx.detail as Detail;
  if (type === Msg.ACK) {
    const h = parseHello(c, false);
    if (h === null) ctx.anomaly('opcua-hello-malformed', `ACK dir ${ctx.dir}`);
    else {
      d.ackReceiveBufferSize = h.receiveBufferSize;
      d.ackSendBufferSize = h.sendBufferSize;
    }
  } else {
    const e = parseErr(c);
    if (e === null) ctx.anomaly('opcua-error-malformed', `ERR dir ${ctx.dir}`);
    if (tx.status === 'ok') tx.status = 'exception';
    tx.exception = e ? statusName(e.code) : 'unknown';
    if (e?.reason) d.reason = e.reason;
    // An ERR closes the connection: requests still open will not be answered.
  }
  ctx.emit(tx);
}

/**
 * OPN (§6.7.2): secure channel id, asymmetric security header, then (encrypted unless the
 * policy is None) sequence header and the OpenSecureChannel request/response.
 */
function onOpen(s: OpcuaState, buf: Uint8Array, chunk: number, ctx: DissectContext): void {
  const h = parseAsymHeader(c);
  if (h === null) {
    ctx.anomaly('opcua-open-malformed', `OPN asymmetric header, dir ${ctx.dir}`);
    return;
  }
  const policy = policyName(h.policyUri);
  if (s.policy !== policy) s.modeInferred = false;
  s.policy = policy;
  const plain = policy === 'None';
  let requestId = -1;
  let enc = -1;
  if (plain) {
    skip(c, 4);
    requestId = u32(c);
    nodeId(c);
    enc = node.kind <= 2 && node.ns === 0 ? node.id : -1;
  }
  if (ctx.dir === 0) {
    const tx = newTx(ctx, 'OpenSecureChannel', Service.OPEN_REQ, 'auth', 'no-response', 'OPN');
    tx.tid = requestId >= 0 ? requestId : undefined;
    const d = tx.detail as Detail;
    d.request = 'OpenSecureChannelRequest';
    d.policy = policy;
    if (h.policyUri) d.policyUri = h.policyUri;
    d.senderCertificate = h.certLen > 0;
    if (h.certLen > 0) {
      d.certificateThumbprint = createHash('sha1')
        .update(buf.subarray(h.certOff, h.certOff + h.certLen))
        .digest('hex');
    }
    if (!plain) d.encrypted = true;
    else if (enc === Service.OPEN_REQ && chunk === CHUNK_F) {
      const r = parseOpenRequest(c);
      if (r === null) ctx.anomaly('opcua-open-malformed', `OpenSecureChannelRequest, request id ${requestId}`);
      else {
        s.mode = r.securityMode;
        d.requestType = requestTypeName(r.requestType);
        d.securityMode = securityModeName(r.securityMode);
        d.requestedLifetime = r.lifetime;
        if (r.securityMode !== 1)
          ctx.anomaly('opcua-security-mode-mismatch', `policy None with mode ${d.securityMode}`);
      }
    } else if (c.bad || enc !== Service.OPEN_REQ) {
      ctx.anomaly('opcua-open-malformed', `OPN request body is ${encodingName(enc)}`);
    }
    addPending(s, { requestId, tx, cred: null, readIds: null }, ctx);
    return;
  }
  const p = takePending(s, requestId, true);
  const tx = p?.tx ?? newTx(ctx, 'OpenSecureChannel', Service.OPEN_REQ, 'auth', 'unsolicited', 'OPN');
  if (p) {
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
  }
  const d = tx.detail as Detail;
  d.response = plain ? encodingName(enc) : 'OpenSecureChannelResponse';
  d.policy ??= policy;
  if (plain && enc === Service.OPEN_RES) {
    const r = parseOpenResponse(c);
    if (r === null) ctx.anomaly('opcua-open-malformed', `OpenSecureChannelResponse, request id ${requestId}`);
    else {
      d.channelId = r.channelId;
      d.tokenId = r.tokenId;
      d.revisedLifetime = r.revisedLifetime;
      if (r.result !== 0) {
        tx.status = p ? 'exception' : tx.status;
        tx.exception = statusName(r.result);
      }
    }
  } else if (plain && enc === SERVICE_FAULT) {
    responseHeader(c);
    tx.status = p ? 'exception' : tx.status;
  }
  ctx.emit(tx);
  const mode = plain ? securityModeName(s.mode >= 0 ? s.mode : 1) : 'Sign|SignAndEncrypt';
  identity(ctx, 'server', [
    { field: 'opcua_security', value: `${policy}/${mode}`, source: 'opcua.OPN.SecurityPolicyUri' },
  ]);
}

/** Plaintext message body: the sequence header is followed by a known service encoding id. */
function looksPlain(buf: Uint8Array, bodyOff: number, end: number): boolean {
  if (end - bodyOff < 8 + 4) return false;
  const p = bodyOff + 8;
  if (buf[p] !== 0x01 || buf[p + 1] !== 0) return false;
  return serviceInfo((buf[p + 2] as number) | ((buf[p + 3] as number) << 8)) !== undefined;
}

/** MSG / CLO (§6.7.2): channel id, token id, sequence header, then the service (unless encrypted). */
function onMessage(s: OpcuaState, buf: Uint8Array, type: number, chunk: number, ctx: DissectContext): void {
  const dir = ctx.dir;
  const msgType = msgTypeName(type);
  skip(c, 8);
  if (c.bad) {
    ctx.anomaly('opcua-message-malformed', `${msgType} shorter than its security header`);
    return;
  }
  const partial = s.partial[dir];
  const plain = s.policy === 'None' || looksPlain(buf, c.pos, c.end);
  if (s.policy !== null && s.policy !== 'None' && !s.modeInferred) {
    // The OPN that set the mode was encrypted: a readable body means Sign, else SignAndEncrypt.
    s.modeInferred = true;
    const mode = plain ? 'Sign' : 'SignAndEncrypt';
    identity(ctx, 'server', [{ field: 'opcua_security', value: `${s.policy}/${mode}`, source: 'opcua.MSG.inferred' }]);
  }
  if (!plain) {
    // Encrypted (or a capture that starts mid-channel with a body we cannot place).
    if (dir === 0 && chunk === CHUNK_F) {
      const tx = newTx(ctx, 'encrypted', -1, 'other', 'ok', msgType);
      const d = tx.detail as Detail;
      d.encrypted = true;
      if (s.policy) d.policy = s.policy;
      ctx.emit(tx);
    }
    return;
  }
  skip(c, 4);
  const requestId = u32(c);
  let enc: number;
  const cont = partial?.get(requestId);
  if (cont !== undefined) {
    enc = cont;
    if (chunk !== CHUNK_C) partial?.delete(requestId);
  } else {
    nodeId(c);
    enc = node.kind <= 2 && node.ns === 0 ? node.id : -1;
    if (chunk === CHUNK_C) {
      let m = s.partial[dir];
      if (!m) {
        m = new Map();
        s.partial[dir] = m;
      }
      if (m.size < 16) m.set(requestId, enc);
      return;
    }
  }
  if (chunk === CHUNK_C) return;
  const info = serviceInfo(enc);
  if (!info)
    ctx.anomaly('opcua-unknown-service', `${msgType} encoding id ${encodingName(enc)}, request id ${requestId}`);
  const decode = cont === undefined && chunk === CHUNK_F;
  if (dir === 0 || (info?.request ?? false)) {
    const fn = type === Msg.CLO ? 'CloseSecureChannel' : (info?.name ?? encodingName(enc));
    const tx = newTx(
      ctx,
      fn,
      info?.requestId ?? enc,
      info?.op ?? 'other',
      type === Msg.CLO ? 'ok' : 'no-response',
      msgType,
    );
    tx.tid = requestId;
    const d = tx.detail as Detail;
    d.request = encodingName(enc);
    if (cont !== undefined) d.chunked = true;
    if (chunk === CHUNK_A) d.aborted = true;
    if (type === Msg.CLO) {
      ctx.emit(tx);
      return;
    }
    const p: Pending = { requestId, tx, cred: null, readIds: null };
    if (decode) onRequest(buf, enc, p, ctx);
    addPending(s, p, ctx);
    return;
  }
  const p = takePending(s, requestId, false);
  let tx: TransactionObservation;
  if (p) {
    tx = p.tx;
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
  } else {
    tx = newTx(
      ctx,
      info?.name ?? encodingName(enc),
      info?.requestId ?? enc,
      info?.op ?? 'other',
      'unsolicited',
      msgType,
    );
    tx.tid = requestId;
  }
  const d = tx.detail as Detail;
  d.response = encodingName(enc);
  if (cont !== undefined) d.chunked = true;
  if (chunk === CHUNK_A) d.aborted = true;
  if (decode) onResponse(enc, p ?? null, tx, ctx);
  ctx.emit(tx);
  if (p?.cred) ctx.emit(p.cred);
}

function onRequest(buf: Uint8Array, enc: number, p: Pending, ctx: DissectContext): void {
  const d = p.tx.detail as Detail;
  switch (enc) {
    case Service.GET_ENDPOINTS_REQ: {
      const url = parseGetEndpointsRequest(c);
      if (url !== null) d.endpointUrl = url;
      break;
    }
    case Service.CREATE_SESSION_REQ: {
      const r = parseCreateSessionRequest(c);
      if (r === null) break;
      if (r.client.applicationUri !== null) d.clientApplicationUri = r.client.applicationUri;
      if (r.endpointUrl !== null) d.endpointUrl = r.endpointUrl;
      if (r.sessionName !== null) d.sessionName = r.sessionName;
      const facts: IdentityFact[] = [];
      appFacts(r.client, 'opcua.CreateSessionRequest.ClientDescription', facts);
      identity(ctx, 'client', facts);
      break;
    }
    case Service.ACTIVATE_SESSION_REQ: {
      const r = parseActivateSessionRequest(c);
      if (r === null) break;
      d.tokenType = tokenTypeName(r.tokenType);
      if (r.policyId !== null) d.policyId = r.policyId;
      if (r.userName !== null) d.user = r.userName;
      if (r.tokenType === Token.USER_NAME || r.tokenType === Token.ISSUED) {
        const encrypted = r.encryptionAlgorithm !== null && r.encryptionAlgorithm !== '';
        if (encrypted) d.encryptionAlgorithm = r.encryptionAlgorithm as string;
        p.cred = {
          kind: 'credential',
          ts: ctx.tsUs,
          flowId: ctx.flow.id,
          protocol: 'opcua',
          mechanism: r.tokenType === Token.USER_NAME ? 'password' : 'token',
          user: r.userName ?? '',
          secretFingerprint:
            r.secretLen >= 0 ? ctx.fingerprint(buf.subarray(r.secretOff, r.secretOff + r.secretLen)) : null,
          // We only reach the token when the body is not encrypted (policy None, or mode
          // Sign): the secret is then in the clear unless the token itself is encrypted.
          cleartext: !encrypted,
          outcome: 'unknown',
          source: `opcua.ActivateSession.${tokenTypeName(r.tokenType)}`,
          by: 'client',
        };
      }
      break;
    }
    case Service.READ_REQ: {
      const ids = parseReadRequest(c);
      if (ids?.some((id) => BUILD_INFO.has(id))) p.readIds = ids;
      break;
    }
  }
}

function onResponse(enc: number, p: Pending | null, tx: TransactionObservation, ctx: DissectContext): void {
  const d = tx.detail as Detail;
  if (enc === SERVICE_FAULT) {
    const result = responseHeader(c);
    if (p) tx.status = 'exception';
    tx.exception = statusName(result);
    if (p?.cred) p.cred.outcome = 'failure';
    return;
  }
  switch (enc) {
    case Service.GET_ENDPOINTS_RES:
    case Service.FIND_SERVERS_RES: {
      const result = responseHeader(c);
      if (result !== 0) break;
      if (enc === Service.FIND_SERVERS_RES) break;
      const eps = parseEndpoints(c);
      describeEndpoints(eps, d);
      const facts: IdentityFact[] = [];
      const first = eps.find((e) => e.server.applicationUri !== null);
      if (first) appFacts(first.server, 'opcua.GetEndpointsResponse.Server', facts);
      if (d.endpointSecurity) {
        facts.push({
          field: 'opcua_endpoints',
          value: String(d.endpointSecurity),
          source: 'opcua.GetEndpointsResponse.Endpoints',
        });
      }
      identity(ctx, 'server', facts);
      break;
    }
    case Service.CREATE_SESSION_RES: {
      const r = parseCreateSessionResponse(c);
      if (r === null) break;
      if (r.result !== 0) {
        if (p) tx.status = 'exception';
        tx.exception = statusName(r.result);
        break;
      }
      d.sessionId = r.sessionId;
      describeEndpoints(r.endpoints, d);
      const first = r.endpoints.find((e) => e.server.applicationUri !== null);
      const facts: IdentityFact[] = [];
      if (first) appFacts(first.server, 'opcua.CreateSessionResponse.ServerEndpoints.Server', facts);
      identity(ctx, 'server', facts);
      break;
    }
    case Service.ACTIVATE_SESSION_RES: {
      const result = responseHeader(c);
      if (result !== 0) {
        if (p) tx.status = 'exception';
        tx.exception = statusName(result);
      }
      if (p?.cred) p.cred.outcome = result === 0 ? 'success' : 'failure';
      break;
    }
    case Service.READ_RES: {
      const ids = p?.readIds;
      if (!ids) break;
      const facts: IdentityFact[] = [];
      parseReadResponse(c, (i, v) => {
        const id = ids[i] ?? -1;
        const field = BUILD_INFO.get(id);
        if (field && v !== '') {
          facts.push({ field, value: v, source: `opcua.Read.BuildInfo.${BUILD_INFO_NAMES.get(id)}` });
        }
      });
      identity(ctx, 'server', facts);
      break;
    }
    default: {
      const result = responseHeader(c);
      if (!c.bad && result !== 0 && (result & 0x80000000) !== 0) {
        if (p) tx.status = 'exception';
        tx.exception = statusName(result);
      }
    }
  }
}

/** Endpoints as small detail strings: `policy/mode` pairs and user token types offered. */
function describeEndpoints(eps: EndpointDescription[], d: Detail): void {
  if (eps.length === 0) return;
  d.endpoints = eps.length;
  const sec = new Set<string>();
  const tokens = new Set<string>();
  for (const e of eps) {
    sec.add(`${policyName(e.securityPolicyUri)}/${securityModeName(e.securityMode)}`);
    for (const t of e.tokenTypes) tokens.add(userTokenTypeName(t));
  }
  d.endpointSecurity = [...sec].join(',');
  if (tokens.size) d.userTokenTypes = [...tokens].join(',');
  const url = eps[0]?.endpointUrl;
  if (url) d.endpointUrl ??= url;
}
