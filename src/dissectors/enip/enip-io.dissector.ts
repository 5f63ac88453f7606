import { createTransaction, type Direction } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { hexN, Item } from './enip.consts.js';
import { type IoPacket, newCpf, parseIoPacket } from './enip.parse.js';

/** Connections counted per flow; a new one beyond this flushes the oldest. */
export const MAX_IO_CONNECTIONS = 64;
/** Datagrams that are not CIP I/O, before the flow is given up. */
const MAX_BAD_DATAGRAMS = 4;

/** Counters of one connection id in one direction. */
interface IoConnection {
  dir: Direction;
  firstTs: number;
  packets: number;
  firstSeq: number;
  lastSeq: number;
  /** Datagrams whose sequence number did not advance by exactly 1. */
  seqJumps: number;
  minLen: number;
  maxLen: number;
}

export interface EnipIoState {
  /** Keyed by connection id * 2 + direction. */
  readonly conns: Map<number, IoConnection>;
  good: number;
  bad: number;
  violated: boolean;
}

const cpf = newCpf();
const io: IoPacket = { connectionId: 0, sequence: 0, dataLen: -1 };

/**
 * CIP implicit (class 0/1) I/O on UDP 2222 (V2 §3-2.2): cyclic datagrams of a sequenced
 * address item (connection id, sequence number) and a connected data item. Only counted: one
 * `transaction` per connection id and direction when the flow ends, with the datagram count,
 * first/last sequence number, sequence jumps and data sizes. The I/O data itself is opaque
 * without the Forward Open's assembly definitions.
 */
export const enipIoDissector: Dissector<EnipIoState> = {
  name: 'enip-io',
  transports: ['udp'],
  defaultPorts: [2222],

  newState(_flow: FlowInfo): EnipIoState {
    return { conns: new Map(), good: 0, bad: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const err = parseIoPacket(buf, off, len, cpf, io);
    if (err !== null) {
      s.bad++;
      if (s.good === 0 && s.bad >= 1 && (len < 2 || (buf[off] as number) + ((buf[off + 1] as number) << 8) > 8)) {
        s.violated = true;
        ctx.violation(`${err}: not CIP I/O`);
        return len;
      }
      if (s.good === 0 && s.bad >= MAX_BAD_DATAGRAMS) {
        s.violated = true;
        ctx.violation(`${err}: ${s.bad} datagrams without CIP I/O`);
        return len;
      }
      ctx.anomaly(err, `${len} byte datagram, dir ${ctx.dir}`);
      return len;
    }
    s.good++;
    if (io.dataLen < 0)
      ctx.anomaly('enip-io-no-data-item', `connection ${hexN(io.connectionId, 8)}: no connected data item`);
    const key = io.connectionId * 2 + ctx.dir;
    let c = s.conns.get(key);
    if (c === undefined) {
      if (s.conns.size >= MAX_IO_CONNECTIONS) {
        const [k, first] = s.conns.entries().next().value as [number, IoConnection];
        emitConnection(k, first, ctx);
        s.conns.delete(k);
      }
      c = {
        dir: ctx.dir,
        firstTs: ctx.tsUs,
        packets: 0,
        firstSeq: io.sequence,
        lastSeq: io.sequence,
        seqJumps: 0,
        minLen: io.dataLen,
        maxLen: io.dataLen,
      };
      s.conns.set(key, c);
    } else if (io.sequence !== (c.lastSeq + 1) >>> 0) {
      c.seqJumps++;
    }
    c.packets++;
    c.lastSeq = io.sequence;
    if (io.dataLen < c.minLen) c.minLen = io.dataLen;
    if (io.dataLen > c.maxLen) c.maxLen = io.dataLen;
    return len;
  },

  onEnd(s, ctx) {
    for (const [k, c] of s.conns) emitConnection(k, c, ctx);
    s.conns.clear();
  },
};

function emitConnection(key: number, c: IoConnection, ctx: DissectContext): void {
  const tx = createTransaction(
    c.firstTs,
    ctx.flow.id,
    'enip-io',
    'other',
    'CIP_IO',
    Item.CONNECTED_DATA,
    'unsolicited',
  );
  tx.quantity = c.packets;
  tx.detail = {
    connectionId: hexN((key - c.dir) / 2, 8),
    direction: c.dir === 0 ? 'client-to-server' : 'server-to-client',
    packets: c.packets,
    firstSequence: c.firstSeq,
    lastSequence: c.lastSeq,
    sequenceJumps: c.seqJumps,
    minDataLength: c.minLen,
    maxDataLength: c.maxLen,
  };
  ctx.emit(tx);
}
