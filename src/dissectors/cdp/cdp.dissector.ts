import { LIMITS } from '../../bytes/errors.js';
import { createTransaction, type IdentityFact } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  type CdpHeader,
  CdpTlv,
  type CdpTlvView,
  capabilityNames,
  cdpChecksumOk,
  newCdpHeader,
  newCdpTlv,
  parseAddresses,
  parseCdpHeader,
  parseCdpTlv,
  text,
  tlvName,
} from './cdp.parse.js';

/** Registry key of 802.3 SNAP frames with OUI 00-00-0C and protocol id 0x2000 (see l2Key). */
export const CDP_L2_KEY = 0x00000c * 0x10000 + 0x2000;

export interface CdpState {
  /** Hash of the last PDU whose identity was emitted (announcements repeat every 60 s). */
  lastHash: number;
  frames: number;
}

const hdr: CdpHeader = newCdpHeader();
const tlv: CdpTlvView = newCdpTlv();

/** Capability bits: router 0x01, transparent bridge 0x02, switch 0x08, VoIP phone 0x80. */
const CAP_ROUTER = 0x01;
const CAP_BRIDGE = 0x02;
const CAP_SWITCH = 0x08;
const CAP_PHONE = 0x80;

/**
 * CDP (Cisco Discovery Protocol, SNAP 00-00-0C/0x2000): one announcement per frame about its
 * sender (the flow's client MAC). Emits a `discovery` transaction per PDU and an
 * `asset.identity` when the announced content changes.
 */
export const cdpDissector: Dissector<CdpState> = {
  name: 'cdp',
  transports: ['l2'],
  defaultPorts: [CDP_L2_KEY],

  newState(_flow: FlowInfo): CdpState {
    return { lastHash: 0, frames: 0 };
  },

  parse(s, buf, off, len, ctx) {
    s.frames++;
    decode(s, buf, off, len, ctx);
    return len;
  },
};

/** `Version 12.1(22)EA14,` -> `12.1(22)EA14`. */
const VERSION_RE = /\bVersion ([^\s,]+)/;

