import type { Op } from '../../observations/observation.js';

/**
 * EtherNet/IP and CIP constants and total name lookups.
 *
 * References: ODVA "The CIP Networks Library" Vol. 1 (CIP, "V1 §x") and Vol. 2 (EtherNet/IP
 * adaptation, "V2 §x"); names follow CISA ICSNPP-ENIP (`scripts/consts.zeek`), written in upper
 * snake case as plantwarden spells function names (`Get Attribute List` -> `GET_ATTRIBUTE_LIST`),
 * and Wireshark's packet-enip.c / packet-cip.c where ICSNPP has no name.
 */

/** Encapsulation header length (V2 §2-3). */
export const ENCAP_HEADER_LEN = 24;
/** Largest encapsulation data length: the u16 length field minus the header (V2 §2-3.1). */
export const MAX_ENCAP_LENGTH = 65511;
/** Common Packet Format items decoded per message (V2 §2-6): real messages carry 2-4. */
export const MAX_CPF_ITEMS = 8;
/** Path segments decoded per EPATH (V1 App. C). */
export const MAX_PATH_SEGMENTS = 32;
/** Services decoded per Multiple Service Packet (V1 § ). */
export const MAX_MSP_SERVICES = 64;
/** Nesting of Multiple Service Packet / Unconnected Send inside each other. */
export const MAX_CIP_DEPTH = 4;

/** Encapsulation commands (V2 §2-3.2, Table 2-3.2). */
export const Cmd = {
  NOP: 0x0000,
  /** Legacy (pre-release) command, still sent by some scanners (Wireshark: "List Targets"). */
  LIST_TARGETS: 0x0001,
  LIST_SERVICES: 0x0004,
  LIST_IDENTITY: 0x0063,
  LIST_INTERFACES: 0x0064,
  REGISTER_SESSION: 0x0065,
  UNREGISTER_SESSION: 0x0066,
  SEND_RR_DATA: 0x006f,
  SEND_UNIT_DATA: 0x0070,
  INDICATE_STATUS: 0x0072,
  CANCEL: 0x0073,
} as const;

const COMMAND_NAMES = new Map<number, string>([
  [Cmd.NOP, 'NOP'],
  [Cmd.LIST_TARGETS, 'LIST_TARGETS'],
  [Cmd.LIST_SERVICES, 'LIST_SERVICES'],
  [Cmd.LIST_IDENTITY, 'LIST_IDENTITY'],
  [Cmd.LIST_INTERFACES, 'LIST_INTERFACES'],
  [Cmd.REGISTER_SESSION, 'REGISTER_SESSION'],
  [Cmd.UNREGISTER_SESSION, 'UNREGISTER_SESSION'],
  [Cmd.SEND_RR_DATA, 'SEND_RR_DATA'],
  [Cmd.SEND_UNIT_DATA, 'SEND_UNIT_DATA'],
  [Cmd.INDICATE_STATUS, 'INDICATE_STATUS'],
  [Cmd.CANCEL, 'CANCEL'],
]);

/** COMMAND_NAMES as an array indexed by command (all commands are < 0x80): looked up for every message. */
const COMMAND_NAME_BY_CODE: readonly (string | undefined)[] = Array.from({ length: 0x80 }, (_, c) =>
  COMMAND_NAMES.get(c),
);

export function isKnownCommand(c: number): boolean {
  return c < 0x80 && COMMAND_NAME_BY_CODE[c] !== undefined;
}
export function commandName(c: number): string {
  return (c < 0x80 ? COMMAND_NAME_BY_CODE[c] : undefined) ?? `unknown-${c}`;
}
/** Operation class of an encapsulation command that carries no CIP. */
export function commandOp(c: number): Op {
  return c === Cmd.LIST_IDENTITY || c === Cmd.LIST_SERVICES || c === Cmd.LIST_INTERFACES || c === Cmd.LIST_TARGETS
    ? 'discovery'
    : 'other';
}

/** Encapsulation status codes (V2 §2-3.3, Table 2-3.3). */
const ENCAP_STATUS_NAMES = new Map<number, string>([
  [0x00, 'SUCCESS'],
  [0x01, 'INVALID_UNSUPPORTED_COMMAND'],
  [0x02, 'INSUFFICIENT_MEMORY_RESOURCES'],
  [0x03, 'MALFORMED_OR_INCORRECT_DATA'],
  [0x64, 'INVALID_SESSION_HANDLE'],
  [0x65, 'INVALID_LENGTH'],
  [0x69, 'UNSUPPORTED_PROTOCOL_VERSION'],
  [0x6a, 'CIP_SERVICE_NOT_ALLOWED'],
]);
export function encapStatusName(s: number): string {
  return ENCAP_STATUS_NAMES.get(s) ?? `unknown-${s}`;
}
export function isKnownEncapStatus(s: number): boolean {
  return ENCAP_STATUS_NAMES.has(s);
}

