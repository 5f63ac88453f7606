// biome-ignore-all format: annotated bytes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import type { DissectContext } from '../contract.js';
import { blockName, deviceRoleNames, FrameClass, frameClass, serviceName } from './profinet.consts.js';
import { profinetDissector } from './profinet.dissector.js';
import { newDcpHeader, parseDcpHeader } from './profinet.parse.js';

const FLOW = testFlow({ transport: 'l2', clientIp: '', serverIp: '', clientPort: 0, serverPort: 0, clientMac: 0x08000693cf32, serverMac: 0 });
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function run(frames: number[][], ctx: FakeContext = new FakeContext(FLOW)): FakeContext {
  const s = profinetDissector.newState(FLOW);
  for (const f of frames) {
    // The frame sits inside a larger buffer, as in the pipeline.
    const buf = Uint8Array.from([0xee, 0xee, ...f, 0xee]);
    profinetDissector.parse(s, buf, 2, f.length, ctx);
    ctx.tsUs += 1000;
  }
  profinetDissector.onEnd?.(s, ctx);
  return ctx;
}

/** DCP Identify All request (ChangeIPUsingDCP.pcap frame 1). */
const IDENTIFY_ALL = [
  0xfe, 0xfe,             // FrameID: Identify request
  0x05,                   // ServiceID: Identify
  0x00,                   // ServiceType: request
  0x01, 0x00, 0x00, 0x01, // Xid
  0x00, 0x01,             // ResponseDelay
  0x00, 0x04,             // DCPDataLength: 4
  0xff, 0xff, 0x00, 0x00, // block: All/All, length 0
];

/** DCP Identify response (shortened from ChangeIPUsingDCP.pcap frame 2). */
const IDENTIFY_RESPONSE = [
  0xfe, 0xff,             // FrameID: Identify response
  0x05,                   // ServiceID: Identify
  0x01,                   // ServiceType: response success
  0x01, 0x00, 0x00, 0x01, // Xid
  0x00, 0x00,             // reserved
  0x00, 0x3e,             // DCPDataLength: 62
  0x02, 0x01, 0x00, 0x05, // block Device/TypeOfStation, length 5
  0x00, 0x00,             //   BlockInfo
  ...ascii('INC'),        //   DeviceVendorValue
  0x00,                   //   padding
  0x02, 0x02, 0x00, 0x0b, // block Device/NameOfStation, length 11
  0x00, 0x00,             //   BlockInfo
  ...ascii('X208-BORD'),  //   NameOfStation
  0x00,                   //   padding
  0x02, 0x03, 0x00, 0x06, // block Device/DeviceID, length 6
  0x00, 0x00,             //   BlockInfo
  0x00, 0x2a,             //   VendorID: Siemens
  0x0a, 0x01,             //   DeviceID
  0x02, 0x04, 0x00, 0x04, // block Device/DeviceRole, length 4
  0x00, 0x00,             //   BlockInfo
  0x01, 0x00,             //   role IO-Device, reserved
  0x01, 0x02, 0x00, 0x0e, // block IP/IP parameter, length 14
  0x00, 0x01,             //   BlockInfo: IP set
  192, 168, 0, 6,         //   IP address
  255, 255, 255, 0,       //   subnet mask
  192, 168, 0, 1,         //   gateway
];

/** DCP Set request: ResetToFactory (control). */
const SET_RESET = [
  0xfe, 0xfd,             // FrameID: Get/Set
  0x04,                   // ServiceID: Set
  0x00,                   // ServiceType: request
  0x00, 0x00, 0x00, 0x07, // Xid
  0x00, 0x00,             // reserved
  0x00, 0x06,             // DCPDataLength: 6
  0x05, 0x06, 0x00, 0x02, // block Control/ResetToFactory, length 2
  0x00, 0x02,             //   BlockQualifier: reset mode
];

/** DCP Set response with an error in its Control/Response block. */
const SET_REFUSED = [
  0xfe, 0xfd,             // FrameID: Get/Set
  0x04,                   // ServiceID: Set
  0x01,                   // ServiceType: response
  0x00, 0x00, 0x00, 0x07, // Xid
  0x00, 0x00,             // reserved
  0x00, 0x08,             // DCPDataLength: 8
  0x05, 0x04, 0x00, 0x03, // block Control/Response, length 3
  0x05, 0x06,             //   answered option/suboption: Control/ResetToFactory
  0x05,                   //   BlockError: SET not possible (local reasons)
  0x00,                   //   padding
];

describe('profinet consts', () => {
  it('names are total', () => {
    assert.equal(serviceName(5), 'IDENTIFY');
    assert.equal(serviceName(99), 'unknown-99');
    assert.equal(blockName(2, 2), 'DEVICE/NAME_OF_STATION');
    assert.equal(blockName(2, 99), 'DEVICE/unknown-99');
    assert.equal(blockName(0x42, 1), 'unknown-66/1');
    assert.equal(deviceRoleNames(0x03), 'IO-Device,IO-Controller');
    assert.equal(frameClass(0xfeff), FrameClass.DCP);
    assert.equal(frameClass(0x8001), FrameClass.RT_CLASS2);
    assert.equal(frameClass(0xc001), FrameClass.RT_CLASS1);
    assert.equal(frameClass(0xfc01), FrameClass.ALARM_HIGH);
  });
});

