import { hex, latin1 } from '../../bytes/reader.js';
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
  AUTHORIZATION_ERROR,
  ENCRYPTED_PDU,
  enterpriseVendor,
  errorStatusName,
  isRequest,
  Pdu,
  pduName,
  pduOp,
  SNMP_LIMITS,
  SYSTEM_FIELDS,
  SYSTEM_PREFIX,
  securityLevelName,
  USM_STATS_PREFIX,
  usmStatsName,
  usmStatsRefuses,
  versionName,
} from './snmp.consts.js';
import { newMessage, oidEnterprise, oidLeaf, oidToString, parseMessage, type SnmpMessage } from './snmp.parse.js';
import { sysDescrHints } from './snmp.sysdescr.js';

/**
 * A community (v1/v2c) or USM user (v3) seen on the flow. The community itself is never kept:
 * only its keyed fingerprint, plus a 32-bit FNV-1a hash and length used to recognise it again
 * in later datagrams of the same flow without calling the HMAC for every packet.
 */
interface SeenCredential {
  kind: 'community' | 'usm';
  hash: number;
  len: number;
  /** v1/v2c: the fingerprint; v3: null (no secret crosses the wire). */
  fp: string | null;
  user: string;
  level: string;
  version: number;
  ts: number;
  /** Seen only in notifications (traps): nobody answers those, the outcome stays unknown. */
  trapOnly: boolean;
  outcome: CredentialObservation['outcome'] | null;
}

/** Per-flow state: requests waiting for answers, credentials seen, identity already reported. */
export interface SnmpState {
  readonly pendingIds: number[];
  readonly pendingTx: TransactionObservation[];
  readonly creds: SeenCredential[];
  /** Bit per system-group leaf reported (1 << leaf), 1 for the engine id. */
  reported: number;
  good: number;
  violated: boolean;
}

const msg: SnmpMessage = newMessage();

/** FNV-1a over a byte range (in-flow recognition of a community; never emitted). */
function fnv(buf: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ (buf[off + i] as number), 0x01000193);
  return h >>> 0;
}

/**
 * SNMP v1/v2c/v3 on UDP 161 (agent) and 162 (notifications). One datagram per call. Emits a
 * `transaction` per request/response pair (by request-id; msgID for encrypted v3 PDUs) and per
 * notification, a `credential` per community (v1/v2c, fingerprinted) or USM user (v3) per flow
 * with its outcome, and `asset.identity` from the agent's answers about the system group
 * (sysDescr, sysObjectID, sysContact, sysName, sysLocation) and the v3 engine id.
 */
