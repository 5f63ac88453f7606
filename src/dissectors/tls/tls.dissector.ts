import { createHash } from 'node:crypto';
import { latin1 } from '../../bytes/reader.js';
import {
  createTransaction,
  type Direction,
  type IdentityFact,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  alertLevelName,
  alertName,
  ContentType,
  cipherName,
  HandshakeType,
  MAX_HANDSHAKE_LEN,
  RECORD_HEADER_LEN,
  versionName,
  versionRank,
} from './tls.consts.js';
import {
  type CertSpan,
  looksLikeTlsStart,
  newHello,
  newRecordHeader,
  parseCertificateList,
  parseClientHello,
  parseRecordHeader,
  parseServerHello,
  parseSslv2Hello,
  type Sslv2Hello,
} from './tls.parse.js';
import { type Certificate, parseCertificate } from './x509.parse.js';

/** Per direction: handshake reassembly and the encrypted phase. */
interface TlsDir {
  /** Handshake message being reassembled across records (allocated on first need). */
  hsBuf: Uint8Array | null;
  hsLen: number;
  /** Total length (header + body) of the message in hsBuf; 0 while its header is incomplete. */
  hsNeed: number;
  /** Bytes of an oversized handshake message still to drop. */
  hsSkip: number;
  /** Bytes of the current record body still to skip (application data, encrypted records). */
  recSkip: number;
  /** Records from this side are encrypted (after ChangeCipherSpec, or TLS 1.3 after ServerHello). */
  encrypted: boolean;
  records: number;
  /** Encrypted bytes (application data and encrypted handshake/alert records). */
  encryptedBytes: number;
  /** Lost sync (bad record after a good one, or a gap): the rest of this side is not parsed. */
  lost: boolean;
  /** Bytes skipped looking for the first record boundary (stream joined mid-record). */
  skipped: number;
}

interface PeerCert {
  cert: Certificate;
  sha256: string;
  count: number;
}

export interface TlsState {
  readonly dirs: [TlsDir, TlsDir];
  /** A valid record (or SSLv2 hello) was seen: later bad records are anomalies, not violations. */
  synced: boolean;
  violated: boolean;
  clientHello: boolean;
  serverHello: boolean;
  chTs: number;
  shTs: number;
  /** Highest version the client offered, its cipher count, SNI, ALPN and session id. */
  clientVersion: number;
  ciphersOffered: number;
  sni: string;
  alpn: string;
  sessionId: string;
  /** Negotiated version and cipher (-1 until the ServerHello). */
  version: number;
  cipher: number;
  serverAlpn: string;
  resumed: boolean;
  /** The server sent a message of a full handshake (Certificate, key exchange, request, done). */
  fullHandshake: boolean;
  hrr: boolean;
  /** First certificate of each side's Certificate message (client certificates are index 0). */
  certs: [PeerCert | null, PeerCert | null];
  lastAlert: string;
  fatalAlert: string;
  emitted: boolean;
}

function newDir(): TlsDir {
  return {
    hsBuf: null,
    hsLen: 0,
    hsNeed: 0,
    hsSkip: 0,
    recSkip: 0,
    encrypted: false,
    records: 0,
    encryptedBytes: 0,
    lost: false,
    skipped: 0,
  };
}

/** Bytes a side may skip looking for its first record boundary before we give up. */
export const MAX_RESYNC = 64 * 1024;

const rh = newRecordHeader();
const next = newRecordHeader();

