import { u16le, u32le } from '../../bytes/words.js';
import {
  createTransaction,
  type Direction,
  type IdentityFact,
  type IdentityObservation,
  type Op,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { badHeader, type Framer, FrameSync, goodFrame, resume } from '../framing.js';
import {
  Cls,
  Cmd,
  className,
  commandName,
  commandOp,
  deviceStateName,
  deviceTypeName,
  ENCAP_HEADER_LEN,
  encapStatusName,
  extendedStatusName,
  hexN,
  Item,
  MAX_CIP_DEPTH,
  pcccCommand,
  Svc,
  serviceName,
  serviceOp,
  statusIsOk,
  statusName,
  vendorName,
} from './enip.consts.js';
import {
  type CipIdentity,
  findItem,
  hex0x,
  hexBytes7,
  mspCount,
  mspError,
  mspService,
  newCipMessage,
  newCipPath,
  newCpf,
  newEncapHeader,
  newUnconnectedSend,
  parseCipMessage,
  parseCpf,
  parseEncapHeader,
  parseForwardOpen,
  parseForwardOpenReply,
  parseIdentityAttribute,
  parseIdentityAttributeList,
  parseIdentityAttributes,
  parseListIdentityItem,
  parsePath,
  parsePcccRequest,
  parseUnconnectedSend,
  plausibleHeader,
  senderContextHex,
} from './enip.parse.js';

type Detail = Record<string, string | number | boolean>;

/** Requests waiting for a reply per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 64;
/** Consecutive bad headers on a confirmed flow before we give up on it. */
export const MAX_BAD_HEADERS = 4;
/** Bytes skipped while looking for a header before we give up on the flow. */
export const MAX_RESYNC_BYTES = 4096;
/** Forward Open connections remembered per flow (to know which connections are routed). */
const MAX_CONNECTIONS = 64;
/** Distinct identity answers remembered per flow to drop repeats (scanners poll every module). */
const MAX_IDENTITIES = 32;

/**
 * One CIP request (or an encapsulation command without CIP) waiting for its reply. A Multiple
 * Service Packet has one child per embedded request; an Unconnected Send is transparent: the
 * node is the embedded request, marked as routed. A top-level node is its own pending entry
 * (command, sender context, sequence): no second object per request.
 */
interface Node {
  tx: TransactionObservation;
  children: Node[] | null;
  classId: number;
  instanceId: number;
  attributeId: number;
  /** Route of an Unconnected Send (or of the connection): the answer describes that module. */
  route: string;
  viaUcs: boolean;
  /** Forward Open: the route of the connection path, to remember the connection id. */
  openRoute: string | null;
  /** Pairing keys of a pending (top-level) node: encapsulation command and sender context. */
  cmd: number;
  ctxLo: number;
  ctxHi: number;
  /** CIP sequence count of connected (SendUnitData) requests, else -1. */
  seq: number;
}

/** Per-flow state. */
export interface EnipState {
  /** Frame boundaries: resync after gaps, bad headers, giving up (src/dissectors/framing.ts). */
  readonly sync: FrameSync;
  /** Requests waiting for their reply, oldest first (a flow rarely has more than one or two). */
  readonly pending: Node[];
  /** Session handle from RegisterSession (or the first one seen), -1 before. */
  session: number;
  /** O->T connection ids of Forward Opens whose connection path routes through a port. */
  routedConns: Map<number, string> | null;
  /** Identities already emitted on this flow (bounded), to drop repeats of the same answer. */
  identities: Set<string> | null;
  /** Hex text of the last session handle seen: built once, not per message. */
  hexSession: number;
  hexSessionText: string;
  /**
   * Hex text of sender context bytes 1-7 last seen (bytes 13-19 of the header as u24 + u32):
   * clients use a constant context or count in byte 0, so only byte 0 changes from one
   * request to the next.
   */
  hexCtxTail: number;
  hexCtxHi: number;
  hexCtxTailText: string;
}

/** `hexN(session, 8)`, cached per flow (a session handle rarely changes). */
function sessionText(s: EnipState, session: number): string {
  if (s.hexSession !== session || s.hexSessionText === '') {
    s.hexSession = session;
    s.hexSessionText = hexN(session, 8);
  }
  return s.hexSessionText;
}

/** `senderContextHex(buf, pos)`, with the text of bytes 1-7 cached per flow. */
function contextText(s: EnipState, buf: Uint8Array, pos: number): string {
  const tail = hdr.ctxLo >>> 8;
  if (s.hexCtxTail !== tail || s.hexCtxHi !== hdr.ctxHi || s.hexCtxTailText === '') {
    s.hexCtxTail = tail;
    s.hexCtxHi = hdr.ctxHi;
    s.hexCtxTailText = hexBytes7(buf, pos + 13);
  }
  return hex0x(buf[pos + 12] as number) + s.hexCtxTailText;
}

const hdr = newEncapHeader();
const cpf = newCpf();
const cip = newCipMessage();
const path = newCipPath();
const routePath = newCipPath();
const ucs = newUnconnectedSend();
const span: [number, number] = [0, 0];

/**
 * EtherNet/IP (TCP and UDP 44818): encapsulation (V2 §2), Common Packet Format, and CIP
 * explicit messages (V1 §2-4) inside SendRRData / SendUnitData, with Multiple Service Packet and
 * Unconnected Send unwrapped. Emits one `transaction` per CIP request/reply (and per
 * encapsulation command without CIP), `asset.identity` for ListIdentity replies and Identity
 * object reads, and named anomalies.
 */
export const enipDissector: Dissector<EnipState> = {
  name: 'enip',
  transports: ['tcp', 'udp'],
  defaultPorts: [44818],

  // Only the opening message of a session is accepted on other ports: RegisterSession (length
  // 4, protocol version 1) or a List* request (length 0), alone in the segment.
  probe(buf, off, len, dir) {
    if (dir !== 0) return 'no-match';
    if (len < ENCAP_HEADER_LEN) return len >= 2 && buf[off + 1] !== 0 ? 'no-match' : 'need-more';
    if (!plausibleHeader(buf, off, len)) return 'no-match';
    const cmd = u16le(buf, off);
    const length = u16le(buf, off + 2);
    if (u32le(buf, off + 8) !== 0 || len !== ENCAP_HEADER_LEN + length) return 'no-match';
    if (cmd === Cmd.REGISTER_SESSION) return length === 4 && u16le(buf, off + 24) === 1 ? 'match' : 'no-match';
    if (cmd === Cmd.LIST_IDENTITY || cmd === Cmd.LIST_SERVICES || cmd === Cmd.LIST_INTERFACES) {
      return length === 0 ? 'match' : 'no-match';
    }
    return 'no-match';
  },

  newState(_flow: FlowInfo): EnipState {
    return {
      sync: new FrameSync(),
      pending: [],
      session: -1,
      routedConns: null,
      identities: null,
      hexSession: -1,
      hexSessionText: '',
      hexCtxTail: -1,
      hexCtxHi: 0,
      hexCtxTailText: '',
    };
  },

  parse(s, buf, off, len, ctx) {
    if (s.sync.violated) return len;
    const udp = ctx.flow.transport === 'udp';
    const dir = ctx.dir;
    const end = off + len;
    // Datagrams never resync (no gaps: each one starts with a header).
    let pos = resume(FRAMER, s.sync, buf, off, end, dir, ctx);
    if (s.sync.violated) return len;
    if (s.sync.resync[dir]) return pos - off;
    while (end - pos >= ENCAP_HEADER_LEN) {
      const err = parseEncapHeader(buf, pos, end - pos, hdr);
      if (err !== null && err !== 'enip-bad-options') {
        const detail = `command ${hdr.command}, length ${hdr.length}`;
        pos = badHeader(FRAMER, s.sync, err, detail, buf, pos, end, dir, ctx, !udp);
        if (s.sync.violated || udp) return len;
        if (s.sync.resync[dir]) break;
        continue;
      }
      const frameLen = ENCAP_HEADER_LEN + hdr.length;
      if (end - pos < frameLen) {
        if (udp) {
          ctx.anomaly(
            'enip-length-mismatch',
            `${commandName(hdr.command)}: length ${hdr.length}, datagram ${end - pos}`,
          );
          return len;
        }
        break;
      }
      if (err !== null) ctx.anomaly(err, `${commandName(hdr.command)}: options ${hexN(hdr.options, 8)}`);
      goodFrame(s.sync);
      onMessage(s, buf, pos, ctx);
      pos += frameLen;
    }
    if (udp && pos < end) {
      ctx.anomaly(
        pos === off ? 'enip-header-truncated' : 'enip-length-mismatch',
        `${end - pos} byte(s) after the message`,
      );
      return len;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    s.sync.resync[dir] = true;
  },

  onEnd(s, ctx) {
    for (const p of s.pending) emitNode(p, ctx);
    s.pending.length = 0;
  },
};

/** Encapsulation messages; a start is plausible when a 24-byte header makes sense there. */
const FRAMER: Framer = {
  protocol: 'enip',
  start: 'encapsulation header',
  keep: ENCAP_HEADER_LEN,
  maxBad: MAX_BAD_HEADERS,
  maxSkip: MAX_RESYNC_BYTES,
  find(buf, from, end) {
    for (let i = from; i + ENCAP_HEADER_LEN <= end; i++) if (plausibleHeader(buf, i, end - i)) return i;
    return -1;
  },
};

/** A transaction at request time; every optional field present so all share one shape. */
function newTx(
  ctx: DissectContext,
  fn: string,
  fnCode: number,
  op: Op,
  status: TransactionObservation['status'],
  detail: Record<string, string | number | boolean>,
): TransactionObservation {
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'enip', op, fn, fnCode, status);
  tx.detail = detail;
  return tx;
}

function newNode(tx: TransactionObservation): Node {
  return {
    tx,
    children: null,
    classId: -1,
    instanceId: -1,
    attributeId: -1,
    route: '',
    viaUcs: false,
    openRoute: null,
    cmd: 0,
    ctxLo: 0,
    ctxHi: 0,
    seq: -1,
  };
}

function emitNode(n: Node, ctx: DissectContext): void {
  ctx.emit(n.tx);
  if (n.children) for (const c of n.children) emitNode(c, ctx);
}

/** One encapsulation message at `pos` (header in `hdr`). */
function onMessage(s: EnipState, buf: Uint8Array, pos: number, ctx: DissectContext): void {
  const cmd = hdr.command;
  const dataOff = pos + ENCAP_HEADER_LEN;
  const dataLen = hdr.length;
  if (cmd === Cmd.NOP) return;
  if (ctx.dir === 0) {
    if (cmd === Cmd.SEND_RR_DATA || cmd === Cmd.SEND_UNIT_DATA) {
      if (s.session < 0) s.session = hdr.session;
      else if (hdr.session !== s.session) {
        ctx.anomaly(
          'enip-session-mismatch',
          `${commandName(cmd)}: session ${hexN(hdr.session, 8)}, registered ${hexN(s.session, 8)}`,
        );
      }
      onCipRequest(s, buf, pos, dataOff, dataLen, ctx);
      return;
    }
    const detail: Record<string, string | number | boolean> = { session: hexN(hdr.session, 8) };
    if (hdr.ctxLo !== 0 || hdr.ctxHi !== 0) detail.senderContext = senderContextHex(buf, pos);
    if (cmd === Cmd.REGISTER_SESSION && dataLen >= 2) detail.protocolVersion = u16le(buf, dataOff);
    // UnRegisterSession, IndicateStatus and Cancel have no reply (V2 §2-4).
    const oneWay = cmd === Cmd.UNREGISTER_SESSION || cmd === Cmd.INDICATE_STATUS || cmd === Cmd.CANCEL;
    const tx = newTx(ctx, commandName(cmd), cmd, commandOp(cmd), 'no-response', detail);
    if (oneWay) ctx.emit(tx);
    else addPending(s, newNode(tx), cmd, hdr.ctxLo, hdr.ctxHi, -1, ctx);
    return;
  }
  onReply(s, buf, pos, dataOff, dataLen, ctx);
}

function addPending(
  s: EnipState,
  n: Node,
  cmd: number,
  ctxLo: number,
  ctxHi: number,
  seq: number,
  ctx: DissectContext,
): void {
  n.cmd = cmd;
  n.ctxLo = ctxLo;
  n.ctxHi = ctxHi;
  n.seq = seq;
  s.pending.push(n);
  if (s.pending.length > MAX_PENDING) emitNode(s.pending.shift() as Node, ctx);
}

/** SendRRData / SendUnitData data: interface handle u32, timeout u16, CPF (V2 §2-4.7, §2-4.8). */
function cpfOf(buf: Uint8Array, dataOff: number, dataLen: number, ctx: DissectContext, what: string): boolean {
  if (dataLen < 6) {
    ctx.anomaly('enip-cpf-truncated', `${what}: ${dataLen} byte(s) of command data`);
    return false;
  }
  const err = parseCpf(buf, dataOff + 6, dataLen - 6, cpf);
  if (err) ctx.anomaly(err, `${what}: ${cpf.n} of ${cpf.count} item(s)`);
  return cpf.n > 0;
}

function onCipRequest(
  s: EnipState,
  buf: Uint8Array,
  pos: number,
  dataOff: number,
  dataLen: number,
  ctx: DissectContext,
): void {
  const cmd = hdr.command;
  const what = commandName(cmd);
  const ctxLo = hdr.ctxLo;
  const ctxHi = hdr.ctxHi;
  const session = sessionText(s, hdr.session);
  const senderContext = ctxLo !== 0 || ctxHi !== 0 ? contextText(s, buf, pos) : '';
  if (!cpfOf(buf, dataOff, dataLen, ctx, what)) return;
  let seq = -1;
  let connId = -1;
  let msgOff: number;
  let msgLen: number;
  if (cmd === Cmd.SEND_UNIT_DATA) {
    const addr = findItem(cpf, Item.CONNECTED_ADDRESS);
    const data = findItem(cpf, Item.CONNECTED_DATA);
    if (addr && addr.len >= 4) connId = u32le(buf, addr.off);
    if (!data || data.len < 2) {
      ctx.anomaly('enip-cpf-missing-item', `${what}: no connected data item`);
      return;
    }
    seq = u16le(buf, data.off);
    msgOff = data.off + 2;
    msgLen = data.len - 2;
  } else {
    const data = findItem(cpf, Item.UNCONNECTED_DATA);
    if (!data) {
      ctx.anomaly('enip-cpf-missing-item', `${what}: no unconnected data item`);
      return;
    }
    msgOff = data.off;
    msgLen = data.len;
  }
  const route = connId >= 0 ? (s.routedConns?.get(connId) ?? '') : '';
  const node = buildRequest(buf, msgOff, msgLen, ctx, 0, '', route);
  if (node === null) return;
  stamp(node, cmd, session, senderContext, seq, connId);
  addPending(s, node, cmd, ctxLo, ctxHi, seq, ctx);
}

/** Encapsulation facts every transaction of one message shares. */
function stamp(n: Node, cmd: number, session: string, senderContext: string, seq: number, connId: number): void {
  const d = n.tx.detail as Record<string, string | number | boolean>;
  d.enipCommand = commandName(cmd);
  d.session = session;
  if (senderContext !== '') d.senderContext = senderContext;
  if (connId >= 0) d.connectionId = hexN(connId, 8);
  if (seq >= 0) n.tx.tid = seq;
  if (n.children) for (const c of n.children) stamp(c, cmd, session, senderContext, seq, connId);
}

/**
 * The detail of a CIP request, with every key it gets at request time (path, then the
 * encapsulation stamp) present from the start, undefined while absent: requests share one
 * shape and `stamp` adds no properties. JSON drops undefined values, and the keys are in the
 * order they were once added in, so the output is unchanged. Keys only error replies set
 * (routingError, partial, extendedStatus...) are added when they happen, after these, as before.
 */
function plainDetail(classId: number, via: string, route: string): Detail {
  return {
    classId: classId >= 0 ? classId : undefined,
    className: classId >= 0 ? className(classId) : undefined,
    instanceId: path.instanceId >= 0 ? path.instanceId : undefined,
    attributeId: path.attributeId >= 0 ? path.attributeId : undefined,
    memberId: path.memberId >= 0 ? path.memberId : undefined,
    tag: path.tag !== '' ? path.tag : undefined,
    via: via !== '' ? via : undefined,
    route: route !== '' ? route : undefined,
    // stamp()
    enipCommand: undefined,
    session: undefined,
    senderContext: undefined,
    connectionId: undefined,
  } as unknown as Detail;
}

/** `plainDetail` of a request addressed by tag name alone (Logix tag reads and writes). */
function symbolDetail(via: string, route: string): Detail {
  return {
    tag: path.tag !== '' ? path.tag : undefined,
    via: via !== '' ? via : undefined,
    route: route !== '' ? route : undefined,
    // stamp()
    enipCommand: undefined,
    session: undefined,
    senderContext: undefined,
    connectionId: undefined,
  } as unknown as Detail;
}

/** `plainDetail` plus the keys of Multiple Service Packet, Forward Open and PCCC requests. */
function fullDetail(classId: number, via: string, route: string): Detail {
  return {
    classId: classId >= 0 ? classId : undefined,
    className: classId >= 0 ? className(classId) : undefined,
    instanceId: path.instanceId >= 0 ? path.instanceId : undefined,
    attributeId: path.attributeId >= 0 ? path.attributeId : undefined,
    memberId: path.memberId >= 0 ? path.memberId : undefined,
    tag: path.tag !== '' ? path.tag : undefined,
    via: via !== '' ? via : undefined,
    route: route !== '' ? route : undefined,
    // Multiple Service Packet
    services: undefined,
    // Forward Open
    connectionSerial: undefined,
    originatorVendorId: undefined,
    originatorSerial: undefined,
    o2tRpiUs: undefined,
    t2oRpiUs: undefined,
    transportClass: undefined,
    connectionRoute: undefined,
    targetClassId: undefined,
    keyVendorId: undefined,
    keyProductCode: undefined,
    keyRevision: undefined,
    // Execute PCCC
    pccc: undefined,
    // stamp()
    enipCommand: undefined,
    session: undefined,
    senderContext: undefined,
    connectionId: undefined,
  } as unknown as Detail;
}

/**
 * A CIP request at `off` -> its node (and the nodes of what it carries). Shared parse structs
 * are copied into locals before any recursion.
 */
function buildRequest(
  buf: Uint8Array,
  off: number,
  len: number,
  ctx: DissectContext,
  depth: number,
  via: string,
  route: string,
): Node | null {
  const err = parseCipMessage(buf, off, len, cip);
  if (cip.isResponse) {
    ctx.anomaly('enip-response-in-request', `service ${hexN(cip.service | 0x80, 2)} sent by the client`);
    return null;
  }
  if (err !== null && len < 2) {
    ctx.anomaly(err, `CIP request of ${len} byte(s)`);
    return null;
  }
  const service = cip.service;
  const dOff = cip.dataOff;
  const dLen = cip.dataLen;
  const perr = parsePath(buf, cip.pathOff, cip.pathLen, path);
  if (err ?? perr) ctx.anomaly((err ?? perr) as string, `request ${serviceName(service, path.classId)}`);
  const classId = path.classId;
  const detail =
    service === Svc.MULTIPLE_SERVICE_PACKET ||
    (classId === Cls.PCCC && service === Svc.EXECUTE_PCCC) ||
    (classId === Cls.CONNECTION_MANAGER && (service === Svc.FORWARD_OPEN || service === Svc.LARGE_FORWARD_OPEN))
      ? fullDetail(classId, via, route)
      : classId < 0 && path.instanceId < 0 && path.attributeId < 0 && path.memberId < 0
        ? symbolDetail(via, route)
        : plainDetail(classId, via, route);
  const tx = newTx(ctx, serviceName(service, classId), service, serviceOp(service, classId), 'no-response', detail);
  const node = newNode(tx);
  node.classId = classId;
  node.instanceId = path.instanceId;
  node.attributeId = path.attributeId;
  node.route = route;

  if (classId === Cls.CONNECTION_MANAGER && service === Svc.UNCONNECTED_SEND) {
    const uerr = parseUnconnectedSend(buf, dOff, dLen, ucs);
    if (uerr) ctx.anomaly(uerr, `unconnected send of ${dLen} byte(s)`);
    if (uerr && ucs.msgLen === 0) return node;
    const msgOff = ucs.msgOff;
    const msgLen = ucs.msgLen;
    const rerr = parsePath(buf, ucs.routeOff, ucs.routeLen, routePath);
    if (rerr) ctx.anomaly(rerr, 'unconnected send route path');
    const hop = routePath.route;
    if (depth + 1 > MAX_CIP_DEPTH) {
      ctx.anomaly('enip-nesting-too-deep', `unconnected send at depth ${depth}`);
      return node;
    }
    const inner = buildRequest(buf, msgOff, msgLen, ctx, depth + 1, 'UNCONNECTED_SEND', hop === '' ? route : hop);
    if (inner === null) return node;
    inner.viaUcs = true;
    return inner;
  }
  if (service === Svc.MULTIPLE_SERVICE_PACKET) {
    tx.op = 'other';
    const n = mspCount(buf, dOff, dLen);
    if (n < 0) {
      ctx.anomaly(mspError(n), `multiple service packet of ${dLen} byte(s)`);
      return node;
    }
    detail.services = n;
    if (depth + 1 > MAX_CIP_DEPTH) {
      ctx.anomaly('enip-nesting-too-deep', `multiple service packet at depth ${depth}`);
      return node;
    }
    const children: Node[] = [];
    for (let i = 0; i < n; i++) {
      if (!mspService(buf, dOff, dLen, n, i, span)) {
        ctx.anomaly('enip-msp-bad-offset', `service ${i} of ${n}`);
        break;
      }
      const child = buildRequest(buf, span[0], span[1], ctx, depth + 1, 'MULTIPLE_SERVICE_PACKET', route);
      if (child) children.push(child);
    }
    node.children = children;
    return node;
  }
  if (classId === Cls.CONNECTION_MANAGER && (service === Svc.FORWARD_OPEN || service === Svc.LARGE_FORWARD_OPEN)) {
    const fo = parseForwardOpen(buf, dOff, dLen, service === Svc.LARGE_FORWARD_OPEN);
    if (typeof fo === 'string') {
      ctx.anomaly(fo, `forward open of ${dLen} byte(s)`);
      return node;
    }
    detail.connectionSerial = fo.serial;
    detail.originatorVendorId = fo.vendor;
    detail.originatorSerial = hexN(fo.originatorSerial, 8);
    detail.o2tRpiUs = fo.o2tRpi;
    detail.t2oRpiUs = fo.t2oRpi;
    detail.transportClass = fo.transport & 0x0f;
    const cerr = parsePath(buf, fo.pathOff, fo.pathLen, routePath);
    if (cerr) ctx.anomaly(cerr, 'forward open connection path');
    if (routePath.route !== '') detail.connectionRoute = routePath.route;
    if (routePath.classId >= 0) detail.targetClassId = routePath.classId;
    if (routePath.keyVendor >= 0) {
      detail.keyVendorId = routePath.keyVendor;
      detail.keyProductCode = routePath.keyProductCode;
      detail.keyRevision = `${routePath.keyMajor}.${routePath.keyMinor}`;
    }
    node.openRoute = routePath.route;
    return node;
  }
  if (classId === Cls.PCCC && service === Svc.EXECUTE_PCCC) {
    const pc = parsePcccRequest(buf, dOff, dLen);
    if (pc) {
      const [name, op] = pcccCommand(pc[0], pc[1]);
      detail.pccc = name;
      tx.op = op;
    }
    return node;
  }
  if ((service === Svc.READ_TAG || service === Svc.READ_TAG_FRAGMENTED) && tx.op === 'read' && dLen >= 2) {
    // Read Tag [Fragmented]: element count u16 (1756-PM020).
    tx.quantity = u16le(buf, dOff);
  } else if ((service === Svc.WRITE_TAG || service === Svc.WRITE_TAG_FRAGMENTED) && tx.op === 'write' && dLen >= 4) {
    // Write Tag [Fragmented]: data type u16 (+ pad/len for structures), element count u16.
    const type = u16le(buf, dOff);
    const cOff = type === 0x02a0 ? dOff + 4 : dOff + 2;
    if (cOff + 2 <= dOff + dLen) tx.quantity = u16le(buf, cOff);
  }
  return node;
}

/**
 * Finds and removes the pending request a reply answers: same command and sender context
 * (V2 §2-3.1: the target echoes it), oldest first. SendUnitData is not an encapsulation
 * request/reply pair (V2 §2-4.8): targets answer with their own context (often 0), so connected
 * messages pair on the CIP sequence count the reply echoes (V1 §3-4.4.8).
 */
function takePending(s: EnipState, seq: number): Node | null {
  const p = s.pending;
  const connected = hdr.command === Cmd.SEND_UNIT_DATA;
  for (let i = 0; i < p.length; i++) {
    const e = p[i] as Node;
    if (e.cmd !== hdr.command) continue;
    if (connected ? e.seq !== seq : e.ctxLo !== hdr.ctxLo || e.ctxHi !== hdr.ctxHi) continue;
    // The answer is usually to the newest request: pop keeps the array's capacity, splice at 0 trims it.
    if (i === p.length - 1) p.pop();
    else p.splice(i, 1);
    return e;
  }
  return null;
}

function onReply(
  s: EnipState,
  buf: Uint8Array,
  pos: number,
  dataOff: number,
  dataLen: number,
  ctx: DissectContext,
): void {
  const cmd = hdr.command;
  const what = commandName(cmd);
  const encapStatus = hdr.status;
  const session = hdr.session;
  const isCip = cmd === Cmd.SEND_RR_DATA || cmd === Cmd.SEND_UNIT_DATA;
  let seq = -1;
  let msgOff = -1;
  let msgLen = 0;
  if (isCip && encapStatus === 0 && cpfOf(buf, dataOff, dataLen, ctx, what)) {
    const item = findItem(cpf, cmd === Cmd.SEND_UNIT_DATA ? Item.CONNECTED_DATA : Item.UNCONNECTED_DATA);
    if (item && cmd === Cmd.SEND_UNIT_DATA && item.len >= 2) {
      seq = u16le(buf, item.off);
      msgOff = item.off + 2;
      msgLen = item.len - 2;
    } else if (item && cmd === Cmd.SEND_RR_DATA) {
      msgOff = item.off;
      msgLen = item.len;
    } else {
      ctx.anomaly('enip-cpf-missing-item', `${what} reply: no data item`);
    }
  }
  const p = takePending(s, seq);
  let node: Node;
  if (p === null) {
    node = unsolicited(buf, pos, msgOff, msgLen, ctx);
  } else {
    node = p;
    node.tx.rttUs = ctx.tsUs - node.tx.ts;
  }
  if (encapStatus !== 0) {
    markStatus(node, 'exception', encapStatusName(encapStatus));
    (node.tx.detail as Record<string, string | number | boolean>).enipStatus = encapStatusName(encapStatus);
  } else if (isCip && msgOff >= 0 && p !== null) {
    applyReply(s, node, buf, msgOff, msgLen, ctx, 0);
  } else if (p !== null) {
    node.tx.status = 'ok';
  }
  if (cmd === Cmd.REGISTER_SESSION && encapStatus === 0) s.session = session;
  emitNode(node, ctx);
  if (encapStatus === 0 && cmd === Cmd.LIST_IDENTITY) onListIdentity(s, buf, dataOff, dataLen, ctx);
  else if (encapStatus === 0 && cmd === Cmd.LIST_SERVICES) onListServices(node, buf, dataOff, dataLen);
}

function markStatus(n: Node, status: TransactionObservation['status'], exception: string | undefined): void {
  if (n.tx.status !== 'unsolicited') n.tx.status = status;
  n.tx.exception = exception;
  if (n.children) for (const c of n.children) markStatus(c, status, exception);
}

/** A reply nobody asked for (the capture started after the request, or a spoofed reply). */
function unsolicited(buf: Uint8Array, pos: number, msgOff: number, msgLen: number, ctx: DissectContext): Node {
  const cmd = hdr.command;
  const detail: Record<string, string | number | boolean> = {
    enipCommand: commandName(cmd),
    session: hexN(hdr.session, 8),
  };
  if (hdr.ctxLo !== 0 || hdr.ctxHi !== 0) detail.senderContext = senderContextHex(buf, pos);
  if (msgOff < 0 || parseCipMessage(buf, msgOff, msgLen, cip) !== null || !cip.isResponse) {
    return newNode(newTx(ctx, commandName(cmd), cmd, commandOp(cmd), 'unsolicited', detail));
  }
  const tx = newTx(ctx, serviceName(cip.service), cip.service, serviceOp(cip.service, -1), 'unsolicited', detail);
  if (!statusIsOk(cip.status)) tx.exception = statusName(cip.status);
  return newNode(tx);
}

/** Applies a CIP reply at `off` to the request node it answers. */
function applyReply(
  s: EnipState,
  n: Node,
  buf: Uint8Array,
  off: number,
  len: number,
  ctx: DissectContext,
  depth: number,
): void {
  const err = parseCipMessage(buf, off, len, cip);
  if (err) {
    ctx.anomaly(err, `reply to ${n.tx.fn} of ${len} byte(s)`);
    if (len < 4) return;
  }
  if (!cip.isResponse) {
    ctx.anomaly('enip-request-in-reply', `service ${hexN(cip.service, 2)} sent by the server`);
    return;
  }
  const service = cip.service;
  const status = cip.status;
  const ext = cip.extStatus;
  const dOff = cip.dataOff;
  const dLen = cip.dataLen;
  const detail = n.tx.detail as Record<string, string | number | boolean>;
  if (n.viaUcs && service === Svc.UNCONNECTED_SEND && n.tx.fnCode !== Svc.UNCONNECTED_SEND) {
    // The Connection Manager answers for the route when the Unconnected Send fails (V1 §3-5.5.2).
    detail.routingError = true;
  } else if (service !== n.tx.fnCode) {
    ctx.anomaly('enip-service-mismatch', `request ${n.tx.fn}, reply ${serviceName(service, n.classId)}`);
  }
  const ok = statusIsOk(status);
  n.tx.status = ok ? 'ok' : 'exception';
  n.tx.exception = ok ? undefined : statusName(status);
  if (status === 0x06) detail.partial = true;
  if (ext >= 0) {
    detail.extendedStatus = hexN(ext, 4);
    detail.extendedStatusName = extendedStatusName(ext);
  }
  if (n.children && service === Svc.MULTIPLE_SERVICE_PACKET && dLen >= 2) {
    const count = mspCount(buf, dOff, dLen);
    if (count < 0) {
      ctx.anomaly(mspError(count), `multiple service reply of ${dLen} byte(s)`);
      return;
    }
    if (count !== n.children.length) {
      ctx.anomaly('enip-msp-count-mismatch', `request carried ${n.children.length} service(s), reply ${count}`);
    }
    for (let i = 0; i < count && i < n.children.length; i++) {
      if (!mspService(buf, dOff, dLen, count, i, span)) {
        ctx.anomaly('enip-msp-bad-offset', `reply ${i} of ${count}`);
        break;
      }
      const c = n.children[i] as Node;
      c.tx.rttUs = n.tx.rttUs;
      applyReply(s, c, buf, span[0], span[1], ctx, depth + 1);
    }
    return;
  }
  if (!ok) return;
  if (n.classId === Cls.IDENTITY) onIdentityReply(s, n, buf, dOff, dLen, ctx);
  else if (n.classId === Cls.CONNECTION_MANAGER && n.openRoute !== null) {
    const r = parseForwardOpenReply(buf, dOff, dLen);
    if (r) {
      detail.o2tConnectionId = hexN(r.o2tId, 8);
      detail.t2oConnectionId = hexN(r.t2oId, 8);
      detail.o2tApiUs = r.o2tApi;
      detail.t2oApiUs = r.t2oApi;
      if (n.openRoute !== '') {
        s.routedConns ??= new Map();
        if (s.routedConns.size >= MAX_CONNECTIONS) s.routedConns.delete(s.routedConns.keys().next().value as number);
        s.routedConns.set(r.o2tId, n.openRoute);
      }
    }
  }
}

const IDENTITY_ATTR_FIELDS = [
  '',
  'vendor_id',
  'device_type_id',
  'product_code',
  'firmware',
  'device_status',
  'serial',
  'product_name',
  'device_state',
];

/** Identity object (class 1) reads: Get_Attributes_All, Get_Attribute_List, Get_Attribute_Single. */
function onIdentityReply(s: EnipState, n: Node, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const svc = n.tx.fnCode;
  const src = `enip.${n.tx.fn.toLowerCase()}`;
  if (svc === Svc.GET_ATTRIBUTES_ALL && n.instanceId !== 0) {
    const id = parseIdentityAttributes(buf, off, len);
    if (typeof id === 'string') {
      ctx.anomaly(id, `identity ${n.tx.fn} reply of ${len} byte(s)`);
      return;
    }
    emitIdentity(s, identityFacts(id, src), n.route, src, ctx);
    return;
  }
  let attrs: [number, number | string][] = [];
  if (svc === Svc.GET_ATTRIBUTE_LIST) {
    const r = parseIdentityAttributeList(buf, off, len);
    if (r.error) ctx.anomaly(r.error, `identity ${n.tx.fn} reply of ${len} byte(s)`);
    attrs = r.attrs;
  } else if (svc === Svc.GET_ATTRIBUTE_SINGLE && n.attributeId > 0 && n.instanceId !== 0) {
    const v = parseIdentityAttribute(buf, off, len, n.attributeId);
    if (v === undefined) ctx.anomaly('enip-identity-truncated', `identity attribute ${n.attributeId}`);
    if (v) attrs = [[n.attributeId, v[0]]];
  }
  const facts: IdentityFact[] = [];
  for (const [id, v] of attrs) {
    const field = IDENTITY_ATTR_FIELDS[id] as string;
    let value: string;
    if (id === 6) value = hexN(v as number, 8);
    else if (id === 5 || id === 8) value = hexN(v as number, 4);
    else value = String(v);
    facts.push({ field, value, source: `${src}.${field}` });
    if (id === 1) facts.push({ field: 'vendor', value: vendorName(v as number), source: `${src}.vendor_id` });
    if (id === 2)
      facts.push({ field: 'device_type', value: deviceTypeName(v as number), source: `${src}.device_type_id` });
  }
  if (facts.length > 0) emitIdentity(s, facts, n.route, src, ctx);
}

/** The identity attributes as facts, in ICSNPP cip_identity.log formatting. */
function identityFacts(id: CipIdentity, src: string): IdentityFact[] {
  const facts: IdentityFact[] = [
    { field: 'vendor_id', value: String(id.vendorId), source: `${src}.vendor_id` },
    { field: 'vendor', value: vendorName(id.vendorId), source: `${src}.vendor_id` },
    { field: 'device_type_id', value: String(id.deviceType), source: `${src}.device_type` },
    { field: 'device_type', value: deviceTypeName(id.deviceType), source: `${src}.device_type` },
    { field: 'product_code', value: String(id.productCode), source: `${src}.product_code` },
    { field: 'firmware', value: `${id.major}.${id.minor}`, source: `${src}.revision` },
    { field: 'serial', value: hexN(id.serial, 8), source: `${src}.serial_number` },
    { field: 'product_name', value: id.productName, source: `${src}.product_name` },
    { field: 'device_status', value: hexN(id.status, 4), source: `${src}.status` },
  ];
  if (id.state >= 0) {
    facts.push({ field: 'device_state', value: hexN(id.state, 4), source: `${src}.state` });
    facts.push({ field: 'device_state_name', value: deviceStateName(id.state), source: `${src}.state` });
  }
  return facts;
}

/**
 * Emits identity facts about the server, or, when the request was routed to another module
 * (Unconnected Send or a routed connection), one `module_<route>` fact summarising that module:
 * a backplane CPU answering through an Ethernet module is not the Ethernet module's identity.
 */
function emitIdentity(s: EnipState, facts: IdentityFact[], route: string, src: string, ctx: DissectContext): void {
  let out = facts;
  if (route !== '') {
    const get = (f: string) => facts.find((x) => x.field === f)?.value;
    const parts: string[] = [];
    const name = get('product_name');
    if (name !== undefined) parts.push(name);
    const vendor = get('vendor');
    if (vendor !== undefined) parts.push(`vendor ${vendor}`);
    const pc = get('product_code');
    if (pc !== undefined) parts.push(`product code ${pc}`);
    const fw = get('firmware');
    if (fw !== undefined) parts.push(`rev ${fw}`);
    const serial = get('serial');
    if (serial !== undefined) parts.push(`serial ${serial}`);
    if (parts.length === 0) return;
    out = [{ field: `module_${route.replace(/[^0-9a-z]+/gi, '_')}`, value: parts.join(', '), source: src }];
  }
  const key = out.map((f) => `${f.field}=${f.value}`).join('\u0000');
  s.identities ??= new Set();
  if (s.identities.has(key)) return;
  if (s.identities.size >= MAX_IDENTITIES) s.identities.clear();
  s.identities.add(key);
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'enip',
    about: ctx.dir === 1 ? 'server' : 'client',
    facts: out,
  };
  ctx.emit(obs);
}

