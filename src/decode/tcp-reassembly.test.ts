import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITS } from '../bytes/errors.js';
import { TcpFlag } from './packet-info.js';
import { type StreamConsumer, TcpStream } from './tcp-reassembly.js';

/** Records what the stream delivers; consumes `chunk` bytes at a time (all by default). */
class Sink implements StreamConsumer {
  out = '';
  views: Uint8Array[] = [];
  constructor(private readonly chunk = Number.POSITIVE_INFINITY) {}
  data(buf: Uint8Array, off: number, len: number): number {
    this.views.push(buf);
    const n = Math.min(
      len,
      Math.floor(len / this.chunk) * this.chunk || (this.chunk === Number.POSITIVE_INFINITY ? len : 0),
    );
    this.out += Buffer.from(buf.subarray(off, off + n)).toString('latin1');
    return n;
  }
  gap(bytes: number): void {
    this.out += `[gap ${bytes}]`;
  }
}

const enc = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const { SYN, ACK } = TcpFlag;

function seg(s: TcpStream, seq: number, text: string, flags = ACK) {
  const b = enc(text);
  s.segment(seq, flags, b, 0, b.length, 0);
}

describe('TcpStream', () => {
  it('in order after SYN, zero-copy', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    s.segment(99, SYN, new Uint8Array(0), 0, 0, 0);
    const b = enc('xxhello');
    s.segment(100, ACK, b, 2, 5, 0);
    seg(s, 105, ' world');
    assert.equal(k.out, 'hello world');
    assert.equal(k.views[0], b); // the caller's buffer itself
    assert.equal(s.bufferedBytes, 0);
  });

  it('out of order is held, then delivered in order', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    s.segment(0, SYN, new Uint8Array(0), 0, 0, 0);
    seg(s, 5, 'cd');
    seg(s, 4, 'b');
    assert.equal(k.out, '');
    assert.equal(s.bufferedBytes, 3);
    seg(s, 1, 'aaa');
    assert.equal(k.out, 'aaabcd');
    assert.equal(s.bufferedBytes, 0);
  });

  it('retransmission is trimmed and counted', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    seg(s, 1000, 'abcd');
    seg(s, 1000, 'abcd');
    seg(s, 1002, 'cdef');
    assert.equal(k.out, 'abcdef');
    assert.equal(s.anomalies.retransmissions, 1);
  });

  it('overlap with different bytes: first copy wins, counted', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    seg(s, 0, 'a');
    seg(s, 3, 'DEF'); // held
    seg(s, 1, 'cbXYZg'); // overlaps the held DEF with other bytes
    assert.equal(k.out, 'acbDEFg');
    assert.equal(s.anomalies.overlapConflicts, 1);
  });

  it('32-bit sequence wraparound', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    s.segment(0xfffffffd, SYN, new Uint8Array(0), 0, 0, 0);
    seg(s, 0xfffffffe, 'ab');
    seg(s, 2, 'ef'); // out of order across the wrap
    seg(s, 0, 'cd');
    assert.equal(k.out, 'abcdef');
    assert.equal(s.nextSeq, 4);
  });

  it('partial consume keeps the tail and re-delivers it in front', () => {
    const k = new Sink(4); // consumes whole 4-byte records only
    const s = new TcpStream(k);
    seg(s, 0, 'abcdef');
    assert.equal(k.out, 'abcd');
    assert.equal(s.bufferedBytes, 2);
    seg(s, 6, 'ghij');
    assert.equal(k.out, 'abcdefghij'.slice(0, 8));
    assert.equal(s.bufferedBytes, 2);
  });

  it('pending tail beyond maxStreamBuffer is dropped as a gap', () => {
    const k = new Sink(LIMITS.maxStreamBuffer * 4); // never consumes
    const s = new TcpStream(k);
    const big = new Uint8Array(LIMITS.maxStreamBuffer - 10);
    s.segment(0, ACK, big, 0, big.length, 0);
    assert.equal(s.bufferedBytes, big.length);
    s.segment(big.length, ACK, big, 0, 100, 0);
    assert.equal(s.anomalies.bufferOverflows, 1);
    assert.equal(s.bufferedBytes, 100);
    assert.ok(k.out.startsWith(`[gap ${big.length}]`));
  });

  it('gap on ack beyond what we saw', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    seg(s, 10, 'ab');
    s.acked(20, 0); // 8 bytes never seen
    seg(s, 20, 'cd');
    assert.equal(k.out, 'ab[gap 8]cd');
    assert.equal(s.anomalies.gapBytes, 8);
    s.acked(22, 0);
    s.acked(5, 0); // old ack: nothing
    assert.equal(k.out, 'ab[gap 8]cd');
  });

  it('ack past a hole fills the hole with a gap and releases held data', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    seg(s, 0, 'ab');
    seg(s, 5, 'fg');
    s.acked(7, 0);
    assert.equal(k.out, 'ab[gap 3]fg');
    assert.equal(s.bufferedBytes, 0);
  });

  it('mid-stream pickup starts at the first segment; finish flushes held data after a gap', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    seg(s, 123456, 'abc');
    seg(s, 123466, 'xyz');
    s.finish(0);
    assert.equal(k.out, 'abc[gap 7]xyz');
  });

  it('too many out-of-order segments: skip ahead with a gap', () => {
    const k = new Sink();
    const s = new TcpStream(k);
    seg(s, 0, 'a');
    for (let i = 0; i <= LIMITS.maxOutOfOrderSegments; i++) seg(s, 10 + 2 * i, 'x');
    assert.equal(s.anomalies.outOfOrderOverflows, 1);
    assert.ok(k.out.startsWith('a[gap 9]x[gap 1]x'));
    assert.equal(s.bufferedBytes, 0);
  });
});

it('does not take the ACK of a FIN for a gap', () => {
  const got: string[] = [];
  const s = new TcpStream({
    data: (_b, _o, len) => {
      got.push(`data ${len}`);
      return len;
    },
    gap: (bytes) => {
      got.push(`gap ${bytes}`);
    },
  });
  s.segment(100, 0x02, new Uint8Array(0), 0, 0, 1); // SYN, ISN 100
  s.segment(101, 0x18, new Uint8Array(10), 0, 10, 2); // PSH|ACK, 10 bytes
  s.segment(111, 0x11, new Uint8Array(0), 0, 0, 3); // FIN|ACK at 111
  s.acked(112, 4); // peer ACKs the FIN
  assert.deepEqual(got, ['data 10']);
});
