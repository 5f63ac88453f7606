import { u16be as u16 } from '../../bytes/words.js';
import { FrameId, Opt, Service } from './profinet.consts.js';

/**
 * Pure PROFINET DCP parsers (IEC 61158-6-10 §4.3, "DCP"). Bytes in, fields out; nothing here
 * keeps state or throws. The header and block parsers fill caller-owned structs and return
 * `null` or an anomaly code, so a frame costs no allocation.
 *
 * The dissector gets the frame after the Ethernet/VLAN header (EtherType 0x8892):
 * ```
 *  0  FrameID          u16   0xFEFC Hello, 0xFEFD Get/Set, 0xFEFE Identify req, 0xFEFF Identify resp
 *  2  ServiceID        u8    3 Get, 4 Set, 5 Identify, 6 Hello
 *  3  ServiceType      u8    0 request, 1 response success, 5 response "not supported"
 *  4  Xid              u32   pairs a response with its request
 *  8  ResponseDelay    u16   Identify request: response spread factor; else reserved (0)
 * 10  DCPDataLength    u16   bytes of blocks that follow
 * 12  blocks
 * ```
 * A block (§4.3.1.3.4):
 * ```
 *  0  Option           u8    1 IP, 2 device properties, 3 DHCP, 5 control, 6 device initiative, 255 all
 *  1  Suboption        u8
 *  2  DCPBlockLength   u16   bytes after this field (excluding the pad byte)
 *  4  BlockInfo u16 (responses, Hello) / BlockQualifier u16 (Set requests) / nothing (Identify
 *     filters); then the value. Blocks are padded to an even length.
 * ```
 * Get requests list option/suboption pairs (2 bytes each, no length). A Control/Response block
 * (option 5, suboption 4) holds the answered option u8, suboption u8 and BlockError u8.
 */

export type DcpParseError =
  | 'profinet-frame-truncated'
  | 'profinet-dcp-header-truncated'
  | 'profinet-dcp-length-exceeds-frame'
  | 'profinet-dcp-block-truncated'
  | 'profinet-dcp-block-too-short'
  | 'profinet-dcp-too-many-blocks'
  | 'profinet-dcp-service-frame-mismatch'
  | 'profinet-dcp-unknown-service';

export const DCP_HEADER_LEN = 12;

export interface DcpHeader {
  frameId: number;
  service: number;
  serviceType: number;
  xid: number;
  responseDelay: number;
  dataLength: number;
  /** Offset and length of the blocks (dataLength capped at the bytes present). */
  blocksOff: number;
  blocksLen: number;
}

export function newDcpHeader(): DcpHeader {
  return {
    frameId: 0,
    service: 0,
    serviceType: 0,
    xid: 0,
    responseDelay: 0,
    dataLength: 0,
    blocksOff: 0,
    blocksLen: 0,
  };
}

/** Reads the DCP header at `off` (the FrameID). Fields read are filled even on error. */
export function parseDcpHeader(buf: Uint8Array, off: number, len: number, out: DcpHeader): DcpParseError | null {
  out.blocksOff = off + DCP_HEADER_LEN;
  out.blocksLen = 0;
  if (len < 2) return 'profinet-frame-truncated';
  out.frameId = u16(buf, off);
  if (len < DCP_HEADER_LEN) return 'profinet-dcp-header-truncated';
  out.service = buf[off + 2] as number;
  out.serviceType = buf[off + 3] as number;
  out.xid = (buf[off + 4] as number) * 0x1000000 + (buf[off + 5] as number) * 0x10000 + u16(buf, off + 6);
  out.responseDelay = u16(buf, off + 8);
  out.dataLength = u16(buf, off + 10);
  out.blocksLen = Math.min(out.dataLength, len - DCP_HEADER_LEN);
  if (out.service < Service.GET || out.service > Service.HELLO) return 'profinet-dcp-unknown-service';
  if (!serviceMatchesFrame(out.frameId, out.service, out.serviceType)) return 'profinet-dcp-service-frame-mismatch';
  if (out.dataLength > len - DCP_HEADER_LEN) return 'profinet-dcp-length-exceeds-frame';
  return null;
}