/** Common Packet Format item types (V2 §2-6, Table 2-6.3). */
export const Item = {
  NULL_ADDRESS: 0x0000,
  LIST_IDENTITY: 0x000c,
  CONNECTED_ADDRESS: 0x00a1,
  CONNECTED_DATA: 0x00b1,
  UNCONNECTED_DATA: 0x00b2,
  LIST_SERVICES: 0x0100,
  SOCKADDR_O2T: 0x8000,
  SOCKADDR_T2O: 0x8001,
  SEQUENCED_ADDRESS: 0x8002,
} as const;

const ITEM_NAMES = new Map<number, string>([
  [Item.NULL_ADDRESS, 'NULL_ADDRESS'],
  [Item.LIST_IDENTITY, 'CIP_IDENTITY'],
  [Item.CONNECTED_ADDRESS, 'CONNECTED_ADDRESS'],
  [Item.CONNECTED_DATA, 'CONNECTED_DATA'],
  [Item.UNCONNECTED_DATA, 'UNCONNECTED_DATA'],
  [Item.LIST_SERVICES, 'LIST_SERVICES_RESPONSE'],
  [Item.SOCKADDR_O2T, 'SOCKADDR_INFO_O2T'],
  [Item.SOCKADDR_T2O, 'SOCKADDR_INFO_T2O'],
  [Item.SEQUENCED_ADDRESS, 'SEQUENCED_ADDRESS'],
]);
export function itemName(t: number): string {
  return ITEM_NAMES.get(t) ?? `unknown-${t}`;
}
export function isKnownItem(t: number): boolean {
  return ITEM_NAMES.has(t);
}

/** Response bit of a CIP service code (V1 §2-4.2). */
export const RESPONSE_BIT = 0x80;

/** CIP services used by the dissector's logic (V1 App. A; Connection Manager V1 §3-5.5). */
export const Svc = {
  GET_ATTRIBUTES_ALL: 0x01,
  SET_ATTRIBUTES_ALL: 0x02,
  GET_ATTRIBUTE_LIST: 0x03,
  SET_ATTRIBUTE_LIST: 0x04,
  RESET: 0x05,
  START: 0x06,
  STOP: 0x07,
  MULTIPLE_SERVICE_PACKET: 0x0a,
  GET_ATTRIBUTE_SINGLE: 0x0e,
  SET_ATTRIBUTE_SINGLE: 0x10,
  EXECUTE_PCCC: 0x4b,
  READ_TAG: 0x4c,
  WRITE_TAG: 0x4d,
  FORWARD_CLOSE: 0x4e,
  READ_MODIFY_WRITE_TAG: 0x4e,
  UNCONNECTED_SEND: 0x52,
  READ_TAG_FRAGMENTED: 0x52,
  WRITE_TAG_FRAGMENTED: 0x53,
  FORWARD_OPEN: 0x54,
  LARGE_FORWARD_OPEN: 0x5b,
} as const;

/** CIP classes used by the dissector's logic (V1 §5). */
export const Cls = {
  IDENTITY: 0x01,
  MESSAGE_ROUTER: 0x02,
  CONNECTION_MANAGER: 0x06,
  FILE: 0x37,
  PCCC: 0x67,
  SYMBOL: 0x6b,
  TEMPLATE: 0x6c,
  /** Rockwell vendor class seen carrying firmware (ControlFLASH) transfers. */
  ROCKWELL_NVS: 0xa1,
} as const;

