import { hex } from '../../bytes/reader.js';
import { u16le, u32le } from '../../bytes/words.js';
import {
  type CredentialObservation,
  createTransaction,
  type Direction,
  type IdentityFact,
  type Op,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  HEAD_BYTES,
  isErrorStatus,
  MAX_CHAIN,
  MAX_PARSED_MESSAGE,
  MAX_PENDING,
  Nbss,
  Ntlm,
  ntStatusName,
  SMB1_ANDX,
  Smb1Cmd,
  Smb2Cmd,
  Status,
  smb1CommandName,
  smb1Op,
  smb2CommandName,
  smb2DialectName,
  smb2Op,
} from './smb.consts.js';
import {
  decodeNetbiosName,
  findNtlmssp,
  nbName,
  newNtlmInfo,
  parseNtlmssp,
  readString,
  str,
  utf16le,
} from './smb.parse.js';

interface Pending {
  key: number;
  tx: TransactionObservation;
  cred: CredentialObservation | null;
  /** SMB1 NEGOTIATE request: the dialect strings (the response answers with an index). */
  dialects: string[] | null;
}

export interface SmbState {
  /** Per direction: bytes of an oversized message still to skip; side lost after bad framing. */
  readonly skip: [number, number];
  readonly lost: [boolean, boolean];
  synced: boolean;
  violated: boolean;
  readonly pending: Pending[];
  nbssRequest: TransactionObservation | null;
  encryptedSeen: boolean;
  compressedSeen: boolean;
  /** Identity facts already emitted on this flow (`about|field|value`), so repeats stay quiet. */
  readonly factsSeen: Set<string>;
  readonly factBuf: { client: IdentityFact[]; server: IdentityFact[] };
}

const ntlm = newNtlmInfo();

/**
 * SMB over TCP 445 (direct) and 139 (NetBIOS session service, RFC 1002): NBSS session request
 * names; SMB1 NEGOTIATE / SESSION_SETUP_ANDX / TREE_CONNECT_ANDX; SMB2/3 headers, NEGOTIATE,
 * SESSION_SETUP with NTLMSSP inside SPNEGO, TREE_CONNECT; one transaction per request/response;
 * SMB3 encryption (transform header) named, not parsed.
 */
