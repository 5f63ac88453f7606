import type { ChunkedReader } from './chunked.js';
import { isPcapMagic, PCAP_FILE_HEADER_LEN, PcapReader } from './pcap.js';
import { BlockType, PcapngReader } from './pcapng.js';
import { type CaptureStats, emptyCaptureStats, NotACaptureError, type PacketSink } from './types.js';

/**
 * A capture reader that accepts pcap or pcapng (told apart by the first 4 bytes) in any
 * chunking. Packets go to the sink synchronously from `push`.
 */
export interface CaptureParser {
  /** Feed the next bytes. Throws NotACaptureError (once, before any packet) when the input is not a capture. */
  push(chunk: Uint8Array): void;
  /** No more input: reports a file that ends inside a record, and returns the final stats. */
  end(): CaptureStats;
  /** Stop now with this reason (used by the source when decompression fails); later pushes are ignored. */
  fail(reason: string): void;
  /** Current counters (flushed on read). */
  readonly stats: CaptureStats;
}

/** Bytes needed to tell the format. */
const SNIFF = 4;
/** Smallest valid pcapng file: one section header block without options. */
const PCAPNG_MIN = 28;

export function createCaptureParser(sink: PacketSink): CaptureParser {
  const stats = emptyCaptureStats();
  let reader: ChunkedReader | null = null;
  let failed = false;
  // The first bytes, kept until the format is known (usually the first chunk suffices).
  let head: Uint8Array = new Uint8Array(0);

  const startReader = (bytes: Uint8Array): void => {
    const magic = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
    if (isPcapMagic(magic)) reader = new PcapReader(stats, sink);
    else if (magic === BlockType.SHB) reader = new PcapngReader(stats, sink);
    else {
      failed = true;
      throw new NotACaptureError(describeNonCapture(bytes));
    }
  };

  return {
    push(chunk: Uint8Array): void {
      if (failed) return;
      if (reader === null) {
        const joined = head.length === 0 ? chunk : concat(head, chunk);
        if (joined.length < SNIFF) {
          head = joined === chunk ? chunk.slice() : joined;
          return;
        }
        head = new Uint8Array(0);
        startReader(joined);
        reader!.push(joined);
        return;
      }
      reader.push(chunk);
    },
    end(): CaptureStats {
      if (failed) return stats;
      if (reader === null) {
        failed = true;
        if (head.length === 0) throw new NotACaptureError('not a capture file: the input is empty');
        throw new NotACaptureError(
          `not a capture file: only ${head.length} byte(s), shorter than any capture header (${hexBytes(head, 4)})`,
        );
      }
      // A file that ends inside its own file header never held a packet: that is an error, not a stop.
      const minHeader = stats.format === 'pcap' ? PCAP_FILE_HEADER_LEN : PCAPNG_MIN;
      reader.flush();
      if (stats.stop === null && stats.packets === 0 && stats.bytes < minHeader) {
        failed = true;
        throw new NotACaptureError(
          `truncated capture: ${stats.bytes} byte(s), shorter than the ${stats.format} file header (${minHeader} bytes)`,
        );
      }
      return reader.end();
    },
    fail(reason: string): void {
      if (reader !== null) reader.fail(reason);
      else if (stats.stop === null) stats.stop = { offset: 0, reason };
    },
    get stats(): CaptureStats {
      reader?.flush();
      return stats;
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function hexBytes(b: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < Math.min(n, b.length); i++) s += `${i ? ' ' : ''}${b[i]!.toString(16).padStart(2, '0')}`;
  return s;
}

function startsWith(b: Uint8Array, sig: readonly number[]): boolean {
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig[i]) return false;
  return true;
}

/** Known non-capture signatures, checked in order. */
const SIGNATURES: readonly (readonly [readonly number[], string])[] = [
  [[0x50, 0x4b, 0x03, 0x04], "starts with 'PK' (a zip archive?)"],
  [[0x1f, 0x8b], 'starts with 1f 8b (gzip data: read it through readCapture, which decompresses)'],
  [[0x42, 0x5a, 0x68], "starts with 'BZh' (a bzip2 archive? decompress it first)"],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'looks like an xz archive (decompress it first)'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'looks like zstd-compressed data (decompress it first)'],
  [[0x25, 0x50, 0x44, 0x46], "starts with '%PDF' (a PDF document)"],
  [[0x7f, 0x45, 0x4c, 0x46], 'looks like an ELF executable'],
  [[0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00], 'looks like a Sun snoop capture (not supported: convert it to pcap)'],
  [[0x47, 0x4d, 0x42, 0x55], 'looks like a Microsoft Network Monitor capture (not supported: convert it to pcap)'],
  [[0x58, 0x43, 0x50, 0x00], 'looks like a NetXray/Sniffer capture (not supported: convert it to pcap)'],
];

/** One line saying what the input looks like instead of a capture. */
export function describeNonCapture(b: Uint8Array): string {
  for (const [sig, what] of SIGNATURES) if (startsWith(b, sig)) return `not a capture file: ${what}`;
  const n = Math.min(b.length, 64);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d || c >= 0x80) printable++;
  }
  if (n >= SNIFF && printable === n) {
    let s = '';
    for (let i = 0; i < Math.min(n, 24); i++) {
      const c = b[i]!;
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
    }
    return `not a capture file: looks like text ('${s}')`;
  }
  return `not a capture file: unknown format, first bytes ${hexBytes(b, 4)}`;
}
