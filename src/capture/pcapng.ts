import { u16, u32 } from '../bytes/words.js';
import { ChunkedReader } from './chunked.js';
import type { CaptureStats, PacketSink } from './types.js';

/** Block type codes (draft-ietf-opsawg-pcapng §4 and §10.1). */
export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  /** Obsolete Packet Block (§A): 16-bit interface id and drops count. */
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  DSB: 0x0000000a,
  CUSTOM: 0x00000bad,
  CUSTOM_NOCOPY: 0x40000bad,
} as const;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Largest block we buffer; anything bigger is corruption (Wireshark uses the same order of size). */
export const MAX_BLOCK = 16 << 20;
/** Interfaces described per section; later IDBs are skipped (and their packets counted as skipped). */
export const MAX_INTERFACES = 4096;

/** Name under which a skipped block is counted in stats.skippedBlocks. Total: unknown -> `unknown-0x........`. */
export function blockTypeName(t: number): string {
  switch (t) {
    case BlockType.SHB:
      return 'section-header';
    case BlockType.IDB:
      return 'interface-description';
    case BlockType.PB:
      return 'packet';
    case BlockType.SPB:
      return 'simple-packet';
    case BlockType.NRB:
      return 'name-resolution';
    case BlockType.ISB:
      return 'interface-statistics';
    case BlockType.EPB:
      return 'enhanced-packet';
    case 0x00000007:
      return 'irig-timestamp';
    case 0x00000008:
      return 'arinc-429';
    case 0x00000009:
      return 'systemd-journal-export';
    case BlockType.DSB:
      return 'decryption-secrets';
    case BlockType.CUSTOM:
    case BlockType.CUSTOM_NOCOPY:
      return 'custom';
    default:
      return `unknown-0x${(t >>> 0).toString(16).padStart(8, '0')}`;
  }
}

/** How an interface's timestamp units become microseconds. */
const TsKind = {
  /** units are microseconds */
  MICRO: 0,
  /** 10^-k with k > 6: divide by `factor` (exact integer division) */
  DIV: 1,
  /** 10^-k with k < 6: multiply by `factor` */
  MUL: 2,
  /** 2^-k: split seconds and fraction */
  BIN: 3,
  /** resolution too fine for exact arithmetic: floating-point approximation, units per second in `factor` */
  FLOAT: 4,
} as const;

const TWO32 = 4294967296;

/**
 * pcapng push parser (draft-ietf-opsawg-pcapng).
 *
 * Every block:
 * ```
 *  0  block type
 *  4  block total length  (multiple of 4, >= 12, includes these 8 bytes and the trailer)
 *  8  body ...            (options padded to 32 bits)
 *  n-4 block total length (again)
 * ```
 * Section Header Block (§4.1), type 0a0d0d0a (same in both byte orders):
 * ```
 *  8  byte-order magic 1a2b3c4d (tells the section's byte order)
 * 12  major 1, minor 0
 * 16  section length (64-bit, -1 = unknown)
 * 24  options
 * ```
 * Interface Description Block (§4.2), type 1: `8 linktype(16) reserved(16) 12 snaplen(32) 16 options`
 * with `if_tsresol` (code 9, 1 byte: MSB 0 -> 10^-v s, MSB 1 -> 2^-v s; default 10^-6) and
 * `if_tsoffset` (code 14, signed 64-bit seconds added to every timestamp).
 * Enhanced Packet Block (§4.3), type 6:
 * `8 interface id 12 ts high 16 ts low 20 captured len 24 original len 28 data (padded) options`.
 * Simple Packet Block (§4.4), type 3: `8 original len 12 data` (interface 0, no timestamp:
 * the previous packet's time is used; captured length = min(original, snaplen, block room)).
 * Packet Block (obsolete, Appendix A), type 2:
 * `8 interface id(16) drops(16) 12 ts high 16 ts low 20 captured len 24 original len 28 data`.
 * Everything else (NRB, ISB, DSB, custom, unknown) is skipped and counted by name.
 */
export class PcapngReader extends ChunkedReader {
  private le = true;
  private sawShb = false;
  // Per-interface state of the current section, as parallel arrays (no per-packet objects).
  private ifCount = 0;
  private ifLinkType: number[] = [];
  private ifSnaplen: number[] = [];
  private ifTsKind: number[] = [];
  private ifFactor: number[] = [];
  private ifOffsetUs: number[] = [];
  private ifPackets: number[] = [];
  private lastTsUs = 0;
  private truncated = 0;

  constructor(
    stats: CaptureStats,
    private readonly sink: PacketSink,
  ) {
    super(stats);
    stats.format = 'pcapng';
  }

  protected need(buf: Uint8Array, off: number, avail: number): number {
    if (avail < 12) return 12;
    const len = this.blockLength(buf, off);
    if (len < 0) return -1;
    return len;
  }

  protected truncatedReason(needed: number, have: number): string {
    return `file ends inside a block (needs ${needed} bytes, has ${have})`;
  }

