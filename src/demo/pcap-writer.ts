import { writeSync } from 'node:fs';

/** Receives finished chunks of pcap bytes. The chunk is handed over: the writer never touches it again. */
export type ChunkSink = (chunk: Uint8Array) => void;

/** A sink that writes every chunk synchronously to an open file descriptor. */
export function fdSink(fd: number): ChunkSink {
  return (chunk) => {
    let done = 0;
    while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
  };
}

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

/**
 * Classic pcap writer: microsecond timestamps, little endian, LINKTYPE_ETHERNET.
 *
 * Global header (24 bytes, LE): magic a1b2c3d4, version 2.4, thiszone 0, sigfigs 0, snaplen, linktype.
 * Record header (16 bytes, LE): ts_sec, ts_usec, incl_len, orig_len; then the frame bytes.
 * Reference: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html
 *
 * Records are built in place inside one large buffer; when it is full the buffer is handed to the
 * sink and a fresh one is allocated (one allocation per chunk, none per packet).
 */
export class PcapWriter {
  /** The chunk being filled. Valid for patching only until the next `put`/`flush`. */
  buf: Buffer;
  private pos = 0;
  packets = 0;
  /** Bytes written so far, headers included (the file size once closed). */
  bytes = 0;
  private readonly chunkSize: number;

  constructor(
    private readonly sink: ChunkSink,
    opts: { chunkSize?: number; snaplen?: number; linkType?: number } = {},
  ) {
    this.chunkSize = Math.max(opts.chunkSize ?? 4 << 20, 1 << 16);
    this.buf = Buffer.allocUnsafe(this.chunkSize);
    const b = this.buf;
    b.writeUInt32LE(PCAP_MAGIC_US, 0); // magic: microsecond resolution
    b.writeUInt16LE(2, 4); // version major
    b.writeUInt16LE(4, 6); // version minor
    b.writeInt32LE(0, 8); // thiszone
    b.writeUInt32LE(0, 12); // sigfigs
    b.writeUInt32LE(opts.snaplen ?? 65535, 16); // snaplen
    b.writeUInt32LE(opts.linkType ?? 1, 20); // linktype: ethernet
    this.pos = PCAP_GLOBAL_HEADER_LEN;
    this.bytes = PCAP_GLOBAL_HEADER_LEN;
  }

  /**
   * Appends one record holding a copy of `frame` and returns the offset of the frame's first byte
   * in `this.buf`, so the caller can patch fields (seq, ack, ids) in place.
   */
  put(tsUs: number, frame: Uint8Array): number {
    const len = frame.length;
    if (this.pos + PCAP_RECORD_HEADER_LEN + len > this.chunkSize) this.flush();
    const b = this.buf;
    let p = this.pos;
    const sec = Math.floor(tsUs / 1_000_000);
    const usec = tsUs - sec * 1_000_000;
    b[p] = sec;
    b[p + 1] = sec >>> 8;
    b[p + 2] = sec >>> 16;
    b[p + 3] = sec >>> 24;
    b[p + 4] = usec;
    b[p + 5] = usec >>> 8;
    b[p + 6] = usec >>> 16;
    b[p + 7] = 0;
    b[p + 8] = len;
    b[p + 9] = len >>> 8;
    b[p + 10] = len >>> 16;
    b[p + 11] = 0;
    b[p + 12] = len;
    b[p + 13] = len >>> 8;
    b[p + 14] = len >>> 16;
    b[p + 15] = 0;
    p += PCAP_RECORD_HEADER_LEN;
    b.set(frame, p);
    this.pos = p + len;
    this.packets++;
    this.bytes += PCAP_RECORD_HEADER_LEN + len;
    return p;
  }

  /** Hands the filled part of the current chunk to the sink and starts a fresh chunk. */
  flush(): void {
    if (this.pos === 0) return;
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.chunkSize);
    this.pos = 0;
    this.sink(out);
  }
}
