// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Direction } from '../../observations/observation.js';
import { FakeContext, feedChunks, testFlow } from '../../testing/fake-context.js';
import { encodingName, policyName, statusName } from './opcua.consts.js';
import { type OpcuaState, opcuaDissector } from './opcua.dissector.js';
import { cur, guid, nodeId, nodeText, str } from './opcua.parse.js';

const FLOW = testFlow({ serverPort: 4840 });

const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
/** OPC UA String: i32 length + UTF-8 bytes; null -> -1. */
const s = (v: string | null) => (v === null ? u32(0xffffffff) : [...u32(Buffer.byteLength(v)), ...Buffer.from(v)]);
/** A chunk: message type, chunk type, size (filled in), body. */
function chunk(type: string, body: number[], chunkType = 'F'): number[] {
  return [...Buffer.from(type), chunkType.charCodeAt(0), ...u32(body.length + 8), ...body];
}

const HEL = chunk('HEL', [
  ...u32(0),                         // protocol version
  ...u32(65535),                     // receive buffer size
  ...u32(65535),                     // send buffer size
  ...u32(0),                         // max message size (0 = no limit)
  ...u32(0),                         // max chunk count
  ...s('opc.tcp://plc1:4840'),       // endpoint URL
]);
const ACK = chunk('ACK', [...u32(0), ...u32(65535), ...u32(65535), ...u32(0), ...u32(0)]);

/** RequestHeader with a null authentication token. */
const REQUEST_HEADER = [
  0x00, 0x00,                        // authentication token: two-byte NodeId i=0
  ...u32(0), ...u32(0),              // timestamp (DateTime)
  ...u32(1),                         // request handle
  ...u32(0),                         // return diagnostics
  ...s(null),                        // audit entry id
  ...u32(10000),                     // timeout hint
  0x00, 0x00, 0x00,                  // additional header: NodeId i=0, no body
];
const RESPONSE_HEADER = [
  ...u32(0), ...u32(0),              // timestamp
  ...u32(1),                         // request handle
  ...u32(0),                         // service result Good
  0x00,                              // service diagnostics: empty mask
  ...u32(0),                         // string table: 0 strings
  0x00, 0x00, 0x00,                  // additional header
];

const OPN_REQ = chunk('OPN', [
  ...u32(0),                         // secure channel id (0: new channel)
  ...s('http://opcfoundation.org/UA/SecurityPolicy#None'), // security policy URI
  ...u32(0xffffffff),                // sender certificate: null ByteString
  ...u32(0xffffffff),                // receiver certificate thumbprint: null
  ...u32(1),                         // sequence number
  ...u32(7),                         // request id
  0x01, 0x00, 0xbe, 0x01,            // type: four-byte NodeId ns 0 i=446 OpenSecureChannelRequest
  ...REQUEST_HEADER,
  ...u32(0),                         // client protocol version
  ...u32(0),                         // request type: Issue
  ...u32(1),                         // security mode: None
  ...u32(0xffffffff),                // client nonce: null
  ...u32(600000),                    // requested lifetime
]);
const OPN_RES = chunk('OPN', [
  ...u32(0),
  ...s('http://opcfoundation.org/UA/SecurityPolicy#None'),
  ...u32(0xffffffff), ...u32(0xffffffff),
  ...u32(1), ...u32(7),              // sequence number, request id 7
  0x01, 0x00, 0xc1, 0x01,            // i=449 OpenSecureChannelResponse
  ...RESPONSE_HEADER,
  ...u32(0),                         // server protocol version
  ...u32(5), ...u32(1),              // security token: channel id 5, token id 1
  ...u32(0), ...u32(0),              // created at
  ...u32(600000),                    // revised lifetime
  ...u32(0xffffffff),                // server nonce
]);

