import { LIMITS } from '../../bytes/errors.js';
import { createTransaction, type IdentityFact } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  addressText,
  capabilityNames,
  chassisSubtypeName,
  idValue,
  type LldpTlv,
  macText,
  newTlv,
  OUI,
  parseTlv,
  portSubtypeName,
  Tlv,
  text,
  tlvName,
} from './lldp.parse.js';

export const ETHERTYPE_LLDP = 0x88cc;

/** Per sending MAC: the hash of the last LLDPDU whose identity was emitted (adverts repeat every 30 s). */
export interface LldpState {
  lastHash: number;
  frames: number;
}

const tlv: LldpTlv = newTlv();

/** Capability bits that make a device a network device (router, bridge, WLAN AP, telephone). */
const BIT_BRIDGE = 1 << 2;
const BIT_WLAN = 1 << 3;
const BIT_ROUTER = 1 << 4;
const BIT_PHONE = 1 << 5;

/** Descriptions that name an operating system: the first match becomes the `os` fact. */
const OS_PATTERNS: readonly [RegExp, string][] = [
  [/\bNX-OS\b/i, 'Cisco NX-OS'],
  [/\bIOS[ -]XE\b/i, 'Cisco IOS XE'],
  [/\bIOS[ -]XR\b/i, 'Cisco IOS XR'],
  [/\bCisco IOS\b|\bIOS \(tm\)/i, 'Cisco IOS'],
  [/\bJUNOS\b/i, 'Junos'],
  [/\bRouterOS\b/i, 'RouterOS'],
  [/\bExtremeXOS\b/i, 'ExtremeXOS'],
  [/\bVxWorks\b/i, 'VxWorks'],
  [/\bWindows\b/i, 'Windows'],
  [/\bLinux\b/i, 'Linux'],
  [/\bFreeBSD\b/i, 'FreeBSD'],
];

export function osFromDescription(d: string): string | undefined {
  for (const [re, name] of OS_PATTERNS) if (re.test(d)) return name;
  return undefined;
}

/**
 * LLDP (IEEE 802.1AB, EtherType 0x88CC): one LLDPDU per frame, describing its sender (the
 * flow's client MAC). Emits a `discovery` transaction per LLDPDU and an `asset.identity` when
 * the advertised content changes.
 */
export const lldpDissector: Dissector<LldpState> = {
  name: 'lldp',
  transports: ['l2'],
  defaultPorts: [ETHERTYPE_LLDP],

  newState(_flow: FlowInfo): LldpState {
    return { lastHash: 0, frames: 0 };
  },

  parse(s, buf, off, len, ctx) {
    s.frames++;
    decode(s, buf, off, len, ctx);
    return len;
  },
};

