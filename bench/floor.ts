/**
 * The floor: the least work any analyzer must do on a capture, in plain Node. Reads a classic
 * little-endian pcap in 1 MiB chunks, walks the records, decodes Ethernet/802.1Q/IPv4/TCP/UDP with
 * inline byte math and counts packets and bytes per flow in a numeric-keyed two-level Map
 * (endpoint A -> endpoint B|proto -> counters). No per-packet allocation, no string keys.
 *
 * Usage: node dist/bench/floor.js <file.pcap>
 * Prints, as its last stdout line: {"packets":n,"bytes":n,"flows":n,"seconds":s,"maxRssBytes":n}
 */
import { closeSync, openSync, readSync } from 'node:fs';

interface Counters {
  packets: number;
  bytes: number;
}

const CHUNK = 1 << 20;
const MAX_RECORD = 16 + 262_144;

function floor(path: string): { packets: number; bytes: number; flows: number } {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK + MAX_RECORD);
  const flows = new Map<number, Map<number, Counters>>();
  let flowCount = 0;
  let packets = 0;
  let bytes = 0;
  let end = 0;
  let pos = 24;
  let eof = false;
  try {
    while (end < 24 && !eof) {
      const n = readSync(fd, buf, end, CHUNK, null);
      if (n === 0) eof = true;
      end += n;
    }
    if (end < 24 || buf.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap');
    for (;;) {
      if (end - pos < 16 || end - pos < 16 + buf.readUInt32LE(pos + 8)) {
        if (eof) break;
        buf.copyWithin(0, pos, end);
        end -= pos;
        pos = 0;
        const n = readSync(fd, buf, end, CHUNK, null);
        if (n === 0) eof = true;
        end += n;
        continue;
      }
      const incl = buf.readUInt32LE(pos + 8);
      const f = pos + 16;
      pos = f + incl;
      packets++;
      bytes += incl;
      if (incl < 34) continue;
      let et = (buf[f + 12]! << 8) | buf[f + 13]!;
      let o = f + 14;
      if (et === 0x8100) {
        et = (buf[f + 16]! << 8) | buf[f + 17]!;
        o = f + 18;
      }
      if (et !== 0x0800 || o + 20 > pos) continue;
      const ihl = (buf[o]! & 15) << 2;
      const proto = buf[o + 9]!;
      const src = ((buf[o + 12]! << 24) | (buf[o + 13]! << 16) | (buf[o + 14]! << 8) | buf[o + 15]!) >>> 0;
      const dst = ((buf[o + 16]! << 24) | (buf[o + 17]! << 16) | (buf[o + 18]! << 8) | buf[o + 19]!) >>> 0;
      let sport = 0;
      let dport = 0;
      const l4 = o + ihl;
      if ((proto === 6 || proto === 17) && l4 + 4 <= pos) {
        sport = (buf[l4]! << 8) | buf[l4 + 1]!;
        dport = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;
      }
      // Endpoints as 48-bit numbers (ip * 65536 + port), ordered so both directions share one flow.
      const a = src * 65536 + sport;
      const b = dst * 65536 + dport;
      const lo = Math.min(a, b) * 4 + (proto === 6 ? 1 : proto === 17 ? 2 : 3);
      const hi = Math.max(a, b);
      let inner = flows.get(lo);
      if (inner === undefined) {
        inner = new Map();
        flows.set(lo, inner);
      }
      let c = inner.get(hi);
      if (c === undefined) {
        c = { packets: 0, bytes: 0 };
        inner.set(hi, c);
        flowCount++;
      }
      c.packets++;
      c.bytes += incl;
    }
  } finally {
    closeSync(fd);
  }
  return { packets, bytes, flows: flowCount };
}

if (!process.argv[2]) {
  process.stderr.write('usage: node dist/bench/floor.js <file.pcap>\n');
  process.exitCode = 2;
} else {
  const t0 = process.hrtime.bigint();
  const r = floor(process.argv[2]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${JSON.stringify({ ...r, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}
