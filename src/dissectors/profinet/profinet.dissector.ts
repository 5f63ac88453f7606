import { LIMITS } from '../../bytes/errors.js';
import { latin1 } from '../../bytes/reader.js';
import {
  createTransaction,
  type IdentityFact,
  type Op,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  blockErrorName,
  blockName,
  CtrlSub,
  DevSub,
  deviceRoleNames,
  ETHERTYPE_PROFINET,
  FRAME_CLASS_NAMES,
  FrameClass,
  frameClass,
  IpSub,
  ipBlockInfoName,
  Opt,
  Service,
  serviceName,
  setBlockOp,
  vendorName,
} from './profinet.consts.js';
import {
  BlockLayout,
  blockLayout,
  type DcpBlock,
  type DcpHeader,
  ipv4At,
  newDcpBlock,
  newDcpHeader,
  parseDcpBlock,
  parseDcpHeader,
} from './profinet.parse.js';

/**
 * The frame's destination MAC, when the pipeline provides it (proposed addition to
 * DissectContext for L2 dissectors; see README). A DCP Set describes its target, which only
 * the destination address names.
 */
type L2Context = DissectContext & { readonly l2DstMac?: number };

/** Per sending MAC: frames counted per class, and the last identity answer (to skip repeats). */
export interface ProfinetState {
  /** Frames per FrameClass (DCP, RT cyclic classes, alarms, PTCP, other). */
  readonly frames: number[];
  /** First frame time per class (the time of the summary transactions). */
  readonly firstUs: number[];
  /** FNV-1a hash of the blocks of the last identity answer emitted (0 = none). */
  lastIdentityHash: number;
}

const hdr: DcpHeader = newDcpHeader();
const blk: DcpBlock = newDcpBlock();

/**
 * PROFINET on EtherType 0x8892: DCP (Identify, Get, Set, Hello) decoded into transactions and
 * identity facts; RT cyclic, alarm and PTCP frames counted per class and summarised when the
 * sender's state ends. PROFINET IO-CM (DCE/RPC on UDP 34964) is another dissector's job.
 */
export const profinetDissector: Dissector<ProfinetState> = {
  name: 'profinet',
  transports: ['l2'],
  defaultPorts: [ETHERTYPE_PROFINET],

  newState(_flow: FlowInfo): ProfinetState {
    const n = FRAME_CLASS_NAMES.length;
    return { frames: new Array<number>(n).fill(0), firstUs: new Array<number>(n).fill(0), lastIdentityHash: 0 };
  },

  parse(s, buf, off, len, ctx) {
    if (len < 2) {
      ctx.anomaly('profinet-frame-truncated', `${len} byte(s)`);
      return len;
    }
    const cls = frameClass(((buf[off] as number) << 8) | (buf[off + 1] as number));
    if (s.frames[cls] === 0) s.firstUs[cls] = ctx.tsUs;
    s.frames[cls] = (s.frames[cls] as number) + 1;
    if (cls === FrameClass.DCP) onDcp(s, buf, off, len, ctx);
    return len;
  },

  onEnd(s, ctx) {
    for (let c = 1; c < s.frames.length; c++) {
      const n = s.frames[c] as number;
      if (n === 0) continue;
      const tx = createTransaction(
        s.firstUs[c] as number,
        ctx.flow.id,
        'profinet',
        'other',
        FRAME_CLASS_NAMES[c] as string,
        c,
        'ok',
      );
      tx.quantity = n;
      ctx.emit(tx);
    }
  },
};

