// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuModeName, errorName, jobFunctionName, plusFunctionName, subfunctionName, szlName } from './s7comm.consts.js';
import {
  decodePassword,
  frameLength,
  newCotpPdu,
  newItemResults,
  newPlusPdu,
  newS7Header,
  newS7Job,
  newS7Userdata,
  parseBlockFile,
  parseCotp,
  parseCotpParams,
  parseItemResults,
  parseJob,
  parsePlus,
  parseS7Header,
  parseSzl001c,
  parseSzl0011,
  parseSzl0424,
  parseUserdata,
  plausibleTpkt,
  scanPlusStrings,
  tpktLength,
  tsapRackSlot,
  tsapText,
} from './s7comm.parse.js';

const b = (...x: number[]) => Uint8Array.from(x);
const ascii = (s: string, pad = s.length, fill = 0x20) => [...s.padEnd(pad, String.fromCharCode(fill))].map((c) => c.charCodeAt(0));

describe('s7comm parse: TPKT and COTP', () => {
  it('reads a connection request with TSAPs (s7ident.pcap frame 4)', () => {
    const f = b(
      0x03, 0x00, 0x00, 0x16, // TPKT: version 3, reserved, length 22
      0x11,                   // COTP LI 17
      0xe0,                   // CR Connection Request
      0x00, 0x00,             // destination reference
      0x00, 0x01,             // source reference
      0x00,                   // class 0
      0xc0, 0x01, 0x0a,       // TPDU size 2^10
      0xc1, 0x02, 0x01, 0x00, // calling TSAP 0100
      0xc2, 0x02, 0x01, 0x01, // called TSAP 0101: PG connection, rack 0 slot 1
    );
    const c = newCotpPdu();
    assert.equal(parseCotp(f, 0, f.length, c), null);
    assert.equal(c.type, 0xe);
    assert.equal(c.srcRef, 1);
    assert.equal(c.paramLen, 11);
    const p = parseCotpParams(f, c.paramOff, c.paramLen);
    assert.equal(p.error, null);
    assert.equal(p.tpduSize, 1024);
    assert.equal(tsapText(p.callingTsap as Uint8Array), '0100');
    assert.deepEqual(tsapRackSlot(p.calledTsap), { connType: 1, rack: 0, slot: 1 });
    assert.equal(tsapText(Uint8Array.from(ascii('SIMATIC-ROOT-ES'))), 'SIMATIC-ROOT-ES');
  });

  it('reads a DT with EOT and its payload', () => {
    const f = b(
      0x03, 0x00, 0x00, 0x08, // TPKT length 8
      0x02,                   // LI 2
      0xf0,                   // DT Data
      0x80,                   // TPDU 0, EOT
      0x32,                   // payload (1 byte)
    );
    const c = newCotpPdu();
    assert.equal(parseCotp(f, 0, f.length, c), null);
    assert.equal(c.type, 0xf);
    assert.equal(c.eot, true);
    assert.equal(c.payloadOff, 7);
    assert.equal(c.payloadLen, 1);
  });

  it('flags a COTP LI running past the TPKT and truncated parameters', () => {
    const c = newCotpPdu();
    const f = b(0x03, 0x00, 0x00, 0x07, /* LI 9 > 2 left */ 0x09, 0xf0, 0x80);
    assert.equal(parseCotp(f, 0, f.length, c), 's7comm-cotp-bad-length');
    const p = parseCotpParams(b(/* TSAP claims 4 bytes, has 1 */ 0xc1, 0x04, 0x01), 0, 3);
    assert.equal(p.error, 's7comm-cotp-truncated');
  });

  it('frameLength is tpktLength and plausibleTpkt in one pass', () => {
    // What the parse loop did before: the TPKT length, unless the header is not plausible.
    const twoPass = (f: Uint8Array, off: number, len: number) => {
      const n = tpktLength(f, off, len);
      return n < 0 || (len >= 6 && !plausibleTpkt(f, off, len)) ? -1 : n;
    };
    const cases = [
      b(0x03, 0x00, 0x00, 0x1f, /* LI */ 0x02, /* DT */ 0xf0, /* EOT */ 0x80), // DT
      b(0x03, 0x00, 0x00, 0x16, /* LI */ 0x11, /* CR */ 0xe0, 0x00, 0x00), // CR
      b(0x04, 0x00, 0x00, 0x1f, 0x02, 0xf0, 0x80), // bad version
      b(0x03, 0x01, 0x00, 0x1f, 0x02, 0xf0, 0x80), // reserved byte set
      b(0x03, 0x00, 0x00, 0x06, 0x02, 0xf0, 0x80), // TPKT length below 7
      b(0x03, 0x00, 0x00, 0x07, 0x09, 0xf0, 0x80), // LI past the TPKT
      b(0x03, 0x00, 0x00, 0x1f, 0x00, 0xf0, 0x80), // LI 0
      b(0x03, 0x00, 0x00, 0x1f, 0x02, 0x30, 0x80), // unknown COTP type
      b(0x03, 0x00, 0x00, 0x1f, 0x02), // 5 bytes: TPKT header only checked
      b(0x03, 0x00, 0x00), // 3 bytes
    ];
    for (const f of cases) for (let len = 0; len <= f.length; len++) assert.equal(frameLength(f, 0, len), twoPass(f, 0, len));
    // Deterministic fuzz: random headers, biased towards TPKT version 3 and reserved 0.
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    const f = new Uint8Array(8);
    for (let i = 0; i < 20_000; i++) {
      for (let j = 0; j < f.length; j++) f[j] = rnd();
      if (i & 1) f[0] = 3;
      if (i & 2) f[1] = 0;
      if (i & 4) f[2] = 0;
      assert.equal(frameLength(f, 0, 4 + (i % 5)), twoPass(f, 0, 4 + (i % 5)));
    }
  });
});