export const snmpDissector: Dissector<SnmpState> = {
  name: 'snmp',
  transports: ['udp'],
  defaultPorts: [161, 162],

  newState(_flow: FlowInfo): SnmpState {
    return { pendingIds: [], pendingTx: [], creds: [], reported: 0, good: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const m = msg;
    const err = parseMessage(buf, off, len, m);
    if (m.version < 0 || err === 'snmp-unknown-version' || err === 'snmp-not-sequence') {
      if (s.good === 0) {
        s.violated = true;
        ctx.violation(`${err ?? 'snmp-not-sequence'}: ${len} byte datagram`);
      } else {
        ctx.anomaly(err ?? 'snmp-not-sequence', `dir ${ctx.dir}, ${len} bytes: ${hex(buf.subarray(off, off + 16))}`);
      }
      return len;
    }
    s.good++;
    if (err !== null) {
      ctx.anomaly(err, `v${versionName(m.version)} ${pduName(m.pduTag)} dir ${ctx.dir}, ${m.varbindCount} varbind(s)`);
    }
    const tag = m.encrypted ? ENCRYPTED_PDU : m.pduTag;
    onCredential(s, buf, m, tag, ctx);
    if (tag >= 0 && (err === null || m.encrypted || m.varbindCount > 0 || m.requestId >= 0)) onPdu(s, buf, m, tag, ctx);
    if (ctx.dir === 1 && tag === Pdu.RESPONSE) onSystemGroup(s, buf, m, ctx);
    if (m.engineIdLen >= 5 && !(s.reported & 1)) onEngineId(s, buf, m, tag, ctx);
    return len;
  },

  onEnd(s, ctx) {
    for (const tx of s.pendingTx) ctx.emit(tx);
    s.pendingIds.length = 0;
    s.pendingTx.length = 0;
    for (const c of s.creds) {
      if (c.outcome !== null) continue;
      c.outcome = c.trapOnly || c.kind === 'usm' ? 'unknown' : 'failure';
      emitCredential(c, ctx);
    }
  },
};

// ---- transactions ---------------------------------------------------------------------------

function newTx(m: SnmpMessage, tag: number, buf: Uint8Array, ctx: DissectContext): TransactionObservation {
  const id = tag === ENCRYPTED_PDU ? m.msgId : m.requestId;
  const detail: Record<string, string | number | boolean> = { version: versionName(m.version) };
  if (m.version === 3) detail.securityLevel = securityLevelName(Math.max(m.msgFlags, 0));
  if (tag !== ENCRYPTED_PDU) {
    detail.varbinds = m.varbindCount;
    if (m.varbindCount > 0) {
      const oid = oidToString(buf, m.oidOff[0] as number, m.oidLen[0] as number);
      if (!oid.startsWith('snmp-')) detail.oid = oid;
      else ctx.anomaly(oid, `${pduName(tag)} request-id ${m.requestId}: first varbind name`);
    }
  }
  if (tag === Pdu.GET_BULK_REQUEST) {
    detail.nonRepeaters = m.errorStatus;
    detail.maxRepetitions = m.errorIndex;
  } else if (tag === Pdu.TRAP) {
    const ent = oidToString(buf, m.enterpriseOff, m.enterpriseLen);
    if (!ent.startsWith('snmp-')) detail.enterprise = ent;
    detail.genericTrap = m.genericTrap;
    detail.specificTrap = m.specificTrap;
  }
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'snmp', pduOp(tag), pduName(tag), tag, 'ok');
  tx.tid = id >= 0 ? id : undefined;
  tx.detail = detail;
  return tx;
}

function takePending(s: SnmpState, id: number): TransactionObservation | undefined {
  const i = s.pendingIds.indexOf(id);
  if (i < 0) return undefined;
  const tx = s.pendingTx[i];
  s.pendingIds.splice(i, 1);
  s.pendingTx.splice(i, 1);
  return tx;
}

function onPdu(s: SnmpState, buf: Uint8Array, m: SnmpMessage, tag: number, ctx: DissectContext): void {
  const id = tag === ENCRYPTED_PDU ? m.msgId : m.requestId;
  const asRequest = tag === ENCRYPTED_PDU ? ctx.dir === 0 : isRequest(tag);
  if (asRequest) {
    const tx = newTx(m, tag, buf, ctx);
    tx.status = 'no-response';
    const old = takePending(s, id);
    if (old) ctx.emit(old);
    s.pendingIds.push(id);
    s.pendingTx.push(tx);
    if (s.pendingIds.length > SNMP_LIMITS.maxPending) {
      s.pendingIds.shift();
      ctx.emit(s.pendingTx.shift() as TransactionObservation);
    }
    return;
  }
  if (tag === Pdu.RESPONSE || tag === Pdu.REPORT || tag === ENCRYPTED_PDU) {
    const tx = takePending(s, id);
    if (tx === undefined) {
      const u = newTx(m, tag, buf, ctx);
      u.status = 'unsolicited';
      setOutcome(u, m, tag, buf);
      ctx.emit(u);
      return;
    }
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
    setOutcome(tx, m, tag, buf);
    ctx.emit(tx);
    return;
  }
  // Notifications (Trap, SNMPv2-Trap) expect no answer.
  ctx.emit(newTx(m, tag, buf, ctx));
}