/** ActivateSession with a UserNameIdentityToken, password in the clear. */
const ACTIVATE_REQ = chunk('MSG', [
  ...u32(5), ...u32(1),              // secure channel id 5, token id 1
  ...u32(3), ...u32(9),              // sequence number 3, request id 9
  0x01, 0x00, 0xd3, 0x01,            // i=467 ActivateSessionRequest
  ...REQUEST_HEADER,
  ...s(null), ...u32(0xffffffff),    // client signature: algorithm, signature
  ...u32(0),                         // client software certificates: none
  ...u32(0),                         // locale ids: none
  0x01, 0x00, 0x44, 0x01,            // user identity token: ExtensionObject type i=324 UserNameIdentityToken
  0x01,                              //   encoding: ByteString body
  ...u32(4 + 6 + 4 + 5 + 4 + 7 + 4), //   body length
  ...s('user-p'),                    //   policy id
  ...s('alice'),                     //   user name
  ...s('wonder7'),                   //   password (ByteString)
  ...s(null),                        //   encryption algorithm: none
  ...s(null), ...u32(0xffffffff),    // user token signature
]);
const ACTIVATE_RES = chunk('MSG', [
  ...u32(5), ...u32(1), ...u32(3), ...u32(9),
  0x01, 0x00, 0xd6, 0x01,            // i=470 ActivateSessionResponse
  ...RESPONSE_HEADER,
]);

function run(chunks: { dir: Direction; bytes: number[] }[], step = 0): { ctx: FakeContext; st: OpcuaState } {
  const ctx = new FakeContext(FLOW);
  const st = opcuaDissector.newState(FLOW);
  feedChunks(opcuaDissector, st, ctx, chunks, step);
  return { ctx, st };
}

describe('opcua dissector: annotated chunks', () => {
  const session = [
    { dir: 0 as Direction, bytes: HEL },
    { dir: 1 as Direction, bytes: ACK },
    { dir: 0 as Direction, bytes: OPN_REQ },
    { dir: 1 as Direction, bytes: OPN_RES },
    { dir: 0 as Direction, bytes: ACTIVATE_REQ },
    { dir: 1 as Direction, bytes: ACTIVATE_RES },
  ];

  it('HEL/ACK, OPN, ActivateSession: transactions, security identity, credential', () => {
    const { ctx } = run(session);
    assert.deepEqual(
      ctx.transactions.map((t) => `${t.fn}/${t.op}/${t.status}`),
      ['Hello/other/ok', 'OpenSecureChannel/auth/ok', 'ActivateSession/auth/ok'],
    );
    const [hel, opn, act] = ctx.transactions;
    assert.equal(hel?.detail?.endpointUrl, 'opc.tcp://plc1:4840');
    assert.equal(opn?.detail?.policy, 'None');
    assert.equal(opn?.detail?.securityMode, 'None');
    assert.equal(opn?.detail?.requestType, 'Issue');
    assert.equal(opn?.detail?.channelId, 5);
    assert.equal(act?.tid, 9);
    assert.equal(act?.detail?.tokenType, 'UserNameIdentityToken');
    assert.equal(act?.detail?.request, 'ActivateSessionRequest');
    assert.equal(act?.detail?.response, 'ActivateSessionResponse');
    assert.deepEqual(ctx.facts, ['opcua_security=None/None']);
    const [cred] = ctx.credentials;
    assert.equal(cred?.user, 'alice');
    assert.equal(cred?.mechanism, 'password');
    assert.equal(cred?.cleartext, true);
    assert.equal(cred?.outcome, 'success');
    assert.equal(cred?.secretFingerprint, ctx.fingerprint('wonder7'));
    assert.ok(!JSON.stringify(ctx.out).includes('wonder7'), 'the password never appears');
    assert.deepEqual(ctx.anomalies, []);
  });

  it('the same session split into 5-byte segments gives the same observations', () => {
    // Times differ (every piece is a packet of its own); everything else is the same.
    const strip = (o: object) => JSON.stringify(o, (k, v) => (k === 'ts' || k === 'rttUs' ? undefined : v));
    assert.equal(strip(run(session, 5).ctx.out), strip(run(session).ctx.out));
  });

  it('an encrypted channel: OPN named with its policy, MSG bodies reported as encrypted', () => {
    const opn = chunk('OPN', [
      ...u32(0),
      ...s('http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256'),
      ...u32(3), 0x30, 0x82, 0x01,     // sender certificate (3 bytes of DER for the test)
      ...u32(20), ...new Array(20).fill(0xab), // receiver thumbprint
      ...new Array(64).fill(0x5a),     // encrypted sequence header and body
    ]);
    const msg = chunk('MSG', [...u32(5), ...u32(1), ...new Array(48).fill(0xc3)]);
    const { ctx } = run([
      { dir: 0, bytes: opn },
      { dir: 0, bytes: msg },
    ]);
    const o = ctx.transactions.find((t) => t.fn === 'OpenSecureChannel');
    const m = ctx.transactions.find((t) => t.fn === 'encrypted');
    assert.equal(o?.detail?.policy, 'Basic256Sha256');
    assert.equal(o?.detail?.encrypted, true);
    assert.equal(o?.detail?.senderCertificate, true);
    assert.match(String(o?.detail?.certificateThumbprint), /^[0-9a-f]{40}$/);
    assert.equal(m?.fn, 'encrypted');
    assert.equal(m?.detail?.encrypted, true);
    assert.deepEqual(ctx.facts, ['opcua_security=Basic256Sha256/SignAndEncrypt']);
  });
});