describe('s7comm parse: S7 header and jobs', () => {
  it('reads a setup communication job', () => {
    const f = b(
      0x32,       // protocol id
      0x01,       // ROSCTR job
      0x00, 0x00, // redundancy id
      0x00, 0x00, // PDU reference 0
      0x00, 0x08, // parameter length 8
      0x00, 0x00, // data length 0
      0xf0,       // setup communication
      0x00,       // reserved
      0x00, 0x01, // max AmQ calling
      0x00, 0x01, // max AmQ called
      0x01, 0xe0, // PDU size 480
    );
    const h = newS7Header();
    assert.equal(parseS7Header(f, 0, f.length, h), null);
    const j = newS7Job();
    assert.equal(parseJob(f, h.paramOff, h.paramLen, j), null);
    assert.equal(jobFunctionName(j.fn), 'Setup Communication');
    assert.equal(j.pduSize, 480);
  });

  it('reads a read-var item (S7ANY, M area, byte 2, bit 0)', () => {
    const p = b(
      0x04,             // read variable
      0x01,             // item count
      0x12,             // variable specification
      0x0a,             // length of the spec
      0x10,             // syntax id S7ANY
      0x02,             // transport size BYTE
      0x00, 0x04,       // length 4
      0x00, 0x00,       // DB number
      0x83,             // area M
      0x00, 0x00, 0x10, // address: bit 16 = byte 2 bit 0
    );
    const j = newS7Job();
    assert.equal(parseJob(p, 0, p.length, j), null);
    assert.equal(j.itemCount, 1);
    assert.equal(j.area, 0x83);
    assert.equal(j.address, 2);
    assert.equal(j.length, 4);
  });

  it('flags item counts that disagree with the parameters, and bad headers', () => {
    const j = newS7Job();
    assert.equal(parseJob(b(/* read */ 0x04, /* 2 items */ 0x02, 0x12, 0x0a, 0x10, 0x02, 0, 1, 0, 0, 0x83, 0, 0, 0), 0, 14, j), 's7comm-item-count-mismatch');
    const h = newS7Header();
    assert.equal(parseS7Header(b(0x32, /* ROSCTR 9 */ 0x09, 0, 0, 0, 0, 0, 0, 0, 0), 0, 10, h), 's7comm-bad-rosctr');
    assert.equal(parseS7Header(b(0x32, 0x01, 0, 0, 0, 0, /* param 8 */ 0, 8, 0, 0), 0, 10, h), 's7comm-length-mismatch');
    assert.equal(h.paramLen, 0, 'lengths are clamped to the PDU');
    assert.equal(parseS7Header(b(0x32, 0x03, 0, 0), 0, 4, h), 's7comm-header-truncated');
  });

  it('reads PLC stop and PLC control PI services and block file names', () => {
    const stop = b(
      0x29,                         // PLC stop
      0x00, 0x00, 0x00, 0x00, 0x00, // unknown
      0x09,                         // PI service length
      ...ascii('P_PROGRAM'),
    );
    const j = newS7Job();
    assert.equal(parseJob(stop, 0, stop.length, j), null);
    assert.equal(j.piLen, 9);
    const ctl = b(
      0x28,                                     // PLC control
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, // unknown
      0x00, 0x02,                               // parameter block length
      ...ascii('EP'),                           // parameter block
      0x05,                                     // PI service length
      ...ascii('_MODU'),
    );
    assert.equal(parseJob(ctl, 0, ctl.length, j), null);
    assert.equal(String.fromCharCode(...ctl.subarray(j.piOff, j.piOff + j.piLen)), '_MODU');
    assert.equal(parseJob(b(0x28, 0, 0, 0, 0, 0, 0, 0xfd, /* block 200 */ 0x00, 0xc8), 0, 10, j), 's7comm-param-truncated');
    assert.deepEqual(parseBlockFile(Uint8Array.from(ascii('_0A00001P')), 0, 9), { name: '_0A00001P', blockType: '0A', blockNumber: 1, filesystem: 'P' });
  });

  it('reads item return codes of read/write answers', () => {
    const r = newItemResults();
    const read = b(
      0xff, 0x04, 0x00, 0x10, 0x12, 0x34, // item 1: success, BYTE/WORD bits, 16 bits = 2 bytes
      0x0a, 0x00, 0x00, 0x00,             // item 2: object does not exist, no data
    );
    assert.equal(parseItemResults(read, 0, read.length, 2, false, r), null);
    assert.deepEqual(r, { count: 2, failed: 1, firstError: 0x0a });
    assert.equal(parseItemResults(b(0xff, 0x04, 0x00, 0x40), 0, 4, 1, false, r), 's7comm-data-truncated');
    assert.equal(parseItemResults(b(0xff, 0x03), 0, 2, 2, true, r), null);
    assert.equal(r.failed, 1);
  });
});