/** Error status of a response, or the USM counter a report carries. */
function setOutcome(tx: TransactionObservation, m: SnmpMessage, tag: number, buf: Uint8Array): void {
  if (tag === Pdu.REPORT) {
    tx.status = 'exception';
    tx.exception = 'REPORT';
    if (m.varbindCount > 0 && tx.detail) {
      const leaf = oidLeaf(buf, m.oidOff[0] as number, m.oidLen[0] as number, USM_STATS_PREFIX);
      tx.detail.report =
        leaf >= 0 ? usmStatsName(leaf) : oidToString(buf, m.oidOff[0] as number, m.oidLen[0] as number);
    }
  } else if (tag === Pdu.RESPONSE && m.errorStatus > 0) {
    tx.status = 'exception';
    tx.exception = errorStatusName(m.errorStatus);
    if (tx.detail) tx.detail.errorIndex = m.errorIndex;
  }
}

// ---- credentials ----------------------------------------------------------------------------

function onCredential(s: SnmpState, buf: Uint8Array, m: SnmpMessage, tag: number, ctx: DissectContext): void {
  const dir: Direction = ctx.dir;
  if (m.version === 0 || m.version === 1) {
    if (m.communityLen < 0) return;
    const h = fnv(buf, m.communityOff, m.communityLen);
    let c = s.creds.find((x) => x.kind === 'community' && x.hash === h && x.len === m.communityLen);
    if (c === undefined) {
      if (s.creds.length >= SNMP_LIMITS.maxCredentials) return;
      c = {
        kind: 'community',
        hash: h,
        len: m.communityLen,
        fp: ctx.fingerprint(buf.subarray(m.communityOff, m.communityOff + m.communityLen)),
        user: '',
        level: '',
        version: m.version,
        ts: ctx.tsUs,
        trapOnly: true,
        outcome: null,
      };
      s.creds.push(c);
    }
    if (tag !== Pdu.TRAP && tag !== Pdu.SNMPV2_TRAP) c.trapOnly = false;
    if (c.outcome === null && dir === 1 && tag === Pdu.RESPONSE) {
      c.outcome = m.errorStatus === AUTHORIZATION_ERROR ? 'failure' : 'success';
      emitCredential(c, ctx);
    }
    return;
  }
  if (m.version !== 3) return;
  if (m.userLen > 0) {
    const h = fnv(buf, m.userOff, m.userLen);
    const level = securityLevelName(Math.max(m.msgFlags, 0));
    let c = s.creds.find((x) => x.kind === 'usm' && x.hash === h && x.len === m.userLen && x.level === level);
    if (c === undefined) {
      if (s.creds.length >= SNMP_LIMITS.maxCredentials) return;
      c = {
        kind: 'usm',
        hash: h,
        len: m.userLen,
        fp: null,
        user: latin1(buf.subarray(m.userOff, m.userOff + m.userLen)),
        level,
        version: 3,
        ts: ctx.tsUs,
        trapOnly: true,
        outcome: null,
      };
      s.creds.push(c);
    }
    if (tag !== Pdu.SNMPV2_TRAP) c.trapOnly = false;
    if (c.outcome === null && dir === 1 && (tag === Pdu.RESPONSE || tag === ENCRYPTED_PDU)) {
      c.outcome = 'success';
      emitCredential(c, ctx);
    }
  }
  if (dir === 1 && tag === Pdu.REPORT && m.varbindCount > 0) {
    const leaf = oidLeaf(buf, m.oidOff[0] as number, m.oidLen[0] as number, USM_STATS_PREFIX);
    if (leaf >= 0 && usmStatsRefuses(leaf)) {
      for (const c of s.creds) {
        if (c.kind !== 'usm' || c.outcome !== null) continue;
        c.outcome = 'failure';
        emitCredential(c, ctx);
      }
    }
  }
}