describe('profinet DCP', () => {
  it('Identify request: a discovery transaction', () => {
    const ctx = run([IDENTIFY_ALL]);
    const [tx] = ctx.transactions;
    assert.equal(tx?.fn, 'IDENTIFY');
    assert.equal(tx?.op, 'discovery');
    assert.equal(tx?.status, 'no-response');
    assert.equal(tx?.tid, 0x01000001);
    assert.equal(tx?.detail?.blocks, 'ALL/ALL');
    assert.deepEqual(ctx.identities, []);
  });

  it('Identify response: identity of the sender', () => {
    const ctx = run([IDENTIFY_RESPONSE]);
    assert.deepEqual(ctx.anomalies, []);
    assert.equal(ctx.identities[0]?.about, 'client');
    assert.deepEqual(ctx.facts, [
      'model=INC',
      'device_name=X208-BORD',
      'profinet_vendor_id=0x002a',
      'profinet_device_id=0x0a01',
      'vendor=Siemens',
      'profinet_role=IO-Device',
      'ip_address=192.168.0.6',
      'subnet_mask=255.255.255.0',
      'gateway=192.168.0.1',
      'profinet_ip_info=IP_SET',
    ]);
    assert.equal(ctx.transactions[0]?.status, 'ok');
  });

  it('a repeated identical answer is not re-emitted as identity', () => {
    const ctx = run([IDENTIFY_RESPONSE, IDENTIFY_RESPONSE]);
    assert.equal(ctx.identities.length, 1);
    assert.equal(ctx.transactions.length, 2);
  });

  it('Set ResetToFactory is control; a refused Set answer is an exception', () => {
    const ctx = run([SET_RESET, SET_REFUSED]);
    const [req, resp] = ctx.transactions;
    assert.equal(req?.fn, 'SET');
    assert.equal(req?.op, 'control');
    assert.equal(resp?.status, 'exception');
    assert.equal(resp?.exception, 'SET_NOT_POSSIBLE_LOCAL_REASONS');
    assert.equal(resp?.detail?.failedBlock, 'CONTROL/RESET_TO_FACTORY');
  });

  it('a Set names its target only when the destination MAC is known', () => {
    const set = [
      0xfe, 0xfd, 0x04, 0x00, 0, 0, 0, 9, 0, 0, // Set request header
      0x00, 0x0c,                               // DCPDataLength: 12
      0x02, 0x02, 0x00, 0x07,                   // block Device/NameOfStation, length 7
      0x00, 0x01,                               //   BlockQualifier: permanent
      ...ascii('plc-1'),                        //   new NameOfStation
      0x00,                                     //   padding
    ];
    assert.equal(run([set]).identities.length, 0);
    class WithDst extends FakeContext {
      readonly l2DstMac = 0x001b1b020304;
    }
    const ctx = run([set], new WithDst(FLOW));
    assert.deepEqual(ctx.identities[0]?.about, { mac: 0x001b1b020304 });
    assert.deepEqual(ctx.facts, ['device_name=plc-1']);
    assert.equal(ctx.transactions[0]?.detail?.qualifier, 'permanent');
    assert.equal(ctx.transactions[0]?.detail?.deviceName, 'plc-1');
  });

  it('RT cyclic frames are counted and summarised at the end', () => {
    const rt = [0x80, 0x01, 0, 0, 0, 0];
    const ctx = run([rt, rt, rt, [0xfc, 0x01, 0, 0]]);
    const names = ctx.transactions.map((t) => `${t.fn}:${t.quantity}`);
    assert.deepEqual(names, ['RT_CLASS2_CYCLIC:3', 'ALARM_HIGH:1']);
  });

  it('malformed: truncated header, block past the data, length beyond the frame', () => {
    assert.deepEqual(run([[0xfe]]).anomalies.map((a) => a.code), ['profinet-frame-truncated']);
    assert.deepEqual(run([IDENTIFY_ALL.slice(0, 8)]).anomalies.map((a) => a.code), ['profinet-dcp-header-truncated']);
    const long = [...IDENTIFY_ALL];
    long[11] = 0x40; // DCPDataLength 64 > 4 bytes present
    assert.deepEqual(run([long]).anomalies.map((a) => a.code), ['profinet-dcp-length-exceeds-frame']);
    const bad = [...IDENTIFY_RESPONSE];
    bad[15] = 0x7f; // first block claims 127 bytes
    const ctx = run([bad]);
    assert.deepEqual(ctx.anomalies.map((a) => a.code), ['profinet-dcp-block-truncated']);
    assert.equal(ctx.transactions.length, 1);
    const wrong = [...IDENTIFY_ALL];
    wrong[2] = 0x04; // Set on the Identify frame id
    assert.deepEqual(run([wrong]).anomalies.map((a) => a.code), ['profinet-dcp-service-frame-mismatch']);
  });

  it('parseDcpHeader reads the Xid as unsigned', () => {
    const h = newDcpHeader();
    const b = Uint8Array.from([0xfe, 0xfe, 5, 0, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0]);
    assert.equal(parseDcpHeader(b, 0, b.length, h), null);
    assert.equal(h.xid, 0xffffffff);
  });

  it('fuzz: random and mutated frames never throw', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const ctx = new FakeContext(FLOW);
    const s = profinetDissector.newState(FLOW);
    const seeds = [IDENTIFY_ALL, IDENTIFY_RESPONSE, SET_RESET, SET_REFUSED];
    for (let i = 0; i < 5000; i++) {
      const base = seeds[i % seeds.length] as number[];
      const f = i % 3 === 0 ? Array.from({ length: rnd() % 80 }, () => rnd() & 0xff) : base.map((b) => (rnd() % 10 === 0 ? rnd() & 0xff : b));
      const n = profinetDissector.parse(s, Uint8Array.from(f), 0, f.length, ctx as DissectContext);
      assert.ok(n >= 0 && n <= f.length);
    }
    profinetDissector.onEnd?.(s, ctx);
  });
});
