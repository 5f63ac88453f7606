import {
  createTransaction,
  type IdentityFact,
  type IdentityObservation,
  type TransactionObservation,
} from '../../observations/observation.js';
import { ip4ToString, macToString } from '../../util/net.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { expectsNoAnswer, isServerMessage, MsgType, msgTypeName, msgTypeOp, osFromVendorClass } from './dhcp.consts.js';
import { ascii, clientIdMac, type DhcpMessage, fqdnName, newDhcpMessage, paramList, parseDhcp } from './dhcp.parse.js';

/** Client messages waiting for their answer per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 16;
/** Identity facts remembered per flow to avoid repeating them (a DHCP flood repeats itself). */
const MAX_SEEN = 128;
/** Sub-options of option 82 read (RFC 3046 §2.0; 6 = subscriber id, RFC 3993). */
const RELAY_SUBOPTS: Readonly<Record<number, string>> = { 1: 'circuitId', 2: 'agentRemoteId', 6: 'subscriberId' };

interface Pending {
  xid: number;
  tx: TransactionObservation;
}

/** Per-flow state: client messages waiting for an answer, facts already emitted. */
export interface DhcpState {
  readonly pending: Pending[];
  readonly seen: Set<string>;
  /** Messages parsed with a valid header and cookie. */
  messages: number;
  violated: boolean;
}

const msg: DhcpMessage = newDhcpMessage();

/**
 * DHCP (UDP 67/68, RFC 2131/2132). Client messages (DISCOVER, REQUEST, INFORM...) become
 * transactions answered by the server message with the same xid in the same flow (OFFER, ACK,
 * NAK = 'exception'). Broadcast exchanges often span two flows (0.0.0.0:68 -> 255.255.255.255:67
 * and server:67 -> 255.255.255.255:68): then the server message is its own 'unsolicited'
 * transaction and the client message ends 'no-response'; `detail` carries what each side said
 * so the exchange can be joined by xid downstream (as Zeek's dhcp.log does).
 *
 * Identity: the client's host name, FQDN, vendor class (and an OS guess from it) and parameter
 * request list fingerprint, about {mac: chaddr}; a server answering is a 'dhcp_server'; an ACK
 * binds yiaddr to chaddr ('ip_address').
 */
