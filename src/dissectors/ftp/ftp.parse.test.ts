// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bannerHints,
  commandCode,
  commandOp,
  isAnonymous,
  newCommandLine,
  newReplyLine,
  parseCommand,
  parseReply,
} from './ftp.parse.js';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('ftp parse', () => {
  it('commands: verb and argument (RFC 959 §4.1)', () => {
    const b = Uint8Array.from([
      0x52, 0x45, 0x54, 0x52,             // verb "RETR"
      0x20,                               // SP
      0x61, 0x2e, 0x62, 0x69, 0x6e,       // argument "a.bin"
    ]);
    const c = newCommandLine();
    assert.equal(parseCommand(b, 0, b.length, c), null);
    assert.deepEqual([c.verbOff, c.verbLen, c.argOff, c.argLen], [0, 4, 5, 5]);
    assert.equal(parseCommand(bytes('pasv'), 0, 4, c), null);
    assert.equal(c.argLen, 0);
    assert.equal(parseCommand(bytes('12 x'), 0, 4, c), 'ftp-bad-command');
    assert.equal(parseCommand(bytes('USER\tx'), 0, 6, c), 'ftp-bad-command');
    const long = bytes(`${'A'.repeat(100)} x`);
    assert.equal(parseCommand(long, 0, long.length, c), 'ftp-command-too-long');
  });

  it('replies: code, continuation marker, text (RFC 959 §4.2)', () => {
    const b = Uint8Array.from([
      0x32, 0x33, 0x30,                   // code "230"
      0x2d,                               // "-": more lines follow
      0x48, 0x69,                         // text "Hi"
    ]);
    const r = newReplyLine();
    assert.equal(parseReply(b, 0, b.length, r), null);
    assert.deepEqual([r.code, r.more, r.textOff], [230, true, 4]);
    assert.equal(parseReply(bytes('530 Login incorrect.'), 0, 20, r), null);
    assert.deepEqual([r.code, r.more], [530, false]);
    assert.equal(parseReply(bytes('226'), 0, 3, r), null);
    assert.equal(parseReply(bytes('PASS OK'), 0, 7, r), 'ftp-bad-reply');
    assert.equal(parseReply(bytes('230PASS'), 0, 7, r), 'ftp-bad-reply');
    assert.equal(parseReply(bytes('999 x'), 0, 5, r), 'ftp-bad-reply');
    assert.equal(parseReply(bytes('22'), 0, 2, r), 'ftp-bad-reply');
  });

  it('names, ops and hints', () => {
    assert.equal(commandOp('RETR'), 'read');
    assert.equal(commandOp('STOR'), 'write');
    assert.equal(commandOp('DELE'), 'write');
    assert.equal(commandOp('SITE'), 'other');
    assert.equal(commandOp('PASS'), 'auth');
    assert.equal(commandCode('USER'), 1);
    assert.equal(commandCode('XYZW'), 0);
    assert.ok(isAnonymous('Anonymous') && isAnonymous('ftp') && !isAnonymous('admin'));
    const f = bannerHints('(vsFTPd 3.0.5)', 'ftp.banner').map((x) => `${x.field}=${x.value}`);
    assert.deepEqual(f, ['ftp_server_product=vsFTPd', 'ftp_server_version=3.0.5']);
    const g = bannerHints('VxWorks (5.4) FTP server ready, SIMATIC', 'ftp.banner').map((x) => `${x.field}=${x.value}`);
    assert.deepEqual(g, ['ftp_server_product=VxWorks', 'ftp_server_version=5.4', 'os=VxWorks', 'vendor=Siemens']);
  });
});