/** Identify uses 0xFEFE/0xFEFF, Get/Set 0xFEFD, Hello 0xFEFC (§4.3.1.3.1). */
function serviceMatchesFrame(frameId: number, service: number, type: number): boolean {
  switch (frameId) {
    case FrameId.HELLO:
      return service === Service.HELLO;
    case FrameId.GET_SET:
      return service === Service.GET || service === Service.SET;
    case FrameId.IDENTIFY_REQUEST:
      return service === Service.IDENTIFY && (type & 0x03) === 0;
    case FrameId.IDENTIFY_RESPONSE:
      return service === Service.IDENTIFY && (type & 0x03) === 1;
    default:
      return false;
  }
}

/** How the blocks of a PDU are laid out. */
export const BlockLayout = {
  /** Identify request filters: option, suboption, length, value. */
  PLAIN: 0,
  /** Responses and Hello (BlockInfo) or Set requests (BlockQualifier): a u16 before the value. */
  WITH_INFO: 1,
  /** Get requests: option/suboption pairs only. */
  PAIRS: 2,
} as const;

export function blockLayout(h: DcpHeader): number {
  const response = (h.serviceType & 0x03) === 1;
  if (h.service === Service.GET && !response) return BlockLayout.PAIRS;
  if (h.service === Service.IDENTIFY && !response) return BlockLayout.PLAIN;
  return BlockLayout.WITH_INFO;
}

/** One block; reused for every block of a frame. */
export interface DcpBlock {
  option: number;
  suboption: number;
  /** DCPBlockLength (0 for Get request pairs). */
  length: number;
  /** BlockInfo / BlockQualifier, or -1 when the layout has none. */
  info: number;
  /** Offset and length of the value (after BlockInfo/BlockQualifier). */
  valueOff: number;
  valueLen: number;
  /** Offset of the next block (after padding). */
  next: number;
}

export function newDcpBlock(): DcpBlock {
  return { option: 0, suboption: 0, length: 0, info: -1, valueOff: 0, valueLen: 0, next: 0 };
}

/**
 * Reads the block at `pos` (blocks end at `end`). A Control/Response block has no BlockInfo
 * even in responses. Returns an error when the block runs past `end`.
 */
export function parseDcpBlock(
  buf: Uint8Array,
  pos: number,
  end: number,
  layout: number,
  out: DcpBlock,
): DcpParseError | null {
  out.info = -1;
  out.length = 0;
  out.valueOff = pos;
  out.valueLen = 0;
  out.next = end;
  if (layout === BlockLayout.PAIRS) {
    if (end - pos < 2) return 'profinet-dcp-block-truncated';
    out.option = buf[pos] as number;
    out.suboption = buf[pos + 1] as number;
    out.valueOff = pos + 2;
    out.next = pos + 2;
    return null;
  }
  if (end - pos < 4) return 'profinet-dcp-block-truncated';
  out.option = buf[pos] as number;
  out.suboption = buf[pos + 1] as number;
  out.length = u16(buf, pos + 2);
  const body = pos + 4;
  if (end - body < out.length) {
    out.valueOff = body;
    out.valueLen = end - body;
    return 'profinet-dcp-block-truncated';
  }
  out.next = Math.min(end, body + out.length + (out.length & 1));
  const response = out.option === Opt.CONTROL && out.suboption === 4;
  if (layout === BlockLayout.WITH_INFO && !response && !(out.option === Opt.ALL && out.length === 0)) {
    if (out.length < 2) return 'profinet-dcp-block-too-short';
    out.info = u16(buf, body);
    out.valueOff = body + 2;
    out.valueLen = out.length - 2;
  } else {
    out.valueOff = body;
    out.valueLen = out.length;
  }
  return null;
}

/** Dotted IPv4 address of 4 bytes at `off`. */
export function ipv4At(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** `xx:xx:xx:xx:xx:xx` of 6 bytes at `off`. */
export function macAt(buf: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + (buf[off + i] as number).toString(16).padStart(2, '0');
  return s;
}

/** MAC of 6 bytes at `off` as a number (the inventory's key form). */
export function macNumberAt(buf: Uint8Array, off: number): number {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + (buf[off + i] as number);
  return v;
}
