// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFailure, isPasswordPrompt, isSuccess, isUserPrompt, MAX_SUBOPTION, newStripper, stripByte } from './telnet.parse.js';

function strip(bytes: number[]): { data: number[]; overflow: number } {
  const st = newStripper();
  const data: number[] = [];
  let overflow = 0;
  for (const b of bytes) {
    const r = stripByte(st, b);
    if (r >= 0) data.push(r);
    else if (r === -2) overflow++;
  }
  return { data, overflow };
}

describe('telnet parse', () => {
  it('strips option negotiation and sub-negotiation (RFC 854, RFC 855)', () => {
    const { data } = strip([
      0xff, 0xfd, 0x03,                   // IAC DO SUPPRESS-GO-AHEAD
      0xff, 0xfb, 0x18,                   // IAC WILL TERMINAL-TYPE
      0xff, 0xfa, 0x18, 0x00,             // IAC SB TERMINAL-TYPE IS
      0x78, 0x74, 0x65, 0x72, 0x6d,       //   "xterm"
      0xff, 0xf0,                         // IAC SE
      0x6c, 0x6f, 0x67,                   // data "log"
      0xff, 0xff,                         // IAC IAC: a data byte 255
      0xff, 0xf1,                         // IAC NOP
      0x0d, 0x0a,                         // CR LF
    ]);
    assert.deepEqual(data, [0x6c, 0x6f, 0x67, 0xff, 0x0d, 0x0a]);
  });

  it('bounds an unterminated sub-negotiation', () => {
    const { data, overflow } = strip([0xff, 0xfa, 0x18, ...new Array(MAX_SUBOPTION + 10).fill(0x41)]);
    assert.equal(overflow, 1);
    assert.equal(data.length, 10); // 523 bytes after SB, the first 513 counted as sub-negotiation
  });

  it('classifies the login dialogue', () => {
    assert.ok(isUserPrompt('jankincai-VirtualBox login: '));
    assert.ok(isUserPrompt('Username:'));
    assert.ok(!isUserPrompt('Last login: Sat Nov 27'));
    assert.ok(!isUserPrompt('Last login:'));
    assert.ok(isPasswordPrompt('Password: '));
    assert.ok(!isPasswordPrompt('Password changed'));
    assert.ok(isFailure('Login incorrect'));
    assert.ok(isFailure('% Authentication failed'));
    assert.ok(isSuccess('$ '));
    assert.ok(isSuccess('Router#'));
    assert.ok(isSuccess('Last login: Thu Dec  2 21:32:59 on ttyp1'));
    assert.ok(!isSuccess('Please wait'));
  });
});
