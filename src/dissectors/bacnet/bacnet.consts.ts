import type { Op } from '../../observations/observation.js';
import {
  ABORT_REASONS,
  ERROR_CLASSES,
  ERROR_CODES,
  OBJECT_TYPES,
  PROPERTY_IDS,
  REJECT_REASONS,
} from './bacnet.names.js';
import { VENDOR_NAMES } from './bacnet.vendors.js';

/**
 * BACnet/IP constants: BVLC functions (ASHRAE 135 Annex J.2), NPDU network-layer messages
 * (clause 6.2.4), APDU types (clause 20.1), confirmed/unconfirmed service choices (clause 21,
 * BACnetConfirmedServiceChoice / BACnetUnconfirmedServiceChoice) and their protocol-neutral ops.
 * Service and function names are spelled as CISA ICSNPP's bacnet.log spells them. Every lookup
 * is total: an unknown code becomes `unknown-<n>`.
 */

export const BACNET_PORT = 47808;
/** BVLC type of BACnet/IP (Annex J); 0x82 is BACnet/IPv6 (Annex U), named but not decoded. */
export const BVLC_TYPE_IP = 0x81;
export const BVLC_TYPE_IPV6 = 0x82;
export const BVLC_HEADER_LEN = 4;
/** NPDU protocol version (clause 6.2.1). */
export const NPDU_VERSION = 1;
/** Nesting depth of constructed (opening/closing tagged) values we follow. */
export const MAX_TAG_DEPTH = 16;

export const Bvlc = {
  RESULT: 0x00,
  WRITE_BDT: 0x01,
  READ_BDT: 0x02,
  READ_BDT_ACK: 0x03,
  FORWARDED_NPDU: 0x04,
  REGISTER_FOREIGN_DEVICE: 0x05,
  READ_FDT: 0x06,
  READ_FDT_ACK: 0x07,
  DELETE_FDT_ENTRY: 0x08,
  DISTRIBUTE_BROADCAST: 0x09,
  ORIGINAL_UNICAST: 0x0a,
  ORIGINAL_BROADCAST: 0x0b,
  SECURE_BVLL: 0x0c,
} as const;

const BVLC_NAMES = [
  'BVLC_Result',
  'Write_Broadcast_Table',
  'Read_Broadcast_Table',
  'Read_Broadcast_Table_ACK',
  'Forwarded_NPDU',
  'Register_Foreign_Device',
  'Read_Foreign_Device_Table',
  'Read_Foreign_Device_Table_ACK',
  'Delete_Foreign_Device_Table_Entry',
  'Distribute_Broadcast_to_Network',
  'Original_Unicast_NPDU',
  'Original_Broadcast_NPDU',
  'Secure_BVLL',
];

export function bvlcName(fn: number): string {
  return BVLC_NAMES[fn] ?? `unknown-${fn}`;
}

/** BVLC functions that carry an NPDU. */
export function bvlcHasNpdu(fn: number): boolean {
  return (
    fn === Bvlc.FORWARDED_NPDU ||
    fn === Bvlc.DISTRIBUTE_BROADCAST ||
    fn === Bvlc.ORIGINAL_UNICAST ||
    fn === Bvlc.ORIGINAL_BROADCAST
  );
}

/** BVLC-Result codes (J.2.1.1). */
const BVLC_RESULTS: Record<number, string> = {
  0: 'Successful_completion',
  16: 'Write-Broadcast-Distribution-Table_NAK',
  32: 'Read-Broadcast-Distribution-Table_NAK',
  48: 'Register-Foreign-Device_NAK',
  64: 'Read-Foreign-Device-Table_NAK',
  80: 'Delete-Foreign-Device-Table-Entry_NAK',
  96: 'Distribute-Broadcast-To-Network_NAK',
};
export function bvlcResultName(code: number): string {
  return BVLC_RESULTS[code] ?? `unknown-${code}`;
}