  /**
   * Validated total length of the block at `off` (12 bytes readable), or -1 after a stop.
   * A section header switches the byte order before its length is read.
   */
  private blockLength(buf: Uint8Array, off: number): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const type = dv.getUint32(off, true);
    let le = this.le;
    if (type === BlockType.SHB) {
      const bom = dv.getUint32(off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else {
        this.stop(
          this.base + off,
          `corrupt section header: bad byte-order magic 0x${bom.toString(16).padStart(8, '0')}`,
        );
        return -1;
      }
    } else if (!this.sawShb) {
      this.stop(this.base + off, 'pcapng file does not start with a section header block');
      return -1;
    }
    const len = dv.getUint32(off + 4, le);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
      this.stop(
        this.base + off,
        `corrupt block length ${len} for ${blockTypeName(le ? type : swap32(type))} block (must be a multiple of 4, >= 12 and <= ${MAX_BLOCK})`,
      );
      return -1;
    }
    return len;
  }

  protected consume(buf: Uint8Array, off: number, end: number): number {
    const sink = this.sink;
    const ifPackets = this.ifPackets;
    let le = this.le;
    // Counters go to fields inside the loop, and nothing but the return follows it (see
    // PcapReader.consume: code after a loop compiled while it runs has no type feedback).
    while (end - off >= 12) {
      let len: number;
      if (!this.sawShb || u32(buf, off, true) === BlockType.SHB) {
        len = this.blockLength(buf, off);
        if (len < 0) break;
      } else {
        // Hot path for packet blocks: same checks as blockLength, with element loads.
        len = u32(buf, off + 4, le);
        if (len < 12 || (len & 3) !== 0 || len > MAX_BLOCK) {
          this.blockLength(buf, off);
          break;
        }
      }
      if (end - off < len) break;
      const trailer = u32(buf, off + len - 4, le);
      const type = u32(buf, off, le);
      if (type === BlockType.EPB || type === BlockType.PB) {
        if (trailer !== len) {
          this.badTrailer(off, type, len, trailer);
          break;
        }
        if (len < 32) {
          this.stop(this.base + off, `corrupt ${blockTypeName(type)} block: length ${len} too short`);
          break;
        }
        const iface = type === BlockType.EPB ? u32(buf, off + 8, le) : u16(buf, off + 8, le);
        const capLen = u32(buf, off + 20, le);
        if (capLen > len - 32) {
          this.stop(
            this.base + off,
            `corrupt ${blockTypeName(type)} block: captured length ${capLen} does not fit in block of ${len} bytes`,
          );
          break;
        }
        if (iface >= this.ifCount) {
          this.skip('packet-unknown-interface');
        } else {
          const origLen = u32(buf, off + 24, le);
          const tsUs = this.toUs(iface, u32(buf, off + 12, le), u32(buf, off + 16, le));
          this.lastTsUs = tsUs;
          if (capLen < origLen) this.truncated++;
          ifPackets[iface]++;
          sink.packet(this.ifLinkType[iface] as number, tsUs, buf, off + 28, capLen, origLen);
        }
      } else {
        // Rare blocks (a section header resets interfaces, after flushing their counts).
        if (!this.otherBlock(buf, off, len, trailer)) break;
        le = this.le;
      }
      off += len;
    }
    return off;
  }

  /** SHB, IDB, SPB and skipped blocks. Returns false after a stop. */
  private otherBlock(buf: Uint8Array, off: number, len: number, trailerRaw: number): boolean {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const typeLe = dv.getUint32(off, true);
    if (typeLe === BlockType.SHB) {
      const le = dv.getUint32(off + 8, true) === BYTE_ORDER_MAGIC;
      const trailer = dv.getUint32(off + len - 4, le);
      if (trailer !== len) {
        this.badTrailer(off, BlockType.SHB, len, trailer);
        return false;
      }
      if (len < 28) {
        this.stop(this.base + off, `corrupt section header: length ${len} too short`);
        return false;
      }
      const major = dv.getUint16(off + 12, le);
      if (major !== 1) {
        this.stop(this.base + off, `unsupported pcapng version ${major}.${dv.getUint16(off + 14, le)}`);
        return false;
      }
      this.flush();
      this.le = le;
      this.sawShb = true;
      this.ifCount = 0;
      return true;
    }
    const le = this.le;
    const type = dv.getUint32(off, le);
    if (trailerRaw !== len) {
      this.badTrailer(off, type, len, trailerRaw);
      return false;
    }
    if (type === BlockType.IDB) {
      if (len < 20) {
        this.stop(this.base + off, `corrupt interface description block: length ${len} too short`);
        return false;
      }
      if (this.ifCount >= MAX_INTERFACES) {
        this.skip('interface-description-over-limit');
        return true;
      }
      this.addInterface(buf, dv, off, len, le);
      return true;
    }
    if (type === BlockType.SPB) {
      if (len < 16) {
        this.stop(this.base + off, `corrupt simple-packet block: length ${len} too short`);
        return false;
      }
      if (this.ifCount === 0) {
        this.skip('packet-unknown-interface');
        return true;
      }
      const origLen = dv.getUint32(off + 8, le);
      const snap = this.ifSnaplen[0] as number;
      let capLen = Math.min(origLen, len - 16);
      if (snap !== 0 && snap < capLen) capLen = snap;
      if (capLen < origLen) this.truncated++;
      this.ifPackets[0]++;
      this.sink.packet(this.ifLinkType[0] as number, this.lastTsUs, buf, off + 12, capLen, origLen);
      return true;
    }
    this.skip(blockTypeName(type));
    return true;
  }

  private addInterface(buf: Uint8Array, dv: DataView, off: number, len: number, le: boolean): void {
    const i = this.ifCount++;
    this.ifLinkType[i] = dv.getUint16(off + 8, le);
    this.ifSnaplen[i] = dv.getUint32(off + 12, le);
    this.ifPackets[i] = 0;
    let tsresol = 6;
    let offsetSec = 0;
    // Options: code(16) length(16) value padded to 32 bits, until opt_endofopt or the trailer.
    let p = off + 16;
    const optEnd = off + len - 4;
    while (optEnd - p >= 4) {
      const code = dv.getUint16(p, le);
      const olen = dv.getUint16(p + 2, le);
      if (code === 0) break;
      if (p + 4 + olen > optEnd) break; // malformed option list: keep what we have
      if (code === 9 && olen >= 1) tsresol = buf[p + 4] as number;
      else if (code === 14 && olen >= 8) {
        const lo = dv.getUint32(p + 4 + (le ? 0 : 4), le);
        const hi = dv.getInt32(p + 4 + (le ? 4 : 0), le);
        offsetSec = hi * TWO32 + lo;
      }
      p += 4 + ((olen + 3) & ~3);
    }
    this.ifOffsetUs[i] = offsetSec * 1e6;
    if (tsresol & 0x80) {
      const k = tsresol & 0x7f;
      this.ifTsKind[i] = k <= 33 ? TsKind.BIN : TsKind.FLOAT;
      this.ifFactor[i] = k <= 33 ? k : 2 ** k;
    } else if (tsresol === 6) {
      this.ifTsKind[i] = TsKind.MICRO;
      this.ifFactor[i] = 1;
    } else if (tsresol < 6) {
      this.ifTsKind[i] = TsKind.MUL;
      this.ifFactor[i] = 10 ** (6 - tsresol);
    } else if (tsresol <= 12) {
      this.ifTsKind[i] = TsKind.DIV;
      this.ifFactor[i] = 10 ** (tsresol - 6);
    } else {
      this.ifTsKind[i] = TsKind.FLOAT;
      this.ifFactor[i] = 10 ** tsresol;
    }
  }

  /** Timestamp (hi:lo units of the interface's resolution) -> integer µs since the epoch, without allocating. */
  private toUs(iface: number, hi: number, lo: number): number {
    const kind = this.ifTsKind[iface] as number;
    const f = this.ifFactor[iface] as number;
    let us: number;
    if (kind === TsKind.MICRO) us = hi * TWO32 + lo;
    else if (kind === TsKind.DIV) {
      // floor((hi*2^32 + lo) / f) exactly: split hi so every intermediate stays below 2^53.
      const q = Math.floor(hi / f);
      const r = hi - q * f;
      us = q * TWO32 + Math.floor((r * TWO32 + lo) / f);
    } else if (kind === TsKind.MUL) us = (hi * TWO32 + lo) * f;
    else if (kind === TsKind.BIN) {
      let sec: number;
      let frac: number;
      if (f <= 32) {
        const fracMask = f === 32 ? TWO32 : 2 ** f;
        const loFrac = lo % fracMask;
        sec = hi * 2 ** (32 - f) + (lo - loFrac) / fracMask;
        frac = loFrac;
      } else {
        const hiDiv = 2 ** (f - 32);
        const hiFrac = hi % hiDiv;
        sec = (hi - hiFrac) / hiDiv;
        frac = hiFrac * TWO32 + lo;
      }
      us = sec * 1e6 + Math.floor((frac * 1e6) / 2 ** f);
    } else us = Math.floor(((hi * TWO32 + lo) / f) * 1e6);
    return us + (this.ifOffsetUs[iface] as number);
  }

  override flush(): void {
    const lt = this.stats.linkTypes;
    for (let i = 0; i < this.ifCount; i++) {
      const n = this.ifPackets[i] as number;
      if (n > 0) {
        const t = this.ifLinkType[i] as number;
        lt[t] = (lt[t] ?? 0) + n;
        this.stats.packets += n;
        this.ifPackets[i] = 0;
      }
    }
    this.stats.truncatedPackets += this.truncated;
    this.truncated = 0;
  }

  private skip(name: string): void {
    const s = this.stats.skippedBlocks;
    s[name] = (s[name] ?? 0) + 1;
  }

  private badTrailer(off: number, type: number, len: number, trailer: number): void {
    this.stop(
      this.base + off,
      `corrupt ${blockTypeName(type)} block: trailing length ${trailer} differs from leading length ${len}`,
    );
  }
}

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
