import { LIMITS } from '../../bytes/errors.js';
import { isMsgType, MAX_DEPTH, Msg } from './opcua.consts.js';

/**
 * Pure OPC UA binary parsers (OPC 10000-6 §5.2 encoding, §6.7 UA Secure Conversation, §7.1 UA
 * TCP; service structures from OPC 10000-4). Bytes in, fields out; nothing throws.
 *
 * A `Cur` is a little-endian cursor that never reads past its end: a read that would sets
 * `bad` and returns 0/null, so a parser checks `bad` once at the end instead of after every
 * field. One cursor is reused per chunk; only values that become observations are allocated.
 */

export interface Cur {
  buf: Uint8Array;
  pos: number;
  end: number;
  bad: boolean;
}

export function cur(buf: Uint8Array, pos: number, end: number, c?: Cur): Cur {
  const r = c ?? ({} as Cur);
  r.buf = buf;
  r.pos = pos;
  r.end = end;
  r.bad = false;
  return r;
}

function need(c: Cur, n: number): boolean {
  if (c.bad || n < 0 || c.pos + n > c.end) {
    c.bad = true;
    c.pos = c.end;
    return false;
  }
  return true;
}

export function u8(c: Cur): number {
  if (!need(c, 1)) return 0;
  return c.buf[c.pos++] as number;
}
export function u16(c: Cur): number {
  if (!need(c, 2)) return 0;
  const v = (c.buf[c.pos] as number) | ((c.buf[c.pos + 1] as number) << 8);
  c.pos += 2;
  return v;
}
export function u32(c: Cur): number {
  if (!need(c, 4)) return 0;
  const b = c.buf;
  const p = c.pos;
  c.pos += 4;
  return (
    ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0
  );
}
export function i32(c: Cur): number {
  return u32(c) | 0;
}
export function skip(c: Cur, n: number): void {
  if (need(c, n)) c.pos += n;
}