/** Network-layer message types (clause 6.2.4), ICSNPP's snake_case spelling. */
const NETWORK_MESSAGES = [
  'who_is_router_to_network',
  'i_am_router_to_network',
  'i_could_be_router_to_network',
  'reject_message_to_network',
  'router_busy_to_network',
  'router_available_to_network',
  'initialize_routing_table',
  'initialize_routing_table_ack',
  'establish_connection_to_network',
  'disconnect_connection_to_network',
  'challenge_request',
  'security_payload',
  'security_response',
  'request_key_update',
  'update_key_set',
  'update_distribution_key',
  'request_master_key',
  'set_master_key',
  'what_is_network_number',
  'network_number_is',
];
export function networkMessageName(t: number): string {
  return NETWORK_MESSAGES[t] ?? (t >= 0x80 ? `vendor-${t}` : `unknown-${t}`);
}
export function networkMessageOp(t: number): Op {
  if (t <= 2 || t === 0x12 || t === 0x13) return 'discovery';
  if (t === 6 || t === 8 || t === 9) return 'control';
  if (t >= 0x0a && t <= 0x11) return 'auth';
  return 'other';
}

export const Pdu = {
  CONFIRMED_REQUEST: 0,
  UNCONFIRMED_REQUEST: 1,
  SIMPLE_ACK: 2,
  COMPLEX_ACK: 3,
  SEGMENT_ACK: 4,
  ERROR: 5,
  REJECT: 6,
  ABORT: 7,
} as const;

const PDU_NAMES = [
  'CONFIRMED_REQUEST',
  'UNCONFIRMED_REQUEST',
  'SIMPLE_ACK',
  'COMPLEX_ACK',
  'SEGMENT_ACK',
  'ERROR_PDU',
  'REJECT_PDU',
  'ABORT_PDU',
];
export function pduTypeName(t: number): string {
  return PDU_NAMES[t] ?? `unknown-${t}`;
}

/** Confirmed service choices (clause 21). */
export const Confirmed = {
  SUBSCRIBE_COV: 5,
  ATOMIC_READ_FILE: 6,
  ATOMIC_WRITE_FILE: 7,
  READ_PROPERTY: 12,
  READ_PROPERTY_MULTIPLE: 14,
  WRITE_PROPERTY: 15,
  DEVICE_COMMUNICATION_CONTROL: 17,
  REINITIALIZE_DEVICE: 20,
} as const;

/**
 * Op classes: program = file upload from a device (AtomicReadFile: configuration/program
 * backup), firmware = file transfer to a device (AtomicWriteFile), control = reinitialize,
 * communication control and life-safety operations.
 */
const CONFIRMED: ReadonlyArray<readonly [string, Op]> = [
  ['acknowledge_alarm', 'write'],
  ['confirmed_cov_notification', 'other'],
  ['confirmed_event_notification', 'other'],
  ['get_alarm_summary', 'read'],
  ['get_enrollment_summary', 'read'],
  ['subscribe_cov', 'read'],
  ['atomic_read_file', 'program'],
  ['atomic_write_file', 'firmware'],
  ['add_list_element', 'write'],
  ['remove_list_element', 'write'],
  ['create_object', 'write'],
  ['delete_object', 'write'],
  ['read_property', 'read'],
  ['read_property_conditional', 'read'],
  ['read_property_multiple', 'read'],
  ['write_property', 'write'],
  ['write_property_multiple', 'write'],
  ['device_communication_control', 'control'],
  ['confirmed_private_transfer', 'other'],
  ['confirmed_text_message', 'other'],
  ['reinitialize_device', 'control'],
  ['vt_open', 'other'],
  ['vt_close', 'other'],
  ['vt_data', 'other'],
  ['authenticate', 'auth'],
  ['request_key', 'auth'],
  ['read_range', 'read'],
  ['life_safety_operation', 'control'],
  ['subscribe_cov_property', 'read'],
  ['get_event_information', 'read'],
  ['subscribe_cov_property_multiple', 'read'],
  ['confirmed_cov_notification_multiple', 'other'],
  ['confirmed_audit_notification', 'other'],
  ['audit_log_query', 'read'],
];