function decode(s: LldpState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const end = off + len;
  const facts: IdentityFact[] = [];
  const detail: Record<string, string | number | boolean> = {};
  let pos = off;
  let count = 0;
  let sawEnd = false;
  let vlanNames = '';
  while (pos < end) {
    if (count >= LIMITS.maxItems) {
      ctx.anomaly('lldp-too-many-tlvs', `more than ${LIMITS.maxItems} TLVs`);
      break;
    }
    const err = parseTlv(buf, pos, end, tlv);
    if (err !== null) {
      ctx.anomaly(
        err,
        `TLV ${count} (${tlvName(tlv.type)}) at ${pos - off}: length ${tlv.length}, ${end - pos} byte(s) left`,
      );
      break;
    }
    // 802.1AB §8.2: Chassis ID, Port ID and TTL come first, in this order.
    if (count < 3 && tlv.type !== count + 1) {
      ctx.anomaly('lldp-bad-tlv-order', `TLV ${count} is ${tlvName(tlv.type)}`);
    }
    count++;
    if (tlv.type === Tlv.END) {
      sawEnd = true;
      break;
    }
    const v = tlv.valueOff;
    const n = tlv.length;
    switch (tlv.type) {
      case Tlv.CHASSIS_ID:
      case Tlv.PORT_ID: {
        if (n < 2) {
          ctx.anomaly('lldp-tlv-too-short', `${tlvName(tlv.type)} length ${n}`);
          break;
        }
        const sub = buf[v] as number;
        const chassis = tlv.type === Tlv.CHASSIS_ID;
        const value = chassis ? idValue(buf, v + 1, n - 1, 4, 5, sub) : idValue(buf, v + 1, n - 1, 3, 4, sub);
        const field = chassis ? 'lldp_chassis_id' : 'lldp_port_id';
        facts.push({ field, value, source: `lldp.${chassis ? 'ChassisID' : 'PortID'}` });
        detail[chassis ? 'chassisId' : 'portId'] = value;
        detail[chassis ? 'chassisIdSubtype' : 'portIdSubtype'] = chassis
          ? chassisSubtypeName(sub)
          : portSubtypeName(sub);
        break;
      }
      case Tlv.TTL:
        if (n !== 2) ctx.anomaly('lldp-bad-ttl-length', `TTL length ${n}`);
        if (n >= 2) detail.ttl = ((buf[v] as number) << 8) | (buf[v + 1] as number);
        break;
      case Tlv.PORT_DESCRIPTION:
        if (n > 0)
          facts.push({ field: 'lldp_port_description', value: text(buf, v, n), source: 'lldp.PortDescription' });
        break;
      case Tlv.SYSTEM_NAME:
        if (n > 0) {
          const name = text(buf, v, n);
          facts.push({ field: 'hostname', value: name, source: 'lldp.SystemName' });
          facts.push({ field: 'device_name', value: name, source: 'lldp.SystemName' });
        }
        break;
      case Tlv.SYSTEM_DESCRIPTION:
        if (n > 0) {
          const d = text(buf, v, n);
          facts.push({ field: 'description', value: d, source: 'lldp.SystemDescription' });
          const os = osFromDescription(d);
          if (os !== undefined)
            facts.push({ field: 'os', value: os, source: 'lldp.SystemDescription', precedence: 30 });
        }
        break;
      case Tlv.SYSTEM_CAPABILITIES:
        if (n !== 4) {
          ctx.anomaly('lldp-tlv-too-short', `SYSTEM_CAPABILITIES length ${n}`);
          break;
        }
        capabilities(buf, v, facts);
        break;
      case Tlv.MANAGEMENT_ADDRESS:
        managementAddress(buf, v, n, facts, ctx);
        break;
      case Tlv.ORG_SPECIFIC:
        vlanNames = orgSpecific(buf, v, n, facts, vlanNames);
        break;
      default:
        break;
    }
    pos = tlv.next;
  }
  if (!sawEnd && count > 0 && pos >= end) ctx.anomaly('lldp-missing-end-tlv', `${count} TLV(s) without End TLV`);
  if (vlanNames) facts.push({ field: 'lldp_vlan_names', value: vlanNames, source: 'lldp.802.1.VLANName' });
  // An advertisement: nothing answers it ('unsolicited').
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'lldp', 'discovery', 'LLDPDU', 0, 'unsolicited');
  tx.detail = detail;
  ctx.emit(tx);
  if (facts.length === 0) return;
  const h = fnv(buf, off, pos);
  if (h === s.lastHash) return;
  s.lastHash = h;
  ctx.emit({ kind: 'asset.identity', ts: ctx.tsUs, flowId: ctx.flow.id, protocol: 'lldp', about: 'client', facts });
}

function capabilities(buf: Uint8Array, v: number, facts: IdentityFact[]): void {
  const sys = ((buf[v] as number) << 8) | (buf[v + 1] as number);
  const en = ((buf[v + 2] as number) << 8) | (buf[v + 3] as number);
  if (sys) facts.push({ field: 'lldp_capabilities', value: capabilityNames(sys), source: 'lldp.SystemCapabilities' });
  if (en)
    facts.push({ field: 'lldp_enabled_capabilities', value: capabilityNames(en), source: 'lldp.EnabledCapabilities' });
  // Enabled router/bridge/AP/phone: a hint of what the device is, weaker than a model name.
  const type =
    en & BIT_ROUTER
      ? 'router'
      : en & BIT_BRIDGE
        ? 'switch'
        : en & BIT_WLAN
          ? 'access-point'
          : en & BIT_PHONE
            ? 'phone'
            : '';
  if (type) facts.push({ field: 'device_type', value: type, source: 'lldp.EnabledCapabilities', precedence: 50 });
}

