/**
 * Timing of the hot path: decode 2 M small packets (Ethernet/IPv4/TCP and UDP, some VLAN
 * tagged, ~2,000 flows) built in memory, then decode + flow-table update.
 * Run: node dist/src/decode/decode-timing.js [packets]
 */
import { LinkType } from '../capture/types.js';
import { Decoder } from './decoder.js';
import { FlowTable } from './flow-table.js';
import { concat, eth, ipv4, rng, tcp, udp } from './packet-builder.js';
import { PacketInfo, TcpFlag } from './packet-info.js';

const total = Number(process.argv[2] ?? 2_000_000);
const r = rng(42);
const frames: Uint8Array[] = [];
for (let i = 0; i < 10_000; i++) {
  const flow = Math.floor(r() * 2000);
  const client = 0x0a000000 + (flow % 250) + 1;
  const server = 0x0a000100 + (flow % 7);
  const cport = 40000 + flow;
  const toServer = r() < 0.5;
  const payload = new Uint8Array(12).fill(i & 255);
  const l4 =
    flow % 5 === 0
      ? udp(toServer ? cport : 47808, toServer ? 47808 : cport, payload)
      : tcp(toServer ? cport : 502, toServer ? 502 : cport, i * 12, i * 7, TcpFlag.ACK | TcpFlag.PSH, payload);
  const ip = ipv4(
    { src: toServer ? client : server, dst: toServer ? server : client, proto: flow % 5 === 0 ? 17 : 6 },
    l4,
  );
  frames.push(eth(toServer ? 2 : 1, toServer ? 1 : 2, 0x0800, ip, flow % 3 === 0 ? [10 + (flow % 4)] : []));
}
const big = concat(...frames);
const offs = new Int32Array(frames.length);
const lens = new Int32Array(frames.length);
for (let i = 0, o = 0; i < frames.length; i++) {
  offs[i] = o;
  lens[i] = frames[i]!.length;
  o += frames[i]!.length;
}

function runDecode(withFlows: boolean): { ms: number; flows: number } {
  const d = new Decoder();
  const p = new PacketInfo();
  const t = new FlowTable();
  const n = frames.length;
  const t0 = process.hrtime.bigint();
  for (let i = 0, k = 0; i < total; i++, k++) {
    if (k === n) k = 0;
    const len = lens[k]!;
    d.decode(LinkType.ETHERNET, big, offs[k]!, len, len, i, p);
    if (withFlows) t.update(p);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, flows: t.size };
}

for (let round = 0; round < 3; round++) {
  const dec = runDecode(false);
  const both = runDecode(true);
  console.log(
    `round ${round + 1}: ${total} packets: decode ${dec.ms.toFixed(0)} ms, decode+flows ${both.ms.toFixed(0)} ms ` +
      `(flow update ${(both.ms - dec.ms).toFixed(0)} ms, ${both.flows} flows)`,
  );
}
