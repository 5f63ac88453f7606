import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as bac from './protocols/bacnet.js';
import { hexBytes } from './protocols/bytes.js';
import * as enip from './protocols/enip.js';
import { EtherType, ethernet, ipv4, TcpFlag, tcp, udp } from './protocols/ip.js';
import * as it_ from './protocols/it.js';
import { arp, lldpdu, rstpBpdu } from './protocols/l2.js';
import * as mb from './protocols/modbus.js';
import * as ua from './protocols/opcua.js';
import * as s7 from './protocols/s7comm.js';

const hx = (...lines: string[]) => hexBytes(lines.join(''));

/** Compares bytes as hex strings so a failure shows where they differ. */
function eqHex(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(Buffer.from(actual).toString('hex'), Buffer.from(expected).toString('hex'));
}

describe('protocol builders frame messages as the specs say', () => {
  it('Ethernet + 802.1Q + IPv4 + TCP', () => {
    const f = ethernet(
      '00:80:f4:34:20:01',
      '00:d0:c9:a1:b2:01',
      10,
      EtherType.IPV4,
      ipv4(
        '10.10.10.50',
        '10.10.10.13',
        6,
        tcp(50000, 502, 0x01020304, 0x0a0b0c0d, TcpFlag.PSH | TcpFlag.ACK, Uint8Array.from([0xee])),
        128,
      ),
    );
    eqHex(
      f,
      hx(
        '0080f4342001', // dst MAC
        '00d0c9a1b201', // src MAC
        '8100 000a', // 802.1Q, VLAN 10
        '0800', // IPv4
        '45 00', // v4 IHL 5, DSCP 0
        '0029', // total length 20 + 20 + 1
        '0000 4000', // id 0, DF
        '80 06 0000', // TTL 128, TCP, checksum 0
        '0a0a0a32 0a0a0a0d', // 10.10.10.50 -> 10.10.10.13
        'c350 01f6', // ports 50000 -> 502
        '01020304', // seq
        '0a0b0c0d', // ack
        '50 18', // data offset 5, PSH|ACK
        'faf0 0000 0000', // window 64240, checksum, urgent
        'ee', // payload
      ),
    );
  });

  it('UDP length covers header and data', () => {
    eqHex(udp(68, 67, Uint8Array.from([1, 2])), hx('0044 0043', '000a', '0000', '0102'));
  });

  it('Modbus/TCP read holding registers and 43/14 device identification', () => {
    eqHex(
      mb.mbap(7, 1, mb.readRegistersReq(3, 0, 10)),
      hx(
        '0007', // transaction id
        '0000', // protocol id
        '0006', // length: unit + 5
        '01', // unit
        '03', // read holding registers
        '0000', // start
        '000a', // quantity
      ),
    );
    eqHex(
      mb.readDeviceIdResp(1, [[0, 'AB']]),
      hx(
        '2b 0e', // fc 43, MEI 14
        '01', // read code basic
        '82', // conformity
        '00 00', // more follows, next object
        '01', // object count
        '00 02 4142', // object 0, length 2, "AB"
      ),
    );
    eqHex(mb.writeMultipleReq(310, [100, 200]), hx('10', '0136', '0002', '04', '0064 00c8'));
  });

  it('S7comm over TPKT/COTP: connect, setup, read var, SZL', () => {
    eqHex(
      s7.tpkt(s7.cotpConnect(0xe0, 0, 1, 0x0100, 0x0101)),
      hx(
        '03 00 0016', // TPKT v3, length 22
        '11 e0', // LI 17, CR
        '0000 0001 00', // dst ref, src ref, class 0
        'c0 01 0a', // TPDU size 1024
        'c1 02 0100', // calling TSAP
        'c2 02 0101', // called TSAP
      ),
    );
    eqHex(
      s7.s7Segment(s7.s7Pdu(1, 0x0100, s7.s7SetupParam(480), new Uint8Array(0))),
      hx(
        '03 00 0019', // TPKT length 25
        '02 f0 80', // COTP DT, EOT
        '32 01 0000', // S7, job, reserved
        '0100', // PDU reference
        '0008 0000', // param length 8, data length 0
        'f0 00 0001 0001 01e0', // setup communication: AmQ 1/1, PDU 480
      ),
    );
    eqHex(
      s7.s7VarParam(0x04, [{ area: 0x84, db: 10, start: 2, count: 4 }]),
      hx(
        '04 01', // read var, 1 item
        '12 0a 10', // var spec, length 10, S7ANY
        '02 0004', // BYTE x 4
        '000a', // DB 10
        '84', // area DB
        '000010', // address: byte 2, bit 0
      ),
    );
    const data = s7.s7SzlRespData(0x0011, 0, [
      { index: 1, orderNumber: '6ES7 515-2AM01-0AB0', bgType: 0, ausbg: 0, ausbe: 1 },
    ]);
    eqHex(data.subarray(0, 12), hx('ff 09 0024', '0011 0000', '001c 0001')); // rc, octets, len 36, id, index, reclen 28, count 1
    assert.equal(Buffer.from(data.subarray(14, 34)).toString('latin1'), '6ES7 515-2AM01-0AB0 ');
  });

  it('EtherNet/IP encapsulation, CIP Get_Attribute_All and ListIdentity', () => {
    eqHex(
      enip.encap(enip.EnipCommand.REGISTER_SESSION, 0, 5, enip.registerSessionData()),
      hx(
        '6500', // command RegisterSession
        '0400', // length 4
        '00000000', // session
        '00000000', // status
        '05000000 00000000', // sender context
        '00000000', // options
        '0100 0000', // protocol version 1, flags 0
      ),
    );
    eqHex(
      enip.sendRRData(enip.cipRequest(0x01, 0x01, 1)),
      hx(
        '00000000 0500', // interface handle, timeout
        '0200', // 2 items
        '0000 0000', // null address item
        'b200 0600', // unconnected data item, length 6
        '01 02 2001 2401', // Get_Attribute_All, path class 1 instance 1
      ),
    );
    const li = enip.listIdentityRespData('10.10.10.12', {
      vendorId: 1,
      deviceType: 14,
      productCode: 166,
      revMajor: 33,
      revMinor: 11,
      status: 0x3160,
      serial: 0x60a1b2c3,
      productName: '1756-L83E/B',
    });
    eqHex(
      li.subarray(0, 39),
      hx(
        '0100 0c00', // 1 item, CIP identity
        '2d00', // item length 45
        '0100', // encapsulation version
        '0002 af12 0a0a0a0c 0000000000000000', // AF_INET, port 44818, 10.10.10.12, zero
        '0100 0e00 a600', // vendor 1, device type 14, product code 166
        '210b', // revision 33.11
        '6031', // status
        'c3b2a160', // serial
        '0b', // name length 11
      ),
    );
    assert.equal(li.length, 6 + 45);
  });

  it('BACnet/IP Who-Is, I-Am and ReadProperty', () => {
    eqHex(bac.bvlc(0x0b, bac.npdu(false, bac.whoIs())), hx('81 0b 0008', '01 00', '10 08'));
    eqHex(
      bac.iAm(70101, 1476, 8),
      hx(
        '10 00', // unconfirmed, i-am
        'c4 02011 1d5', // object id: device 70101
        '22 05c4', // max APDU 1476
        '91 03', // no segmentation
        '21 08', // vendor 8
      ),
    );
    eqHex(bac.readPropertyReq(1, 70101, 77), hx('00 05 01 0c', '0c 020111d5', '19 4d'));
  });

  it('ARP, LLDP and RSTP', () => {
    eqHex(
      arp(1, '00:00:bc:3e:83:01', '10.10.10.12', '00:00:00:00:00:00', '10.10.10.1').subarray(0, 28),
      hx('0001 0800 06 04 0001', '0000bc3e8301 0a0a0a0c', '000000000000 0a0a0a01'),
    );
    const l = lldpdu({
      chassisMac: '10:57:25:c0:00:01',
      portId: 'G1',
      ttl: 120,
      portDesc: '',
      sysName: 'sw',
      sysDesc: '',
      caps: 4,
      mgmtIp: '10.0.0.2',
    });
    eqHex(l.subarray(0, 18), hx('0207 04 105725c00001', '0403 05 4731', '0602 0078')); // chassis, port, TTL
    eqHex(l.subarray(l.length - 2), hx('0000')); // end TLV
    const b = rstpBpdu(0x6000, '10:57:25:c0:00:01', 0, 0x6000, '10:57:25:c0:00:01', 0x8001);
    assert.equal(b.length, 36);
    eqHex(b.subarray(0, 5), hx('0000 02 02 3c'));
  });

  it('DNS, DHCP, NTP, TLS ClientHello with SNI, RDP, OPC UA', () => {
    eqHex(it_.dns(0x1234, false, 'a.lan', []), hx('1234 0100 0001 0000 0000 0000', '01 61 03 6c616e 00', '0001 0001'));
    const d = it_.dhcp(1, 0xdeadbeef, '3c:2c:30:64:01:01', '0.0.0.0', '0.0.0.0', [[53, Uint8Array.from([1])]]);
    assert.equal(d.length, 240 + 3 + 1);
    eqHex(d.subarray(236), hx('63825363 35 01 01 ff'));
    assert.equal(it_.ntp(3, 0, '', 1).length, 48);
    const ch = it_.tlsClientHello('portal.example.com', 1);
    eqHex(ch.subarray(0, 6), hx('16 0301', (ch.length - 5).toString(16).padStart(4, '0'), '01'));
    assert.ok(Buffer.from(ch).includes(Buffer.from('\x00\x00\x12portal.example.com', 'latin1')));
    const rdp = it_.rdpX224(false, 'u');
    eqHex(
      rdp.subarray(0, 6),
      hx('03 00', rdp.length.toString(16).padStart(4, '0'), (rdp.length - 5).toString(16).padStart(2, '0'), 'e0'),
    );
    const hel = ua.uaHello('opc.tcp://x');
    eqHex(hel.subarray(0, 8), hx('48454c 46', `${hel.length.toString(16).padStart(2, '0')}000000`));
    const msg = ua.uaMessage(9, 1, new Uint8Array(3));
    eqHex(msg, hx('4d5347 46 1b000000', '09000000 01000000', '01000000 01000000', '000000'));
  });

  it('Telnet negotiation and text, HTTP messages with Basic authorization', () => {
    const { WILL, DO, ECHO, NAWS } = it_.Telnet;
    eqHex(
      it_.telnetMessage(
        [
          [WILL, ECHO],
          [DO, NAWS],
        ],
        'login: ',
      ),
      hx(
        'ff fb 01', // IAC WILL ECHO
        'ff fd 1f', // IAC DO NAWS
        '6c6f67696e3a20', // "login: "
      ),
    );
    assert.equal(it_.basicAuth('admin', 'admin'), 'Basic YWRtaW46YWRtaW4='); // RFC 7617 §2
    assert.equal(
      Buffer.from(it_.httpMessage('GET / HTTP/1.1', [['Host', 'a']])).toString('latin1'),
      'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    assert.equal(
      Buffer.from(it_.httpMessage('HTTP/1.1 200 OK', [['Content-Length', '2']], 'hi')).toString('latin1'),
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    );
  });
});