export const smbDissector: Dissector<SmbState> = {
  name: 'smb',
  transports: ['tcp'],
  defaultPorts: [445, 139],

  probe(buf, off, len) {
    if (len < 8) return len > 0 && buf[off] !== 0 && buf[off] !== Nbss.SESSION_REQUEST ? 'no-match' : 'need-more';
    if (buf[off] === Nbss.SESSION_REQUEST) return buf[off + 4] === 32 ? 'match' : 'no-match';
    const p = buf[off + 4] as number;
    return buf[off] === 0 &&
      (p === 0xff || p === 0xfe || p === 0xfd) &&
      buf[off + 5] === 0x53 &&
      buf[off + 6] === 0x4d &&
      buf[off + 7] === 0x42
      ? 'match'
      : 'no-match';
  },

  newState(_flow: FlowInfo): SmbState {
    return {
      skip: [0, 0],
      lost: [false, false],
      synced: false,
      violated: false,
      pending: [],
      nbssRequest: null,
      encryptedSeen: false,
      compressedSeen: false,
      factsSeen: new Set(),
      factBuf: { client: [], server: [] },
    };
  },

  parse(s, buf, off, len, ctx) {
    const dir = ctx.dir;
    if (s.violated || s.lost[dir]) return len;
    const end = off + len;
    let pos = off;
    while (pos < end) {
      if (s.skip[dir] > 0) {
        const n = Math.min(s.skip[dir], end - pos);
        s.skip[dir] -= n;
        pos += n;
        continue;
      }
      if (end - pos < 4) break;
      const type = buf[pos] as number;
      if (type !== 0 && (type < Nbss.SESSION_REQUEST || type > Nbss.KEEP_ALIVE)) {
        if (!s.synced) return violate(s, ctx, `smb-bad-nbss-type: ${type}`, len);
        ctx.anomaly('smb-bad-nbss-type', `dir ${dir}: type 0x${type.toString(16)}`);
        s.lost[dir] = true;
        return len;
      }
      const length =
        type === 0
          ? ((buf[pos + 1] as number) << 16) | ((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number)
          : (((buf[pos + 1] as number) & 1) << 16) | ((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number);
      const total = 4 + length;
      const avail = end - pos;
      if (avail >= total) {
        if (!message(s, type, buf, pos + 4, length, false, ctx)) return len;
        pos += total;
        continue;
      }
      if (length > MAX_PARSED_MESSAGE && avail >= 4 + HEAD_BYTES) {
        // Large READ/WRITE payloads: parse the head, skip the rest without buffering it.
        if (!message(s, type, buf, pos + 4, avail - 4, true, ctx)) return len;
        s.skip[dir] = total - avail;
        pos = end;
        continue;
      }
      break;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.lost[dir] = true;
  },

  onEnd(s, ctx) {
    if (s.nbssRequest) ctx.emit(s.nbssRequest);
    s.nbssRequest = null;
    for (const p of s.pending) {
      ctx.emit(p.tx);
      if (p.cred) ctx.emit(p.cred);
    }
    s.pending.length = 0;
  },
};

function violate(s: SmbState, ctx: DissectContext, reason: string, len: number): number {
  s.violated = true;
  ctx.violation(reason);
  return len;
}

/** One NBSS message with its payload at [off, off+len). Returns false after a violation. */
function message(
  s: SmbState,
  type: number,
  buf: Uint8Array,
  off: number,
  len: number,
  truncated: boolean,
  ctx: DissectContext,
): boolean {
  if (type === Nbss.KEEP_ALIVE) return true;
  if (type === Nbss.SESSION_REQUEST) {
    s.synced = true;
    sessionRequest(s, buf, off, len, ctx);
    return true;
  }
  if (type !== Nbss.SESSION_MESSAGE) {
    const tx = s.nbssRequest;
    s.nbssRequest = null;
    if (tx) {
      tx.rttUs = ctx.tsUs - tx.ts;
      tx.status = type === Nbss.NEGATIVE_RESPONSE ? 'exception' : 'ok';
      if (type === Nbss.NEGATIVE_RESPONSE) tx.exception = negativeName(len > 0 ? (buf[off] as number) : -1);
      ctx.emit(tx);
    }
    return true;
  }
  if (len < 4) {
    if (!s.synced) return violate(s, ctx, `smb-not-smb: session message of ${len} bytes`, 0) === -1;
    if (len > 0) ctx.anomaly('smb-truncated', `session message of ${len} bytes`);
    return true;
  }
  const p = buf[off] as number;
  const isSmb = buf[off + 1] === 0x53 && buf[off + 2] === 0x4d && buf[off + 3] === 0x42;
  if (!isSmb || (p !== 0xff && p !== 0xfe && p !== 0xfd && p !== 0xfc)) {
    if (!s.synced) return violate(s, ctx, `smb-not-smb: protocol id ${hex(buf.subarray(off, off + 4))}`, 0) === -1;
    ctx.anomaly('smb-unknown-protocol', `protocol id ${hex(buf.subarray(off, off + 4))}`);
    return true;
  }
  s.synced = true;
  if (p === 0xff) smb1(s, buf, off, len, truncated, ctx);
  else if (p === 0xfe) smb2(s, buf, off, len, truncated, ctx);
  else if (p === 0xfd) {
    if (!s.encryptedSeen) {
      s.encryptedSeen = true;
      ctx.emit(simpleTx(ctx, 'ENCRYPTED', 0xfd, 'SMB3'));
    }
  } else if (!s.compressedSeen) {
    s.compressedSeen = true;
    ctx.emit(simpleTx(ctx, 'COMPRESSED', 0xfc, 'SMB3'));
  }
  flushFacts(s, ctx);
  return true;
}

function negativeName(code: number): string {
  switch (code) {
    case 0x80:
      return 'NOT_LISTENING_ON_CALLED_NAME';
    case 0x81:
      return 'NOT_LISTENING_FOR_CALLING_NAME';
    case 0x82:
      return 'CALLED_NAME_NOT_PRESENT';
    case 0x83:
      return 'INSUFFICIENT_RESOURCES';
    case 0x8f:
      return 'UNSPECIFIED_ERROR';
  }
  return `unknown-${code}`;
}

/** NBSS SESSION REQUEST (RFC 1002 §4.3.2): called name (the server), calling name (the client). */
function sessionRequest(s: SmbState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const end = off + len;
  const tx = simpleTx(ctx, 'SESSION_REQUEST', Nbss.SESSION_REQUEST, 'NBSS');
  tx.status = 'no-response';
  if (!decodeNetbiosName(buf, off, end)) {
    ctx.anomaly('smb-bad-netbios-name', 'session request called name');
  } else {
    const called = nbName.name;
    (tx.detail as Record<string, string>).calledName = called;
    // "*SMBSERVER" is the generic name clients use when they know only the address.
    if (called !== '' && !called.startsWith('*'))
      fact(s, 'server', 'hostname', called, 'smb.nbss.session_request.called_name', 50);
    if (!decodeNetbiosName(buf, nbName.next, end)) {
      ctx.anomaly('smb-bad-netbios-name', 'session request calling name');
    } else {
      (tx.detail as Record<string, string>).callingName = nbName.name;
      if (nbName.name !== '') fact(s, 'client', 'hostname', nbName.name, 'smb.nbss.session_request.calling_name', 50);
    }
  }
  if (s.nbssRequest) ctx.emit(s.nbssRequest);
  s.nbssRequest = tx;
  flushFacts(s, ctx);
}

function simpleTx(ctx: DissectContext, fn: string, code: number, version: string): TransactionObservation {
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'smb', 'other', fn, code, 'ok');
  tx.detail = { version };
  return tx;
}

function newTx(
  ctx: DissectContext,
  version: string,
  code: number,
  fn: string,
  op: Op,
  tid: number,
  status: TransactionObservation['status'],
): TransactionObservation {
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'smb', op, fn, code, status);
  tx.tid = tid;
  tx.detail = { version };
  return tx;
}

function indexOfKey(s: SmbState, key: number): number {
  const a = s.pending;
  for (let i = 0; i < a.length; i++) if ((a[i] as Pending).key === key) return i;
  return -1;
}

function addPending(s: SmbState, p: Pending, ctx: DissectContext): void {
  const i = indexOfKey(s, p.key);
  if (i >= 0) flushPending(s.pending.splice(i, 1)[0] as Pending, ctx);
  s.pending.push(p);
  if (s.pending.length > MAX_PENDING) flushPending(s.pending.shift() as Pending, ctx);
}

function flushPending(p: Pending, ctx: DissectContext): void {
  ctx.emit(p.tx);
  if (p.cred) ctx.emit(p.cred);
}

function takePending(s: SmbState, key: number): Pending | undefined {
  const i = indexOfKey(s, key);
  return i < 0 ? undefined : (s.pending.splice(i, 1)[0] as Pending);
}

/** Completes a request's transaction with the response status (`p` null: an unsolicited response). */
function complete(
  p: Pending | undefined,
  unsolicited: TransactionObservation | null,
  status: number,
  ctx: DissectContext,
): Pending {
  const entry = p ?? { key: 0, tx: unsolicited as TransactionObservation, cred: null, dialects: null };
  const tx = entry.tx;
  if (p) {
    tx.rttUs = ctx.tsUs - tx.ts;
    tx.status = isErrorStatus(status) ? 'exception' : 'ok';
  }
  if (isErrorStatus(status)) tx.exception = ntStatusName(status);
  if (entry.cred)
    entry.cred.outcome = status === Status.SUCCESS ? 'success' : isErrorStatus(status) ? 'failure' : 'unknown';
  return entry;
}

function fact(
  s: SmbState,
  about: 'client' | 'server',
  field: string,
  value: string,
  source: string,
  precedence?: number,
): void {
  if (value === '') return;
  const k = `${about}|${field}|${value}`;
  if (s.factsSeen.has(k)) return;
  if (s.factsSeen.size < 256) s.factsSeen.add(k);
  const f: IdentityFact = { field, value, source };
  if (precedence !== undefined) f.precedence = precedence;
  s.factBuf[about].push(f);
}

function flushFacts(s: SmbState, ctx: DissectContext): void {
  for (const about of ['client', 'server'] as const) {
    const facts = s.factBuf[about];
    if (facts.length === 0) continue;
    s.factBuf[about] = [];
    ctx.emit({ kind: 'asset.identity', ts: ctx.tsUs, flowId: ctx.flow.id, protocol: 'smb', about, facts });
  }
}

/** Sender of the bytes being parsed. */
function sender(ctx: DissectContext): 'client' | 'server' {
  return ctx.dir === 0 ? 'client' : 'server';
}

// ---------------------------------------------------------------------------------------------
// SMB1 ([MS-CIFS] §2.2.3.1 header, §2.2.4 commands)

function smb1(s: SmbState, buf: Uint8Array, off: number, len: number, truncated: boolean, ctx: DissectContext): void {
  const end = off + len;
  if (len < 35) {
    ctx.anomaly('smb1-truncated', `message of ${len} bytes`);
    return;
  }
  const status = u32le(buf, off + 5);
  const isResp = ((buf[off + 9] as number) & 0x80) !== 0;
  const unicode = (u16le(buf, off + 10) & 0x8000) !== 0;
  const mid = u16le(buf, off + 30);
  let pos = off + 32;
  let c = buf[off + 4] as number;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const wc = buf[pos] as number;
    const words = pos + 1;
    const bcAt = words + 2 * wc;
    const hasBytes = bcAt + 2 <= end;
    const bc = hasBytes ? u16le(buf, bcAt) : 0;
    const bytes = bcAt + 2;
    if (!truncated && (!hasBytes || bytes + bc > end))
      ctx.anomaly(
        'smb1-truncated',
        `${smb1CommandName(c)}: word count ${wc}, byte count ${bc}, ${end - pos} bytes left`,
      );
    const bytesEnd = Math.min(bytes + bc, end);
    smb1Command(s, c, isResp, status, mid, buf, off, words, hasBytes ? wc : 0, bytes, bytesEnd, unicode, ctx);
    if (!SMB1_ANDX.has(c) || wc < 2 || !hasBytes) break;
    const next = buf[words] as number;
    const nextOff = u16le(buf, words + 2);
    if (next === 0xff) break;
    if (off + nextOff <= pos || off + nextOff >= end) {
      ctx.anomaly('smb1-bad-andx-offset', `${smb1CommandName(c)} -> ${smb1CommandName(next)} at ${nextOff}`);
      break;
    }
    pos = off + nextOff;
    c = next;
  }
}

