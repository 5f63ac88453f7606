// biome-ignore-all format: annotated byte arrays keep one line per protocol field
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorStatusName, pduName, securityLevelName, usmStatsName, versionName } from './snmp.consts.js';
import { newMessage, oidEnterprise, oidToString, parseMessage, readInteger } from './snmp.parse.js';
import { sysDescrHints } from './snmp.sysdescr.js';

/** SNMPv2c GetRequest for sysName.0 (as in snmpv2_get.pcap, RFC 3416 §3). */
const GET_V2C = [
  0x30, 0x29,                                           // Message SEQUENCE, 41 bytes
  0x02, 0x01, 0x01,                                     //   version INTEGER 1 (v2c)
  0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63,       //   community OCTET STRING "public"
  0xa0, 0x1c,                                           //   GetRequest-PDU [0], 28 bytes
  0x02, 0x04, 0x35, 0x63, 0xd3, 0x0a,                   //     request-id 895734538
  0x02, 0x01, 0x00,                                     //     error-status 0
  0x02, 0x01, 0x00,                                     //     error-index 0
  0x30, 0x0e,                                           //     variable-bindings SEQUENCE, 14 bytes
  0x30, 0x0c,                                           //       VarBind SEQUENCE, 12 bytes
  0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, // name OID 1.3.6.1.2.1.1.5.0 (sysName.0)
  0x05, 0x00,                                           //         value NULL
];

/** SNMPv1 Trap-PDU (RFC 1157 §4.1.6), as in snmpv1_trap.pcap. */
const TRAP_V1 = [
  0x30, 0x38,                                           // Message SEQUENCE, 56 bytes
  0x02, 0x01, 0x00,                                     //   version 0 (v1)
  0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63,       //   community "public"
  0xa4, 0x2b,                                           //   Trap-PDU [4], 43 bytes
  0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x81, 0xf4, 0x69, 0x00, // enterprise 1.3.6.1.4.1.31337.0
  0x40, 0x04, 0x7f, 0x00, 0x00, 0x01,                   //     agent-addr IpAddress 127.0.0.1
  0x02, 0x01, 0x00,                                     //     generic-trap 0 (coldStart)
  0x02, 0x01, 0x00,                                     //     specific-trap 0
  0x43, 0x01, 0x00,                                     //     time-stamp TimeTicks 0
  0x30, 0x0f,                                           //     variable-bindings, 15 bytes
  0x30, 0x0d,                                           //       VarBind, 13 bytes
  0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x02, 0x01, 0x00, // name 1.3.6.1.2.1.2.1.0 (ifNumber.0)
  0x02, 0x01, 0x21,                                     //         value INTEGER 33
];

/** SNMPv3 GetRequest, noAuthNoPriv, user "user" (RFC 3412 §6, RFC 3414 §2.4). */
const GET_V3 = [
  0x30, 0x45,                                           // Message SEQUENCE, 69 bytes
  0x02, 0x01, 0x03,                                     //   msgVersion 3
  0x30, 0x0e,                                           //   msgGlobalData, 14 bytes
  0x02, 0x02, 0x01, 0x00,                               //     msgID 256
  0x02, 0x02, 0x05, 0xdc,                               //     msgMaxSize 1500
  0x04, 0x01, 0x04,                                     //     msgFlags reportable, noAuthNoPriv
  0x02, 0x01, 0x03,                                     //     msgSecurityModel 3 (USM)
  0x04, 0x1d,                                           //   msgSecurityParameters OCTET STRING, 29 bytes
  0x30, 0x1b,                                           //     UsmSecurityParameters, 27 bytes
  0x04, 0x09, 0x80, 0x00, 0x10, 0xe9, 0x03, 0x00, 0x01, 0x02, 0x03, // engine id: enterprise 4329 (Siemens), format 3 (MAC)
  0x02, 0x01, 0x01,                                     //       msgAuthoritativeEngineBoots 1
  0x02, 0x01, 0x02,                                     //       msgAuthoritativeEngineTime 2
  0x04, 0x04, 0x75, 0x73, 0x65, 0x72,                   //       msgUserName "user"
  0x04, 0x00,                                           //       msgAuthenticationParameters (none)
  0x04, 0x00,                                           //       msgPrivacyParameters (none)
  0x30, 0x11,                                           //   ScopedPDU, 17 bytes
  0x04, 0x00,                                           //     contextEngineID ''
  0x04, 0x00,                                           //     contextName ''
  0xa0, 0x0b,                                           //     GetRequest-PDU, 11 bytes
  0x02, 0x01, 0x07,                                     //       request-id 7
  0x02, 0x01, 0x00,                                     //       error-status 0
  0x02, 0x01, 0x00,                                     //       error-index 0
  0x30, 0x00,                                           //       variable-bindings: none
];

function parse(bytes: number[]) {
  const b = Uint8Array.from(bytes);
  const m = newMessage();
  return { err: parseMessage(b, 0, b.length, m), m, b };
}

