import type { Op } from '../../observations/observation.js';

/**
 * PROFINET constants: frame id ranges, DCP services, options/suboptions, roles, errors and
 * vendor ids. Names follow IEC 61158-6-10 (§4.3 DCP) as Wireshark's `packet-pn-dcp.c` and
 * `packet-pn-rt.c` spell them. Every lookup is total: an unknown code becomes `unknown-<n>`.
 */

/** EtherType of PROFINET real-time frames (DCP, RT cyclic, alarms, PTCP). */
export const ETHERTYPE_PROFINET = 0x8892;

/** DCP frame ids (IEC 61158-6-10 §4.3.1.3). */
export const FrameId = {
  HELLO: 0xfefc,
  GET_SET: 0xfefd,
  IDENTIFY_REQUEST: 0xfefe,
  IDENTIFY_RESPONSE: 0xfeff,
} as const;

/** Frame classes counted (not parsed) by the dissector; index into `FRAME_CLASS_NAMES`. */
export const FrameClass = {
  DCP: 0,
  RT_CLASS3: 1,
  RT_CLASS2: 2,
  RT_CLASS1: 3,
  RT_CLASS_UDP: 4,
  ALARM_HIGH: 5,
  ALARM_LOW: 6,
  PTCP: 7,
  OTHER: 8,
} as const;

export const FRAME_CLASS_NAMES = [
  'DCP',
  'RT_CLASS3_CYCLIC',
  'RT_CLASS2_CYCLIC',
  'RT_CLASS1_CYCLIC',
  'RT_CLASS_UDP_CYCLIC',
  'ALARM_HIGH',
  'ALARM_LOW',
  'PTCP',
  'OTHER',
] as const;

/**
 * Frame id ranges (IEC 61158-6-10 table "FrameID", packet-pn-rt.c):
 * 0x0000-0x00FF PTCP sync (time synchronisation), 0x0100-0x7FFF RT class 3 (IRT),
 * 0x8000-0xBFFF RT class 2 / class 1 cyclic (the spec splits it; Wireshark calls 0x8000-0xBFFF
 * "RT_CLASS_2" for legacy and 0xC000-0xFBFF "RT_CLASS_1"), 0xFC01 alarm high, 0xFE01 alarm
 * low, 0xFEFC-0xFEFF DCP, 0xFF00-0xFF8F PTCP announce/follow-up/delay.
 */
export function frameClass(id: number): number {
  if (id >= 0xfefc && id <= 0xfeff) return FrameClass.DCP;
  if (id < 0x0100) return FrameClass.PTCP;
  if (id < 0x8000) return FrameClass.RT_CLASS3;
  if (id < 0xc000) return FrameClass.RT_CLASS2;
  if (id < 0xfc00) return FrameClass.RT_CLASS1;
  if (id === 0xfc01) return FrameClass.ALARM_HIGH;
  if (id === 0xfe01) return FrameClass.ALARM_LOW;
  if (id >= 0xff00 && id <= 0xff8f) return FrameClass.PTCP;
  return FrameClass.OTHER;
}

/** DCP service ids (§4.3.1.3.3). */
export const Service = { GET: 3, SET: 4, IDENTIFY: 5, HELLO: 6 } as const;

export function serviceName(id: number): string {
  switch (id) {
    case Service.GET:
      return 'GET';
    case Service.SET:
      return 'SET';
    case Service.IDENTIFY:
      return 'IDENTIFY';
    case Service.HELLO:
      return 'HELLO';
    default:
      return `unknown-${id}`;
  }
}

/** DCP service type: bits 0-1 request (0) / response (1); bit 2 "request not supported". */
export function serviceTypeName(t: number): string {
  switch (t) {
    case 0:
      return 'request';
    case 1:
      return 'response-success';
    case 5:
      return 'response-unsupported';
    default:
      return `unknown-${t}`;
  }
}

/** DCP options (§4.3.1.3.4). */
export const Opt = {
  IP: 1,
  DEVICE: 2,
  DHCP: 3,
  RESERVED_LLDP: 4,
  CONTROL: 5,
  DEVICE_INITIATIVE: 6,
  NME: 7,
  ALL: 0xff,
} as const;

/** Suboptions of option 1 (IP). */
export const IpSub = { MAC: 1, IP: 2, FULL_IP_SUITE: 3 } as const;
/** Suboptions of option 2 (device properties). */
export const DevSub = {
  TYPE_OF_STATION: 1,
  NAME_OF_STATION: 2,
  DEVICE_ID: 3,
  DEVICE_ROLE: 4,
  DEVICE_OPTIONS: 5,
  ALIAS_NAME: 6,
  DEVICE_INSTANCE: 7,
  OEM_DEVICE_ID: 8,
  STANDARD_GATEWAY: 9,
  RSI_PROPERTIES: 10,
} as const;
/** Suboptions of option 5 (control). */
export const CtrlSub = {
  START: 1,
  STOP: 2,
  SIGNAL: 3,
  RESPONSE: 4,
  FACTORY_RESET: 5,
  RESET_TO_FACTORY: 6,
} as const;