function smb1Command(
  s: SmbState,
  c: number,
  isResp: boolean,
  status: number,
  mid: number,
  buf: Uint8Array,
  base: number,
  words: number,
  wc: number,
  bytes: number,
  bytesEnd: number,
  unicode: boolean,
  ctx: DissectContext,
): void {
  const key = -(mid * 256 + c) - 1;
  const name = smb1CommandName(c);
  if (!isResp) {
    const entry: Pending = {
      key,
      tx: newTx(ctx, 'SMB1', c, name, smb1Op(c), mid, 'no-response'),
      cred: null,
      dialects: null,
    };
    if (c === Smb1Cmd.NEGOTIATE) {
      const list: string[] = [];
      let p = bytes;
      while (p < bytesEnd && buf[p] === 0x02 && list.length < 32 && readString(buf, p + 1, bytesEnd, false, base)) {
        list.push(str.value);
        p = str.next;
      }
      entry.dialects = list;
    } else if (c === Smb1Cmd.SESSION_SETUP_ANDX) {
      sessionSetup1Request(s, entry, buf, base, words, wc, bytes, bytesEnd, unicode, ctx);
    } else if (c === Smb1Cmd.TREE_CONNECT_ANDX && wc >= 4) {
      const pwLen = u16le(buf, words + 6);
      if (readString(buf, bytes + pwLen, bytesEnd, unicode, base))
        (entry.tx.detail as Record<string, string>).path = str.value;
    }
    addPending(s, entry, ctx);
    return;
  }
  const found = takePending(s, key);
  const unsolicited = found ? null : newTx(ctx, 'SMB1', c, name, smb1Op(c), mid, 'unsolicited');
  const entry = complete(found, unsolicited, status, ctx);
  const detail = entry.tx.detail as Record<string, string | number | boolean>;
  if (c === Smb1Cmd.NEGOTIATE && wc >= 1 && !isErrorStatus(status)) {
    const idx = u16le(buf, words);
    const dialect = entry.dialects?.[idx] ?? (idx === 0xffff ? 'none' : `index-${idx}`);
    detail.dialect = dialect;
    fact(s, 'server', 'smb_dialect', dialect, 'smb.negotiate.dialect');
    // NT LM 0.12 without extended security: the server's domain and name follow the challenge.
    if (wc === 17 && (u16le(buf, base + 10) & 0x0800) === 0) {
      const chLen = buf[words + 33] as number;
      if (readString(buf, bytes + chLen, bytesEnd, unicode, base)) {
        fact(s, 'server', 'netbios_domain', str.value, 'smb.negotiate.domain_name', 50);
        if (readString(buf, str.next, bytesEnd, unicode, base))
          fact(s, 'server', 'hostname', str.value, 'smb.negotiate.server_name', 50);
      }
    }
  } else if (c === Smb1Cmd.SESSION_SETUP_ANDX && wc >= 3) {
    let p = bytes;
    if (wc === 4) {
      const blobLen = u16le(buf, words + 6);
      ntlmBlob(s, entry, buf, bytes, Math.min(bytes + blobLen, bytesEnd), ctx);
      p = bytes + blobLen;
    }
    nativeStrings(s, buf, p, bytesEnd, unicode, base, 'server', wc === 3);
  }
  ctx.emit(entry.tx);
  if (entry.cred) ctx.emit(entry.cred);
  // An error answers the whole AndX chain: close the chained requests of this mid too.
  if (isErrorStatus(status) && wc === 0) {
    for (let i = s.pending.length - 1; i >= 0; i--) {
      const p = s.pending[i] as Pending;
      if (p.key < 0 && Math.floor((-p.key - 1) / 256) === mid) {
        s.pending.splice(i, 1);
        complete(p, null, status, ctx);
        flushPending(p, ctx);
      }
    }
  }
}