/** The first 4 bytes are printable ASCII: a text protocol (HTTP, FTP...), not TLS. */
function isText(buf: Uint8Array, pos: number, end: number): boolean {
  if (end - pos < 4) return false;
  for (let i = pos; i < pos + 4; i++) {
    const c = buf[i] as number;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * First offset in [from, end) where a plausible record starts: alert/handshake/application data,
 * version 3.0-3.4, length in range, and the following record's header valid too when it is in
 * the buffer. -1 if none.
 */
function findRecord(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i + RECORD_HEADER_LEN <= end; i++) {
    const t = buf[i] as number;
    if (t < ContentType.ALERT || t > ContentType.APPLICATION_DATA || buf[i + 1] !== 3 || (buf[i + 2] as number) > 4)
      continue;
    if (parseRecordHeader(buf, i, next) !== null) continue;
    const n = i + RECORD_HEADER_LEN + next.length;
    if (n + RECORD_HEADER_LEN <= end && parseRecordHeader(buf, n, next) !== null) continue;
    return i;
  }
  return -1;
}
const hello = newHello();
const span: CertSpan = { start: 0, len: 0, count: 0 };
const v2: Sslv2Hello = { length: 0, msgType: 0, version: 0, cipherSpecs: 0 };

/**
 * TLS (RFC 5246 / RFC 8446) on 443, 8443, 4843 (OPC UA over TLS), 8883 (MQTT over TLS), plus a
 * probe for handshakes on other ports. Records are reassembled by the stream (whole records up
 * to 2^14+2048 bytes; application data is skipped without buffering), handshake messages across
 * records (up to 64 KiB). One `HANDSHAKE` transaction per connection, identity facts about the
 * server (SNI, version, certificate) and named anomalies.
 */
export const tlsDissector: Dissector<TlsState> = {
  name: 'tls',
  transports: ['tcp'],
  defaultPorts: [443, 8443, 4843, 8883],

  probe(buf, off, len) {
    return looksLikeTlsStart(buf, off, len);
  },

  newState(_flow: FlowInfo): TlsState {
    return {
      dirs: [newDir(), newDir()],
      synced: false,
      violated: false,
      clientHello: false,
      serverHello: false,
      chTs: 0,
      shTs: 0,
      clientVersion: 0,
      ciphersOffered: 0,
      sni: '',
      alpn: '',
      sessionId: '',
      version: -1,
      cipher: -1,
      serverAlpn: '',
      resumed: false,
      fullHandshake: false,
      hrr: false,
      certs: [null, null],
      lastAlert: '',
      fatalAlert: '',
      emitted: false,
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const dir = ctx.dir;
    const d = s.dirs[dir];
    if (d.lost) return len;
    const end = off + len;
    let pos = off;
    while (pos < end) {
      if (d.recSkip > 0) {
        const n = Math.min(d.recSkip, end - pos);
        d.recSkip -= n;
        pos += n;
        continue;
      }
      if (
        !s.synced &&
        d.skipped === 0 &&
        ((buf[pos] as number) & 0x80) !== 0 &&
        end - pos >= 3 &&
        (dir === 0 ? buf[pos + 2] === 1 : buf[pos + 2] === 4 && s.clientHello)
      ) {
        const n = sslv2(s, buf, pos, end - pos, ctx);
        if (n <= 0) return n < 0 ? len : pos - off;
        pos += n;
        continue;
      }
      if (end - pos < RECORD_HEADER_LEN) break;
      const err = parseRecordHeader(buf, pos, rh);
      if (err !== null && d.records === 0) {
        // No record seen on this side yet: a text protocol is not TLS; binary bytes may be a
        // stream joined mid-record (long-lived sessions): look for the next record boundary.
        if (d.skipped === 0 && isText(buf, pos, end)) {
          s.violated = true;
          ctx.violation(`${err}: text "${latin1(buf.subarray(pos, Math.min(end, pos + 16)))}"`);
          return len;
        }
        const at = findRecord(buf, pos + 1, end);
        const skip = at < 0 ? Math.max(0, end - pos - RECORD_HEADER_LEN) : at - pos;
        d.skipped += skip;
        if (d.skipped > MAX_RESYNC) {
          if (!s.synced) {
            s.violated = true;
            ctx.violation(`tls-no-record-boundary: ${d.skipped} bytes without a TLS record`);
          } else {
            ctx.anomaly('tls-no-record-boundary', `dir ${dir}: ${d.skipped} bytes without a TLS record`);
            d.lost = true;
          }
          return len;
        }
        pos += skip;
        if (at < 0) break;
        continue;
      }
      if (err !== null) {
        ctx.anomaly(err, `dir ${dir}: type ${rh.type}, version 0x${rh.version.toString(16)}, length ${rh.length}`);
        d.lost = true;
        return len;
      }
      s.synced = true;
      d.records++;
      const body = pos + RECORD_HEADER_LEN;
      if (
        rh.type === ContentType.APPLICATION_DATA ||
        rh.type === ContentType.HEARTBEAT ||
        // After ChangeCipherSpec everything is encrypted, a renegotiation's CCS too (length > 1).
        (d.encrypted && !(rh.type === ContentType.CHANGE_CIPHER_SPEC && rh.length === 1)) ||
        // A plaintext alert is 2 bytes; a longer one is encrypted (we joined after the handshake).
        (rh.type === ContentType.ALERT && rh.length !== 2)
      ) {
        // Encrypted (or heartbeat) records are counted and skipped, never buffered.
        if (rh.type === ContentType.APPLICATION_DATA) d.encrypted = true;
        d.encryptedBytes += rh.length;
        d.recSkip = rh.length;
        pos = body;
        checkEstablished(s, ctx);
        continue;
      }
      if (end - body < rh.length) break; // wait for the whole record
      if (rh.type === ContentType.HANDSHAKE) feedHandshake(s, dir, buf, body, rh.length, ctx);
      else if (rh.type === ContentType.CHANGE_CIPHER_SPEC) onChangeCipherSpec(s, dir, buf, body, rh.length, ctx);
      else if (rh.type === ContentType.ALERT) onAlert(s, dir, buf, body, ctx);
      pos = body + rh.length;
      checkEstablished(s, ctx);
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    // Record boundaries are lost: this side is no longer parsed (the handshake is usually over).
    s.dirs[dir].lost = true;
  },

  onEnd(s, ctx) {
    if (!s.emitted && (s.clientHello || s.serverHello)) emit(s, ctx, false);
  },
};

/** SSLv2-format hello (old clients' compatible ClientHello, or an SSLv2 server). Returns bytes used, 0 = need more, -1 = violation. */
function sslv2(s: TlsState, buf: Uint8Array, pos: number, avail: number, ctx: DissectContext): number {
  if (avail < 5) return 0;
  const err = parseSslv2Hello(buf, pos, avail, v2);
  const dir = ctx.dir;
  if (err !== null || (dir === 0 && v2.msgType !== 1) || (dir === 1 && v2.msgType !== 4)) {
    s.violated = true;
    ctx.violation(`tls-not-tls: first bytes ${buf[pos]} ${buf[pos + 1]} ${buf[pos + 2]}`);
    return -1;
  }
  if (avail < 2 + v2.length) return 0;
  if (dir === 0) {
    s.clientHello = true;
    s.chTs = ctx.tsUs;
    s.clientVersion = v2.version;
    s.ciphersOffered = v2.cipherSpecs;
    // The server answers in SSLv3/TLS records (a compatible hello) or in SSLv2.
    return 2 + v2.length;
  }
  // SSLv2 ServerHello: the rest of the connection is SSLv2, which we do not follow.
  s.synced = true;
  s.serverHello = true;
  s.shTs = ctx.tsUs;
  s.version = 0x0002;
  s.dirs[0].lost = true;
  s.dirs[1].lost = true;
  ctx.anomaly('tls-sslv2', 'server answered with SSLv2 (obsolete, insecure)');
  emit(s, ctx, false);
  return -1;
}

function checkEstablished(s: TlsState, ctx: DissectContext): void {
  if (!s.emitted && s.serverHello && s.dirs[0].encrypted && s.dirs[1].encrypted) emit(s, ctx, true);
}

function onChangeCipherSpec(
  s: TlsState,
  dir: Direction,
  buf: Uint8Array,
  off: number,
  len: number,
  ctx: DissectContext,
): void {
  if (len !== 1 || buf[off] !== 1) ctx.anomaly('tls-bad-change-cipher-spec', `dir ${dir}: length ${len}`);
  const tls13 = versionRank(s.version) >= 0x0304;
  // A server that goes to ChangeCipherSpec right after its ServerHello resumed a session.
  if (dir === 1 && !tls13 && s.serverHello && !s.fullHandshake) s.resumed = true;
  s.dirs[dir].encrypted = true;
}

function onAlert(s: TlsState, dir: Direction, buf: Uint8Array, off: number, ctx: DissectContext): void {
  const level = buf[off] as number;
  const desc = alertName(buf[off + 1] as number);
  s.lastAlert = desc;
  if (level === 2 && s.fatalAlert === '') s.fatalAlert = desc;
  else if (level !== 1 && level !== 2)
    ctx.anomaly('tls-alert-bad-level', `dir ${dir}: level ${alertLevelName(level)}, ${desc}`);
  if (s.fatalAlert !== '' && !s.emitted && (s.clientHello || s.serverHello)) emit(s, ctx, false);
}

/** Handshake bytes of one record: messages inside it are parsed in place, others reassembled. */
function feedHandshake(
  s: TlsState,
  dir: Direction,
  buf: Uint8Array,
  p: number,
  len: number,
  ctx: DissectContext,
): void {
  const d = s.dirs[dir];
  const end = p + len;
  if (len === 0) ctx.anomaly('tls-empty-handshake-record', `dir ${dir}`);
  while (p < end) {
    if (d.hsSkip > 0) {
      const n = Math.min(d.hsSkip, end - p);
      d.hsSkip -= n;
      p += n;
      continue;
    }
    if (d.hsLen > 0 || end - p < 4) {
      // Continue (or start) a message split across records.
      if (d.hsNeed === 0) {
        const take = Math.min(4 - d.hsLen, end - p);
        append(d, buf, p, take, 4);
        p += take;
        if (d.hsLen < 4) return;
        const hb = d.hsBuf as Uint8Array;
        const mlen = ((hb[1] as number) << 16) | ((hb[2] as number) << 8) | (hb[3] as number);
        if (mlen > MAX_HANDSHAKE_LEN) {
          ctx.anomaly('tls-handshake-too-long', `dir ${dir}: type ${hb[0]}, length ${mlen}`);
          d.hsSkip = mlen;
          d.hsLen = 0;
          continue;
        }
        d.hsNeed = 4 + mlen;
      }
      const take = Math.min(d.hsNeed - d.hsLen, end - p);
      append(d, buf, p, take, d.hsNeed);
      p += take;
      if (d.hsLen === d.hsNeed) {
        const n = d.hsNeed;
        d.hsLen = 0;
        d.hsNeed = 0;
        onHandshake(s, dir, d.hsBuf as Uint8Array, 0, n, ctx);
      }
      continue;
    }
    const mlen = ((buf[p + 1] as number) << 16) | ((buf[p + 2] as number) << 8) | (buf[p + 3] as number);
    if (mlen > MAX_HANDSHAKE_LEN) {
      ctx.anomaly('tls-handshake-too-long', `dir ${dir}: type ${buf[p]}, length ${mlen}`);
      d.hsSkip = 4 + mlen;
      continue;
    }
    if (p + 4 + mlen <= end) {
      onHandshake(s, dir, buf, p, 4 + mlen, ctx);
      p += 4 + mlen;
      continue;
    }
    d.hsNeed = 4 + mlen;
    const take = end - p;
    append(d, buf, p, take, d.hsNeed);
    p += take;
  }
}

/** Appends to the direction's handshake buffer, growing it (bounded by MAX_HANDSHAKE_LEN + 4). */
function append(d: TlsDir, buf: Uint8Array, p: number, n: number, need: number): void {
  let hb = d.hsBuf;
  if (hb === null || hb.length < need) {
    const grown = new Uint8Array(Math.min(Math.max(need, hb === null ? 0 : hb.length * 2), MAX_HANDSHAKE_LEN + 4));
    if (hb !== null) grown.set(hb.subarray(0, d.hsLen));
    hb = grown;
    d.hsBuf = hb;
  }
  hb.set(buf.subarray(p, p + n), d.hsLen);
  d.hsLen += n;
}

/** One complete handshake message at [off, off+n) (4-byte header included). */
function onHandshake(s: TlsState, dir: Direction, buf: Uint8Array, off: number, n: number, ctx: DissectContext): void {
  const type = buf[off] as number;
  const body = off + 4;
  const blen = n - 4;
  if (type === HandshakeType.CLIENT_HELLO) {
    if (dir !== 0) ctx.anomaly('tls-handshake-wrong-direction', 'ClientHello from the server');
    const err = parseClientHello(buf, body, blen, hello);
    if (err !== null) {
      ctx.anomaly(err, `length ${blen}`);
      if (hello.version === 0) return;
    }
    if (s.clientHello) return; // second ClientHello after a HelloRetryRequest: keep the first
    s.clientHello = true;
    s.chTs = ctx.tsUs;
    s.clientVersion = hello.maxVersion;
    s.ciphersOffered = hello.cipherCount;
    s.sni = hello.sni;
    s.alpn = hello.alpn;
    s.sessionId = hello.sessionId;
    return;
  }
  if (type === HandshakeType.SERVER_HELLO) {
    if (dir !== 1) ctx.anomaly('tls-handshake-wrong-direction', 'ServerHello from the client');
    const err = parseServerHello(buf, body, blen, hello);
    if (err !== null) {
      ctx.anomaly(err, `length ${blen}`);
      if (hello.cipher < 0) return;
    }
    s.version = hello.maxVersion;
    s.cipher = hello.cipher;
    if (hello.hrr) {
      s.hrr = true;
      return;
    }
    s.serverHello = true;
    s.shTs = ctx.tsUs;
    s.serverAlpn = hello.alpn;
    if (versionRank(s.version) >= 0x0304) {
      // TLS 1.3: everything after the ServerHello is encrypted; the session id is only echoed.
      s.resumed = hello.psk;
      s.dirs[1].encrypted = true;
    } else {
      s.resumed = hello.sessionId !== '' && hello.sessionId === s.sessionId;
    }
    return;
  }
  if (dir === 1 && type >= HandshakeType.CERTIFICATE && type <= HandshakeType.SERVER_HELLO_DONE) s.fullHandshake = true;
  if (type === HandshakeType.CERTIFICATE) {
    const err = parseCertificateList(buf, body, blen, span);
    if (err !== null) {
      ctx.anomaly(err, `dir ${dir}: length ${blen}`);
      return;
    }
    if (span.count === 0 || s.certs[dir] !== null) return;
    const r = parseCertificate(buf, span.start, span.len);
    if (r.error !== null) {
      ctx.anomaly(r.error, `dir ${dir}: first of ${span.count} certificate(s), ${span.len} bytes`);
      return;
    }
    const sha256 = createHash('sha256')
      .update(buf.subarray(span.start, span.start + span.len))
      .digest('hex');
    s.certs[dir] = { cert: r.cert, sha256, count: span.count };
  }
}

function emit(s: TlsState, ctx: DissectContext, established: boolean): void {
  s.emitted = true;
  const ts = s.clientHello ? s.chTs : s.shTs;
  let status: TransactionObservation['status'] = 'ok';
  if (s.fatalAlert !== '') status = 'exception';
  else if (!s.serverHello) status = 'no-response';
  else if (!s.clientHello) status = 'unsolicited';
  const detail: Record<string, string | number | boolean> = {};
  if (s.version >= 0) detail.version = versionName(s.version);
  if (s.cipher >= 0 && s.version !== 0x0002) detail.cipher = cipherName(s.cipher);
  if (s.sni !== '') detail.sni = s.sni;
  if (s.serverHello) detail.resumed = s.resumed;
  detail.established = established;
  if (s.clientHello) {
    detail.clientVersion = versionName(s.clientVersion);
    detail.ciphersOffered = s.ciphersOffered;
  }
  const alpn = s.serverAlpn !== '' ? s.serverAlpn : s.alpn;
  if (alpn !== '') detail.alpn = alpn;
  if (s.lastAlert !== '') detail.lastAlert = s.lastAlert;
  const server = s.certs[1];
  if (server !== null) detail.certificates = server.count;
  const tx = createTransaction(ts, ctx.flow.id, 'tls', 'auth', 'HANDSHAKE', ContentType.HANDSHAKE, status);
  tx.rttUs = s.clientHello && s.serverHello ? s.shTs - s.chTs : undefined;
  tx.exception = s.fatalAlert !== '' ? s.fatalAlert.toUpperCase() : undefined;
  tx.detail = detail;
  ctx.emit(tx);

  const facts: IdentityFact[] = [];
  if (s.sni !== '')
    facts.push({ field: 'tls_sni', value: s.sni, source: 'tls.client_hello.server_name', precedence: 30 });
  if (s.serverHello) {
    facts.push({ field: 'tls_version_max', value: versionName(s.version), source: 'tls.server_hello.version' });
    // The negotiated suite says what the server accepts: weak-cipher findings read it.
    if (s.cipher >= 0 && s.version !== 0x0002)
      facts.push({ field: 'tls_cipher', value: cipherName(s.cipher), source: 'tls.server_hello.cipher_suite' });
  }
  if (server !== null) certFacts(server, facts);
  if (facts.length > 0)
    ctx.emit({ kind: 'asset.identity', ts, flowId: ctx.flow.id, protocol: 'tls', about: 'server', facts });
  const client = s.certs[0];
  if (client !== null) {
    const cf: IdentityFact[] = [];
    certFacts(client, cf);
    ctx.emit({ kind: 'asset.identity', ts, flowId: ctx.flow.id, protocol: 'tls', about: 'client', facts: cf });
  }
}

const HOSTNAME_LIKE = /^(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$|^[0-9a-fA-F:.]+$|^localhost$/;

/** Certificate facts; vendor/model hints (precedence 30) only from self-signed certificates. */
function certFacts(p: PeerCert, facts: IdentityFact[]): void {
  const c = p.cert;
  facts.push({ field: 'tls_cert_subject', value: c.subject, source: 'tls.certificate.subject' });
  facts.push({ field: 'tls_cert_issuer', value: c.issuer, source: 'tls.certificate.issuer' });
  facts.push({ field: 'tls_cert_serial', value: c.serial, source: 'tls.certificate.serial' });
  facts.push({ field: 'tls_cert_not_before', value: c.notBefore, source: 'tls.certificate.not_before' });
  facts.push({ field: 'tls_cert_not_after', value: c.notAfter, source: 'tls.certificate.not_after' });
  facts.push({ field: 'tls_cert_self_signed', value: String(c.selfSigned), source: 'tls.certificate.self_signed' });
  facts.push({ field: 'tls_cert_sha256', value: p.sha256, source: 'tls.certificate.sha256' });
  if (c.keyType !== '') {
    const key = c.keyBits > 0 ? `${c.keyType} ${c.keyBits}` : c.keyType;
    facts.push({ field: 'tls_cert_key', value: key, source: 'tls.certificate.subject_public_key_info' });
  }
  if (!c.selfSigned) return;
  // Embedded devices ship self-signed certificates naming their maker (O) and model (CN).
  if (c.subjectO !== '')
    facts.push({ field: 'vendor', value: c.subjectO, source: 'tls.certificate.subject.O', precedence: 30 });
  if (c.subjectCN !== '' && !HOSTNAME_LIKE.test(c.subjectCN)) {
    facts.push({ field: 'model', value: c.subjectCN, source: 'tls.certificate.subject.CN', precedence: 30 });
  }
}