function onDcp(s: ProfinetState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseDcpHeader(buf, off, len, hdr);
  if (err === 'profinet-dcp-header-truncated' || err === 'profinet-dcp-unknown-service') {
    ctx.anomaly(err, `frame id 0x${hdr.frameId.toString(16)}, ${len} byte(s), service ${hdr.service}`);
    return;
  }
  if (err !== null) {
    ctx.anomaly(err, `${serviceName(hdr.service)} xid 0x${hdr.xid.toString(16)}, data length ${hdr.dataLength}`);
  }
  const response = (hdr.serviceType & 0x03) === 1;
  const layout = blockLayout(hdr);
  // L2 flows are per sending MAC: a request and its response are on two flows and are not
  // paired. Requests are 'no-response', Hello announcements 'unsolicited', responses 'ok'
  // (or 'exception' when a block reports an error).
  const tx = createTransaction(
    ctx.tsUs,
    ctx.flow.id,
    'profinet',
    hdr.service === Service.GET ? 'read' : hdr.service === Service.SET ? 'write' : 'discovery',
    serviceName(hdr.service),
    hdr.service,
    response ? 'ok' : hdr.service === Service.HELLO ? 'unsolicited' : 'no-response',
  );
  tx.tid = hdr.xid;
  const detail: Record<string, string | number | boolean> = { serviceType: hdr.serviceType };
  if (hdr.serviceType === 5) {
    tx.status = 'exception';
    tx.exception = 'REQUEST_NOT_SUPPORTED';
  }
  const facts: IdentityFact[] = [];
  let setOp: Op = 'other';
  let blocks = '';
  let pos = hdr.blocksOff;
  const end = hdr.blocksOff + hdr.blocksLen;
  let count = 0;
  while (pos < end) {
    if (count >= LIMITS.maxItems) {
      ctx.anomaly('profinet-dcp-too-many-blocks', `more than ${LIMITS.maxItems} blocks`);
      break;
    }
    const e = parseDcpBlock(buf, pos, end, layout, blk);
    if (e !== null) {
      ctx.anomaly(
        e,
        `${serviceName(hdr.service)} block ${count} at ${pos - off}: ${blockName(blk.option, blk.suboption)}`,
      );
      break;
    }
    count++;
    const name = blockName(blk.option, blk.suboption);
    if (blocks.length < LIMITS.maxString) blocks += (blocks ? ',' : '') + name;
    if (layout === BlockLayout.PAIRS) {
      pos = blk.next;
      continue;
    }
    if (blk.option === Opt.CONTROL && blk.suboption === CtrlSub.RESPONSE) {
      onControlResponse(tx, detail, buf, blk);
    } else if (hdr.service === Service.SET && !response) {
      const op = setBlockOp(blk.option, blk.suboption);
      if (op === 'control' || (op === 'write' && setOp !== 'control')) setOp = op;
      blockFacts(buf, blk, facts, 'set');
      if (blk.info >= 0 && blk.option !== Opt.CONTROL && detail.qualifier === undefined)
        detail.qualifier = blk.info & 1 ? 'permanent' : 'temporary';
      if (blk.option === Opt.CONTROL && blk.suboption === CtrlSub.SIGNAL && blk.valueLen >= 2) {
        detail.signalValue = ((buf[blk.valueOff] as number) << 8) | (buf[blk.valueOff + 1] as number);
      }
    } else if (hdr.service === Service.IDENTIFY && !response) {
      if (blk.option === Opt.DEVICE && blk.suboption === DevSub.NAME_OF_STATION) {
        detail.filterNameOfStation = latin1(buf.subarray(blk.valueOff, blk.valueOff + blk.valueLen));
      } else if (blk.option === Opt.DEVICE && blk.suboption === DevSub.ALIAS_NAME) {
        detail.filterAliasName = latin1(buf.subarray(blk.valueOff, blk.valueOff + blk.valueLen));
      }
    } else {
      blockFacts(buf, blk, facts, 'answer');
    }
    pos = blk.next;
  }
  detail.blocks = blocks;
  if (hdr.service === Service.SET && !response) tx.op = setOp === 'other' ? 'write' : setOp;
  if (hdr.service === Service.SET && !response) {
    // Values a Set assigns go into the transaction; they describe the target (the frame's
    // destination), named only when the pipeline tells us the destination MAC.
    for (const f of facts) if (f.field !== 'profinet_role') detail[camel(f.field)] = f.value;
    const dst = (ctx as L2Context).l2DstMac;
    if (dst !== undefined && dst !== 0 && facts.length > 0) {
      for (const f of facts) f.precedence = 80;
      ctx.emit({
        kind: 'asset.identity',
        ts: ctx.tsUs,
        flowId: ctx.flow.id,
        protocol: 'profinet',
        about: { mac: dst },
        facts,
      });
    }
  } else if (facts.length > 0) {
    const h = fnv(buf, hdr.blocksOff, end);
    if (h !== s.lastIdentityHash) {
      s.lastIdentityHash = h;
      ctx.emit({
        kind: 'asset.identity',
        ts: ctx.tsUs,
        flowId: ctx.flow.id,
        protocol: 'profinet',
        about: 'client',
        facts,
      });
    }
  }
  tx.detail = detail;
  ctx.emit(tx);
}