describe('s7comm parse: userdata and SZL', () => {
  it('reads a Read SZL request (s7ident.pcap frame 10)', () => {
    const f = b(
      0x32, 0x07, 0x00, 0x00, // S7, userdata, redundancy
      0x01, 0x00,             // PDU reference 256
      0x00, 0x08, 0x00, 0x08, // parameter 8, data 8
      0x00, 0x01, 0x12,       // parameter head
      0x04,                   // parameter length 4
      0x11,                   // method request
      0x44,                   // type request, group CPU functions
      0x01,                   // subfunction Read SZL
      0x00,                   // sequence number
      0xff,                   // return code success
      0x09,                   // transport size octet string
      0x00, 0x04,             // length
      0x00, 0x11,             // SZL id 0x0011
      0x00, 0x00,             // index
    );
    const h = newS7Header();
    assert.equal(parseS7Header(f, 0, f.length, h), null);
    const u = newS7Userdata();
    assert.equal(parseUserdata(f, h.paramOff, h.paramLen, h.dataOff, h.dataLen, u), null);
    assert.equal(u.type, 4);
    assert.equal(subfunctionName(u.group, u.sub), 'Read SZL');
    assert.equal(u.payloadLen, 4);
    assert.equal(szlName(0x0011), 'Module identification');
  });

  it('flags a bad userdata parameter head', () => {
    const u = newS7Userdata();
    const p = b(0x00, 0x01, 0x00, 0x10, 0x10, 0x00, 0x00, 0x00);
    assert.equal(parseUserdata(p, 0, 8, 8, 0, u), 's7comm-userdata-bad-head');
  });

  it('reads module identification records', () => {
    const rec = (index: number, mlfb: string, bg: number, ausbg: number, ausbe: number) => [
      index >> 8, index & 0xff,    // index
      ...ascii(mlfb, 20),          // MlfB, space padded
      bg >> 8, bg & 0xff,          // BGTyp
      ausbg >> 8, ausbg & 0xff,    // Ausbg
      ausbe >> 8, ausbe & 0xff,    // Ausbe
    ];
    const r = b(...rec(1, '6ES7 315-2EH14-0AB0', 0xc0, 4, 1), ...rec(7, '', 0xc0, 0x5603, 0x0206));
    const m = parseSzl0011(r, 0, r.length, 28, 2);
    assert.equal(m.orderNumber, '6ES7 315-2EH14-0AB0');
    assert.equal(m.hardware, '4');
    assert.equal(m.firmware, 'V3.2.6');
    assert.equal(parseSzl0011(r, 0, 27, 28, 2).orderNumber, '', 'a partial record is not read');
  });

  it('reads component identification and mode records', () => {
    const rec = (index: number, s: string) => [index >> 8, index & 0xff, ...ascii(s, 32, 0)];
    const r = b(...rec(1, 'SNAP7-SERVER'), ...rec(3, ''), ...rec(5, 'S C-C2UR28922012'), 0x00, 0x09, 0x00, 0x2a, ...new Array(30).fill(0));
    const c = parseSzl001c(r, 0, r.length, 34, 4);
    assert.equal(c.get(1), 'SNAP7-SERVER');
    assert.equal(c.get(3), '');
    assert.equal(c.get(5), 'S C-C2UR28922012');
    assert.equal(c.get(9), '42');
    const mode = b(0x51, 0x44, /* ae */ 0xff, /* bzu-id: previous STOP(internal), now RUN */ 0x48);
    assert.deepEqual(parseSzl0424(mode, 0, 4, 20), { mode: 8, previous: 4 });
    assert.equal(cpuModeName(8), 'RUN');
    assert.equal(cpuModeName(6), 'unknown-6');
  });

  it('de-obfuscates a PLC password', () => {
    // 'secret' padded with spaces, obfuscated as the PG does.
    const plain = ascii('secret', 8);
    const enc: number[] = [];
    for (let i = 0; i < 8; i++) enc.push(i < 2 ? (plain[i] as number) ^ 0x55 : (plain[i] as number) ^ 0x55 ^ (enc[i - 2] as number));
    assert.equal(String.fromCharCode(...decodePassword(Uint8Array.from(enc), 0, 8)), 'secret');
  });

  it('names errors totally', () => {
    assert.equal(errorName(0xd209), 'The desired block was not found');
    assert.equal(errorName(0x8104), 'Context is not supported');
    assert.equal(errorName(0xd2ff), 'unknown-54015');
  });
});