describe('snmp parse', () => {
  it('decodes a v2c GetRequest', () => {
    const { err, m, b } = parse(GET_V2C);
    assert.equal(err, null);
    assert.equal(m.version, 1);
    assert.equal(Buffer.from(b.subarray(m.communityOff, m.communityOff + m.communityLen)).toString(), 'public');
    assert.equal(m.pduTag, 0xa0);
    assert.equal(m.requestId, 895734538);
    assert.equal(m.varbindCount, 1);
    assert.equal(oidToString(b, m.oidOff[0] as number, m.oidLen[0] as number), '1.3.6.1.2.1.1.5.0');
    assert.equal(m.valTag[0], 0x05);
  });

  it('decodes a v1 Trap-PDU', () => {
    const { err, m, b } = parse(TRAP_V1);
    assert.equal(err, null);
    assert.equal(m.pduTag, 0xa4);
    assert.equal(oidToString(b, m.enterpriseOff, m.enterpriseLen), '1.3.6.1.4.1.31337.0');
    assert.equal(m.genericTrap, 0);
    assert.equal(m.varbindCount, 1);
  });

  it('decodes a v3 header, USM user and engine id', () => {
    const { err, m, b } = parse(GET_V3);
    assert.equal(err, null);
    assert.equal(m.version, 3);
    assert.equal(m.msgId, 256);
    assert.equal(m.msgFlags, 4);
    assert.equal(m.securityModel, 3);
    assert.equal(Buffer.from(b.subarray(m.userOff, m.userOff + m.userLen)).toString(), 'user');
    assert.equal(m.engineIdLen, 9);
    assert.equal(m.requestId, 7);
    assert.equal(m.varbindCount, 0);
  });

  it('names malformed input', () => {
    assert.equal(parse([0x02, 0x01, 0x00]).err, 'snmp-not-sequence');
    assert.equal(parse(GET_V2C.slice(0, 20)).err, 'snmp-truncated');
    assert.equal(parse([0x30, 0x03, 0x02, 0x01, 0x05]).err, 'snmp-unknown-version');
    assert.equal(parse([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).err, 'snmp-truncated');
    assert.equal(parse([0x30, 0x85, 0, 0, 0, 0, 1]).err, 'snmp-bad-length');
    assert.equal(parse([0x30, 0x80, 0, 0]).err, 'snmp-bad-length'); // indefinite length is not allowed
    const badPdu = [...GET_V2C];
    badPdu[13] = 0xaf; // PDU tag [15]
    assert.equal(parse(badPdu).err, 'snmp-unknown-pdu');
    const trailing = [...GET_V2C, 0x00];
    assert.equal(parse(trailing).err, 'snmp-trailing-data');
    const longInt = [0x30, 0x0c, 0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x04, 0x00];
    assert.equal(parse(longInt).err, 'snmp-integer-too-long');
  });

  it('bounds OID sub-identifiers (the Zeek asn_oid_subidentifier_too_long case)', () => {
    const eleven = Uint8Array.from([0x2b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    assert.equal(oidToString(eleven, 0, eleven.length), 'snmp-oid-subidentifier-too-long');
    const dangling = Uint8Array.from([0x2b, 0x86]);
    assert.equal(oidToString(dangling, 0, 2), 'snmp-truncated');
    const ent = Uint8Array.from([0x2b, 0x06, 0x01, 0x04, 0x01, 0xa1, 0x59, 0x01]);
    assert.equal(oidEnterprise(ent, 0, ent.length), 4313);
    assert.equal(oidToString(Uint8Array.from([0x88, 0x37, 0x01]), 0, 3), '2.999.1');
  });

  it('reads signed integers', () => {
    assert.equal(readInteger(Uint8Array.from([0xff]), 0, 1), -1);
    assert.equal(readInteger(Uint8Array.from([0x00, 0xff]), 0, 2), 255);
    assert.equal(readInteger(Uint8Array.from([0x80, 0, 0, 0]), 0, 4), -2147483648);
    assert.equal(readInteger(Uint8Array.from([]), 0, 0), null);
  });

  it('names are total', () => {
    assert.equal(pduName(0xa5), 'GET_BULK_REQUEST');
    assert.equal(pduName(0xb0), 'unknown-176');
    assert.equal(errorStatusName(16), 'AUTHORIZATION_ERROR');
    assert.equal(errorStatusName(99), 'unknown-99');
    assert.equal(versionName(1), '2c');
    assert.equal(versionName(2), 'unknown-2');
    assert.equal(securityLevelName(3), 'authPriv');
    assert.equal(usmStatsName(3), 'usmStatsUnknownUserNames');
    assert.equal(usmStatsName(9), 'unknown-9');
  });

  it('guesses from sysDescr', () => {
    const f = (d: string) => sysDescrHints(d).map((x) => `${x.field}=${x.value}`);
    assert.deepEqual(f('Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA10-2AA3, HW: 4, FW: V4.0.0'), [
      'vendor=Siemens',
      'product_name=SCALANCE X208',
      'order_number=6GK5 208-0BA10-2AA3',
      'firmware=4.0.0',
    ]);
    assert.deepEqual(f('Linux plc 4.19.0-rt #1 SMP armv7l'), ['os=Linux 4.19.0-rt']);
    assert.deepEqual(f('Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE4, RELEASE'), [
      'vendor=Cisco',
      'os=Cisco IOS',
      'firmware=15.0(2)SE4',
    ]);
    assert.deepEqual(f('Hardware: x86 Family 6 - Software: Windows Version 6.1 (Build 7601 Multiprocessor Free)'), [
      'os=Windows 6.1 (Build 7601)',
    ]);
    assert.deepEqual(f('a printer'), []);
  });
});

