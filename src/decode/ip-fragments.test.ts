import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IpFragments } from './ip-fragments.js';

function setup(opts = {}) {
  const seen: string[] = [];
  const f = new IpFragments((code) => seen.push(code), opts);
  return { f, seen };
}

const DATA = new Uint8Array(64).map((_, i) => i + 1);
const part = (s: number, e: number) => DATA.subarray(s, e);
const result = (f: IpFragments, r: Uint8Array | null) => (r === null ? null : Array.from(r.subarray(0, f.lastLength)));

describe('IpFragments', () => {
  it('in order', () => {
    const { f, seen } = setup();
    assert.equal(f.add4(1, 2, 17, 5, 0, true, part(0, 24), 0, 24, 0), null);
    assert.equal(f.add4(1, 2, 17, 5, 24, true, part(24, 48), 0, 24, 1), null);
    const r = f.add4(1, 2, 17, 5, 48, false, part(48, 64), 0, 16, 2);
    assert.deepEqual(result(f, r), Array.from(DATA));
    assert.equal(f.lastProto, 17);
    assert.equal(f.count, 0);
    assert.equal(f.bytes, 0);
    assert.deepEqual(seen, []);
  });

  it('out of order, with fragments of another datagram interleaved', () => {
    const { f, seen } = setup();
    assert.equal(f.add4(1, 2, 17, 5, 48, false, part(48, 64), 0, 16, 0), null);
    assert.equal(f.add4(1, 2, 17, 6, 0, true, part(0, 8), 0, 8, 0), null); // other id
    assert.equal(f.add4(1, 2, 17, 5, 0, true, part(0, 24), 0, 24, 0), null);
    const r = f.add4(1, 2, 17, 5, 24, true, part(24, 48), 0, 24, 0);
    assert.deepEqual(result(f, r), Array.from(DATA));
    assert.equal(f.count, 1);
    assert.deepEqual(seen, []);
  });

  it('overlap with different bytes: first copy wins, anomaly', () => {
    const { f, seen } = setup();
    f.add4(1, 2, 6, 5, 0, true, part(0, 32), 0, 32, 0);
    const evil = new Uint8Array(32).fill(0xee);
    const r = f.add4(1, 2, 6, 5, 16, false, evil, 0, 32, 0);
    assert.deepEqual(seen, ['ip-fragment-overlap']);
    const got = result(f, r)!;
    assert.deepEqual(got.slice(0, 32), Array.from(DATA.subarray(0, 32)));
    assert.deepEqual(got.slice(32), new Array(16).fill(0xee));
  });

  it('exact duplicate is its own, milder anomaly', () => {
    const { f, seen } = setup();
    f.add4(1, 2, 6, 5, 0, true, part(0, 32), 0, 32, 0);
    f.add4(1, 2, 6, 5, 0, true, part(0, 32), 0, 32, 0);
    const r = f.add4(1, 2, 6, 5, 32, false, part(32, 64), 0, 32, 0);
    assert.deepEqual(seen, ['ip-fragment-duplicate']);
    assert.deepEqual(result(f, r), Array.from(DATA));
  });

  it('never completed: dropped after the timeout (packet time)', () => {
    const { f, seen } = setup({ timeoutUs: 30_000_000 });
    f.add4(1, 2, 6, 5, 0, true, part(0, 32), 0, 32, 0);
    f.expire(29_000_000);
    assert.equal(f.count, 1);
    f.expire(31_000_000);
    assert.equal(f.count, 0);
    assert.deepEqual(seen, ['ip-fragment-timeout']);
    // The late last fragment now starts a new, incomplete datagram.
    assert.equal(f.add4(1, 2, 6, 5, 32, false, part(32, 64), 0, 32, 31_000_001), null);
  });

  it('limit on datagrams: oldest evicted first', () => {
    const { f, seen } = setup({ maxDatagrams: 3 });
    for (let id = 1; id <= 4; id++) f.add4(1, 2, 6, id, 0, true, part(0, 8), 0, 8, id);
    assert.equal(f.count, 3);
    assert.deepEqual(seen, ['ip-fragment-limit']);
    assert.notEqual(f.add4(1, 2, 6, 2, 8, false, part(8, 16), 0, 8, 9), null); // id 2 survives
    assert.equal(f.add4(1, 2, 6, 1, 8, false, part(8, 16), 0, 8, 9), null); // id 1 is gone
  });

  it('limit on bytes', () => {
    const { f, seen } = setup({ maxBytes: 3 * 2048 });
    for (let id = 1; id <= 5; id++) f.add4(1, 2, 6, id, 0, true, part(0, 8), 0, 8, id);
    assert.ok(f.bytes <= 3 * 2048);
    assert.equal(f.count, 3);
    assert.ok(seen.every((c) => c === 'ip-fragment-limit') && seen.length === 2);
  });

  it('ping of death and inconsistent ends', () => {
    const { f, seen } = setup();
    assert.equal(f.add4(1, 2, 1, 7, 65_528, false, part(0, 16), 0, 16, 0), null);
    f.add4(1, 2, 1, 8, 0, false, part(0, 16), 0, 16, 0); // complete single fragment (offset 0, no MF)
    f.add4(1, 2, 1, 9, 16, false, part(0, 16), 0, 16, 0); // end = 32
    f.add4(1, 2, 1, 9, 32, true, part(0, 8), 0, 8, 0); // beyond the end
    assert.deepEqual(seen, ['ip-fragment-too-large', 'ip-fragment-inconsistent']);
  });

  it('IPv6 key includes both 16-byte addresses and the identification', () => {
    const { f } = setup();
    const a = new Uint8Array(16).fill(1);
    const b = new Uint8Array(16).fill(2);
    const c = new Uint8Array(16).fill(3);
    assert.equal(f.add6(a, b, 77, 17, 0, true, part(0, 32), 0, 32, 0), null);
    assert.equal(f.add6(a, c, 77, 17, 32, false, part(32, 64), 0, 32, 0), null); // other dst
    const r = f.add6(a, b, 77, 0, 32, false, part(32, 64), 0, 32, 0);
    assert.deepEqual(result(f, r), Array.from(DATA));
    assert.equal(f.lastProto, 17); // from the offset-0 fragment
  });
});