export const Unconfirmed = {
  I_AM: 0,
  I_HAVE: 1,
  TIME_SYNCHRONIZATION: 6,
  WHO_HAS: 7,
  WHO_IS: 8,
  UTC_TIME_SYNCHRONIZATION: 9,
} as const;

const UNCONFIRMED: ReadonlyArray<readonly [string, Op]> = [
  ['i_am', 'discovery'],
  ['i_have', 'discovery'],
  ['unconfirmed_cov_notification', 'other'],
  ['unconfirmed_event_notification', 'other'],
  ['unconfirmed_private_transfer', 'other'],
  ['unconfirmed_text_message', 'other'],
  ['time_synchronization', 'write'],
  ['who_has', 'discovery'],
  ['who_is', 'discovery'],
  ['utc_time_synchronization', 'write'],
  ['write_group', 'write'],
  ['unconfirmed_cov_notification_multiple', 'other'],
  ['unconfirmed_audit_notification', 'other'],
  ['who_am_i', 'discovery'],
  ['you_are', 'control'],
];

export function confirmedName(s: number): string {
  return CONFIRMED[s]?.[0] ?? `unknown-${s}`;
}
export function confirmedOp(s: number): Op {
  return CONFIRMED[s]?.[1] ?? 'other';
}
export function unconfirmedName(s: number): string {
  return UNCONFIRMED[s]?.[0] ?? `unknown-${s}`;
}
export function unconfirmedOp(s: number): Op {
  return UNCONFIRMED[s]?.[1] ?? 'other';
}

function lookup(table: readonly string[], n: number): string {
  const s = table[n];
  return s === undefined || s === '' ? `unknown-${n}` : s;
}
export const objectTypeName = (n: number): string => lookup(OBJECT_TYPES, n);
export const propertyName = (n: number): string => lookup(PROPERTY_IDS, n);
export const errorClassName = (n: number): string => lookup(ERROR_CLASSES, n);
export const errorCodeName = (n: number): string => lookup(ERROR_CODES, n);
export const rejectReasonName = (n: number): string => lookup(REJECT_REASONS, n);
export const abortReasonName = (n: number): string => lookup(ABORT_REASONS, n);
export const vendorName = (n: number): string => lookup(VENDOR_NAMES, n);

export const OBJECT_DEVICE = 8;
/** Device object id meaning "the device that receives this" (clause 12.11.1: instance 4194303). */
export const WILDCARD_INSTANCE = 4194303;

/** Segmentation support (BACnetSegmentation). */
const SEGMENTATION = ['segmented-both', 'segmented-transmit', 'segmented-receive', 'no-segmentation'];
export function segmentationName(n: number): string {
  return SEGMENTATION[n] ?? `unknown-${n}`;
}

/** ReinitializeDevice reinitialized-state-of-device (clause 16.4.1.1.1). */
const REINIT_STATES = [
  'coldstart',
  'warmstart',
  'startbackup',
  'endbackup',
  'startrestore',
  'endrestore',
  'abortrestore',
  'activate-changes',
];
export function reinitStateName(n: number): string {
  return REINIT_STATES[n] ?? `unknown-${n}`;
}

/** DeviceCommunicationControl enable-disable (clause 16.1.1.1.2). */
const DCC_STATES = ['enable', 'disable', 'disable-initiation'];
export function dccStateName(n: number): string {
  return DCC_STATES[n] ?? `unknown-${n}`;
}

/** Device object properties that identify a device -> identity field (clause 12.11). */
export const IDENTITY_PROPERTIES: ReadonlyMap<number, string> = new Map([
  [121, 'vendor'], // vendor-name
  [120, 'vendor_id'], // vendor-identifier
  [70, 'model'], // model-name
  [44, 'firmware'], // firmware-revision
  [12, 'software_version'], // application-software-version
  [77, 'device_name'], // object-name
  [58, 'location'], // location
  [28, 'description'], // description
  [372, 'serial'], // serial-number
  [168, 'profile_name'], // profile-name
]);