/** Management Address TLV (802.1AB §8.5.9). */
function managementAddress(buf: Uint8Array, v: number, n: number, facts: IdentityFact[], ctx: DissectContext): void {
  if (n < 9) {
    ctx.anomaly('lldp-tlv-too-short', `MANAGEMENT_ADDRESS length ${n}`);
    return;
  }
  const strLen = buf[v] as number;
  if (strLen < 2 || strLen > 32 || 1 + strLen + 6 > n) {
    ctx.anomaly('lldp-mgmt-address-malformed', `address string length ${strLen}, TLV length ${n}`);
    return;
  }
  const family = buf[v + 1] as number;
  const addr = addressText(family, buf, v + 2, strLen - 1);
  // 0.0.0.0 / :: mean "no address configured" (PROFINET devices before DCP assigns one).
  if (addr === null || addr === '0.0.0.0' || addr === '0:0:0:0:0:0:0:0') return;
  const field = family === 6 ? 'management_mac' : 'management_ip';
  facts.push({ field, value: addr, source: 'lldp.ManagementAddress' });
}

/** Organizationally specific TLVs we name; returns the VLAN name list so far. */
function orgSpecific(buf: Uint8Array, v: number, n: number, facts: IdentityFact[], vlanNames: string): string {
  if (n < 4) return vlanNames;
  const oui = ((buf[v] as number) << 16) | ((buf[v + 1] as number) << 8) | (buf[v + 2] as number);
  const sub = buf[v + 3] as number;
  const i = v + 4;
  const m = n - 4;
  const u16 = (o: number) => ((buf[o] as number) << 8) | (buf[o + 1] as number);
  switch (oui) {
    case OUI.IEEE_802_1:
      if (sub === 1 && m >= 2)
        facts.push({ field: 'lldp_port_vlan', value: String(u16(i)), source: 'lldp.802.1.PortVLANID' });
      else if (sub === 3 && m >= 3) {
        const nameLen = Math.min(buf[i + 2] as number, m - 3);
        const entry = `${u16(i)}:${text(buf, i + 3, nameLen)}`;
        if (vlanNames.length < LIMITS.maxString) vlanNames += (vlanNames ? ',' : '') + entry;
      }
      return vlanNames;
    case OUI.IEEE_802_3:
      if (sub === 1 && m >= 5)
        facts.push({ field: 'lldp_mau_type', value: String(u16(i + 3)), source: 'lldp.802.3.MACPHY' });
      return vlanNames;
    case OUI.LLDP_MED: {
      const field = MED_FIELDS[sub];
      if (field !== undefined && m > 0) {
        facts.push({ field: field[0], value: text(buf, i, m), source: `lldp.MED.${field[1]}` });
      }
      return vlanNames;
    }
    case OUI.PROFINET:
      if (sub === 2 && m >= 4) {
        facts.push({
          field: 'profinet_port_status',
          value: `rtclass2=${u16(i)},rtclass3=${u16(i + 2)}`,
          source: 'lldp.PROFINET.PortStatus',
        });
      } else if (sub === 4 && m >= 16) {
        facts.push({ field: 'profinet_mrp_domain_uuid', value: uuid(buf, i), source: 'lldp.PROFINET.MRPPortStatus' });
      } else if (sub === 5 && m >= 6) {
        facts.push({ field: 'profinet_chassis_mac', value: macText(buf, i), source: 'lldp.PROFINET.ChassisMAC' });
      }
      return vlanNames;
    default:
      return vlanNames;
  }
}

/** LLDP-MED inventory TLVs (ANSI/TIA-1057 §10.2.6) -> identity field and source name. */
const MED_FIELDS: Record<number, readonly [string, string]> = {
  5: ['hardware_revision', 'HardwareRevision'],
  6: ['firmware', 'FirmwareRevision'],
  7: ['software_version', 'SoftwareRevision'],
  8: ['serial', 'SerialNumber'],
  9: ['vendor', 'ManufacturerName'],
  10: ['model', 'ModelName'],
  11: ['asset_id', 'AssetID'],
};

function uuid(buf: Uint8Array, off: number): string {
  let s = '';
  for (let k = 0; k < 16; k++) {
    if (k === 4 || k === 6 || k === 8 || k === 10) s += '-';
    s += (buf[off + k] as number).toString(16).padStart(2, '0');
  }
  return s;
}

function fnv(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0 || 1;
}