describe('opcua dissector: malformed input', () => {
  it('not OPC UA: violation on the first bytes', () => {
    const { ctx } = run([{ dir: 0, bytes: [...Buffer.from('GET / HTTP/1.1\r\n\r\n')] }]);
    assert.equal(ctx.violations.length, 1);
    assert.match(ctx.violations[0] as string, /opcua-bad-header/);
  });

  it('a chunk larger than the stream buffer: violation, not an endless wait', () => {
    const { ctx } = run([{ dir: 0, bytes: [...Buffer.from('MSGF'), ...u32(0x7fffffff)] }]);
    assert.match(ctx.violations[0] as string, /opcua-chunk-too-large/);
  });

  it('truncated HEL and OPN bodies, unknown service: named anomalies', () => {
    const { ctx } = run([
      { dir: 0, bytes: chunk('HEL', [...u32(0), ...u32(1)]) },                 // HEL cut after two fields
      { dir: 0, bytes: chunk('OPN', [...u32(0), ...u32(100)]) },               // policy URI longer than the chunk
      { dir: 0, bytes: OPN_REQ },                                              // a good OPN: policy None
      { dir: 0, bytes: chunk('MSG', [...u32(5), ...u32(1), ...u32(1), ...u32(2), 0x01, 0x00, 0x39, 0x30]) }, // i=12345
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), [
      'opcua-hello-malformed',
      'opcua-open-malformed',
      'opcua-unknown-service',
    ]);
  });

  it('fuzz: mutated sessions never throw, never over-consume', () => {
    let seed = 0xc0ffee;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const all = [HEL, ACK, OPN_REQ, OPN_RES, ACTIVATE_REQ, ACTIVATE_RES];
    for (let i = 0; i < 3000; i++) {
      const chunks = all.map((b, k) => {
        const m = b.slice();
        for (let j = 0; j < 2; j++) if (rnd() % 3 === 0) m[rnd() % m.length] = rnd() & 0xff;
        return { dir: (k % 2) as Direction, bytes: m };
      });
      run(chunks, 1 + (rnd() % 40));
    }
  });
});

describe('opcua parse and names', () => {
  it('strings, node ids and GUIDs', () => {
    const b = Uint8Array.from([...s('héllo'), 0x02, 0x01, 0x00, ...u32(2261)]);
    const c = cur(b, 0, b.length);
    assert.equal(str(c), 'héllo');
    assert.ok(nodeId(c));
    assert.equal(nodeText(b), 'ns=1;i=2261');
    const g = Uint8Array.from([0xa0, 0xf7, 0x63, 0x9b, 0x18, 0xfd, 0x8d, 0x0a, 0x52, 0x35, 0xf3, 0xcf, 0xf5, 0x1f, 0xd1, 0xdd]);
    assert.equal(guid(g, 0), '9b63f7a0-fd18-0a8d-5235-f3cff51fd1dd');
  });

  it('lookups are total', () => {
    assert.equal(encodingName(631), 'ReadRequest');
    assert.equal(encodingName(1), 'unknown-1');
    assert.equal(policyName('http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss'), 'Aes256_Sha256_RsaPss');
    assert.equal(statusName(0x80340000), 'BadNodeIdUnknown');
    assert.equal(statusName(0x80ff0000), '0x80ff0000');
  });
});
