import { closeSync, openSync } from 'node:fs';
import { fdSink, PcapWriter } from '../demo/pcap-writer.js';
import { ACK, ethernet, FIN, ipv4, PSH, SYN, tcp } from '../testing/frames.js';
import { DAY_US, HOUR_US } from './stats.js';

/**
 * A week of a small plant's normal traffic, and optionally a controller exfiltrating data, as a
 * pcap file: the fixture of the volume-anomaly test (and a demo of the baseline).
 *
 * Normal traffic, every day from Monday 2024-06-03 00:00 UTC:
 * - the HMI polls each of three PLCs over Modbus/TCP once a minute (read holding registers,
 *   10 registers), one TCP connection per PLC per hour: a steady rate aggregated into few packets;
 * - the historian reads 125 registers from each PLC at hh:05, five requests, every hour;
 * - on weekdays (days 0-4) the engineering station reads input registers from PLC-1 at hh:30
 *   during business hours (08:00-16:59).
 * Exfiltration (day `exfil.day`, default 6, at `exfil.hour`:20): PLC-2 opens a TCP connection to
 * an outside address (203.0.113.50:4444, through the router's MAC) and sends `exfil.bytes`
 * (default 20 MB) in 1460-byte segments over about ten minutes.
 */
export const WEEK_START_US = Date.UTC(2024, 5, 3) * 1000;

export const WEEK_HOSTS = {
  hmi: { ip: '10.10.1.10', mac: '02:00:00:01:00:10' },
  plcs: [
    { ip: '10.10.2.11', mac: '02:00:00:02:00:11' },
    { ip: '10.10.2.12', mac: '02:00:00:02:00:12' },
    { ip: '10.10.2.13', mac: '02:00:00:02:00:13' },
  ],
  historian: { ip: '10.10.3.20', mac: '02:00:00:03:00:20' },
  ews: { ip: '10.10.3.30', mac: '02:00:00:03:00:30' },
  router: { mac: '02:00:00:00:00:01' },
  outside: { ip: '203.0.113.50' },
} as const;

export interface WeekOptions {
  /** Days to write, 0-based from WEEK_START_US (default 0..6). */
  fromDay?: number;
  toDay?: number;
  /** Add the exfiltration (default: no). */
  exfil?: { day?: number; hour?: number; bytes?: number } | false;
}

export interface WeekCapture {
  packets: number;
  bytes: number;
  firstUs: number;
  lastUs: number;
  /** Where and when the exfiltration happened (null without one). */
  exfil: { plcIp: string; destIp: string; startUs: number; endUs: number; bytes: number } | null;
}

interface Packet {
  ts: number;
  frame: Uint8Array;
}

interface End {
  ip: string;
  mac: string;
}

/** A TCP connection: handshake at `startUs`, one exchange at each given time, then FIN/ACK. */
function session(
  out: Packet[],
  client: End,
  server: End,
  cport: number,
  sport: number,
  startUs: number,
  exchanges: { atUs: number; request: number[]; response: number[] }[],
): void {
  let cseq = 1000;
  let sseq = 5000;
  const c2s = (ts: number, flags: number, payload: number[] = []) => {
    out.push({
      ts,
      frame: Uint8Array.from(
        ethernet(
          server.mac,
          client.mac,
          0x0800,
          ipv4(client.ip, server.ip, 6, tcp(cport, sport, cseq, sseq, flags, payload)),
        ),
      ),
    });
    cseq += payload.length + (flags & (SYN | FIN) ? 1 : 0);
  };
  const s2c = (ts: number, flags: number, payload: number[] = []) => {
    out.push({
      ts,
      frame: Uint8Array.from(
        ethernet(
          client.mac,
          server.mac,
          0x0800,
          ipv4(server.ip, client.ip, 6, tcp(sport, cport, sseq, cseq, flags, payload)),
        ),
      ),
    });
    sseq += payload.length + (flags & (SYN | FIN) ? 1 : 0);
  };
  c2s(startUs, SYN);
  s2c(startUs + 200, SYN | ACK);
  c2s(startUs + 400, ACK);
  let last = startUs + 400;
  for (const ex of exchanges) {
    c2s(ex.atUs, PSH | ACK, ex.request);
    s2c(ex.atUs + 2000, PSH | ACK, ex.response);
    last = ex.atUs + 2000;
  }
  c2s(last + 1000, FIN | ACK);
  s2c(last + 1200, FIN | ACK);
  c2s(last + 1400, ACK);
}

/** Modbus/TCP read request (MBAP + PDU) and its response with `qty` registers. */
function modbusRead(tid: number, fc: 3 | 4, addr: number, qty: number): { request: number[]; response: number[] } {
  const request = [
    tid >> 8,
    tid & 255, // transaction id
    0,
    0, // protocol id
    0,
    6, // length
    1, // unit id
    fc, // function: 3 read holding registers, 4 read input registers
    addr >> 8,
    addr & 255, // start address
    qty >> 8,
    qty & 255, // quantity
  ];
  const data = Array.from({ length: qty * 2 }, (_, i) => (i * 7 + tid) & 255);
  const len = 3 + data.length;
  const response = [tid >> 8, tid & 255, 0, 0, len >> 8, len & 255, 1, fc, data.length, ...data];
  return { request, response };
}