function decode(s: CdpState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const err = parseCdpHeader(buf, off, len, hdr);
  if (err !== null) {
    ctx.anomaly(err, `version ${hdr.version}, ${len} byte(s)`);
    if (err === 'cdp-header-truncated') return;
  }
  if (!cdpChecksumOk(buf, off, len))
    ctx.anomaly('cdp-bad-checksum', `checksum 0x${hdr.checksum.toString(16)}, ${len} byte(s)`);
  const facts: IdentityFact[] = [];
  const detail: Record<string, string | number | boolean> = { version: hdr.version, ttl: hdr.ttl };
  const end = off + len;
  let pos = off + 4;
  let count = 0;
  let addresses: string[] | null = null;
  while (pos < end) {
    if (count >= LIMITS.maxItems) {
      ctx.anomaly('cdp-too-many-tlvs', `more than ${LIMITS.maxItems} TLVs`);
      break;
    }
    const e = parseCdpTlv(buf, pos, end, tlv);
    if (e !== null) {
      ctx.anomaly(
        e,
        `TLV ${count} (${tlvName(tlv.type)}) at ${pos - off}: length ${tlv.length}, ${end - pos} byte(s) left`,
      );
      break;
    }
    count++;
    const v = tlv.valueOff;
    const n = tlv.valueLen;
    switch (tlv.type) {
      case CdpTlv.DEVICE_ID:
        if (n > 0) {
          const id = text(buf, v, n);
          facts.push({ field: 'hostname', value: id, source: 'cdp.DeviceID' });
          facts.push({ field: 'device_name', value: id, source: 'cdp.DeviceID' });
          detail.deviceId = id;
        }
        break;
      case CdpTlv.SYSTEM_NAME:
        if (n > 0) facts.push({ field: 'cdp_system_name', value: text(buf, v, n), source: 'cdp.SystemName' });
        break;
      case CdpTlv.ADDRESSES:
      case CdpTlv.MANAGEMENT_ADDRESSES: {
        addresses ??= [];
        const before = addresses.length;
        const ae = parseAddresses(buf, v, n, 16, addresses);
        if (ae !== null) ctx.anomaly(ae, `${tlvName(tlv.type)} length ${n}`);
        for (let i = before; i < addresses.length; i++) {
          const source = tlv.type === CdpTlv.ADDRESSES ? 'cdp.Addresses' : 'cdp.ManagementAddresses';
          facts.push({ field: 'management_ip', value: addresses[i] as string, source });
        }
        break;
      }
      case CdpTlv.PORT_ID:
        if (n > 0) {
          const port = text(buf, v, n);
          facts.push({ field: 'cdp_port_id', value: port, source: 'cdp.PortID' });
          detail.portId = port;
        }
        break;
      case CdpTlv.CAPABILITIES:
        if (n === 4) capabilities(buf, v, facts);
        else ctx.anomaly('cdp-tlv-bad-length', `CAPABILITIES length ${n}`);
        break;
      case CdpTlv.SOFTWARE_VERSION:
        if (n > 0) software(text(buf, v, n, 512), facts);
        break;
      case CdpTlv.PLATFORM:
        if (n > 0) {
          const platform = text(buf, v, n);
          facts.push({ field: 'model', value: platform, source: 'cdp.Platform' });
          if (/^cisco\b/i.test(platform)) facts.push({ field: 'vendor', value: 'Cisco', source: 'cdp.Platform' });
        }
        break;
      case CdpTlv.VTP_DOMAIN:
        if (n > 0) facts.push({ field: 'cdp_vtp_domain', value: text(buf, v, n), source: 'cdp.VTPDomain' });
        break;
      case CdpTlv.NATIVE_VLAN:
        if (n === 2) {
          const vlan = ((buf[v] as number) << 8) | (buf[v + 1] as number);
          facts.push({ field: 'cdp_native_vlan', value: String(vlan), source: 'cdp.NativeVLAN' });
        }
        break;
      case CdpTlv.DUPLEX:
        if (n === 1) facts.push({ field: 'cdp_duplex', value: buf[v] === 1 ? 'full' : 'half', source: 'cdp.Duplex' });
        break;
      default:
        break;
    }
    pos = tlv.next;
  }
  // An announcement: nothing answers it ('unsolicited').
  const tx = createTransaction(
    ctx.tsUs,
    ctx.flow.id,
    'cdp',
    'discovery',
    'CDP_ANNOUNCEMENT',
    hdr.version,
    'unsolicited',
  );
  tx.detail = detail;
  ctx.emit(tx);
  if (facts.length === 0) return;
  // The checksum covers the whole PDU: a cheap key for "same announcement as last time".
  const h = (hdr.checksum + 1) * 0x10000 + (len & 0xffff);
  if (h === s.lastHash) return;
  s.lastHash = h;
  ctx.emit({ kind: 'asset.identity', ts: ctx.tsUs, flowId: ctx.flow.id, protocol: 'cdp', about: 'client', facts });
}

function capabilities(buf: Uint8Array, v: number, facts: IdentityFact[]): void {
  const bits =
    (buf[v] as number) * 0x1000000 +
    (((buf[v + 1] as number) << 16) | ((buf[v + 2] as number) << 8) | (buf[v + 3] as number));
  if (bits === 0) return;
  facts.push({ field: 'cdp_capabilities', value: capabilityNames(bits), source: 'cdp.Capabilities' });
  const type =
    bits & CAP_ROUTER ? 'router' : bits & CAP_SWITCH || bits & CAP_BRIDGE ? 'switch' : bits & CAP_PHONE ? 'phone' : '';
  if (type) facts.push({ field: 'device_type', value: type, source: 'cdp.Capabilities', precedence: 50 });
}

/** Software Version: the whole banner as description, the OS family and its version. */
function software(banner: string, facts: IdentityFact[]): void {
  facts.push({ field: 'description', value: banner.slice(0, LIMITS.maxString), source: 'cdp.SoftwareVersion' });
  const os = /\bNX-OS\b/i.test(banner)
    ? 'Cisco NX-OS'
    : /\bIOS[ -]XE\b/i.test(banner)
      ? 'Cisco IOS XE'
      : /\bIOS\b|Internetwork Operating System/i.test(banner)
        ? 'Cisco IOS'
        : undefined;
  if (os !== undefined) facts.push({ field: 'os', value: os, source: 'cdp.SoftwareVersion' });
  const m = VERSION_RE.exec(banner);
  if (m) facts.push({ field: 'firmware', value: m[1] as string, source: 'cdp.SoftwareVersion' });
}