const IP_SUBS = ['unknown-0', 'MAC_ADDRESS', 'IP_PARAMETER', 'FULL_IP_SUITE'];
const DEV_SUBS = [
  'unknown-0',
  'TYPE_OF_STATION',
  'NAME_OF_STATION',
  'DEVICE_ID',
  'DEVICE_ROLE',
  'DEVICE_OPTIONS',
  'ALIAS_NAME',
  'DEVICE_INSTANCE',
  'OEM_DEVICE_ID',
  'STANDARD_GATEWAY',
  'RSI_PROPERTIES',
];
const CTRL_SUBS = [
  'unknown-0',
  'START_TRANSACTION',
  'END_TRANSACTION',
  'SIGNAL',
  'RESPONSE',
  'FACTORY_RESET',
  'RESET_TO_FACTORY',
];

/** `IP/IP_PARAMETER`, `DEVICE/NAME_OF_STATION`, `DHCP/61`, `ALL/ALL`, `unknown-9/3`. */
export function blockName(opt: number, sub: number): string {
  switch (opt) {
    case Opt.IP:
      return `IP/${IP_SUBS[sub] ?? `unknown-${sub}`}`;
    case Opt.DEVICE:
      return `DEVICE/${DEV_SUBS[sub] ?? `unknown-${sub}`}`;
    case Opt.DHCP:
      return `DHCP/${sub}`;
    case Opt.RESERVED_LLDP:
      return `LLDP/${sub}`;
    case Opt.CONTROL:
      return `CONTROL/${CTRL_SUBS[sub] ?? `unknown-${sub}`}`;
    case Opt.DEVICE_INITIATIVE:
      return sub === 1 ? 'DEVICE_INITIATIVE/DEVICE_INITIATIVE' : `DEVICE_INITIATIVE/unknown-${sub}`;
    case Opt.NME:
      return `NME/${sub}`;
    case Opt.ALL:
      return sub === 0xff ? 'ALL/ALL' : `ALL/unknown-${sub}`;
    default:
      return opt >= 0x80 && opt <= 0xfe ? `MANUFACTURER_${opt}/${sub}` : `unknown-${opt}/${sub}`;
  }
}

/**
 * Operation class of a Set request's block: control suboptions that restart, reset or stop a
 * device are `control`, Signal (blink the LED) and transaction brackets are `other`; any
 * parameter (name, IP, DHCP) is a `write`.
 */
export function setBlockOp(opt: number, sub: number): Op {
  if (opt === Opt.CONTROL) {
    if (sub === CtrlSub.FACTORY_RESET || sub === CtrlSub.RESET_TO_FACTORY) return 'control';
    return 'other';
  }
  return 'write';
}

/** DeviceRoleDetails bits (§4.3.1.3.5.7). */
export function deviceRoleNames(bits: number): string {
  const names: string[] = [];
  if (bits & 0x01) names.push('IO-Device');
  if (bits & 0x02) names.push('IO-Controller');
  if (bits & 0x04) names.push('IO-Multidevice');
  if (bits & 0x08) names.push('PN-Supervisor');
  if (bits & 0xf0) names.push(`unknown-${bits & 0xf0}`);
  return names.length ? names.join(',') : 'none';
}

/** BlockError of a Control/Response block (§4.3.1.3.5.19). */
const BLOCK_ERRORS = [
  'OK',
  'OPTION_NOT_SUPPORTED',
  'SUBOPTION_NOT_SUPPORTED_OR_NO_DATASET',
  'SUBOPTION_NOT_SET',
  'RESOURCE_ERROR',
  'SET_NOT_POSSIBLE_LOCAL_REASONS',
  'IN_OPERATION_SET_NOT_POSSIBLE',
];
export function blockErrorName(e: number): string {
  return BLOCK_ERRORS[e] ?? `unknown-${e}`;
}

/**
 * PROFINET vendor ids (PI vendor id list, as in the vendors' GSDML files). Only ids we are
 * sure of; others stay numeric (`profinet_vendor_id`) without a name.
 */
const VENDORS: Record<number, string> = {
  42: 'Siemens',
  176: 'Phoenix Contact',
  285: 'WAGO',
  286: 'Hilscher',
  288: 'Beckhoff',
};
export function vendorName(id: number): string | undefined {
  return VENDORS[id];
}

/** BlockInfo of an IP block (§4.3.1.3.5.2): bits 0-1 how the address was set, bit 7 conflict. */
export function ipBlockInfoName(info: number): string {
  const how = info & 0x03;
  const base = how === 0 ? 'IP_NOT_SET' : how === 1 ? 'IP_SET' : how === 2 ? 'IP_SET_BY_DHCP' : 'unknown-3';
  return info & 0x80 ? `${base},ADDRESS_CONFLICT` : base;
}