/** String / ByteString (§5.2.2.4): i32 length (-1 = null), then bytes. Returns [off, len] via `span`. */
export const span = { off: 0, len: -1 };
export function byteSpan(c: Cur): boolean {
  const n = i32(c);
  if (c.bad) return false;
  span.off = c.pos;
  span.len = n;
  if (n < 0) {
    span.len = -1;
    return true;
  }
  skip(c, n);
  return !c.bad;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A String as text (UTF-8, control characters replaced, capped); null for a null string. */
export function str(c: Cur): string | null {
  if (!byteSpan(c) || span.len < 0) return null;
  return text(c.buf, span.off, span.len);
}

export function text(buf: Uint8Array, off: number, len: number): string {
  const s = utf8.decode(buf.subarray(off, off + Math.min(len, LIMITS.maxString * 4)));
  let out = '';
  for (const ch of s) {
    if (out.length >= LIMITS.maxString) break;
    const code = ch.codePointAt(0) as number;
    out += code < 0x20 || code === 0x7f ? '.' : ch;
  }
  return out;
}

export function skipStr(c: Cur): void {
  byteSpan(c);
}

/** Array of String (i32 count, -1 = null): skipped; returns the count. */
export function skipStrArray(c: Cur): number {
  const n = i32(c);
  if (n > LIMITS.maxItems * 16) {
    c.bad = true;
    return 0;
  }
  for (let i = 0; i < n && !c.bad; i++) skipStr(c);
  return n;
}

/**
 * NodeId (§5.2.2.9). Encoding byte: 0 two-byte (id u8), 1 four-byte (ns u8, id u16), 2 numeric
 * (ns u16, id u32), 3 string, 4 guid, 5 opaque (ns u16 + value); ExpandedNodeId flags 0x80
 * (namespace URI follows) and 0x40 (server index follows).
 */
export const node = { ns: 0, id: -1, kind: 0, valOff: 0, valLen: 0 };
export function nodeId(c: Cur, expanded = false): boolean {
  const enc = u8(c);
  node.kind = enc & 0x0f;
  node.id = -1;
  switch (node.kind) {
    case 0:
      node.ns = 0;
      node.id = u8(c);
      break;
    case 1:
      node.ns = u8(c);
      node.id = u16(c);
      break;
    case 2:
      node.ns = u16(c);
      node.id = u32(c);
      break;
    case 3:
    case 5:
      node.ns = u16(c);
      byteSpan(c);
      node.valOff = span.off;
      node.valLen = span.len;
      break;
    case 4:
      node.ns = u16(c);
      node.valOff = c.pos;
      node.valLen = 16;
      skip(c, 16);
      break;
    default:
      c.bad = true;
      return false;
  }
  if (expanded && enc & 0x80) skipStr(c);
  if (expanded && enc & 0x40) skip(c, 4);
  return !c.bad;
}

/** The current `node` as text: `i=2258`, `ns=1;s=name`, a GUID, or `b=<hex>`. */
export function nodeText(buf: Uint8Array): string {
  const pre = node.ns === 0 ? '' : `ns=${node.ns};`;
  if (node.kind <= 2) return `${pre}i=${node.id}`;
  if (node.kind === 3) return `${pre}s=${text(buf, node.valOff, Math.max(0, node.valLen))}`;
  if (node.kind === 4) return guid(buf, node.valOff);
  let h = '';
  for (let i = 0; i < Math.min(node.valLen, 32); i++)
    h += (buf[node.valOff + i] as number).toString(16).padStart(2, '0');
  return `${pre}b=${h}`;
}

/** GUID (§5.2.2.7): Data1 u32, Data2 u16, Data3 u16 little-endian, Data4 8 bytes. */
export function guid(b: Uint8Array, o: number): string {
  const h = (i: number) => (b[o + i] as number).toString(16).padStart(2, '0');
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/** ExtensionObject (§5.2.2.15): type NodeId, encoding byte (0 none, 1 ByteString, 2 XmlElement), body. */
export const ext = { typeId: -1, bodyOff: 0, bodyLen: -1 };
export function extensionObject(c: Cur): boolean {
  nodeId(c);
  ext.typeId = node.kind <= 2 && node.ns === 0 ? node.id : -1;
  const enc = u8(c);
  ext.bodyLen = -1;
  if (enc === 1 || enc === 2) {
    byteSpan(c);
    ext.bodyOff = span.off;
    ext.bodyLen = span.len;
  } else if (enc !== 0) c.bad = true;
  return !c.bad;
}

/** LocalizedText (§5.2.2.14): mask (1 locale, 2 text), then the strings. Returns the text. */
export function localizedText(c: Cur): string | null {
  const mask = u8(c);
  if (mask & 1) skipStr(c);
  return mask & 2 ? str(c) : null;
}

/** DiagnosticInfo (§5.2.2.12), nested at most MAX_DEPTH times. */
export function skipDiagnosticInfo(c: Cur, depth = 0): void {
  if (depth > MAX_DEPTH) {
    c.bad = true;
    return;
  }
  const mask = u8(c);
  if (mask & 0x01) skip(c, 4);
  if (mask & 0x02) skip(c, 4);
  if (mask & 0x08) skip(c, 4);
  if (mask & 0x04) skip(c, 4);
  if (mask & 0x10) skipStr(c);
  if (mask & 0x20) skip(c, 4);
  if (mask & 0x40) skipDiagnosticInfo(c, depth + 1);
}

/**
 * RequestHeader (OPC 10000-4 §7.32): authentication token NodeId, timestamp, request handle,
 * return diagnostics, audit entry id, timeout hint, additional header (ExtensionObject).
 */
export function skipRequestHeader(c: Cur): void {
  nodeId(c);
  skip(c, 8 + 4 + 4);
  skipStr(c);
  skip(c, 4);
  extensionObject(c);
}

/**
 * ResponseHeader (§7.33): timestamp, request handle, service result (StatusCode), service
 * diagnostics, string table, additional header. Returns the service result.
 */
export function responseHeader(c: Cur): number {
  skip(c, 8 + 4);
  const result = u32(c);
  skipDiagnosticInfo(c);
  skipStrArray(c);
  extensionObject(c);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Framing
// ---------------------------------------------------------------------------------------------

/**
 * Message header (OPC 10000-6 §7.1.2.2), 8 bytes:
 * ```
 *  0  message type  3 ASCII bytes: HEL ACK ERR RHE (UA TCP), OPN MSG CLO (secure conversation)
 *  3  chunk type    'F' final, 'C' intermediate, 'A' abort ('F' for HEL/ACK/ERR/RHE)
 *  4  message size  u32 LE, the whole chunk including this header
 * ```
 */
export interface Header {
  type: number;
  chunk: number;
  size: number;
}
export function parseHeader(buf: Uint8Array, off: number, out: Header): void {
  out.type = (buf[off] as number) | ((buf[off + 1] as number) << 8) | ((buf[off + 2] as number) << 16);
  out.chunk = buf[off + 3] as number;
  out.size =
    ((buf[off + 4] as number) |
      ((buf[off + 5] as number) << 8) |
      ((buf[off + 6] as number) << 16) |
      ((buf[off + 7] as number) << 24)) >>>
    0;
}

const F = 0x46;
const C = 0x43;
const A = 0x41;

/** True when a plausible OPC UA chunk header starts at `off` (probe / sanity check). */
export function plausibleHeader(h: Header, minSize: number, maxSize: number): boolean {
  if (!isMsgType(h.type)) return false;
  if (
    h.chunk !== F &&
    !((h.chunk === C || h.chunk === A) && (h.type === Msg.MSG || h.type === Msg.OPN || h.type === Msg.CLO))
  ) {
    return false;
  }
  return h.size >= minSize && h.size <= maxSize;
}

/**
 * HEL (§7.1.2.3): protocol version, receive buffer size, send buffer size, max message size,
 * max chunk count (u32 each), endpoint URL (String, at most 4096 bytes).
 * ACK (§7.1.2.4): the same five u32 without the URL.
 */
export interface Hello {
  version: number;
  receiveBufferSize: number;
  sendBufferSize: number;
  maxMessageSize: number;
  maxChunkCount: number;
  endpointUrl: string | null;
}
export function parseHello(c: Cur, withUrl: boolean): Hello | null {
  const h: Hello = {
    version: u32(c),
    receiveBufferSize: u32(c),
    sendBufferSize: u32(c),
    maxMessageSize: u32(c),
    maxChunkCount: u32(c),
    endpointUrl: withUrl ? str(c) : null,
  };
  return c.bad ? null : h;
}

/** ERR (§7.1.2.5): error StatusCode u32, reason String. */
export function parseErr(c: Cur): { code: number; reason: string | null } | null {
  const code = u32(c);
  const reason = str(c);
  return c.bad ? null : { code, reason };
}

/**
 * OPN asymmetric security header (§6.7.2.3) after the secure channel id: security policy URI
 * (String), sender certificate (ByteString), receiver certificate thumbprint (ByteString).
 */
export interface AsymHeader {
  channelId: number;
  policyUri: string | null;
  certOff: number;
  certLen: number;
  thumbLen: number;
}
export function parseAsymHeader(c: Cur): AsymHeader | null {
  const channelId = u32(c);
  const policyUri = str(c);
  byteSpan(c);
  const certOff = span.off;
  const certLen = span.len;
  byteSpan(c);
  const thumbLen = span.len;
  return c.bad ? null : { channelId, policyUri, certOff, certLen, thumbLen };
}

/**
 * OpenSecureChannelRequest (OPC 10000-4 §5.5.2.2) body after its type NodeId: RequestHeader,
 * client protocol version u32, request type u32 (0 Issue, 1 Renew), security mode u32
 * (1 None, 2 Sign, 3 SignAndEncrypt), client nonce ByteString, requested lifetime u32.
 */
export interface OpenRequest {
  requestType: number;
  securityMode: number;
  lifetime: number;
}
export function parseOpenRequest(c: Cur): OpenRequest | null {
  skipRequestHeader(c);
  skip(c, 4);
  const requestType = u32(c);
  const securityMode = u32(c);
  skipStr(c);
  const lifetime = u32(c);
  return c.bad ? null : { requestType, securityMode, lifetime };
}

/**
 * OpenSecureChannelResponse: ResponseHeader, server protocol version u32, security token
 * (channel id u32, token id u32, created at DateTime, revised lifetime u32), server nonce.
 */
export interface OpenResponse {
  result: number;
  channelId: number;
  tokenId: number;
  revisedLifetime: number;
}
export function parseOpenResponse(c: Cur): OpenResponse | null {
  const result = responseHeader(c);
  skip(c, 4);
  const channelId = u32(c);
  const tokenId = u32(c);
  skip(c, 8);
  const revisedLifetime = u32(c);
  return c.bad ? null : { result, channelId, tokenId, revisedLifetime };
}

/**
 * ApplicationDescription (§7.2): application URI, product URI, application name
 * (LocalizedText), application type u32, gateway server URI, discovery profile URI,
 * discovery URLs (String[]).
 */
export interface AppDescription {
  applicationUri: string | null;
  productUri: string | null;
  applicationName: string | null;
  applicationType: number;
}
export function parseAppDescription(c: Cur): AppDescription {
  const d: AppDescription = {
    applicationUri: str(c),
    productUri: str(c),
    applicationName: localizedText(c),
    applicationType: u32(c),
  };
  skipStr(c);
  skipStr(c);
  skipStrArray(c);
  return d;
}

/** UserTokenPolicy (§7.41): policy id, token type u32, issued token type, issuer endpoint URL, security policy URI. */
export interface EndpointDescription {
  endpointUrl: string | null;
  server: AppDescription;
  securityMode: number;
  securityPolicyUri: string | null;
  tokenTypes: number[];
  securityLevel: number;
}

/**
 * EndpointDescription (§7.14): endpoint URL, server ApplicationDescription, server certificate,
 * security mode u32, security policy URI, user identity tokens (UserTokenPolicy[]), transport
 * profile URI, security level u8.
 */
export function parseEndpoint(c: Cur): EndpointDescription {
  const endpointUrl = str(c);
  const server = parseAppDescription(c);
  skipStr(c);
  const securityMode = u32(c);
  const securityPolicyUri = str(c);
  const n = i32(c);
  const tokenTypes: number[] = [];
  if (n > LIMITS.maxItems) c.bad = true;
  for (let i = 0; i < n && !c.bad; i++) {
    skipStr(c);
    tokenTypes.push(u32(c));
    skipStr(c);
    skipStr(c);
    skipStr(c);
  }
  skipStr(c);
  const securityLevel = u8(c);
  return { endpointUrl, server, securityMode, securityPolicyUri, tokenTypes, securityLevel };
}

/** EndpointDescription[] (GetEndpointsResponse after its ResponseHeader; CreateSessionResponse). */
export function parseEndpoints(c: Cur): EndpointDescription[] {
  const n = i32(c);
  const out: EndpointDescription[] = [];
  if (n > LIMITS.maxItems) {
    c.bad = true;
    return out;
  }
  for (let i = 0; i < n && !c.bad; i++) out.push(parseEndpoint(c));
  return out;
}

/** GetEndpointsRequest (§5.4.4): RequestHeader, endpoint URL, locale ids, profile URIs. */
export function parseGetEndpointsRequest(c: Cur): string | null {
  skipRequestHeader(c);
  return str(c);
}

/**
 * CreateSessionRequest (§5.6.2): RequestHeader, client description (ApplicationDescription),
 * server URI, endpoint URL, session name, client nonce, client certificate, requested session
 * timeout (Double), max response message size u32.
 */
export interface CreateSessionRequest {
  client: AppDescription;
  serverUri: string | null;
  endpointUrl: string | null;
  sessionName: string | null;
}
export function parseCreateSessionRequest(c: Cur): CreateSessionRequest | null {
  skipRequestHeader(c);
  const client = parseAppDescription(c);
  const serverUri = str(c);
  const endpointUrl = str(c);
  const sessionName = str(c);
  return c.bad ? null : { client, serverUri, endpointUrl, sessionName };
}

/**
 * CreateSessionResponse (§5.6.2): ResponseHeader, session id NodeId, authentication token
 * NodeId, revised session timeout (Double), server nonce, server certificate, server endpoints
 * (EndpointDescription[]), ...
 */
export interface CreateSessionResponse {
  result: number;
  sessionId: string;
  endpoints: EndpointDescription[];
}
export function parseCreateSessionResponse(c: Cur): CreateSessionResponse | null {
  const result = responseHeader(c);
  nodeId(c);
  const sessionId = c.bad ? '' : nodeText(c.buf);
  nodeId(c);
  skip(c, 8);
  skipStr(c);
  skipStr(c);
  const endpoints = parseEndpoints(c);
  return c.bad && endpoints.length === 0 ? null : { result, sessionId, endpoints };
}

/**
 * ActivateSessionRequest (§5.6.3): RequestHeader, client signature (algorithm String,
 * signature ByteString), client software certificates (SignedSoftwareCertificate[]), locale ids,
 * user identity token (ExtensionObject), user token signature.
 *
 * Identity tokens (§7.36): Anonymous (policy id); UserName (policy id, user name, password
 * ByteString, encryption algorithm); X509 (policy id, certificate ByteString); Issued (policy
 * id, token data ByteString, encryption algorithm). Secrets are located, not copied.
 */
export interface ActivateSession {
  tokenType: number;
  policyId: string | null;
  userName: string | null;
  secretOff: number;
  secretLen: number;
  encryptionAlgorithm: string | null;
}
export function parseActivateSessionRequest(c: Cur): ActivateSession | null {
  skipRequestHeader(c);
  skipStr(c);
  skipStr(c);
  const n = i32(c);
  if (n > LIMITS.maxItems) return null;
  for (let i = 0; i < n && !c.bad; i++) {
    skipStr(c);
    skipStr(c);
  }
  skipStrArray(c);
  if (!extensionObject(c)) return null;
  const r: ActivateSession = {
    tokenType: ext.typeId,
    policyId: null,
    userName: null,
    secretOff: -1,
    secretLen: -1,
    encryptionAlgorithm: null,
  };
  if (ext.bodyLen < 0) return r;
  const t = cur(c.buf, ext.bodyOff, ext.bodyOff + ext.bodyLen);
  r.policyId = str(t);
  if (r.tokenType === 324) {
    r.userName = str(t);
    byteSpan(t);
    r.secretOff = span.off;
    r.secretLen = span.len;
    r.encryptionAlgorithm = str(t);
  } else if (r.tokenType === 940) {
    byteSpan(t);
    r.secretOff = span.off;
    r.secretLen = span.len;
    r.encryptionAlgorithm = str(t);
  }
  return t.bad ? null : r;
}

/**
 * ReadRequest (§5.10.2): RequestHeader, max age (Double), timestamps to return u32,
 * nodes to read (ReadValueId[]: NodeId, attribute id u32, index range String, data encoding
 * QualifiedName (ns u16 + name String)). Returns the ns=0 numeric ids read with their Value
 * attribute (others as -1), at most LIMITS.maxItems.
 */
export function parseReadRequest(c: Cur): number[] | null {
  skipRequestHeader(c);
  skip(c, 8 + 4);
  const n = i32(c);
  if (c.bad || n > LIMITS.maxItems) return null;
  const ids: number[] = [];
  for (let i = 0; i < n && !c.bad; i++) {
    nodeId(c);
    const id = node.ns === 0 && node.kind <= 2 ? node.id : -1;
    const attr = u32(c);
    skipStr(c);
    skip(c, 2);
    skipStr(c);
    ids.push(attr === 13 ? id : -1);
  }
  return c.bad ? null : ids;
}

/**
 * ReadResponse (§5.10.2): ResponseHeader, results (DataValue[]): mask u8 (0x01 Variant value,
 * 0x02 StatusCode, 0x04 source timestamp, 0x08 server timestamp, 0x10/0x20 picoseconds).
 * Calls `onString(index, value)` for every result whose value is a scalar String (Variant 12).
 */
export function parseReadResponse(c: Cur, onString: (i: number, v: string) => void): boolean {
  responseHeader(c);
  const n = i32(c);
  if (c.bad || n > LIMITS.maxItems) return false;
  for (let i = 0; i < n && !c.bad; i++) {
    const mask = u8(c);
    if (mask & 0x01) {
      const vt = u8(c);
      if (vt === 12) {
        const s = str(c);
        if (s !== null) onString(i, s);
      } else if (!skipVariantBody(c, vt)) return false;
    }
    if (mask & 0x02) skip(c, 4);
    if (mask & 0x04) skip(c, 8);
    if (mask & 0x10) skip(c, 2);
    if (mask & 0x08) skip(c, 8);
    if (mask & 0x20) skip(c, 2);
  }
  return !c.bad;
}

/** Fixed sizes of Variant built-in types 1..13 (§5.1.2); 0 = variable length. */
const FIXED = [0, 1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 0, 8, 16];

/** Skips a Variant body of built-in scalar types with fixed or String/ByteString encoding; false otherwise. */
function skipVariantBody(c: Cur, vt: number): boolean {
  if (vt === 0) return true;
  if (vt & 0x80) return false; // arrays: not needed for BuildInfo
  const t = vt & 0x3f;
  const f = FIXED[t];
  if (f !== undefined && f > 0) skip(c, f);
  else if (t === 12 || t === 15 || t === 16) skipStr(c);
  else if (t === 19) skip(c, 4);
  else if (t === 20) {
    skip(c, 2);
    skipStr(c);
  } else if (t === 21) localizedText(c);
  else return false;
  return !c.bad;
}