describe('s7comm parse: S7comm-plus', () => {
  it('reads a V3 request with its integrity part (s7comm_plus.pcap frame 7)', () => {
    const f = b(
      0x72, 0x03, 0x00, 0x16,             // S7comm-plus, V3, data length 22
      0x20, ...new Array(32).fill(0xab),  // integrity: digest length 32 + digest
      0x31,                               // opcode request
      0x00, 0x00,                         // reserved
      0x04, 0xf2,                         // function Set Variable
      0x00, 0x00,                         // reserved
      0x83, 0x1a,                         // sequence number
      0x70, 0x00, 0x0e, 0x4d,             // session id
      0x70,                               // transport flags
      0x72, 0x03, 0x00, 0x00,             // trailer
    );
    f[3] = f.length - 8;
    const p = newPlusPdu();
    assert.equal(parsePlus(f, 0, f.length, true, p), null);
    assert.equal(p.integrity, true);
    assert.equal(p.opcode, 0x31);
    assert.equal(plusFunctionName(p.fn), 'Set Variable');
    assert.equal(p.seq, 0x831a);
    assert.equal(p.sessionId, 0x70000e4d);
    assert.equal(p.last, true);
  });

  it('reads a V1 notification and flags lengths past the frame', () => {
    const f = b(0x72, 0x01, 0x00, 0x05, /* notification */ 0x33, /* subscription */ 0x70, 0x00, 0x0e, 0x51, 0x72, 0x01, 0x00, 0x00);
    const p = newPlusPdu();
    assert.equal(parsePlus(f, 0, f.length, true, p), null);
    assert.equal(p.integrity, false);
    assert.equal(p.subscription, 0x70000e51);
    assert.equal(parsePlus(b(0x72, 0x01, 0x01, 0x00, 0x31), 0, 5, true, p), 's7comm-plus-bad-length');
  });

  it('finds the session version string in the clear', () => {
    const s = '1;6ES7 211-1BE31-0XB0 ;V3.0';
    const body = b(0xa3, 0x82, 0x3f, 0x00, /* WString */ 0x15, s.length, ...ascii(s), 0x00);
    const r = scanPlusStrings(body, 0, body.length);
    assert.equal(r.orderNumber, '6ES7 211-1BE31-0XB0');
    assert.equal(r.firmware, 'V3.0');
    assert.equal(scanPlusStrings(b(0x15, 0x7f, 0x41), 0, 3).orderNumber, '', 'a length past the end is ignored');
  });
});
