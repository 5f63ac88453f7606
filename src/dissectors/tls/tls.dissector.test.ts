// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ascii, type Chunk, feed, fuzz, u16be, u24be } from './testkit.js';
import { cipherName, isGrease, versionName } from './tls.consts.js';
import { tlsDissector } from './tls.dissector.js';
import { looksLikeTlsStart, newHello, parseClientHello } from './tls.parse.js';
import { derTime, newTlv, parseCertificate, readTlv } from './x509.parse.js';

const h = (s: string): number[] => (s.match(/../g) ?? []).map((x) => Number.parseInt(x, 16));

/** A record: type, record version, length, body. */
const record = (type: number, body: number[]): number[] => [type, 0x03, 0x03, ...u16be(body.length), ...body];
/** A handshake message: type, 24-bit length, body. */
const hs = (type: number, body: number[]): number[] => [type, ...u24be(body.length), ...body];
/** A length-prefixed vector (2-byte length). */
const v16 = (b: number[]): number[] => [...u16be(b.length), ...b];

const RANDOM = Array.from({ length: 32 }, (_, i) => i);

/** Self-signed ECDSA P-256 certificate (openssl req -x509 -subj "/O=ACME Controls/CN=PLC-9000 CPU"). */
const CERT = [
  0x30, 0x82, 0x01, 0xa2,                                   // Certificate SEQUENCE, 418 bytes
  0x30, 0x82, 0x01, 0x48,                                   //  tbsCertificate SEQUENCE, 328 bytes
  0xa0, 0x03, 0x02, 0x01, 0x02,                             //   [0] version: v3 (2)
  0x02, 0x03, 0x0a, 0x1b, 0x2c,                             //   serialNumber 0x0A1B2C
  ...h('300a06082a8648ce3d040302'),                         //   signature: ecdsa-with-SHA256
  0x30, 0x2f,                                               //   issuer Name, 47 bytes
  0x31, 0x16, 0x30, 0x14, 0x06, 0x03, 0x55, 0x04, 0x0a,     //    RDN: O (2.5.4.10)
  0x0c, 0x0d, ...ascii('ACME Controls'),                    //     UTF8String "ACME Controls"
  0x31, 0x15, 0x30, 0x13, 0x06, 0x03, 0x55, 0x04, 0x03,     //    RDN: CN (2.5.4.3)
  0x0c, 0x0c, ...ascii('PLC-9000 CPU'),                     //     UTF8String "PLC-9000 CPU"
  0x30, 0x1e,                                               //   validity
  0x17, 0x0d, ...ascii('261126004606Z'),                    //    notBefore UTCTime 2026-11-26 00:46:06
  0x17, 0x0d, ...ascii('361123004606Z'),                    //    notAfter UTCTime 2036-11-23 00:46:06
  0x30, 0x2f,                                               //   subject Name (same bytes: self-signed)
  0x31, 0x16, 0x30, 0x14, 0x06, 0x03, 0x55, 0x04, 0x0a,     //    RDN: O
  0x0c, 0x0d, ...ascii('ACME Controls'),                    //     "ACME Controls"
  0x31, 0x15, 0x30, 0x13, 0x06, 0x03, 0x55, 0x04, 0x03,     //    RDN: CN
  0x0c, 0x0c, ...ascii('PLC-9000 CPU'),                     //     "PLC-9000 CPU"
  0x30, 0x59,                                               //   subjectPublicKeyInfo
  ...h('301306072a8648ce3d020106082a8648ce3d030107'),       //    id-ecPublicKey, prime256v1
  ...h('0342000454b027dfbb623dcaf33d5b9c3c15ea39286888807957681231aed5769da9f99817762e82d8d6c112155000e677f33747dff3c47730ac8de1b70def673b4d9ef9'), // BIT STRING point
  ...h('a3533051301d0603551d0e04160414c5497e469c0e8e0a4316b7601b7f5adc99d7cb96301f0603551d23041830168014c5497e469c0e8e0a4316b7601b7f5adc99d7cb96300f0603551d130101ff040530030101ff'), // [3] extensions
  ...h('300a06082a8648ce3d040302'),                         //  signatureAlgorithm: ecdsa-with-SHA256
  ...h('034800304502202ff4a0b2b6c6073b8bb0f82bfe98d568606dda0fc51ef71feb8c0dd1a6fc47930221009406da65af2b39452f2a0eeac62dde5766ba802f4626bfcf1d8db983d7b483e8'), // signature
];

