// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ascii, type Chunk, feed, fuzz, u16le, u32le, utf16 } from '../tls/testkit.js';
import { smbDissector } from './smb.dissector.js';
import { decodeNetbiosName, nbName, newNtlmInfo, parseNtlmssp } from './smb.parse.js';

/** NBSS session message: type 0, 24-bit length. */
const nbss = (b: number[]): number[] => [0x00, (b.length >> 16) & 0xff, (b.length >> 8) & 0xff, b.length & 0xff, ...b];

/** First-level encoded NetBIOS name (RFC 1001 §14.1): 15 chars + suffix. */
const nbname = (name: string, suffix: number): number[] => {
  const raw = [...ascii(name.padEnd(15, ' ')), suffix];
  return [0x20, ...raw.flatMap((c) => [0x41 + (c >> 4), 0x41 + (c & 15)]), 0x00];
};

/** SMB2 header (64 bytes). */
const smb2 = (cmd: number, msgId: number, response: boolean, status = 0): number[] => [
  0xfe, ...ascii('SMB'),                                    // ProtocolId
  ...u16le(64),                                             // StructureSize
  ...u16le(1),                                              // CreditCharge
  ...u32le(status),                                         // Status
  ...u16le(cmd),                                            // Command
  ...u16le(1),                                              // CreditRequest/Response
  ...u32le(response ? 1 : 0),                               // Flags: SERVER_TO_REDIR
  ...u32le(0),                                              // NextCommand
  ...u32le(msgId), ...u32le(0),                             // MessageId
  ...u32le(0), ...u32le(1),                                 // Reserved, TreeId
  ...u32le(0x11), ...u32le(0),                              // SessionId
  ...Array(16).fill(0),                                     // Signature
];

/** A security buffer descriptor: length, max length, offset. */
const secbuf = (len: number, off: number): number[] => [...u16le(len), ...u16le(len), ...u32le(off)];

const AV = [
  ...u16le(1), ...u16le(10), ...utf16('PLC01'),             // MsvAvNbComputerName "PLC01"
  ...u16le(2), ...u16le(10), ...utf16('PLANT'),             // MsvAvNbDomainName "PLANT"
  ...u16le(3), ...u16le(30), ...utf16('plc01.plant.lan'),   // MsvAvDnsComputerName
  ...u16le(0), ...u16le(0),                                 // MsvAvEOL
];
const CHALLENGE = [
  ...ascii('NTLMSSP'), 0x00,                                // Signature
  ...u32le(2),                                              // MessageType CHALLENGE
  ...secbuf(10, 56),                                        // TargetNameFields -> "PLANT" at 56
  ...u32le(0x02000001),                                     // NegotiateFlags: UNICODE | VERSION
  ...Array(8).fill(0x11),                                   // ServerChallenge
  ...Array(8).fill(0),                                      // Reserved
  ...secbuf(AV.length, 66),                                 // TargetInfoFields at 66
  10, 0, ...u16le(17763), 0, 0, 0, 15,                      // Version 10.0 build 17763, NTLM rev 15
  ...utf16('PLANT'),                                        // TargetName
  ...AV,                                                    // TargetInfo
];
const AUTHENTICATE = [
  ...ascii('NTLMSSP'), 0x00,                                // Signature
  ...u32le(3),                                              // MessageType AUTHENTICATE
  ...secbuf(24, 72),                                        // LmChallengeResponse
  ...secbuf(48, 96),                                        // NtChallengeResponse (48: NTLMv2)
  ...secbuf(10, 144),                                       // DomainName "PLANT"
  ...secbuf(8, 154),                                        // UserName "oper"
  ...secbuf(8, 162),                                        // Workstation "HMI1"
  ...secbuf(0, 170),                                        // EncryptedRandomSessionKey
  ...u32le(0x02000001),                                     // NegotiateFlags: UNICODE | VERSION
  6, 1, ...u16le(7601), 0, 0, 0, 15,                        // Version 6.1 build 7601
  ...Array(24).fill(0xaa),                                  // LmChallengeResponse (never kept)
  ...Array(48).fill(0xbb),                                  // NtChallengeResponse (never kept)
  ...utf16('PLANT'), ...utf16('oper'), ...utf16('HMI1'),    // Domain, User, Workstation
];

