// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, feedChunks, testFlow } from '../../testing/fake-context.js';
import { MAX_BUFFERED_PACKET, mqttDissector } from './mqtt.dissector.js';
import { connectStatusText, newVarint, readVarint, typeName, versionName } from './mqtt.parse.js';

const FLOW = testFlow({ serverPort: 1883 });
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const str = (s: string) => [s.length >> 8, s.length & 0xff, ...ascii(s)];
const SECRET = 'hunter2-not-in-output';

type Chunk = { dir: Direction; bytes: number[] };

/** Feeds chunks like the pipeline: unconsumed bytes come back in front of the next chunk. */
function run(chunks: Chunk[], step = 0): FakeContext {
  const ctx = new FakeContext(FLOW);
  feedChunks(mqttDissector, mqttDissector.newState(FLOW), ctx, chunks, step);
  return ctx;
}

/** CONNECT 3.1.1 with user name and password. */
const CONNECT_LOGIN = [
  0x10,                     // CONNECT, flags 0
  0x25,                     // remaining length 37
  ...str('MQTT'),           // protocol name
  0x04,                     // protocol level 4 (3.1.1)
  0xc2,                     // flags: user name, password, clean session
  0x00, 0x3c,               // keep alive 60 s
  ...str('plc-7'),          // client id
  ...str('operator'),       // user name
  ...str(SECRET),           // password (fingerprinted, never kept)
];
CONNECT_LOGIN[1] = CONNECT_LOGIN.length - 2;
const CONNACK_OK = [0x20, 0x02, 0x00, 0x00];          // CONNACK, session present 0, accepted
const CONNACK_BAD_PASSWORD = [0x20, 0x02, 0x00, 0x04]; // return code 4: bad user name or password

/** PUBLISH QoS 1 from the client and its PUBACK. */
const PUBLISH_QOS1 = [
  0x32,                     // PUBLISH, QoS 1
  0x0c,                     // remaining length 12
  ...str('line/1'),         // topic
  0x00, 0x05,               // packet id 5
  ...ascii('on'),           // payload (2 bytes)
];
const PUBACK = [0x40, 0x02, 0x00, 0x05]; // PUBACK packet id 5

/** CONNECT 5.0 with properties and a will. */
const CONNECT_V5 = [
  0x10, 0x00,               // CONNECT, remaining length (set below)
  ...str('MQTT'),           // protocol name
  0x05,                     // level 5
  0x06,                     // flags: will flag, clean start
  0x00, 0x0a,               // keep alive 10 s
  0x05, 0x11, 0, 0, 0, 30,  // properties: length 5, session expiry interval 30
  ...str('dev-9'),          // client id
  0x00,                     // will properties: length 0
  ...str('dev/9/status'),   // will topic
  ...str('gone'),           // will payload
];
CONNECT_V5[1] = CONNECT_V5.length - 2;

describe('mqtt parse', () => {
  it('names, versions and varints', () => {
    assert.equal(typeName(3), 'PUBLISH');
    assert.equal(versionName(4), '3.1.1');
    assert.equal(versionName(9), 'unknown-9');
    assert.equal(connectStatusText(4, 5), 'Refused: not authorized');
    assert.equal(connectStatusText(4, 77), 'unknown-77');
    const v = newVarint();
    readVarint(Uint8Array.from([0xff, 0xff, 0xff, 0x7f]), 0, 4, v);
    assert.deepEqual(v, { value: 268_435_455, size: 4 });
    readVarint(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x01]), 0, 5, v);
    assert.equal(v.size, -1);
    readVarint(Uint8Array.from([0x80]), 0, 1, v);
    assert.equal(v.size, 0);
  });
});