/** Upper snake case of an ICSNPP title: `Get Attribute List` -> `GET_ATTRIBUTE_LIST`. */
export function snake(s: string): string {
  return s
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/** Class-independent service names (ICSNPP `cip_services`, V1 App. A Table ). */
const SERVICE_NAMES = new Map<number, string>(
  (
    [
      [0x01, 'Get Attributes All'],
      [0x02, 'Set Attributes All'],
      [0x03, 'Get Attribute List'],
      [0x04, 'Set Attribute List'],
      [0x05, 'Reset'],
      [0x06, 'Start'],
      [0x07, 'Stop'],
      [0x08, 'Create'],
      [0x09, 'Delete'],
      [0x0a, 'Multiple Service Packet'],
      [0x0d, 'Apply Attributes'],
      [0x0e, 'Get Attributes Single'],
      [0x10, 'Set Attributes Single'],
      [0x11, 'Find Next Object Instance'],
      [0x15, 'Restore'],
      [0x16, 'Save'],
      [0x17, 'No Forward Open'],
      [0x18, 'Get Member'],
      [0x19, 'Set Member'],
      [0x1a, 'Insert Member'],
      [0x1b, 'Remove Member'],
      [0x1c, 'Group Sync'],
      [0x1d, 'Get Connection Point Member List'],
      [0x4b, 'Execute PCCC Service'],
      [0x4c, 'Read Data'],
      [0x4d, 'Write Data'],
      [0x4e, 'Read Write Modify Data'],
      [0x52, 'Read Data Fragmented'],
      [0x53, 'Write Data Fragmented'],
      [0x54, 'Forward Open'],
    ] as const
  ).map(([k, v]) => [k, snake(v)]),
);

/**
 * Object-specific services (0x4B-0x63) mean different things per class (V1 §A-3); ICSNPP names
 * them as if every object were a Logix tag. These classes get their own names.
 */
const CLASS_SERVICE_NAMES = new Map<number, Map<number, string>>([
  [
    Cls.CONNECTION_MANAGER,
    new Map([
      [0x4e, 'FORWARD_CLOSE'],
      [0x52, 'UNCONNECTED_SEND'],
      [0x54, 'FORWARD_OPEN'],
      [0x56, 'GET_CONNECTION_DATA'],
      [0x57, 'SEARCH_CONNECTION_DATA'],
      [0x5a, 'GET_CONNECTION_OWNER'],
      [0x5b, 'LARGE_FORWARD_OPEN'],
    ]),
  ],
  [
    Cls.FILE,
    new Map([
      [0x4b, 'INITIATE_UPLOAD'],
      [0x4c, 'INITIATE_DOWNLOAD'],
      [0x4d, 'INITIATE_PARTIAL_READ'],
      [0x4e, 'INITIATE_PARTIAL_WRITE'],
      [0x4f, 'UPLOAD_TRANSFER'],
      [0x50, 'DOWNLOAD_TRANSFER'],
      [0x51, 'CLEAR_FILE'],
    ]),
  ],
  [Cls.SYMBOL, new Map([[0x55, 'GET_INSTANCE_ATTRIBUTE_LIST']])],
]);

/** SERVICE_NAMES as an array indexed by service code (0-0x7F): looked up for every request. */
const SERVICE_NAME_BY_CODE: readonly (string | undefined)[] = Array.from({ length: 0x80 }, (_, s) =>
  SERVICE_NAMES.get(s),
);

/** Service name for a request to `classId` (-1 when the path names no class). Total. */
export function serviceName(service: number, classId = -1): string {
  const s = service & 0x7f;
  const byClass = classId >= 0 ? CLASS_SERVICE_NAMES.get(classId)?.get(s) : undefined;
  return byClass ?? SERVICE_NAME_BY_CODE[s] ?? `unknown-${s}`;
}

/**
 * Operation class of a CIP service. Certain (V1 App. A): Get_* read, Set_*, Create, Delete,
 * Save/Restore write, Reset/Start/Stop control, File object transfers program. Assumed:
 * 0x4C-0x53 are the Logix tag services (Read/Write Tag [Fragmented], Read-Modify-Write) on
 * any class but the ones named above, as ICSNPP and Wireshark assume for symbolic paths; Rockwell
 * class 0xA1 services are firmware transfers (seen in ITI's EIP-FirmwareChangeFailure trace).
 */
export function serviceOp(service: number, classId: number): Op {
  const s = service & 0x7f;
  if (classId === Cls.CONNECTION_MANAGER && s >= 0x4b) return 'other';
  if (classId === Cls.FILE && s >= 0x4b && s <= 0x51) return 'program';
  if (classId === Cls.ROCKWELL_NVS && s >= 0x4b && s <= 0x51) return 'firmware';
  if (classId === Cls.PCCC && s === Svc.EXECUTE_PCCC) return 'other';
  switch (s) {
    case 0x01:
    case 0x03:
    case 0x0e:
    case 0x11:
    case 0x18:
    case 0x1d:
    case 0x4c:
    case 0x52:
    case 0x55:
      return 'read';
    case 0x02:
    case 0x04:
    case 0x08:
    case 0x09:
    case 0x0d:
    case 0x10:
    case 0x15:
    case 0x16:
    case 0x19:
    case 0x1a:
    case 0x1b:
    case 0x4d:
    case 0x4e:
    case 0x53:
      return 'write';
    case 0x05:
    case 0x06:
    case 0x07:
      return 'control';
    default:
      return 'other';
  }
}

/** CIP general status codes (V1 App. B, Table B-1.1), ICSNPP spelling in snake case. */
const STATUS_NAMES = new Map<number, string>(
  (
    [
      [0x00, 'Success'],
      [0x01, 'Connection Failure'],
      [0x02, 'Resource Unavailable'],
      [0x03, 'Invalid Parameter Value'],
      [0x04, 'Path Segment Error'],
      [0x05, 'Path Destination Unknown'],
      [0x06, 'Partial Transfer'],
      [0x07, 'Connection Lost'],
      [0x08, 'Service Not Supported'],
      [0x09, 'Invalid Attribute Value'],
      [0x0a, 'Attribute List Error'],
      [0x0b, 'Already In Requested Mode/State'],
      [0x0c, 'Object State Conflict'],
      [0x0d, 'Object Already Exists'],
      [0x0e, 'Attribute Not Settable'],
      [0x0f, 'Privilege Violation'],
      [0x10, 'Device State Conflict'],
      [0x11, 'Reply Data Too Large'],
      [0x12, 'Fragmentation Of A Primitive Value'],
      [0x13, 'Not Enough Data'],
      [0x14, 'Attribute Not Supported'],
      [0x15, 'Too Much Data'],
      [0x16, 'Object Does Not Exist'],
      [0x17, 'Service Fragmentation Sequence Not In Progress'],
      [0x18, 'No Stored Attribute Data'],
      [0x19, 'Store Operation Failure'],
      [0x1a, 'Routing Failure, Request Packet Too Large'],
      [0x1b, 'Routing Failure, Response Packet Too Large'],
      [0x1c, 'Missing Attribute List Entry Data'],
      [0x1d, 'Invalid Attribute Value List'],
      [0x1e, 'Embedded Service Error'],
      [0x1f, 'Vendor Specific Error'],
      [0x20, 'Invalid Parameter'],
      [0x21, 'Write-Once Value Or Medium Already Written'],
      [0x22, 'Invalid Reply Received'],
      [0x23, 'Buffer Overflow'],
      [0x24, 'Invalid Message Format'],
      [0x25, 'Key Failure In Path'],
      [0x26, 'Path Size Invalid'],
      [0x27, 'Unexpected Attribute In List'],
      [0x28, 'Invalid Member ID'],
      [0x29, 'Member Not Settable'],
      [0x2a, 'Group 2 Only Server General Failure'],
      [0x2b, 'Unknown Modbus Error'],
      [0x2c, 'Attribute Not Gettable'],
      [0xff, 'Still Processing'],
    ] as const
  ).map(([k, v]) => [k, snake(v)]),
);
export function statusName(s: number): string {
  return STATUS_NAMES.get(s) ?? `unknown-${s}`;
}
/** Statuses that still mean "answered": success and partial transfer (more fragments follow). */
export function statusIsOk(s: number): boolean {
  return s === 0x00 || s === 0x06;
}

/** Connection Manager extended status codes most often seen (V1 Table 3-5.33). */
const EXT_STATUS_NAMES = new Map<number, string>([
  [0x0100, 'CONNECTION_IN_USE_OR_DUPLICATE_FORWARD_OPEN'],
  [0x0103, 'TRANSPORT_CLASS_AND_TRIGGER_NOT_SUPPORTED'],
  [0x0106, 'OWNERSHIP_CONFLICT'],
  [0x0107, 'TARGET_CONNECTION_NOT_FOUND'],
  [0x0108, 'INVALID_NETWORK_CONNECTION_PARAMETER'],
  [0x0109, 'INVALID_CONNECTION_SIZE'],
  [0x0110, 'TARGET_FOR_CONNECTION_NOT_CONFIGURED'],
  [0x0111, 'RPI_NOT_SUPPORTED'],
  [0x0113, 'OUT_OF_CONNECTIONS'],
  [0x0114, 'VENDOR_ID_OR_PRODUCT_CODE_MISMATCH'],
  [0x0115, 'DEVICE_TYPE_MISMATCH'],
  [0x0116, 'REVISION_MISMATCH'],
  [0x0117, 'INVALID_PRODUCED_OR_CONSUMED_APPLICATION_PATH'],
  [0x0203, 'CONNECTION_TIMED_OUT'],
  [0x0204, 'UNCONNECTED_REQUEST_TIMED_OUT'],
  [0x0205, 'PARAMETER_ERROR_IN_UNCONNECTED_REQUEST'],
  [0x0206, 'MESSAGE_TOO_LARGE_FOR_UNCONNECTED_SEND'],
  [0x0207, 'UNCONNECTED_ACKNOWLEDGED_WITHOUT_REPLY'],
  [0x0301, 'NO_BUFFER_MEMORY_AVAILABLE'],
  [0x0302, 'NETWORK_BANDWIDTH_NOT_AVAILABLE'],
  [0x0311, 'PORT_NOT_AVAILABLE'],
  [0x0312, 'LINK_ADDRESS_NOT_VALID'],
  [0x0315, 'INVALID_SEGMENT_IN_CONNECTION_PATH'],
  [0x0316, 'FORWARD_CLOSE_CONNECTION_PATH_MISMATCH'],
  [0x0318, 'LINK_ADDRESS_TO_SELF_INVALID'],
  [0x031c, 'MISCELLANEOUS'],
  [0x0800, 'NETWORK_LINK_OFFLINE'],
]);
export function extendedStatusName(s: number): string {
  return EXT_STATUS_NAMES.get(s) ?? `unknown-${s}`;
}

/** CIP object classes (V1 §5, ICSNPP `cip_classes`), in ICSNPP's spelling. */
const CLASS_NAMES = new Map<number, string>([
  [0x01, 'Identity'],
  [0x02, 'Message Router'],
  [0x03, 'DeviceNet'],
  [0x04, 'Assembly'],
  [0x05, 'Connection'],
  [0x06, 'Connection Manager'],
  [0x07, 'Register'],
  [0x08, 'Discrete Input Point'],
  [0x09, 'Discrete Output Point'],
  [0x0a, 'Analog Input Point'],
  [0x0b, 'Analog Output Point'],
  [0x0e, 'Presence Sensing'],
  [0x0f, 'Parameter'],
  [0x10, 'Parameter Group'],
  [0x12, 'Group'],
  [0x1d, 'Discrete Input Group'],
  [0x1e, 'Discrete Output Group'],
  [0x1f, 'Discrete Group'],
  [0x20, 'Analog Input Group'],
  [0x21, 'Analog Output Group'],
  [0x22, 'Analog Group'],
  [0x23, 'Position Sensor'],
  [0x24, 'Position Controller Supervisor'],
  [0x25, 'Position Controller'],
  [0x26, 'Block Sequencer'],
  [0x27, 'Command Block'],
  [0x28, 'Motor Data'],
  [0x29, 'Control Supervisor'],
  [0x2a, 'AC/DC Drive'],
  [0x2b, 'Acknowledge Handler'],
  [0x2c, 'Overload'],
  [0x2d, 'Softstart'],
  [0x2e, 'Selection'],
  [0x30, 'S-Device Supervisor'],
  [0x31, 'S-Analog Sensor'],
  [0x32, 'S-Analog Actuator'],
  [0x33, 'S-Single Stage Controller'],
  [0x34, 'S-Gas Calibration'],
  [0x35, 'Trip Point'],
  [0x37, 'File'],
  [0x38, 'S-Partial Pressure'],
  [0x39, 'Safety Supervisor'],
  [0x3a, 'Safety Validator'],
  [0x3b, 'Safety Discrete Output Point'],
  [0x3c, 'Safety Discrete Output Group'],
  [0x3d, 'Safety Discrete Input Point'],
  [0x3e, 'Safety Discrete Input Group'],
  [0x3f, 'Safety Dual Channel Output'],
  [0x40, 'S-Sensor Calibration'],
  [0x41, 'Event Log'],
  [0x42, 'Motion Device Axis'],
  [0x43, 'Time Sync'],
  [0x44, 'Modbus'],
  [0x45, 'Originator Connection List'],
  [0x46, 'Modbus Serial Link'],
  [0x47, 'Device Level Ring (DLR)'],
  [0x48, 'QoS'],
  [0x4d, 'Target Connection List'],
  [0x4e, 'Base Energy'],
  [0x4f, 'Electrical Energy'],
  [0x50, 'Non-Electrical Energy'],
  [0x51, 'Base Switch'],
  [0x52, 'SNMP'],
  [0x53, 'Power Management'],
  [0x54, 'RSTP Bridge'],
  [0x55, 'RSTP Port'],
  [0x56, 'PRP/HSR Protocol'],
  [0x57, 'PRP/HSR Nodes Table'],
  [0x5d, 'CIP Security'],
  [0x5e, 'EtherNet/IP Security'],
  [0x5f, 'Certificate Management'],
  [0x67, 'PCCC Class'],
  // Rockwell Logix vendor classes (1756-PM020); ICSNPP leaves them unnamed.
  [0x6b, 'Symbol'],
  [0x6c, 'Template'],
  [0xf0, 'ControlNet'],
  [0xf1, 'ControlNet Keeper'],
  [0xf2, 'ControlNet Scheduling'],
  [0xf3, 'Connection Configuration'],
  [0xf4, 'Port'],
  [0xf5, 'TCP/IP Interface'],
  [0xf6, 'Ethernet Link'],
  [0xf7, 'CompoNet'],
  [0xf8, 'CompoNet Repeater'],
]);
export function className(c: number): string {
  return CLASS_NAMES.get(c) ?? `unknown-${c}`;
}

/**
 * ODVA vendor ids (ICSNPP `cip_vendors`, which follows Wireshark's table): the vendors most
 * often seen on plant networks. Others are `unknown-<id>` (the id itself is always a fact).
 */
const VENDOR_NAMES = new Map<number, string>([
  [1, 'Rockwell Automation/Allen-Bradley'],
  [2, 'Namco Controls Corp.'],
  [3, 'Honeywell Inc.'],
  [4, 'Parker Hannifin Corp. (Veriflo Division)'],
  [5, 'Rockwell Automation/Reliance Elec.'],
  [7, 'SMC Corporation'],
  [8, 'Molex Incorporated'],
  [9, 'Western Reserve Controls Corp.'],
  [10, 'Advanced Micro Controls Inc. (AMCI)'],
  [11, 'ASCO Pneumatic Controls'],
  [12, 'Banner Engineering Corp.'],
  [13, 'Belden Wire & Cable Company'],
  [16, 'Daniel Woodhead Co. (Woodhead Connectivity)'],
  [26, 'Festo Corporation'],
  [37, 'Yaskawa Electric America (formerly Magnetek Drives)'],
  [40, 'Wago Corporation'],
  [43, 'BALLUFF Inc.'],
  [44, 'Yaskawa Electric America Inc.'],
  [45, 'Eurotherm Controls Inc'],
  [46, 'ABB Industrial Systems'],
  [47, 'Omron Corporation'],
  [48, 'Turck Inc.'],
  [50, 'Real Time Automation (C&ID)'],
  [56, 'Softing GmbH'],
  [57, 'Pepperl + Fuchs'],
  [58, 'Spectrum Controls Inc.'],
  [68, 'Eaton Electrical'],
  [71, 'Toshiba International Corp.'],
  [74, 'Hitachi Ltd.'],
  [75, 'ABB Robotics Products AB'],
  [77, 'Rockwell Software Inc.'],
  [81, 'IXXAT Automation GmbH'],
  [82, 'Mitsubishi Electric Automation Inc.'],
  [83, 'OPTO-22'],
  [86, 'Horner Electric'],
  [90, 'HMS Industrial Networks AB'],
  [94, 'Advantech Co. Ltd.'],
  [95, 'Square D Company'],
  [97, 'Danfoss'],
  [100, 'Bosch Rexroth Corporation, Pneumatics'],
  [108, 'Beckhoff Automation GmbH'],
  [109, 'National Instruments'],
  [119, 'EXOR Electronic R&D'],
  [121, 'KUKA Roboter GmbH'],
  [143, 'GE Industrial Systems'],
  [145, 'Siemens Energy & Automation/Drives'],
  [153, 'WATLOW'],
  [159, 'IDEC IZUMI Corporation'],
  [161, 'Mitsubishi Electric Corporation'],
  [170, 'Pyramid Solutions Inc.'],
  [171, 'Denso Wave Incorporated'],
  [176, 'Red Lion Controls'],
  [181, 'Pilz GmbH & Co'],
  [243, 'Schneider Automation Inc.'],
  [250, 'Yokogawa Electric Corporation'],
  [255, 'Bosch Rexroth'],
  [256, 'Turck'],
  [257, 'Control Techniques PLC'],
  [259, 'LS Industrial Systems'],
  [272, 'Deutschmann Automation GmbH'],
  [283, 'Hilscher GmbH'],
  [287, 'Bosch Rexroth Corporation, Indramat'],
  [309, 'Prosoft Technology'],
  [315, 'SEW Eurodrive GmbH'],
  [319, 'Fuji Electric Co. Ltd.'],
  [322, 'ifm efector, inc.'],
  [326, 'GE Fanuc Automation North America Inc.'],
  [345, 'Endress + Hauser'],
  [348, 'Berger Lahr GmbH'],
  [356, 'Fanuc Robotics America'],
  [367, 'Keyence Corporation'],
  [445, 'Lenze Drive Systems GmbH'],
  [452, 'Kollmorgen'],
  [468, 'Baumer IVO GmbH & Co. KG'],
  [482, 'Koyo Electronics'],
  [501, 'VIPA GmbH'],
  [511, 'SICK Stegmann GmbH'],
  [524, 'Leuze Electronic GmbH & Co. KG'],
  [562, 'Phoenix Contact'],
  [591, 'FANUC Ltd.'],
  [593, 'ABB Automation Products'],
  [634, 'Hirschmann Inc.'],
  [640, 'Murrelektronik GmbH'],
  [645, 'Bihl & Wiedemann GmbH'],
  [660, 'Automationdirect.com'],
  [678, 'Cognex Corporation'],
  [680, 'Weidmuller Inc.'],
  [722, 'ABB Inc.'],
  [749, 'Woodward Governor'],
  [778, 'Harting Inc. NA'],
  [796, 'Siemens Energy & Automation Inc.'],
  [805, 'Digi International Inc.'],
  [808, 'SICK AG'],
  [853, 'WEG Industrias SA'],
  [865, 'Schweitzer Engineering Laboratories'],
  [887, 'Bernecker + Rainer Industrie-Elektronik GmbH'],
  [903, 'Emerson Process Management Power & Water Solutions'],
  [925, 'HIMA Paul Hildebrandt GmbH'],
  [928, 'GE Multilin'],
  [939, 'Cisco Systems'],
  [940, 'Grid Connect'],
  [947, 'Belden CDT Electronics Division'],
  [971, 'Siemens L&A'],
  [991, 'Moxa Networking Co.Ltd.'],
  [1006, 'N-Tron'],
  [1015, 'Weidmueller Interface GmbH & Co. KG'],
  [1023, 'Korenix Technology Co. Ltd'],
  [1059, 'Delta Electronic Inc.'],
  [1109, 'Inductive Automation'],
  [1168, 'Kunbus GmbH Industrial Communication'],
  [1182, 'Endress+Hauser'],
  [1225, 'Rosemount Inc.'],
  [1251, 'Siemens AG'],
  [1285, '3S-Smart Software Solutions GmbH'],
  [1289, 'eWON'],
  [1307, 'Kepware Technologies'],
  [1346, 'Beijer Electronics Products AB'],
  [1382, 'Unitronics (1989) (RG) LTD'],
  [1399, 'Universal Robots A/S'],
  [1418, 'Emerson Process Management'],
  [1439, 'Kyland Corporation'],
]);
export function vendorName(id: number): string {
  return VENDOR_NAMES.get(id) ?? `unknown-${id}`;
}

/** CIP device profiles (V1 §6, Table 6-7.1; ICSNPP `cip_device_types`), ICSNPP spelling. */
const DEVICE_TYPE_NAMES = new Map<number, string>([
  [0x00, 'Generic Device (deprecated)'],
  [0x01, 'Control Station (deprecated)'],
  [0x02, 'AC Drive Device'],
  [0x03, 'Motor Overload'],
  [0x04, 'Limit Switch'],
  [0x05, 'Inductive Proximity Switch'],
  [0x06, 'Photoelectric Sensor'],
  [0x07, 'General Purpose Discrete I/O'],
  [0x08, 'Encoder (deprecated)'],
  [0x09, 'Resolver'],
  [0x0a, 'General Purpose Analog I/O (deprecated)'],
  [0x0c, 'Communications Adapter'],
  [0x0d, 'Barcode Scanner (deprecated)'],
  [0x0e, 'Programmable Logic Controller'],
  [0x10, 'Position Controller'],
  [0x11, 'Weigh Scale (deprecated)'],
  [0x12, 'Message Display (deprecated)'],
  [0x13, 'DC Drive'],
  [0x14, 'Servo Drives (deprecated)'],
  [0x15, 'Contactor'],
  [0x16, 'Motor Starter'],
  [0x17, 'Softstart Starter'],
  [0x18, 'Human-Machine Interface'],
  [0x19, 'Pneumatic Valve(s) (deprecated)'],
  [0x1a, 'Mass Flow Controller'],
  [0x1b, 'Pneumatic Valve(s)'],
  [0x1c, 'Vacuum Pressure Gauge'],
  [0x1d, 'Process Control Value'],
  [0x1e, 'Residual Gas Analyzer'],
  [0x1f, 'DC Power Generator'],
  [0x20, 'RF Power Generator'],
  [0x21, 'Turbomolecular Vacuum Pump'],
  [0x22, 'Encoder'],
  [0x23, 'Safety Discrete I/O Device'],
  [0x24, 'Fluid Flow Controller'],
  [0x25, 'CIP Motion Drive'],
  [0x26, 'CompoNet Repeater'],
  [0x27, 'Mass Flow Controller Enhanced'],
  [0x28, 'CIP Modbus Device'],
  [0x29, 'CIP Modbus Translator'],
  [0x2a, 'Safety Analog I/O Device'],
  [0x2b, 'Generic Device (keyable)'],
  [0x2c, 'Managed Ethernet Switch'],
  [0x2d, 'CIP Motion Safety Drive Device'],
  [0x2e, 'Safety Drive Device'],
  [0x2f, 'CIP Motion Encoder'],
  [0x30, 'CIP Motion Converter'],
  [0x31, 'CIP Motion I/O'],
  [0x32, 'ControlNet Physical Layer Component'],
  [0xc8, 'Embedded Component'],
]);
export function deviceTypeName(t: number): string {
  return DEVICE_TYPE_NAMES.get(t) ?? `unknown-${t}`;
}

/** Identity object state attribute 8 (V1 §5A-2.2, Table 5A-2.11). */
const STATE_NAMES = new Map<number, string>([
  [0, 'NONEXISTENT'],
  [1, 'SELF_TESTING'],
  [2, 'STANDBY'],
  [3, 'OPERATIONAL'],
  [4, 'MAJOR_RECOVERABLE_FAULT'],
  [5, 'MAJOR_UNRECOVERABLE_FAULT'],
  [255, 'DEFAULT'],
]);
export function deviceStateName(s: number): string {
  return STATE_NAMES.get(s) ?? `unknown-${s}`;
}

/**
 * PCCC (DF1) commands inside Execute PCCC (class 0x67, service 0x4B): CMD 0x0F with these
 * function codes, and CMD 0x06 FNC 0x03 (diagnostic status). From Rockwell's DF1 protocol
 * manual (1770-6.5.16); the list covers the commands seen on SLC/MicroLogix/PLC-5.
 */
const PCCC_FNC_NAMES = new Map<number, [string, Op]>([
  [0x80, ['PCCC_CHANGE_MODE', 'control']],
  [0x11, ['PCCC_GET_EDIT_RESOURCE', 'program']],
  [0x12, ['PCCC_RETURN_EDIT_RESOURCE', 'program']],
  [0x67, ['PCCC_TYPED_WRITE', 'write']],
  [0x68, ['PCCC_TYPED_READ', 'read']],
  [0xa1, ['PCCC_PROTECTED_TYPED_LOGICAL_READ_2', 'read']],
  [0xa2, ['PCCC_PROTECTED_TYPED_LOGICAL_READ_3', 'read']],
  [0xa9, ['PCCC_PROTECTED_TYPED_LOGICAL_WRITE_2', 'write']],
  [0xaa, ['PCCC_PROTECTED_TYPED_LOGICAL_WRITE_3', 'write']],
  [0xab, ['PCCC_PROTECTED_TYPED_LOGICAL_WRITE_MASK', 'write']],
]);
/** Name and op of a PCCC command (cmd, fnc; fnc -1 when the command has none). Total. */
export function pcccCommand(cmd: number, fnc: number): [string, Op] {
  if (cmd === 0x06 && fnc === 0x03) return ['PCCC_DIAGNOSTIC_STATUS', 'diagnostic'];
  if (cmd === 0x0f) return PCCC_FNC_NAMES.get(fnc) ?? [`unknown-${cmd}/${fnc}`, 'other'];
  return [`unknown-${cmd}/${fnc}`, 'other'];
}

/** Hex with a fixed number of digits: `hexN(0x30, 4)` -> `0x0030`. */
export function hexN(v: number, digits: number): string {
  return `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;
}