const CLIENT_HELLO = hs(0x01, [                             // ClientHello
  0x03, 0x03,                                               //  legacy_version TLS 1.2
  ...RANDOM,                                                //  random (32)
  0x00,                                                     //  session_id: empty
  ...v16([0x13, 0x01, 0xc0, 0x2f, 0x0a, 0x0a]),             //  cipher_suites: 0x1301, 0xc02f, GREASE
  0x01, 0x00,                                               //  compression_methods: null
  ...v16([                                                  //  extensions
    0x00, 0x00, ...v16(v16([0x00, ...v16(ascii('plc1.plant.local'))])), // server_name: host_name
    0x00, 0x10, ...v16(v16([0x02, ...ascii('h2')])),        //   ALPN: h2
  ]),
]);

const SERVER_HELLO = hs(0x02, [                             // ServerHello
  0x03, 0x03,                                               //  legacy_version TLS 1.2
  ...RANDOM,                                                //  random
  0x04, 0xde, 0xad, 0xbe, 0xef,                             //  session_id (4 bytes)
  0xc0, 0x2f,                                               //  cipher_suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  0x00,                                                     //  compression null
]);

const CERTIFICATE = hs(0x0b, [                              // Certificate
  ...u24be(CERT.length + 3),                                //  certificate_list length
  ...u24be(CERT.length), ...CERT,                           //  ASN.1Cert
]);
const SERVER_HELLO_DONE = hs(0x0e, []);                     // ServerHelloDone
const CCS = record(0x14, [0x01]);                           // ChangeCipherSpec
const APP_DATA = record(0x17, Array.from({ length: 40 }, (_, i) => i * 7));

const TLS12: Chunk[] = [
  { dir: 0, bytes: record(0x16, CLIENT_HELLO) },
  { dir: 1, bytes: record(0x16, [...SERVER_HELLO, ...CERTIFICATE, ...SERVER_HELLO_DONE]) },
  { dir: 0, bytes: [...record(0x16, hs(0x10, [0x00, 0x01, 0x05])), ...CCS, ...record(0x16, Array(40).fill(0x33))] },
  { dir: 1, bytes: [...CCS, ...record(0x16, Array(40).fill(0x44))] },
  { dir: 0, bytes: APP_DATA },
  { dir: 1, bytes: APP_DATA },
];