describe('mqtt dissector', () => {
  it('login: CONNECT/CONNACK transaction, credential with a fingerprint only', () => {
    const ctx = run([{ dir: 0, bytes: CONNECT_LOGIN }, { dir: 1, bytes: CONNACK_OK }], 3);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'CONNECT');
    assert.equal(tx?.op, 'auth');
    assert.equal(tx?.status, 'ok');
    assert.equal(tx?.detail?.clientId, 'plc-7');
    assert.equal(tx?.detail?.hasPassword, true);
    assert.equal(tx?.detail?.connectStatus, 'Connection Accepted');
    const [cred] = ctx.credentials;
    assert.equal(cred?.user, 'operator');
    assert.equal(cred?.outcome, 'success');
    assert.equal(cred?.cleartext, true);
    assert.equal(cred?.secretFingerprint, ctx.fingerprint(Uint8Array.from(ascii(SECRET))));
    assert.deepEqual(ctx.facts, ['mqtt_client_id=plc-7']);
    assert.ok(!JSON.stringify(ctx.out).includes(SECRET));
    assert.ok(!JSON.stringify(ctx.anomalies).includes(SECRET));
  });

  it('refused login: exception and a failed credential', () => {
    const ctx = run([{ dir: 0, bytes: CONNECT_LOGIN }, { dir: 1, bytes: CONNACK_BAD_PASSWORD }]);
    assert.equal(ctx.transactions[0]?.status, 'exception');
    assert.equal(ctx.transactions[0]?.exception, 'BAD_USER_NAME_OR_PASSWORD');
    assert.equal(ctx.credentials[0]?.outcome, 'failure');
  });

  it('PUBLISH QoS 1 pairs with PUBACK; several packets per segment', () => {
    const ctx = run([{ dir: 0, bytes: [...CONNECT_LOGIN, ...PUBLISH_QOS1] }, { dir: 1, bytes: [...CONNACK_OK, ...PUBACK] }]);
    const pub = ctx.transactions.find((t) => t.fn === 'PUBLISH');
    assert.equal(pub?.op, 'write');
    assert.equal(pub?.status, 'ok');
    assert.equal(pub?.tid, 5);
    assert.deepEqual(pub?.detail, { topic: 'line/1', qos: 1, retain: false, dup: false, payloadLen: 2, fromClient: true });
  });

  it('MQTT 5 CONNECT: properties skipped, will topic read', () => {
    const ctx = run([{ dir: 0, bytes: CONNECT_V5 }, { dir: 1, bytes: [0x20, 0x03, 0x00, 0x00, 0x00] }]);
    assert.deepEqual(ctx.anomalies, []);
    const [tx] = ctx.transactions;
    assert.equal(tx?.detail?.protoVersion, '5.0');
    assert.equal(tx?.detail?.clientId, 'dev-9');
    assert.equal(tx?.detail?.willTopic, 'dev/9/status');
    assert.equal(tx?.detail?.connectStatus, 'SUCCESS');
    assert.deepEqual(ctx.credentials, []);
  });

  it('SUBSCRIBE/SUBACK, PINGREQ/PINGRESP, DISCONNECT', () => {
    const sub = [
      0x82, 0x08,           // SUBSCRIBE (flags 0b0010), remaining length 8
      0x00, 0x01,           // packet id 1
      ...str('a/#'),        // topic filter
      0x01,                 // options: QoS 1
    ];
    const ctx = run([
      { dir: 0, bytes: [...CONNECT_LOGIN, ...sub] },
      { dir: 1, bytes: [...CONNACK_OK, 0x90, 0x03, 0x00, 0x01, 0x01] },
      { dir: 0, bytes: [0xc0, 0x00] },
      { dir: 1, bytes: [0xd0, 0x00] },
      { dir: 0, bytes: [0xe0, 0x00] },
    ]);
    const fns = ctx.transactions.map((t) => `${t.fn}:${t.op}:${t.status}`);
    assert.deepEqual(fns, ['CONNECT:auth:ok', 'SUBSCRIBE:read:ok', 'PINGREQ:other:ok', 'DISCONNECT:other:ok']);
    const subTx = ctx.transactions[1];
    assert.deepEqual(subTx?.detail, { topics: 'a/#', qosLevels: '1', grantedQos: '1' });
  });

  it('a PUBLISH larger than the buffer limit is parsed from its head and skipped', () => {
    const size = MAX_BUFFERED_PACKET + 10_000;
    const rl = 2 + 3 + size;
    const head = [0x30, 0x80 | (rl & 0x7f), 0x80 | ((rl >> 7) & 0x7f), rl >> 14, ...str('big')];
    const body = new Array<number>(size).fill(0x41);
    const ctx = run([{ dir: 0, bytes: CONNECT_LOGIN }, { dir: 0, bytes: [...head, ...body, 0xc0, 0x00] }], 1460);
    const pub = ctx.transactions.find((t) => t.fn === 'PUBLISH');
    assert.equal(pub?.detail?.payloadLen, size);
    assert.ok(ctx.transactions.some((t) => t.fn === 'PINGREQ'));
  });

  it('malformed: not MQTT, bad remaining length, bad flags, truncated CONNECT', () => {
    assert.equal(run([{ dir: 0, bytes: ascii('GET / HTTP/1.1\r\n') }]).violations.length, 1);
    assert.equal(run([{ dir: 0, bytes: [0x10, 0xff, 0xff, 0xff, 0xff, 0x01] }]).violations.length, 1);
    const flags = [...CONNECT_LOGIN];
    flags[0] = 0x11;
    assert.deepEqual(run([{ dir: 0, bytes: flags }]).anomalies.map((a) => a.code), ['mqtt-bad-flags']);
    const trunc = [0x10, 0x06, ...str('MQTT')];
    assert.deepEqual(run([{ dir: 0, bytes: trunc }]).anomalies.map((a) => a.code), ['mqtt-field-truncated']);
    const name = [0x10, 0x0c, ...str('XXXX'), 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00];
    assert.deepEqual(run([{ dir: 0, bytes: name }]).anomalies.map((a) => a.code), ['mqtt-bad-protocol-name']);
  });

  it('fuzz: random and mutated streams never throw or hang', () => {
    let seed = 4242;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const seeds = [CONNECT_LOGIN, CONNECT_V5, PUBLISH_QOS1, CONNACK_OK, PUBACK];
    for (let i = 0; i < 2000; i++) {
      const ctx = new FakeContext(FLOW);
      const s = mqttDissector.newState(FLOW);
      for (let k = 0; k < 4; k++) {
        const base = seeds[(i + k) % seeds.length] as number[];
        const f = i % 3 === 0 ? Array.from({ length: rnd() % 60 }, () => rnd() & 0xff) : base.map((b) => (rnd() % 8 === 0 ? rnd() & 0xff : b));
        ctx.dir = (k & 1) as Direction;
        const n = mqttDissector.parse(s, Uint8Array.from(f), 0, f.length, ctx);
        assert.ok(n >= 0 && n <= f.length);
      }
      mqttDissector.onEnd?.(s, ctx);
    }
  });
});