export const dhcpDissector: Dissector<DhcpState> = {
  name: 'dhcp',
  transports: ['udp'],
  defaultPorts: [67, 68],

  newState(_flow: FlowInfo): DhcpState {
    return { pending: [], seen: new Set(), messages: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const err = parseDhcp(buf, off, len, msg);
    if (err === 'dhcp-truncated' || err === 'dhcp-bad-op' || err === 'dhcp-bad-hlen' || err === 'dhcp-bad-cookie') {
      if (s.messages === 0 && err !== 'dhcp-bad-cookie') {
        s.violated = true;
        ctx.violation(`${err}: ${len} bytes, op ${msg.op}`);
        return len;
      }
      // Zeek drops such a message too (its options must not leak into the next one).
      ctx.anomaly(err, `xid 0x${msg.xid.toString(16)}, ${len} bytes, op ${msg.op}`);
      return len;
    }
    s.messages++;
    if (err !== null) ctx.anomaly(err, `xid 0x${msg.xid.toString(16)} ${msgTypeName(msg.msgType)}`);
    if (msg.msgType === 0) ctx.anomaly('dhcp-no-message-type', `xid 0x${msg.xid.toString(16)}, op ${msg.op}`);
    const server = msg.msgType === 0 ? msg.op === 2 : isServerMessage(msg.msgType);
    if (server) onServerMessage(s, buf, ctx);
    else onClientMessage(s, buf, ctx);
    return len;
  },

  onEnd(s, ctx) {
    for (const p of s.pending) ctx.emit(p.tx);
    s.pending.length = 0;
  },
};

/** IP address of the side that sent the current datagram. */
function senderIp(ctx: DissectContext): string {
  return ctx.dir === 0 ? ctx.flow.clientIp : ctx.flow.serverIp;
}

function newTx(ctx: DissectContext, status: TransactionObservation['status']): TransactionObservation {
  const tx = createTransaction(
    ctx.tsUs,
    ctx.flow.id,
    'dhcp',
    msgTypeOp(msg.msgType),
    msgTypeName(msg.msgType),
    msg.msgType,
    status,
  );
  tx.tid = msg.xid;
  tx.detail = { options: msg.optionCount };
  return tx;
}

function onClientMessage(s: DhcpState, buf: Uint8Array, ctx: DissectContext): void {
  const tx = newTx(ctx, 'no-response');
  const d = tx.detail as Record<string, string | number | boolean>;
  const from = senderIp(ctx);
  if (from !== '0.0.0.0' && from !== '255.255.255.255') d.clientAddr = from;
  if (msg.chaddr !== 0) d.chaddr = macToString(msg.chaddr);
  if (msg.ciaddr !== 0) d.ciaddr = ip4ToString(msg.ciaddr);
  if (msg.giaddr !== 0) d.giaddr = ip4ToString(msg.giaddr);
  const cidMac = msg.clientIdLen > 0 ? clientIdMac(buf, msg.clientIdOff, msg.clientIdLen) : -1;
  if (cidMac >= 0) d.clientIdMac = macToString(cidMac);
  const hostName = msg.hostNameLen >= 0 ? ascii(buf, msg.hostNameOff, msg.hostNameLen) : '';
  if (hostName) d.hostName = hostName;
  const fqdn = msg.fqdnLen >= 0 ? fqdnName(buf, msg.fqdnOff, msg.fqdnLen, msg.fqdnFlags) : '';
  if (msg.fqdnLen >= 0) d.clientFqdn = fqdn;
  if (msg.requestedAddr >= 0) d.requestedAddr = ip4ToString(msg.requestedAddr);
  if (msg.serverId >= 0) d.serverId = ip4ToString(msg.serverId);
  const vendorClass = msg.vendorClassLen > 0 ? ascii(buf, msg.vendorClassOff, msg.vendorClassLen) : '';
  if (vendorClass) d.vendorClass = vendorClass;
  const params = msg.paramListLen > 0 ? paramList(buf, msg.paramListOff, msg.paramListLen) : '';
  if (params) d.paramList = params;
  if (msg.messageLen > 0) d.clientMessage = ascii(buf, msg.messageOff, msg.messageLen);
  relayAgent(buf, d);

  if (expectsNoAnswer(msg.msgType)) {
    tx.status = 'ok';
    ctx.emit(tx);
  } else {
    const i = s.pending.findIndex((p) => p.xid === msg.xid);
    if (i >= 0) ctx.emit((s.pending.splice(i, 1)[0] as Pending).tx);
    s.pending.push({ xid: msg.xid, tx });
    if (s.pending.length > MAX_PENDING) ctx.emit((s.pending.shift() as Pending).tx);
  }

  const about = msg.chaddr !== 0 ? msg.chaddr : cidMac;
  if (about <= 0) return;
  const src = `dhcp.${tx.fn.toLowerCase()}`;
  const facts: IdentityFact[] = [];
  if (hostName) facts.push({ field: 'hostname', value: hostName, source: `${src}.host_name`, precedence: 50 });
  if (fqdn) {
    facts.push({ field: 'fqdn', value: fqdn, source: `${src}.client_fqdn`, precedence: 50 });
    const first = fqdn.split('.')[0] as string;
    if (!hostName && first)
      facts.push({ field: 'hostname', value: first, source: `${src}.client_fqdn`, precedence: 50 });
  }
  if (vendorClass) {
    facts.push({ field: 'dhcp_vendor_class', value: vendorClass, source: `${src}.vendor_class`, precedence: 50 });
    const os = osFromVendorClass(vendorClass);
    if (os) facts.push({ field: 'os', value: os, source: `${src}.vendor_class`, precedence: 30 });
  }
  if (params)
    facts.push({ field: 'dhcp_fingerprint', value: params, source: `${src}.param_request_list`, precedence: 50 });
  emitIdentity(s, ctx, { mac: about }, facts);
}

function onServerMessage(s: DhcpState, buf: Uint8Array, ctx: DissectContext): void {
  const i = s.pending.findIndex((p) => p.xid === msg.xid);
  let tx: TransactionObservation;
  if (i >= 0) {
    tx = (s.pending.splice(i, 1)[0] as Pending).tx;
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
  } else {
    tx = newTx(ctx, 'unsolicited');
  }
  const d = tx.detail as Record<string, string | number | boolean>;
  const type = msgTypeName(msg.msgType);
  d.reply = type;
  d.replyOptions = msg.optionCount;
  if (msg.msgType === MsgType.NAK) {
    if (tx.status === 'ok') tx.status = 'exception';
    tx.exception = 'NAK';
  }
  const from = senderIp(ctx);
  if (msg.yiaddr !== 0) {
    d.assignedAddr = ip4ToString(msg.yiaddr);
    d.serverAddr = from;
  }
  if (msg.chaddr !== 0) d.replyChaddr = macToString(msg.chaddr);
  if (msg.serverId >= 0) d.serverId = ip4ToString(msg.serverId);
  if (msg.leaseTime >= 0) d.leaseTime = msg.leaseTime;
  if (msg.subnetMask >= 0) d.subnetMask = ip4ToString(msg.subnetMask);
  if (msg.router >= 0) d.router = ip4ToString(msg.router);
  if (msg.dnsLen > 0) d.dnsServers = addrList(buf, msg.dnsOff, msg.dnsLen);
  if (msg.domainLen >= 0) d.domain = ascii(buf, msg.domainOff, msg.domainLen);
  if (msg.messageLen > 0) d.serverMessage = ascii(buf, msg.messageOff, msg.messageLen);
  relayAgent(buf, d);
  ctx.emit(tx);

  const src = `dhcp.${type.toLowerCase()}`;
  if ((msg.msgType === MsgType.OFFER || msg.msgType === MsgType.ACK) && from !== '0.0.0.0') {
    emitIdentity(s, ctx, ctx.dir === 0 ? 'client' : 'server', [
      { field: 'role', value: 'dhcp_server', source: `${src}.sender` },
    ]);
  }
  if (msg.msgType === MsgType.ACK && msg.yiaddr !== 0 && msg.chaddr !== 0) {
    emitIdentity(s, ctx, { mac: msg.chaddr }, [
      { field: 'ip_address', value: ip4ToString(msg.yiaddr), source: 'dhcp.ack.yiaddr', precedence: 50 },
    ]);
  }
}

/** Option 82 sub-options (circuit id, remote id, subscriber id) into the detail. */
function relayAgent(buf: Uint8Array, d: Record<string, string | number | boolean>): void {
  if (msg.relayLen <= 0) return;
  let p = msg.relayOff;
  const end = p + msg.relayLen;
  while (p + 2 <= end) {
    const code = buf[p] as number;
    const n = buf[p + 1] as number;
    if (p + 2 + n > end) break;
    const key = RELAY_SUBOPTS[code];
    if (key) d[key] = ascii(buf, p + 2, n);
    p += 2 + n;
  }
}

function addrList(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i + 4 <= len && i < 64; i += 4) {
    const a = `${buf[off + i]}.${buf[off + i + 1]}.${buf[off + i + 2]}.${buf[off + i + 3]}`;
    s += i === 0 ? a : `,${a}`;
  }
  return s;
}

/** Emits the facts not yet emitted on this flow for that device. */
function emitIdentity(
  s: DhcpState,
  ctx: DissectContext,
  about: IdentityObservation['about'],
  facts: IdentityFact[],
): void {
  const who = typeof about === 'string' ? about : `${about.mac ?? ''}`;
  const fresh: IdentityFact[] = [];
  for (const f of facts) {
    const key = `${who}|${f.field}|${f.value}`;
    if (s.seen.has(key)) continue;
    if (s.seen.size < MAX_SEEN) s.seen.add(key);
    fresh.push(f);
  }
  if (fresh.length === 0) return;
  ctx.emit({ kind: 'asset.identity', ts: ctx.tsUs, flowId: ctx.flow.id, protocol: 'dhcp', about, facts: fresh });
}