describe('tls parse', () => {
  it('reads a ClientHello: version, suites, SNI, ALPN', () => {
    const b = Uint8Array.from(CLIENT_HELLO);
    const out = newHello();
    assert.equal(parseClientHello(b, 4, b.length - 4, out), null);
    assert.deepEqual([out.version, out.maxVersion, out.cipherCount, out.sni, out.alpn], [0x0303, 0x0303, 3, 'plc1.plant.local', 'h2']);
    // Odd cipher-suite length: malformed.
    const bad = Uint8Array.from(CLIENT_HELLO);
    bad[4 + 35 + 1] = 0x03;
    assert.equal(parseClientHello(bad, 4, bad.length - 4, out), 'tls-client-hello-malformed');
    assert.equal(parseClientHello(b, 4, 20, out), 'tls-client-hello-malformed');
  });

  it('names versions and suites, unknown as unknown-0x....', () => {
    assert.equal(versionName(0x0304), 'TLSv13');
    assert.equal(versionName(0x7f17), 'TLSv13-draft23');
    assert.equal(versionName(0x1234), 'unknown-0x1234');
    assert.equal(cipherName(0x1302), 'TLS_AES_256_GCM_SHA384');
    assert.equal(cipherName(0x1234), 'unknown-0x1234');
    assert.ok(isGrease(0x1a1a) && !isGrease(0x1a1b));
  });

  it('parses the certificate DER: names, validity, serial, key', () => {
    const b = Uint8Array.from(CERT);
    const r = parseCertificate(b, 0, b.length);
    assert.equal(r.error, null);
    assert.deepEqual(r.cert, {
      version: 3,
      serial: '0A1B2C',
      subject: 'CN=PLC-9000 CPU,O=ACME Controls',
      issuer: 'CN=PLC-9000 CPU,O=ACME Controls',
      subjectCN: 'PLC-9000 CPU',
      subjectO: 'ACME Controls',
      issuerCN: 'PLC-9000 CPU',
      issuerO: 'ACME Controls',
      notBefore: '2026-11-26T00:46:06Z',
      notAfter: '2036-11-23T00:46:06Z',
      selfSigned: true,
      keyType: 'id-ecPublicKey',
      keyBits: 256,
      sigAlg: 'ecdsa-with-SHA256',
    });
    for (let n = 0; n < b.length; n += 13) assert.notEqual(parseCertificate(b, 0, n).error, null, `truncated at ${n}`);
    const tlv = newTlv();
    assert.equal(readTlv(Uint8Array.from([0x30, 0x85, 1, 1, 1, 1, 1]), 0, 7, tlv), false); // 5-byte length
    assert.equal(readTlv(Uint8Array.from([0x30, 0x80]), 0, 2, tlv), false); // indefinite
    const gt = Uint8Array.from([0x18, 0x0f, ...ascii('20491231235959Z')]);
    assert.ok(readTlv(gt, 0, gt.length, tlv));
    assert.equal(derTime(gt, tlv), '2049-12-31T23:59:59Z');
  });

  it('probes handshakes', () => {
    const b = Uint8Array.from(record(0x16, CLIENT_HELLO));
    assert.equal(looksLikeTlsStart(b, 0, b.length), 'match');
    assert.equal(looksLikeTlsStart(b, 0, 3), 'need-more');
    assert.equal(looksLikeTlsStart(Uint8Array.from(ascii('GET / HTTP/1.1\r\n')), 0, 16), 'no-match');
    assert.equal(looksLikeTlsStart(Uint8Array.from(APP_DATA), 0, APP_DATA.length), 'no-match');
  });
});