function emitCredential(c: SeenCredential, ctx: DissectContext): void {
  const usm = c.kind === 'usm';
  const obs: CredentialObservation = {
    kind: 'credential',
    ts: c.ts,
    flowId: ctx.flow.id,
    protocol: 'snmp',
    mechanism: usm ? 'usm' : 'community',
    user: c.user,
    secretFingerprint: c.fp,
    // v1/v2c communities always cross in the clear; USM sends no secret, and only
    // noAuthNoPriv leaves the exchange unprotected.
    cleartext: usm ? c.level === 'noAuthNoPriv' : true,
    outcome: c.outcome ?? 'unknown',
    source: usm ? `snmp.v3.usm.${c.level}` : `snmp.v${versionName(c.version)}.community`,
    by: 'client',
  };
  ctx.emit(obs);
}

// ---- identity -------------------------------------------------------------------------------

function onSystemGroup(s: SnmpState, buf: Uint8Array, m: SnmpMessage, ctx: DissectContext): void {
  let facts: IdentityFact[] | null = null;
  for (let i = 0; i < m.varbindCount; i++) {
    const leaf = oidLeaf(buf, m.oidOff[i] as number, m.oidLen[i] as number, SYSTEM_PREFIX);
    if (leaf < 0) continue;
    const def = SYSTEM_FIELDS[leaf];
    if (def === undefined || s.reported & (1 << leaf)) continue;
    const tag = m.valTag[i] as number;
    const vo = m.valOff[i] as number;
    const vl = m.valLen[i] as number;
    const source = `snmp.response.${def.name}`;
    if (leaf === 2) {
      if (tag !== 0x06) continue;
      const oid = oidToString(buf, vo, vl);
      if (oid === '' || oid.startsWith('snmp-')) continue;
      facts ??= [];
      facts.push({ field: def.field, value: oid, source });
      const vendor = enterpriseVendor(oidEnterprise(buf, vo, vl));
      if (vendor !== null) facts.push({ field: 'vendor', value: vendor, source, precedence: 80 });
    } else {
      if (tag !== 0x04) continue;
      const v = latin1(buf.subarray(vo, vo + vl));
      if (v === '') continue;
      facts ??= [];
      facts.push({ field: def.field, value: v, source });
      if (leaf === 1) for (const f of sysDescrHints(v)) facts.push(f);
    }
    s.reported |= 1 << leaf;
  }
  if (facts !== null) emitIdentity('server', facts, ctx);
}

/**
 * snmpEngineID (RFC 3411 §5): with the high bit set, 4 bytes of enterprise number (bit 31 set),
 * a format byte and the data. It belongs to the authoritative engine: the agent for
 * requests/responses/informs, the sender for traps.
 */
function onEngineId(s: SnmpState, buf: Uint8Array, m: SnmpMessage, tag: number, ctx: DissectContext): void {
  s.reported |= 1;
  const o = m.engineIdOff;
  const facts: IdentityFact[] = [
    { field: 'snmp_engine_id', value: hex(buf.subarray(o, o + m.engineIdLen)), source: 'snmp.v3.usm.engine_id' },
  ];
  if ((buf[o] as number) & 0x80) {
    const n =
      ((buf[o] as number) & 0x7f) * 0x1000000 +
      ((buf[o + 1] as number) << 16) +
      ((buf[o + 2] as number) << 8) +
      (buf[o + 3] as number);
    const vendor = enterpriseVendor(n);
    if (vendor !== null)
      facts.push({ field: 'vendor', value: vendor, source: 'snmp.v3.usm.engine_id', precedence: 80 });
  }
  const trap = tag === Pdu.SNMPV2_TRAP || tag === Pdu.TRAP;
  const about = trap ? (ctx.dir === 0 ? 'client' : 'server') : ctx.flow.serverPort === 162 ? 'client' : 'server';
  emitIdentity(about, facts, ctx);
}

function emitIdentity(about: 'client' | 'server', facts: IdentityFact[], ctx: DissectContext): void {
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'snmp',
    about,
    facts,
  };
  ctx.emit(obs);
}