/** SESSION_SETUP_ANDX request ([MS-CIFS] §2.2.4.53.1, [MS-SMB] §2.2.4.6.1). */
function sessionSetup1Request(
  s: SmbState,
  entry: Pending,
  buf: Uint8Array,
  base: number,
  words: number,
  wc: number,
  bytes: number,
  bytesEnd: number,
  unicode: boolean,
  ctx: DissectContext,
): void {
  let p = bytes;
  if (wc === 12) {
    // Extended security: SPNEGO/NTLMSSP blob, then NativeOS, NativeLanMan.
    const blobLen = u16le(buf, words + 14);
    ntlmBlob(s, entry, buf, bytes, Math.min(bytes + blobLen, bytesEnd), ctx);
    p = bytes + blobLen;
  } else if (wc === 13 || wc === 10) {
    // Passwords (hashes or challenge responses: skipped, never kept), then account and domain.
    const pwLen = wc === 13 ? u16le(buf, words + 14) + u16le(buf, words + 16) : u16le(buf, words + 14);
    p = bytes + pwLen;
    if (!readString(buf, p, bytesEnd, unicode, base)) return;
    const account = str.value;
    p = str.next;
    let domain = '';
    if (readString(buf, p, bytesEnd, unicode, base)) {
      domain = str.value;
      p = str.next;
    }
    if (account !== '') {
      entry.cred = credential(ctx, domain, account, 'smb.session_setup_andx.account_name');
      (entry.tx.detail as Record<string, string>).user = entry.cred.user;
    }
  } else {
    return;
  }
  nativeStrings(s, buf, p, bytesEnd, unicode, base, 'client', false);
}

