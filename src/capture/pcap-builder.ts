/**
 * Test helpers that BUILD capture files in memory (not used by the product).
 *
 * ```ts
 * const bytes = buildPcap({ linkType: LinkType.ETHERNET }, [{ tsUs: 1_700_000_000_000_000, data: frame }]);
 * const ng = buildPcapng([
 *   { type: 'idb', linkType: 1 },
 *   { type: 'idb', linkType: 101, tsresol: 9 },
 *   { type: 'epb', iface: 1, tsUs: 1_700_000_000_000_000, data: ipPacket },
 *   { type: 'spb', data: frame },
 * ]);
 * ```
 * A section header block is added first when the list does not start with one.
 */

export interface BuildPacket {
  /** Capture time in µs since the epoch. */
  tsUs: number;
  /** Captured bytes. */
  data: Uint8Array;
  /** Length on the wire (default data.length; larger means snaplen-truncated). */
  origLen?: number;
}

export interface BuildPcapOptions {
  /** LINKTYPE_* (the whole 32-bit field is written: pass FCS bits here too if wanted). */
  linkType: number;
  /** Nanosecond magic a1b23c4d (timestamps stay µs in, written as µs * 1000). */
  nanos?: boolean;
  /** Write in big-endian order (default little-endian). */
  bigEndian?: boolean;
  /** Default 65535. */
  snaplen?: number;
}

/** A classic pcap file: 24-byte header, then 16-byte record header + data per packet. */
export function buildPcap(opts: BuildPcapOptions, packets: readonly BuildPacket[]): Uint8Array {
  const le = !opts.bigEndian;
  const size = 24 + packets.reduce((n, p) => n + 16 + p.data.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, opts.snaplen ?? 65535, le);
  dv.setUint32(20, opts.linkType >>> 0, le);
  let off = 24;
  for (const p of packets) {
    const sec = Math.floor(p.tsUs / 1e6);
    const us = p.tsUs - sec * 1e6;
    dv.setUint32(off, sec, le);
    dv.setUint32(off + 4, opts.nanos ? us * 1000 : us, le);
    dv.setUint32(off + 8, p.data.length, le);
    dv.setUint32(off + 12, p.origLen ?? p.data.length, le);
    out.set(p.data, off + 16);
    off += 16 + p.data.length;
  }
  return out;
}

/** Blocks of a pcapng file, written in order. */
export type PcapngBlockSpec =
  | {
      type: 'shb';
      bigEndian?: boolean;
    }
  | {
      type: 'idb';
      linkType: number;
      /** Default 0 (no limit). */
      snaplen?: number;
      /** Raw if_tsresol byte: 6 = µs (default, option omitted), 9 = ns, 0x80|k = 2^-k s. */
      tsresol?: number;
      /** if_tsoffset in seconds. */
      tsoffset?: number;
      /** if_name option. */
      name?: string;
    }
  | {
      /** Enhanced (6) or obsolete Packet Block (2). */
      type: 'epb' | 'pb';
      iface?: number;
      /** Time in µs since the epoch, converted to the interface's resolution (minus its tsoffset). */
      tsUs?: number;
      /** Raw 64-bit timestamp in interface units; overrides tsUs. */
      tsRaw?: bigint;
      data: Uint8Array;
      origLen?: number;
    }
  | {
      type: 'spb';
      data: Uint8Array;
      origLen?: number;
    }
  | {
      /** Any other block (NRB=4, ISB=5, DSB=10, custom=0xbad...): body written as given. */
      type: 'raw';
      blockType: number;
      body?: Uint8Array;
    };

interface IfaceInfo {
  tsresol: number;
  tsoffset: number;
}

/** Units of the interface's resolution for a µs time, exactly (BigInt: the builder is not a hot path). */
function toUnits(tsUs: number, ifc: IfaceInfo | undefined): bigint {
  const resol = ifc?.tsresol ?? 6;
  const us = BigInt(Math.round(tsUs)) - BigInt(ifc?.tsoffset ?? 0) * 1_000_000n;
  // Round up so that a resolution finer than 1 µs reads back as the same µs.
  if (resol & 0x80) return ((us << BigInt(resol & 0x7f)) + 999_999n) / 1_000_000n;
  if (resol >= 6) return us * 10n ** BigInt(resol - 6);
  return us / 10n ** BigInt(6 - resol);
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

class Writer {
  parts: Uint8Array[] = [];
  le = true;

  block(type: number, body: Uint8Array): void {
    const len = 12 + pad4(body.length);
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, type, this.le);
    dv.setUint32(4, len, this.le);
    b.set(body, 8);
    dv.setUint32(len - 4, len, this.le);
    this.parts.push(b);
  }
}

