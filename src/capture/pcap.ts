import { LIMITS } from '../bytes/errors.js';
import { u32 } from '../bytes/words.js';
import { ChunkedReader } from './chunked.js';
import type { CaptureStats, PacketSink } from './types.js';

/** Magic numbers as read little-endian from the first 4 bytes (draft-ietf-opsawg-pcap §4). */
export const PCAP_MAGIC = {
  /** a1b2c3d4 microsecond, written big-endian (bytes a1 b2 c3 d4). */
  US_BE: 0xd4c3b2a1,
  /** a1b2c3d4 microsecond, written little-endian (bytes d4 c3 b2 a1). */
  US_LE: 0xa1b2c3d4,
  /** a1b23c4d nanosecond, big-endian bytes. */
  NS_BE: 0x4d3cb2a1,
  /** a1b23c4d nanosecond, little-endian bytes. */
  NS_LE: 0xa1b23c4d,
  /** a1b2cd34 "modified" (Kuznetzov) libpcap: 24-byte record headers, microseconds. */
  MOD_BE: 0x34cdb2a1,
  MOD_LE: 0xa1b2cd34,
} as const;

export const PCAP_FILE_HEADER_LEN = 24;

/**
 * Largest record we accept whatever the header's snaplen says: a record bigger than
 * max(snaplen, LIMITS.maxFrame) is corruption, and snaplen itself is only trusted up to this.
 */
const MAX_SNAPLEN_TRUSTED = 16 << 20;

/** Is this little-endian u32 one of the pcap magics? */
export function isPcapMagic(m: number): boolean {
  return (
    m === PCAP_MAGIC.US_LE ||
    m === PCAP_MAGIC.US_BE ||
    m === PCAP_MAGIC.NS_LE ||
    m === PCAP_MAGIC.NS_BE ||
    m === PCAP_MAGIC.MOD_LE ||
    m === PCAP_MAGIC.MOD_BE
  );
}

/**
 * Classic libpcap push parser (draft-ietf-opsawg-pcap).
 *
 * File header, 24 bytes, in the writer's byte order (told by the magic):
 * ```
 *  0  magic          a1b2c3d4 (µs) | a1b23c4d (ns) | a1b2cd34 (modified, µs)
 *  4  version_major  2
 *  6  version_minor  4
 *  8  thiszone       (reserved, 0)
 * 12  sigfigs        (reserved, 0)
 * 16  snaplen        largest record the writer kept
 * 20  FCS len (4 bits) | R | P | reserved (10 bits) | LinkType (16 bits)   (§4, "LinkType and
 *                    additional information"): only the low 16 bits are the link type
 * ```
 * Packet record header, 16 bytes (24 in the modified format, which adds ifindex, protocol,
 * pkt_type and padding after these):
 * ```
 *  0  ts_sec         seconds since 1970
 *  4  ts_frac        micro- or nanoseconds
 *  8  caplen         bytes that follow in the file
 * 12  origlen        bytes on the wire
 * 16  data[caplen]   (no padding)
 * ```
 * A record with caplen > max(snaplen, LIMITS.maxFrame) is corruption: the reader stops there.
 */
export class PcapReader extends ChunkedReader {
  private headerDone = false;
  private le = true;
  private nanos = false;
  private recHdr = 16;
  private linkType = 0;
  private maxCap: number = LIMITS.maxFrame;
  /** Packets delivered since the last flush (link type is constant per file). */
  private count = 0;
  private truncated = 0;
  /** Set from the file header: FCS bytes at the end of each packet (0 when the header says none). */
  fcsLen = 0;
  snaplen = 0;

  constructor(
    stats: CaptureStats,
    private readonly sink: PacketSink,
  ) {
    super(stats);
    stats.format = 'pcap';
  }

  protected need(buf: Uint8Array, off: number, avail: number): number {
    if (!this.headerDone) return PCAP_FILE_HEADER_LEN;
    if (avail < this.recHdr) return this.recHdr;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const capLen = dv.getUint32(off + 8, this.le);
    if (capLen > this.maxCap) {
      this.badCapLen(off, capLen);
      return -1;
    }
    return this.recHdr + capLen;
  }

  protected truncatedReason(needed: number, have: number): string {
    if (!this.headerDone) return `file ends inside the pcap file header (needs ${needed} bytes, has ${have})`;
    if (have < this.recHdr) return `file ends inside a packet record header (needs ${needed} bytes, has ${have})`;
    return `file ends inside a packet record (needs ${needed} bytes, has ${have})`;
  }

  protected consume(buf: Uint8Array, off: number, end: number): number {
    if (!this.headerDone) {
      if (end - off < PCAP_FILE_HEADER_LEN) return off;
      this.readHeader(buf, off);
      off += PCAP_FILE_HEADER_LEN;
    }
    const le = this.le;
    const nanos = this.nanos;
    const recHdr = this.recHdr;
    const maxCap = this.maxCap;
    const lt = this.linkType;
    const sink = this.sink;
    // Counters go to fields inside the loop, and nothing but the return follows it: V8 compiles
    // this loop while it runs (on-stack replacement), before code after it has ever run, and
    // such code without type feedback sends the compiled loop back to the interpreter at the
    // end of every chunk.
    while (end - off >= recHdr) {
      const capLen = u32(buf, off + 8, le);
      if (capLen > maxCap) {
        this.badCapLen(off, capLen);
        break;
      }
      if (end - off - recHdr < capLen) break;
      const origLen = u32(buf, off + 12, le);
      const frac = u32(buf, off + 4, le);
      const tsUs = u32(buf, off, le) * 1e6 + (nanos ? Math.floor(frac / 1000) : frac);
      if (capLen < origLen) this.truncated++;
      this.count++;
      sink.packet(lt, tsUs, buf, off + recHdr, capLen, origLen);
      off += recHdr + capLen;
    }
    return off;
  }

  override flush(): void {
    if (this.count > 0) {
      const lt = this.linkType;
      this.stats.linkTypes[lt] = (this.stats.linkTypes[lt] ?? 0) + this.count;
      this.stats.packets += this.count;
      this.count = 0;
    }
    this.stats.truncatedPackets += this.truncated;
    this.truncated = 0;
  }

  private readHeader(buf: Uint8Array, off: number): void {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const magic = dv.getUint32(off, true);
    this.le = magic === PCAP_MAGIC.US_LE || magic === PCAP_MAGIC.NS_LE || magic === PCAP_MAGIC.MOD_LE;
    this.nanos = magic === PCAP_MAGIC.NS_LE || magic === PCAP_MAGIC.NS_BE;
    this.recHdr = magic === PCAP_MAGIC.MOD_LE || magic === PCAP_MAGIC.MOD_BE ? 24 : 16;
    this.snaplen = dv.getUint32(off + 16, this.le);
    const ltField = dv.getUint32(off + 20, this.le);
    this.linkType = ltField & 0xffff;
    // P bit (0x04000000) says the 4-bit FCS length in the top bits is meaningful; the length is in 16-bit words.
    this.fcsLen = ltField & 0x04000000 ? (ltField >>> 28) * 2 : 0;
    this.maxCap = Math.max(Math.min(this.snaplen, MAX_SNAPLEN_TRUSTED), LIMITS.maxFrame);
    this.headerDone = true;
  }

  private badCapLen(off: number, capLen: number): void {
    this.stop(
      this.base + off,
      `corrupt packet record: captured length ${capLen} exceeds the limit ${this.maxCap} (snaplen ${this.snaplen})`,
    );
  }
}
