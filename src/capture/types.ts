/**
 * Contract between capture readers and the rest of the pipeline.
 *
 * Readers are push parsers: bytes go in through `push(chunk)` in any chunking, packets come
 * out synchronously through the `PacketSink`. A packet is handed over as (buffer, offset,
 * length) into the reader's current chunk: no copy and no per-packet object. The view is only
 * valid during the call; a consumer that must keep bytes copies them.
 */

/** LINKTYPE_* values (tcpdump.org/linktypes.html) that the decoder understands. */
export const LinkType = {
  NULL: 0, // BSD loopback, host-order 4-byte AF
  ETHERNET: 1,
  RAW: 101, // raw IPv4/IPv6, version from first nibble
  LOOP: 108, // OpenBSD loopback, network-order AF
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
  /** Some old pcaps used DLT_RAW values 12 or 14 for raw IP. */
  RAW_12: 12,
  RAW_14: 14,
} as const;

export function linkTypeName(lt: number): string {
  switch (lt) {
    case 0:
      return 'null-loopback';
    case 1:
      return 'ethernet';
    case 101:
    case 12:
    case 14:
      return 'raw-ip';
    case 108:
      return 'loop';
    case 113:
      return 'linux-sll';
    case 228:
      return 'ipv4';
    case 229:
      return 'ipv6';
    case 276:
      return 'linux-sll2';
    case 105:
      return 'ieee802.11';
    case 107:
      return 'frame-relay';
    case 104:
      return 'cisco-hdlc';
    case 127:
      return 'radiotap';
    case 195:
      return 'ieee802.15.4';
    case 230:
      return 'ieee802.15.4-nofcs';
    default:
      return `unknown-${lt}`;
  }
}

export interface PacketSink {
  /**
   * One captured packet.
   * @param linkType LINKTYPE_* of the interface it came from
   * @param tsUs     capture time in integer microseconds since the Unix epoch
   * @param buf      buffer holding the packet bytes (valid only during this call)
   * @param off      offset of the first packet byte in `buf`
   * @param capLen   bytes captured (may be < origLen when snaplen truncated the packet)
   * @param origLen  length of the packet on the wire
   */
  packet(linkType: number, tsUs: number, buf: Uint8Array, off: number, capLen: number, origLen: number): void;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** Why a reader stopped early. `offset` is the byte offset in the (decompressed) capture stream. */
export interface CaptureStop {
  offset: number;
  reason: string;
}

export interface CaptureStats {
  format: CaptureFormat | null;
  /** true when the input was gzip-compressed (detected by content). */
  gzip: boolean;
  /** Bytes of capture data consumed (after decompression). */
  bytes: number;
  packets: number;
  /** Packets whose capLen < origLen (snaplen). */
  truncatedPackets: number;
  /** pcapng blocks skipped because their type is unknown or irrelevant, by block type name. */
  skippedBlocks: Record<string, number>;
  /** Link types seen: LINKTYPE value -> packet count. */
  linkTypes: Record<number, number>;
  /** Set when the file ended early or became unreadable; analysis of what came before stands. */
  stop: CaptureStop | null;
}

export function emptyCaptureStats(): CaptureStats {
  return {
    format: null,
    gzip: false,
    bytes: 0,
    packets: 0,
    truncatedPackets: 0,
    skippedBlocks: {},
    linkTypes: {},
    stop: null,
  };
}

/** Thrown (once, before any packet) when the input is not a capture file at all. */
export class NotACaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotACaptureError';
  }
}