/** SESSION_SETUP request/response body with the blob right after the 64-byte header. */
const setupReq = (blob: number[]): number[] => [
  ...u16le(25), 0x00, 0x01,                                 // StructureSize, Flags, SecurityMode
  ...u32le(0), ...u32le(0),                                 // Capabilities, Channel
  ...u16le(64 + 24), ...u16le(blob.length),                 // SecurityBufferOffset, Length
  ...u32le(0), ...u32le(0),                                 // PreviousSessionId
  ...blob,
];
const setupResp = (blob: number[]): number[] => [
  ...u16le(9), ...u16le(0),                                 // StructureSize, SessionFlags
  ...u16le(64 + 8), ...u16le(blob.length),                  // SecurityBufferOffset, Length
  ...blob,
];

const SMB2_SESSION: Chunk[] = [
  { dir: 0, bytes: nbss([...smb2(0, 0, false),
    ...u16le(36), ...u16le(2), ...u16le(1), ...u16le(0),    // NEGOTIATE: size, DialectCount 2, SecurityMode, Reserved
    ...u32le(0), ...Array(16).fill(0), ...Array(8).fill(0), // Capabilities, ClientGuid, ClientStartTime
    ...u16le(0x0210), ...u16le(0x0311)]) },                 // Dialects 2.1, 3.1.1
  { dir: 1, bytes: nbss([...smb2(0, 0, true),
    ...u16le(65), ...u16le(1), ...u16le(0x0311), ...u16le(0), // size, SecurityMode, DialectRevision 3.1.1, ctx count
    ...Array.from({ length: 16 }, (_, i) => i),             // ServerGuid
    ...Array(40).fill(0)]) },                               // Capabilities .. NegotiateContextOffset
  { dir: 0, bytes: nbss([...smb2(1, 1, false), ...setupReq([...ascii('NTLMSSP'), 0, ...u32le(1), ...u32le(0)])]) },
  { dir: 1, bytes: nbss([...smb2(1, 1, true, 0xc0000016), ...setupResp(CHALLENGE)]) }, // MORE_PROCESSING_REQUIRED
  { dir: 0, bytes: nbss([...smb2(1, 2, false), ...setupReq(AUTHENTICATE)]) },
  { dir: 1, bytes: nbss([...smb2(1, 2, true), ...setupResp([])]) },
  { dir: 0, bytes: nbss([...smb2(3, 3, false),
    ...u16le(9), ...u16le(0), ...u16le(72), ...u16le(30),   // TREE_CONNECT: size, flags, PathOffset, PathLength
    ...utf16('\\\\PLC01\\recipes')]) },                     // "\\PLC01\recipes"
  { dir: 1, bytes: nbss([...smb2(3, 3, true), ...u16le(16), 0x01, 0x00, ...Array(12).fill(0)]) }, // DISK
  { dir: 0, bytes: nbss([...smb2(8, 4, false), ...u16le(49), 0, 0, ...u32le(4096), ...Array(40).fill(0)]) }, // READ 4096
  { dir: 1, bytes: nbss([...smb2(8, 4, true, 0xc0000011), ...u16le(9), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }, // END_OF_FILE
];

describe('smb parse', () => {
  it('decodes NetBIOS names', () => {
    const b = Uint8Array.from(nbname('PLC-LINE3', 0x20));
    assert.ok(decodeNetbiosName(b, 0, b.length));
    assert.deepEqual([nbName.name, nbName.suffix, nbName.next], ['PLC-LINE3', 0x20, 34]);
    assert.equal(decodeNetbiosName(Uint8Array.from([0x20, ...Array(33).fill(0x5a)]), 0, 34), false);
  });

  it('reads NTLMSSP CHALLENGE target info and AUTHENTICATE names', () => {
    const n = newNtlmInfo();
    const c = Uint8Array.from(CHALLENGE);
    assert.equal(parseNtlmssp(c, 0, c.length, n), null);
    assert.deepEqual([n.targetName, n.nbComputer, n.nbDomain, n.dnsComputer, n.version], ['PLANT', 'PLC01', 'PLANT', 'plc01.plant.lan', '10.0.17763']);
    const a = Uint8Array.from(AUTHENTICATE);
    assert.equal(parseNtlmssp(a, 0, a.length, n), null);
    assert.deepEqual([n.domain, n.user, n.workstation, n.ntResponseLen, n.version], ['PLANT', 'oper', 'HMI1', 48, '6.1.7601']);
    assert.equal(parseNtlmssp(a, 0, 150, n), 'smb-ntlmssp-malformed'); // user name outside
  });
});

describe('smb dissector', () => {
  it('SMB2: dialect, NTLM names, credential without secret, tree path, READ', () => {
    for (const step of [0, 1, 13]) {
      const { ctx, held } = feed(smbDissector, SMB2_SESSION, step);
      assert.deepEqual(ctx.anomalies, [], `step ${step}`);
      assert.deepEqual(held, [0, 0]);
      assert.deepEqual(ctx.transactions.map((t) => [t.fn, t.op, t.status, t.exception]), [
        ['NEGOTIATE', 'other', 'ok', undefined],
        ['SESSION_SETUP', 'auth', 'ok', undefined],
        ['SESSION_SETUP', 'auth', 'ok', undefined],
        ['TREE_CONNECT', 'other', 'ok', undefined],
        ['READ', 'read', 'exception', 'STATUS_END_OF_FILE'],
      ]);
      assert.equal(ctx.transactions[0]?.detail?.dialects, '2.1,3.1.1');
      assert.equal(ctx.transactions[0]?.detail?.dialect, '3.1.1');
      assert.equal(ctx.transactions[2]?.detail?.ntlm, 'NTLMv2');
      assert.equal(ctx.transactions[3]?.detail?.path, '\\\\PLC01\\recipes');
      assert.equal(ctx.transactions[4]?.quantity, 4096);
      assert.deepEqual(ctx.credentials.map((c) => [c.user, c.mechanism, c.secretFingerprint, c.cleartext, c.outcome, c.by]), [
        ['PLANT\\oper', 'ntlm', null, false, 'success', 'client'],
      ]);
      const server = ctx.identities.filter((i) => i.about === 'server').flatMap((i) => i.facts.map((f) => `${f.field}=${f.value}/${f.precedence ?? 100}`));
      assert.deepEqual(server, [
        'smb_dialect=SMB 3.1.1/100',
        'smb_server_guid=03020100-0504-0706-0809-0a0b0c0d0e0f/100',
        'os=Windows 10.0.17763/30',
        'hostname=PLC01/50',
        'netbios_domain=PLANT/50',
        'dns_computer_name=plc01.plant.lan/50',
      ]);
      const client = ctx.identities.filter((i) => i.about === 'client').flatMap((i) => i.facts.map((f) => `${f.field}=${f.value}`));
      assert.deepEqual(client, ['os=Windows 6.1.7601', 'hostname=HMI1']);
      // No byte of the challenge responses shows up anywhere.
      assert.ok(!JSON.stringify(ctx.out).includes('bbbb'));
    }
  });

  it('NetBIOS session request on 139 and SMB1 session setup with account and native OS', () => {
    const smb1 = (cmd: number, response: boolean, words: number[], bytes: number[]): number[] => [
      0xff, ...ascii('SMB'),                                // Protocol
      cmd,                                                  // Command
      ...u32le(0),                                          // Status
      response ? 0x80 : 0x00,                               // Flags (0x80 reply)
      ...u16le(0x0000),                                     // Flags2 (OEM strings)
      ...Array(12).fill(0),                                 // PIDHigh, SecurityFeatures, Reserved
      ...u16le(0), ...u16le(1), ...u16le(0), ...u16le(7),   // TID, PIDLow, UID, MID 7
      words.length / 2, ...words,                           // WordCount, Words
      ...u16le(bytes.length), ...bytes,                     // ByteCount, Bytes
    ];
    const chunks: Chunk[] = [
      { dir: 0, bytes: [0x81, 0x00, 0x00, 0x44, ...nbname('PLC-LINE3', 0x20), ...nbname('ENG-WS1', 0x00)] }, // SESSION REQUEST
      { dir: 1, bytes: [0x82, 0x00, 0x00, 0x00] },          // POSITIVE SESSION RESPONSE
      { dir: 0, bytes: nbss(smb1(0x73, false, [
        0xff, 0x00, ...u16le(0),                            // AndX: none
        ...u16le(4356), ...u16le(2), ...u16le(0), ...u32le(0), // MaxBuffer, MaxMpx, VcNumber, SessionKey
        ...u16le(24), ...u16le(0),                          // OEMPasswordLen 24, UnicodePasswordLen 0
        ...u32le(0), ...u32le(0),                           // Reserved, Capabilities
      ], [
        ...Array(24).fill(0xcc),                            // OEM password (a response hash: skipped)
        ...ascii('engineer'), 0,                            // AccountName
        ...ascii('PLANT'), 0,                               // PrimaryDomain
        ...ascii('Windows 2000 2195'), 0,                   // NativeOS
        ...ascii('Windows 2000 5.0'), 0,                    // NativeLanMan
      ])) },
      { dir: 1, bytes: nbss(smb1(0x73, true, [0xff, 0x00, ...u16le(0), ...u16le(0)], [
        ...ascii('Windows 5.1'), 0,                         // NativeOS
        ...ascii('Windows 2000 LAN Manager'), 0,            // NativeLanMan
        ...ascii('PLANT'), 0,                               // PrimaryDomain
      ])) },
    ];
    const { ctx } = feed(smbDissector, chunks, 0);
    assert.deepEqual(ctx.anomalies, []);
    assert.deepEqual(ctx.transactions.map((t) => [t.fn, t.status]), [['SESSION_REQUEST', 'ok'], ['SESSION_SETUP_ANDX', 'ok']]);
    assert.deepEqual(ctx.credentials.map((c) => [c.user, c.secretFingerprint, c.outcome]), [['PLANT\\engineer', null, 'success']]);
    assert.deepEqual(ctx.identities.map((i) => [i.about, i.facts.map((f) => `${f.field}=${f.value}/${f.precedence}`).join(' ')]), [
      ['client', 'hostname=ENG-WS1/50'],
      ['server', 'hostname=PLC-LINE3/50'],
      ['client', 'os=Windows 2000 2195/30 smb_lanman=Windows 2000 5.0/30'],
      ['server', 'os=Windows 5.1/30 smb_lanman=Windows 2000 LAN Manager/30 netbios_domain=PLANT/50'],
    ]);
    assert.ok(!JSON.stringify(ctx.out).includes('cccc'));
  });

  it('SMB3 transform header is named once, not parsed', () => {
    const t = [0xfd, ...ascii('SMB'), ...Array(48).fill(0x5a), ...Array(32).fill(0x99)];
    const { ctx } = feed(smbDissector, [{ dir: 0, bytes: nbss(t) }, { dir: 1, bytes: nbss(t) }]);
    assert.deepEqual(ctx.transactions.map((x) => x.fn), ['ENCRYPTED']);
    assert.deepEqual(ctx.anomalies, []);
  });

  it('not SMB: violation; broken messages: named anomalies', () => {
    assert.equal(feed(smbDissector, [{ dir: 0, bytes: ascii('GET / HTTP/1.1\r\n') }]).ctx.violations.length, 1);
    assert.equal(feed(smbDissector, [{ dir: 0, bytes: nbss(ascii('HELLO WORLD')) }]).ctx.violations.length, 1);
    const { ctx } = feed(smbDissector, [
      { dir: 0, bytes: nbss([...smb2(0, 0, false)].slice(0, 40)) },               // header cut at 40 bytes
      { dir: 0, bytes: nbss([0xff, ...ascii('SMB'), 0x72, ...Array(27).fill(0), 5, 0]) }, // wc 5, no words
      { dir: 0, bytes: [0x42, 0, 0, 0] },                                         // bad NBSS type
    ]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['smb2-truncated', 'smb1-truncated', 'smb-bad-nbss-type']);
  });

  it('probe', () => {
    const p = (b: number[]) => smbDissector.probe?.(Uint8Array.from(b), 0, b.length, 0);
    assert.equal(p(nbss(smb2(0, 0, false))), 'match');
    assert.equal(p([0x81, 0, 0, 0x44, 0x20, 0x41, 0x41, 0x41]), 'match');
    assert.equal(p(ascii('GET / HTTP/1.1')), 'no-match');
  });

  it('fuzz: no throw, no hang, consumption within bounds', () => {
    assert.equal(fuzz(smbDissector, [SMB2_SESSION], 300), 300);
  });
});