function day(out: Packet[], d: number, portBase: { n: number }): void {
  const H = WEEK_HOSTS;
  const d0 = WEEK_START_US + d * DAY_US;
  const port = () => 20000 + (portBase.n++ % 40000);
  for (let h = 0; h < 24; h++) {
    const h0 = d0 + h * HOUR_US;
    H.plcs.forEach((plc, i) => {
      // HMI: one poll a minute, one connection per hour (staggered per PLC).
      const polls = Array.from({ length: 59 }, (_, m) => ({
        atUs: h0 + (m + 1) * 60_000_000 + i * 1_000_000,
        ...modbusRead((m + 1) & 0xffff, 3, 100, 10),
      }));
      session(out, H.hmi, plc, port(), 502, h0 + 10_000_000 + i * 1_000_000, polls);
      // Historian: five reads of 125 registers at hh:05.
      const t = h0 + 5 * 60_000_000 + i * 2_000_000;
      const reads = Array.from({ length: 5 }, (_, k) => ({
        atUs: t + 10_000 + k * 50_000,
        ...modbusRead(k, 3, k * 125, 125),
      }));
      session(out, H.historian, plc, port(), 502, t, reads);
    });
    if (d % 7 < 5 && h >= 8 && h < 17) {
      const t = h0 + 30 * 60_000_000;
      const reads = Array.from({ length: 10 }, (_, k) => ({
        atUs: t + 10_000 + k * 500_000,
        ...modbusRead(k, 4, 0, 20),
      }));
      session(out, H.ews, H.plcs[0], port(), 502, t, reads);
    }
  }
}

function exfiltrate(out: Packet[], startUs: number, bytes: number, cport: number): number {
  const H = WEEK_HOSTS;
  const plc = H.plcs[1];
  const dst = { ip: H.outside.ip, mac: H.router.mac };
  const seg = 1460;
  const n = Math.ceil(bytes / seg);
  const gap = Math.floor(600_000_000 / n);
  const payload = Array.from({ length: seg }, (_, i) => (i * 31) & 255);
  let cseq = 1;
  let sseq = 7000;
  const c2s = (ts: number, flags: number, p: number[] = []) =>
    out.push({
      ts,
      frame: Uint8Array.from(
        ethernet(dst.mac, plc.mac, 0x0800, ipv4(plc.ip, dst.ip, 6, tcp(cport, 4444, cseq, sseq, flags, p))),
      ),
    });
  const s2c = (ts: number, flags: number) =>
    out.push({
      ts,
      frame: Uint8Array.from(
        ethernet(plc.mac, dst.mac, 0x0800, ipv4(dst.ip, plc.ip, 6, tcp(4444, cport, sseq, cseq, flags))),
      ),
    });
  c2s(startUs, SYN);
  cseq++;
  s2c(startUs + 30_000, SYN | ACK);
  sseq++;
  c2s(startUs + 60_000, ACK);
  let ts = startUs + 60_000;
  for (let i = 0; i < n; i++) {
    ts += gap;
    const p = i === n - 1 && bytes % seg ? payload.slice(0, bytes % seg) : payload;
    c2s(ts, PSH | ACK, p);
    cseq += p.length;
    if (i % 8 === 7 || i === n - 1) s2c(ts + 1000, ACK);
  }
  c2s(ts + 5000, FIN | ACK);
  cseq++;
  s2c(ts + 35_000, FIN | ACK);
  sseq++;
  c2s(ts + 36_000, ACK);
  return ts + 36_000;
}

/** Write the week (or some of its days) to `path` as pcap; deterministic for the same options. */
export function writeWeekCapture(path: string, opts: WeekOptions = {}): WeekCapture {
  const from = opts.fromDay ?? 0;
  const to = opts.toDay ?? 6;
  const ex = opts.exfil
    ? { day: opts.exfil.day ?? 6, hour: opts.exfil.hour ?? 14, bytes: opts.exfil.bytes ?? 20_000_000 }
    : null;
  const fd = openSync(path, 'w');
  const w = new PcapWriter(fdSink(fd));
  let exfil: WeekCapture['exfil'] = null;
  let firstUs = 0;
  let lastUs = 0;
  const portBase = { n: 0 };
  try {
    for (let d = from; d <= to; d++) {
      const out: Packet[] = [];
      day(out, d, portBase);
      if (ex && ex.day === d) {
        const startUs = WEEK_START_US + d * DAY_US + ex.hour * HOUR_US + 20 * 60_000_000;
        const endUs = exfiltrate(out, startUs, ex.bytes, 61000);
        exfil = { plcIp: WEEK_HOSTS.plcs[1].ip, destIp: WEEK_HOSTS.outside.ip, startUs, endUs, bytes: ex.bytes };
      }
      // Stable sort: packets of one connection keep their order at equal times.
      out.sort((a, b) => a.ts - b.ts);
      for (const p of out) {
        if (firstUs === 0) firstUs = p.ts;
        lastUs = p.ts;
        w.put(p.ts, p.frame);
      }
    }
    w.flush();
  } finally {
    closeSync(fd);
  }
  return { packets: w.packets, bytes: w.bytes, firstUs, lastUs, exfil };
}