/** Control/Response block: answered option u8, suboption u8, BlockError u8. */
function onControlResponse(
  tx: TransactionObservation,
  detail: Record<string, string | number | boolean>,
  buf: Uint8Array,
  b: DcpBlock,
): void {
  if (b.valueLen < 3) return;
  const answered = blockName(buf[b.valueOff] as number, buf[b.valueOff + 1] as number);
  const error = buf[b.valueOff + 2] as number;
  if (error !== 0) {
    tx.status = 'exception';
    tx.exception ??= blockErrorName(error);
    detail.failedBlock ??= answered;
  }
}

/** Identity facts from one block of an Identify/Get response, a Hello, or a Set request. */
function blockFacts(buf: Uint8Array, b: DcpBlock, facts: IdentityFact[], from: 'answer' | 'set'): void {
  const v = b.valueOff;
  const n = b.valueLen;
  const src = (field: string) => `profinet.dcp.${from === 'set' ? 'Set.' : ''}${field}`;
  const text = () => latin1(buf.subarray(v, v + n));
  if (b.option === Opt.IP && (b.suboption === IpSub.IP || b.suboption === IpSub.FULL_IP_SUITE)) {
    if (n < 12) return;
    const ip = ipv4At(buf, v);
    if (ip === '0.0.0.0' && from === 'answer') return;
    facts.push({ field: 'ip_address', value: ip, source: src('IPParameter.IPAddress') });
    facts.push({ field: 'subnet_mask', value: ipv4At(buf, v + 4), source: src('IPParameter.Subnetmask') });
    facts.push({ field: 'gateway', value: ipv4At(buf, v + 8), source: src('IPParameter.StandardGateway') });
    if (from === 'answer' && b.info >= 0) {
      facts.push({ field: 'profinet_ip_info', value: ipBlockInfoName(b.info), source: src('IPParameter.BlockInfo') });
    }
    if (b.suboption === IpSub.FULL_IP_SUITE && n >= 16) {
      facts.push({ field: 'dns_server', value: ipv4At(buf, v + 12), source: src('FullIPSuite.DNS') });
    }
    return;
  }
  if (b.option !== Opt.DEVICE) return;
  switch (b.suboption) {
    case DevSub.TYPE_OF_STATION:
      if (n > 0) facts.push({ field: 'model', value: text(), source: src('DeviceVendorValue') });
      return;
    case DevSub.NAME_OF_STATION:
      if (n > 0) facts.push({ field: 'device_name', value: text(), source: src('NameOfStation') });
      return;
    case DevSub.ALIAS_NAME:
      if (n > 0) facts.push({ field: 'profinet_alias_name', value: text(), source: src('AliasName') });
      return;
    case DevSub.DEVICE_ID:
    case DevSub.OEM_DEVICE_ID: {
      if (n < 4) return;
      const vendor = ((buf[v] as number) << 8) | (buf[v + 1] as number);
      const device = ((buf[v + 2] as number) << 8) | (buf[v + 3] as number);
      const oem = b.suboption === DevSub.OEM_DEVICE_ID;
      const block = oem ? 'OEMDeviceID' : 'DeviceID';
      facts.push({
        field: oem ? 'profinet_oem_vendor_id' : 'profinet_vendor_id',
        value: hex4(vendor),
        source: src(`${block}.VendorID`),
      });
      facts.push({
        field: oem ? 'profinet_oem_device_id' : 'profinet_device_id',
        value: hex4(device),
        source: src(`${block}.DeviceID`),
      });
      const name = vendorName(vendor);
      if (name !== undefined && !oem) facts.push({ field: 'vendor', value: name, source: src('DeviceID.VendorID') });
      return;
    }
    case DevSub.DEVICE_ROLE:
      if (n >= 1)
        facts.push({ field: 'profinet_role', value: deviceRoleNames(buf[v] as number), source: src('DeviceRole') });
      return;
    case DevSub.DEVICE_INSTANCE:
      if (n >= 2)
        facts.push({
          field: 'profinet_device_instance',
          value: `${buf[v]}.${buf[v + 1]}`,
          source: src('DeviceInstance'),
        });
      return;
    case DevSub.DEVICE_OPTIONS: {
      let list = '';
      for (let q = v; q + 1 < v + n && list.length < LIMITS.maxString; q += 2) {
        list += (list ? ',' : '') + blockName(buf[q] as number, buf[q + 1] as number);
      }
      if (list) facts.push({ field: 'profinet_device_options', value: list, source: src('DeviceOptions') });
      return;
    }
    default:
      return;
  }
}

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** `ip_address` -> `ipAddress` (transaction detail keys are camelCase). */
function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** FNV-1a over [from, to): cheap repeat detection for periodic identity answers. */
function fnv(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0 || 1;
}