function options(le: boolean, opts: readonly [number, Uint8Array][]): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const size = opts.reduce((n, [, v]) => n + 4 + pad4(v.length), 0) + 4;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let off = 0;
  for (const [code, v] of opts) {
    dv.setUint16(off, code, le);
    dv.setUint16(off + 2, v.length, le);
    out.set(v, off + 4);
    off += 4 + pad4(v.length);
  }
  return out; // last 4 bytes stay zero: opt_endofopt
}

/** A pcapng file from a list of blocks (see PcapngBlockSpec). */
export function buildPcapng(blocks: readonly PcapngBlockSpec[]): Uint8Array {
  const w = new Writer();
  let ifaces: IfaceInfo[] = [];
  const list: readonly PcapngBlockSpec[] = blocks[0]?.type === 'shb' ? blocks : [{ type: 'shb' }, ...blocks];
  for (const b of list) {
    switch (b.type) {
      case 'shb': {
        w.le = !b.bigEndian;
        ifaces = [];
        const body = new Uint8Array(16);
        const dv = new DataView(body.buffer);
        dv.setUint32(0, 0x1a2b3c4d, w.le);
        dv.setUint16(4, 1, w.le);
        dv.setUint16(6, 0, w.le);
        dv.setInt32(8, -1, w.le); // section length -1 (unknown), both halves
        dv.setInt32(12, -1, w.le);
        w.block(0x0a0d0d0a, body);
        break;
      }
      case 'idb': {
        const opts: [number, Uint8Array][] = [];
        if (b.name !== undefined) opts.push([2, new TextEncoder().encode(b.name)]);
        if (b.tsresol !== undefined) opts.push([9, Uint8Array.of(b.tsresol)]);
        if (b.tsoffset !== undefined) {
          const v = new Uint8Array(8);
          new DataView(v.buffer).setBigInt64(0, BigInt(b.tsoffset), w.le);
          opts.push([14, v]);
        }
        const o = options(w.le, opts);
        const body = new Uint8Array(8 + o.length);
        const dv = new DataView(body.buffer);
        dv.setUint16(0, b.linkType, w.le);
        dv.setUint32(4, b.snaplen ?? 0, w.le);
        body.set(o, 8);
        w.block(1, body);
        ifaces.push({ tsresol: b.tsresol ?? 6, tsoffset: b.tsoffset ?? 0 });
        break;
      }
      case 'epb':
      case 'pb': {
        const iface = b.iface ?? 0;
        const ts = b.tsRaw ?? toUnits(b.tsUs ?? 0, ifaces[iface]);
        const body = new Uint8Array(20 + pad4(b.data.length));
        const dv = new DataView(body.buffer);
        if (b.type === 'epb') dv.setUint32(0, iface, w.le);
        else dv.setUint16(0, iface, w.le); // then a 16-bit drops count, left 0
        dv.setUint32(4, Number(ts >> 32n), w.le);
        dv.setUint32(8, Number(ts & 0xffffffffn), w.le);
        dv.setUint32(12, b.data.length, w.le);
        dv.setUint32(16, b.origLen ?? b.data.length, w.le);
        body.set(b.data, 20);
        w.block(b.type === 'epb' ? 6 : 2, body);
        break;
      }
      case 'spb': {
        const body = new Uint8Array(4 + pad4(b.data.length));
        new DataView(body.buffer).setUint32(0, b.origLen ?? b.data.length, w.le);
        body.set(b.data, 4);
        w.block(3, body);
        break;
      }
      case 'raw':
        w.block(b.blockType, b.body ?? new Uint8Array(0));
        break;
    }
  }
  const total = w.parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of w.parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A sink that records every packet (copies the bytes), for tests. */
export interface RecordedPacket {
  linkType: number;
  tsUs: number;
  data: Uint8Array;
  origLen: number;
}

export function recordingSink(): {
  packets: RecordedPacket[];
  packet: (lt: number, ts: number, buf: Uint8Array, off: number, cap: number, orig: number) => void;
} {
  const packets: RecordedPacket[] = [];
  return {
    packets,
    packet(linkType, tsUs, buf, off, capLen, origLen) {
      // Uint8Array.from copies (Buffer#slice would return a view of the reader's reused chunk).
      packets.push({ linkType, tsUs, data: Uint8Array.from(buf.subarray(off, off + capLen)), origLen });
    },
  };
}