/** NativeOS, NativeLanMan (and the server's PrimaryDomain) -> facts about the sender. */
function nativeStrings(
  s: SmbState,
  buf: Uint8Array,
  p: number,
  end: number,
  unicode: boolean,
  base: number,
  about: 'client' | 'server',
  domain: boolean,
): void {
  if (p >= end || !readString(buf, p, end, unicode, base)) return;
  fact(s, about, 'os', str.value, 'smb.session_setup_andx.native_os', 30);
  if (!readString(buf, str.next, end, unicode, base)) return;
  fact(s, about, 'smb_lanman', str.value, 'smb.session_setup_andx.native_lanman', 30);
  if (domain && readString(buf, str.next, end, unicode, base))
    fact(s, about, 'netbios_domain', str.value, 'smb.session_setup_andx.primary_domain', 50);
}

function credential(ctx: DissectContext, domain: string, user: string, source: string): CredentialObservation {
  return {
    kind: 'credential',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'smb',
    mechanism: 'ntlm',
    user: domain === '' ? user : `${domain}\\${user}`,
    // NTLM responses are hashes of the password: never fingerprinted, never kept.
    secretFingerprint: null,
    cleartext: false,
    outcome: 'unknown',
    source,
    by: 'client',
  };
}

/** NTLMSSP inside a security blob (raw or wrapped in SPNEGO/GSS-API). */
function ntlmBlob(s: SmbState, entry: Pending, buf: Uint8Array, start: number, end: number, ctx: DissectContext): void {
  const at = findNtlmssp(buf, start, end);
  if (at < 0) return;
  const err = parseNtlmssp(buf, at, end, ntlm);
  if (err !== null) {
    ctx.anomaly(err, `${sender(ctx)} NTLMSSP message type ${ntlm.type}`);
    return;
  }
  const detail = entry.tx.detail as Record<string, string | number | boolean>;
  const who = sender(ctx);
  if (ntlm.version !== '') fact(s, who, 'os', `Windows ${ntlm.version}`, 'smb.ntlmssp.version', 30);
  if (ntlm.type === Ntlm.NEGOTIATE) {
    detail.ntlmssp = 'NEGOTIATE';
  } else if (ntlm.type === Ntlm.CHALLENGE) {
    detail.ntlmssp = 'CHALLENGE';
    fact(s, 'server', 'hostname', ntlm.nbComputer, 'smb.ntlmssp.challenge.nb_computer_name', 50);
    fact(s, 'server', 'netbios_domain', ntlm.nbDomain, 'smb.ntlmssp.challenge.nb_domain_name', 50);
    fact(s, 'server', 'dns_computer_name', ntlm.dnsComputer, 'smb.ntlmssp.challenge.dns_computer_name', 50);
    fact(s, 'server', 'dns_domain_name', ntlm.dnsDomain, 'smb.ntlmssp.challenge.dns_domain_name', 50);
    if (ntlm.nbDomain === '')
      fact(s, 'server', 'ntlm_target_name', ntlm.targetName, 'smb.ntlmssp.challenge.target_name', 50);
  } else if (ntlm.type === Ntlm.AUTHENTICATE) {
    detail.ntlmssp = 'AUTHENTICATE';
    detail.ntlm = ntlm.ntResponseLen === 0 ? 'anonymous' : ntlm.ntResponseLen === 24 ? 'NTLMv1' : 'NTLMv2';
    fact(s, 'client', 'hostname', ntlm.workstation, 'smb.ntlmssp.authenticate.workstation', 50);
    if (ntlm.user !== '') {
      entry.cred = credential(ctx, ntlm.domain, ntlm.user, 'smb.ntlmssp.authenticate');
      detail.user = entry.cred.user;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SMB2/3 ([MS-SMB2] §2.2.1 header, §2.2.3-2.2.10)

function smb2(s: SmbState, buf: Uint8Array, off: number, len: number, truncated: boolean, ctx: DissectContext): void {
  const end = off + len;
  let base = off;
  for (let i = 0; i < MAX_CHAIN; i++) {
    if (base + 64 > end) {
      ctx.anomaly('smb2-truncated', `header needs 64 bytes, ${end - base} left`);
      return;
    }
    if (
      buf[base] !== 0xfe ||
      buf[base + 1] !== 0x53 ||
      buf[base + 2] !== 0x4d ||
      buf[base + 3] !== 0x42 ||
      u16le(buf, base + 4) !== 64
    ) {
      ctx.anomaly('smb2-bad-header', `structure size ${u16le(buf, base + 4)}`);
      return;
    }
    let next = u32le(buf, base + 20);
    if (next !== 0 && (next < 64 || base + next > end)) {
      ctx.anomaly('smb2-bad-next-command', `next command offset ${next}`);
      next = 0;
    }
    smb2Command(s, buf, base, next === 0 ? end : base + next, truncated, ctx);
    if (next === 0) return;
    base += next;
  }
}

function smb2Command(
  s: SmbState,
  buf: Uint8Array,
  base: number,
  end: number,
  truncated: boolean,
  ctx: DissectContext,
): void {
  const status = u32le(buf, base + 8);
  const c = u16le(buf, base + 12);
  const flags = u32le(buf, base + 16);
  const msgId = u32le(buf, base + 24);
  const isResp = (flags & 1) !== 0;
  const body = base + 64;
  const name = smb2CommandName(c);
  if (!isResp) {
    const entry: Pending = {
      key: msgId,
      tx: newTx(ctx, 'SMB2', c, name, smb2Op(c), msgId, 'no-response'),
      cred: null,
      dialects: null,
    };
    const detail = entry.tx.detail as Record<string, string | number | boolean>;
    if (c === Smb2Cmd.NEGOTIATE && body + 36 <= end) {
      const n = Math.min(u16le(buf, body + 2), 32);
      const list: string[] = [];
      for (let k = 0; k < n && body + 38 + 2 * k <= end; k++) list.push(smb2DialectName(u16le(buf, body + 36 + 2 * k)));
      detail.dialects = list.join(',');
    } else if (c === Smb2Cmd.SESSION_SETUP && body + 16 <= end) {
      const bo = u16le(buf, body + 12);
      const bl = u16le(buf, body + 14);
      if (bl > 0) ntlmBlob(s, entry, buf, base + bo, Math.min(base + bo + bl, end), ctx);
    } else if (c === Smb2Cmd.TREE_CONNECT && body + 8 <= end) {
      const po = u16le(buf, body + 4);
      const pl = u16le(buf, body + 6);
      if (base + po + pl <= end) detail.path = utf16le(buf, base + po, pl);
      else if (!truncated) ctx.anomaly('smb2-truncated', `TREE_CONNECT path of ${pl} bytes at ${po}`);
    } else if ((c === Smb2Cmd.READ || c === Smb2Cmd.WRITE) && body + 8 <= end) {
      entry.tx.quantity = u32le(buf, body + 4);
    }
    addPending(s, entry, ctx);
    return;
  }
  // An asynchronous interim response (STATUS_PENDING) is followed by the real one.
  if (status === Status.PENDING && flags & 2) return;
  const found = takePending(s, msgId);
  const unsolicited = found ? null : newTx(ctx, 'SMB2', c, name, smb2Op(c), msgId, 'unsolicited');
  const entry = complete(found, unsolicited, status, ctx);
  const detail = entry.tx.detail as Record<string, string | number | boolean>;
  if (!isErrorStatus(status)) {
    if (c === Smb2Cmd.NEGOTIATE && body + 24 <= end) {
      const dialect = smb2DialectName(u16le(buf, body + 4));
      detail.dialect = dialect;
      fact(s, 'server', 'smb_dialect', `SMB ${dialect}`, 'smb2.negotiate.dialect_revision');
      fact(s, 'server', 'smb_server_guid', guid(buf, body + 8), 'smb2.negotiate.server_guid');
    } else if (c === Smb2Cmd.SESSION_SETUP && body + 8 <= end) {
      const bo = u16le(buf, body + 4);
      const bl = u16le(buf, body + 6);
      if (bl > 0) ntlmBlob(s, entry, buf, base + bo, Math.min(base + bo + bl, end), ctx);
    } else if (c === Smb2Cmd.TREE_CONNECT && body + 3 <= end) {
      const t = buf[body + 2] as number;
      detail.shareType = t === 1 ? 'DISK' : t === 2 ? 'PIPE' : t === 3 ? 'PRINT' : `unknown-${t}`;
    } else if (c === Smb2Cmd.READ && body + 8 <= end && entry.tx.quantity === undefined) {
      entry.tx.quantity = u32le(buf, body + 4);
    }
  }
  ctx.emit(entry.tx);
  if (entry.cred) ctx.emit(entry.cred);
}

/** A GUID in its usual text form (first three fields little-endian). */
function guid(b: Uint8Array, p: number): string {
  const h = (i: number) => (b[p + i] as number).toString(16).padStart(2, '0');
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

export { utf16le };