/** ListIdentity reply (V2 §2-4.3): CPF whose 0x0C items describe the answering device. */
function onListIdentity(s: EnipState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseCpf(buf, off, len, cpf);
  if (err) ctx.anomaly(err, `LIST_IDENTITY reply: ${cpf.n} of ${cpf.count} item(s)`);
  for (let i = 0; i < cpf.n; i++) {
    const item = cpf.items[i];
    if (!item || item.type !== Item.LIST_IDENTITY) continue;
    const li = parseListIdentityItem(buf, item.off, item.len);
    if (typeof li === 'string') {
      ctx.anomaly(li, `LIST_IDENTITY item of ${item.len} byte(s)`);
      continue;
    }
    const src = 'enip.list_identity';
    const facts = identityFacts(li, src);
    facts.push({
      field: 'enip_encapsulation_version',
      value: String(li.version),
      source: `${src}.encapsulation_version`,
    });
    if (li.sockAddr !== '0.0.0.0')
      facts.push({ field: 'socket_address', value: li.sockAddr, source: `${src}.socket_address` });
    facts.push({ field: 'socket_port', value: String(li.sockPort), source: `${src}.socket_port` });
    emitIdentity(s, facts, '', src, ctx);
  }
}

/** ListServices reply: items 0x100 with version u16, capability flags u16, name 16 bytes. */
function onListServices(n: Node, buf: Uint8Array, off: number, len: number): void {
  if (parseCpf(buf, off, len, cpf) !== null) return;
  const item = findItem(cpf, Item.LIST_SERVICES);
  if (!item || item.len < 4) return;
  const d = n.tx.detail as Record<string, string | number | boolean>;
  d.capabilityFlags = hexN(u16le(buf, item.off + 2), 4);
}