describe('tls dissector', () => {
  it('TLS 1.2 full handshake: one HANDSHAKE transaction and server facts', () => {
    for (const step of [0, 1, 7, 100]) {
      const { ctx, held } = feed(tlsDissector, TLS12, step);
      assert.deepEqual(ctx.anomalies, [], `step ${step}`);
      assert.deepEqual(held, [0, 0]);
      const [tx, ...more] = ctx.transactions;
      assert.equal(more.length, 0);
      assert.equal(tx?.fn, 'HANDSHAKE');
      assert.equal(tx?.op, 'auth');
      assert.equal(tx?.status, 'ok');
      assert.deepEqual(tx?.detail, {
        version: 'TLSv12',
        cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
        sni: 'plc1.plant.local',
        resumed: false,
        established: true,
        clientVersion: 'TLSv12',
        ciphersOffered: 3,
        alpn: 'h2',
        certificates: 1,
      });
      const [id] = ctx.identities;
      assert.equal(id?.about, 'server');
      const f = (field: string) => id?.facts.find((x) => x.field === field);
      assert.deepEqual(f('tls_sni'), { field: 'tls_sni', value: 'plc1.plant.local', source: 'tls.client_hello.server_name', precedence: 30 });
      assert.equal(f('tls_version_max')?.value, 'TLSv12');
      assert.equal(f('tls_cert_subject')?.value, 'CN=PLC-9000 CPU,O=ACME Controls');
      assert.equal(f('tls_cert_not_after')?.value, '2036-11-23T00:46:06Z');
      assert.equal(f('tls_cert_self_signed')?.value, 'true');
      assert.equal(f('tls_cert_key')?.value, 'id-ecPublicKey 256');
      assert.equal(f('tls_cert_sha256')?.value, '62271fb2fed9431ef515a5e1d8b6d1dd37097f2d8054fe60db5d84901ee9d07a');
      assert.deepEqual([f('vendor')?.value, f('vendor')?.precedence], ['ACME Controls', 30]);
      assert.deepEqual([f('model')?.value, f('model')?.precedence], ['PLC-9000 CPU', 30]);
    }
  });

  it('reassembles a Certificate split across records', () => {
    const msg = [...SERVER_HELLO, ...CERTIFICATE, ...SERVER_HELLO_DONE];
    const chunks: Chunk[] = [
      { dir: 0, bytes: record(0x16, CLIENT_HELLO) },
      { dir: 1, bytes: [...record(0x16, msg.slice(0, 50)), ...record(0x16, msg.slice(50, 52)), ...record(0x16, msg.slice(52, 300)), ...record(0x16, msg.slice(300))] },
    ];
    const { ctx } = feed(tlsDissector, chunks);
    assert.deepEqual(ctx.anomalies, []);
    assert.equal(ctx.transactions[0]?.detail?.established, false);
    assert.ok(ctx.facts.includes('tls_cert_subject=CN=PLC-9000 CPU,O=ACME Controls'));
  });

  it('TLS 1.3: version from supported_versions, encrypted after ServerHello', () => {
    const sh13 = hs(0x02, [
      0x03, 0x03,                                           // legacy_version
      ...RANDOM,                                            // random
      0x00,                                                 // session_id echo: empty
      0x13, 0x02,                                           // TLS_AES_256_GCM_SHA384
      0x00,                                                 // compression
      ...v16([0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]),         // supported_versions: TLS 1.3
    ]);
    const { ctx } = feed(tlsDissector, [
      { dir: 0, bytes: record(0x16, CLIENT_HELLO) },
      { dir: 1, bytes: [...record(0x16, sh13), ...CCS, ...APP_DATA, ...APP_DATA] },
      { dir: 0, bytes: [...CCS, ...APP_DATA] },
    ]);
    assert.deepEqual(ctx.anomalies, []);
    const tx = ctx.transactions[0];
    assert.equal(tx?.detail?.version, 'TLSv13');
    assert.equal(tx?.detail?.cipher, 'TLS_AES_256_GCM_SHA384');
    assert.equal(tx?.detail?.established, true);
    assert.equal(tx?.detail?.resumed, false);
  });

  it('resumption: ServerHello echoes the session id, CCS without certificate', () => {
    const chWithId = [...CLIENT_HELLO];
    chWithId.splice(4 + 34, 1, 0x04, 0xde, 0xad, 0xbe, 0xef);
    chWithId[3] = (chWithId[3] as number) + 4;
    const { ctx } = feed(tlsDissector, [
      { dir: 0, bytes: record(0x16, chWithId) },
      { dir: 1, bytes: [...record(0x16, SERVER_HELLO), ...CCS] },
      { dir: 0, bytes: CCS },
    ]);
    assert.deepEqual(ctx.anomalies, []);
    assert.equal(ctx.transactions[0]?.detail?.resumed, true);
  });

  it('fatal alert: exception with the alert name', () => {
    const { ctx } = feed(tlsDissector, [
      { dir: 0, bytes: record(0x16, CLIENT_HELLO) },
      { dir: 1, bytes: record(0x15, [0x02, 0x28]) },      // alert: fatal, handshake_failure
    ]);
    const tx = ctx.transactions[0];
    assert.equal(tx?.status, 'exception');
    assert.equal(tx?.exception, 'HANDSHAKE_FAILURE');
    assert.equal(tx?.detail?.lastAlert, 'handshake_failure');
    assert.equal(ctx.transactions.length, 1);
  });

  it('ClientHello without an answer: no-response at the end', () => {
    const { ctx } = feed(tlsDissector, [{ dir: 0, bytes: record(0x16, CLIENT_HELLO) }]);
    assert.equal(ctx.transactions[0]?.status, 'no-response');
    assert.ok(ctx.facts.includes('tls_sni=plc1.plant.local'));
  });

  it('not TLS: violation; bad record after sync: anomaly and stop that side', () => {
    const a = feed(tlsDissector, [{ dir: 0, bytes: ascii('GET / HTTP/1.1\r\n\r\n') }]);
    assert.equal(a.ctx.violations.length, 1);
    const b = feed(tlsDissector, [
      { dir: 0, bytes: record(0x16, CLIENT_HELLO) },
      { dir: 0, bytes: [0x16, 0x03, 0x03, 0x50, 0x00, 1, 2, 3] }, // length 20480 > 2^14+2048
    ]);
    assert.deepEqual(b.ctx.anomalies.map((x) => x.code), ['tls-record-too-long']);
    assert.equal(b.ctx.violations.length, 0);
  });

  it('a stream joined mid-record resyncs on the next record boundary', () => {
    const { ctx } = feed(tlsDissector, [
      { dir: 1, bytes: [...Array(23).fill(0x9c), ...APP_DATA] }, // tail of a record, then a record
      { dir: 0, bytes: [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, ...APP_DATA, ...APP_DATA] },
    ]);
    assert.deepEqual([ctx.violations, ctx.anomalies, ctx.transactions], [[], [], []]);
    const junk = feed(tlsDissector, Array.from({ length: 20 }, () => ({ dir: 1 as const, bytes: Array(4000).fill(0x01) })));
    assert.match(junk.ctx.violations[0] ?? '', /tls-no-record-boundary/);
  });

  it('malformed handshake messages are named', () => {
    const { ctx } = feed(tlsDissector, [
      { dir: 0, bytes: record(0x16, hs(0x01, [0x03, 0x03, 0x00])) }, // ClientHello cut short
      { dir: 1, bytes: record(0x16, hs(0x0b, [0x00, 0x00, 0x09, 0x00, 0x00, 0x01])) }, // Certificate list lies
      { dir: 1, bytes: record(0x15, [0x05, 0x28]) },        // alert level 5
      { dir: 1, bytes: record(0x16, hs(0x0b, [...u24be(8), ...u24be(5), 0x30, 0x03, 0x02, 0x01, 0x01])) }, // not a certificate
    ]);
    assert.deepEqual(ctx.anomalies.map((x) => x.code), [
      'tls-client-hello-malformed',
      'tls-certificate-malformed',
      'tls-alert-bad-level',
      'tls-cert-malformed',
    ]);
  });

  it('oversized handshake messages are skipped, not buffered', () => {
    const big = [0x0b, ...u24be(70_000)];
    const chunks: Chunk[] = [{ dir: 1, bytes: record(0x16, big) }];
    for (let i = 0; i < 5; i++) chunks.push({ dir: 1, bytes: record(0x16, Array(16_000).fill(0)) });
    const { ctx, state } = feed(tlsDissector, chunks);
    assert.deepEqual(ctx.anomalies.map((x) => x.code), ['tls-handshake-too-long']);
    assert.equal(state.dirs[1].hsBuf, null);
  });

  it('SSLv2-format ClientHello is read', () => {
    const v2 = [
      0x80, 0x0d,                                           // SSLv2 record header, length 13
      0x01,                                                 // CLIENT-HELLO
      0x03, 0x01,                                           // version TLS 1.0
      0x00, 0x03,                                           // cipher spec length (1 spec)
      0x00, 0x00,                                           // session id length
      0x00, 0x00,                                           // challenge length (0 here)
      0x00, 0x00, 0x2f,                                     // cipher spec
      0x00,                                                 // padding to declared length
    ];
    const { ctx } = feed(tlsDissector, [{ dir: 0, bytes: v2 }, { dir: 1, bytes: record(0x16, SERVER_HELLO) }]);
    assert.deepEqual(ctx.anomalies, []);
    assert.equal(ctx.transactions[0]?.detail?.clientVersion, 'TLSv10');
    assert.equal(ctx.transactions[0]?.detail?.ciphersOffered, 1);
  });

  it('fuzz: no throw, no hang, consumption within bounds', () => {
    assert.equal(fuzz(tlsDissector, [TLS12, [{ dir: 0, bytes: record(0x16, CLIENT_HELLO) }]], 400), 400);
  });
});
