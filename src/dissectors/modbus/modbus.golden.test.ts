import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { collectObservations } from '../../engine/collect.js';
import type { IdentityObservation, Observation, TransactionObservation } from '../../observations/observation.js';
import { corpusPath, hasCorpus, repoRoot } from '../../testing/corpus.js';
import {
  type BaselineTx,
  baseFn,
  compareMessages,
  compareTransactions,
  fromIcsnppAux,
  fromIcsnppDetailed,
  fromZeekModbusLog,
  goldenLines,
  normName,
  parseZeekLog,
  parseZeekMessages,
  unescapeZeek,
  zeekList,
} from './modbus.golden.js';
import { parseDeviceIdResponse } from './modbus.parse.js';

/**
 * Golden tests: our Modbus transactions against the logs Zeek and CISA ICSNPP are expected to
 * write for the same traces (../shared/corpus), and against our own reviewed JSON-lines
 * baselines in ./golden (`UPDATE_GOLDEN=1` rewrites them).
 */

const ICSNPP = ['icsnpp', 'icsnpp-modbus', 'testing'];
const ICSNPP_BASE = [...ICSNPP, 'baseline', 'analyzer.basic'];
const ZEEK_TRACES = ['zeek-btest', 'testing', 'btest', 'Traces', 'modbus'];
const ZEEK_BASE = ['zeek-btest', 'testing', 'btest', 'Baseline'];

const runs = new Map<string, Promise<Observation[]>>();
/** Observations of a corpus trace, computed once per test run. */
function observe(...parts: string[]): Promise<Observation[]> {
  const path = corpusPath(...parts);
  let p = runs.get(path);
  if (!p) {
    p = collectObservations(path).then((r) => r.observations);
    runs.set(path, p);
  }
  return p;
}
function baseline(...parts: string[]): string {
  return readFileSync(corpusPath(...parts), 'utf8');
}
function report(what: string, r: { matched: number; total: number; mismatches: string[] }): void {
  console.log(`[modbus golden] ${what}: ${r.matched}/${r.total} baseline rows matched`);
  for (const m of r.mismatches) console.log(`  - ${m}`);
}
function skipWithoutCorpus(t: TestContext): boolean {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
}
const txs = (obs: Observation[]) => obs.filter((o): o is TransactionObservation => o.kind === 'transaction');
const ids = (obs: Observation[]) => obs.filter((o): o is IdentityObservation => o.kind === 'asset.identity');
const anomalyCodes = (obs: Observation[]) => obs.filter((o) => o.kind === 'anomaly').map((o) => o.code);

describe('modbus golden: Zeek log parsing and comparison (hand-made rows)', () => {
  const text = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tmodbus',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttid\tunit\tfunc\tpdu_type\texception',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tcount\tstring\tstring\tstring',
    'X\tC1\t10.0.0.1\t1000\t10.0.0.2\t502\t1\t5\tREAD_COILS\tREQ\t-',
    'X\tC1\t10.0.0.1\t1000\t10.0.0.2\t502\t1\t5\tREAD_COILS\tRESP\t-',
    'X\tC1\t10.0.0.1\t1000\t10.0.0.2\t502\t2\t5\tREAD_HOLDING_REGISTERS\tREQ\t-',
    'X\tC1\t10.0.0.1\t1000\t10.0.0.2\t502\t2\t5\tREAD_HOLDING_REGISTERS_EXCEPTION\tRESP\tILLEGAL_DATA_ADDRESS',
    'X\tC1\t10.0.0.1\t1000\t10.0.0.2\t502\t3\t5\tWRITE_SINGLE_COIL\tREQ\t-',
    'X\tC1\t10.0.0.1\t1000\t10.0.0.2\t502\t9\t5\tunknown-156\tRESP\tILLEGAL_FUNCTION',
    '#close\tX',
  ].join('\n');
  const tx = (
    tid: number,
    fn: string,
    fnCode: number,
    status: TransactionObservation['status'],
    exception?: string,
  ) => {
    const t: TransactionObservation = {
      kind: 'transaction',
      ts: tid,
      flowId: 1,
      protocol: 'modbus',
      op: 'read',
      fn,
      fnCode,
      status,
      tid,
      unit: 5,
    };
    if (exception) t.exception = exception;
    return t;
  };

  it('parses headers, unset and empty fields, escapes and sets', () => {
    const log = parseZeekLog(text);
    assert.equal(log.path, 'modbus');
    assert.equal(log.separator, '\t');
    assert.equal(log.fields.length, 11);
    assert.equal(log.rows.length, 6);
    assert.equal(log.rows[0]?.exception, null);
    assert.equal(log.rows[3]?.func, 'READ_HOLDING_REGISTERS_EXCEPTION');
    assert.equal(unescapeZeek('\\x01\\x00M'), '\x01\x00M');
    const headerless = parseZeekLog('X\tC1\ta\t1\tb\t502\tREAD_COILS\t(empty)\n', [
      'ts',
      'uid',
      'id.orig_h',
      'id.orig_p',
      'id.resp_h',
      'id.resp_p',
      'func',
      'exception',
    ]);
    assert.equal(headerless.rows[0]?.func, 'READ_COILS');
    assert.equal(headerless.rows[0]?.exception, '');
    assert.deepEqual(zeekList(log, '1,0,1'), ['1', '0', '1']);
    assert.equal(normName('Return Diagnostic Register'), 'RETURN_DIAGNOSTIC_REGISTER');
    assert.equal(baseFn('unknown-156'), 'unknown-28');
  });

  it('pairs REQ/RESP rows into transactions', () => {
    const rows = fromZeekModbusLog(parseZeekLog(text));
    assert.deepEqual(
      rows.map((r) => [r.expect.tid, r.expect.fn, r.expect.status, r.expect.exception]),
      [
        [1, 'READ_COILS', 'ok', undefined],
        [2, 'READ_HOLDING_REGISTERS', 'exception', 'ILLEGAL_DATA_ADDRESS'],
        [3, 'WRITE_SINGLE_COIL', 'no-response', undefined],
        [9, 'unknown-28', 'unsolicited', 'ILLEGAL_FUNCTION'],
      ],
    );
  });

  it('matches transactions and reports each disagreement', () => {
    const rows = fromZeekModbusLog(parseZeekLog(text));
    const good: Observation[] = [
      tx(1, 'READ_COILS', 1, 'ok'),
      tx(2, 'READ_HOLDING_REGISTERS', 3, 'exception', 'ILLEGAL_DATA_ADDRESS'),
      tx(3, 'WRITE_SINGLE_COIL', 5, 'no-response'),
      tx(9, 'unknown-28', 28, 'unsolicited', 'ILLEGAL_FUNCTION'),
    ];
    const ok = compareTransactions(good, rows);
    assert.deepEqual([ok.matched, ok.total, ok.mismatches, ok.extra], [4, 4, [], 0]);
    const bad: Observation[] = [
      tx(1, 'READ_COILS', 1, 'ok'),
      tx(2, 'READ_HOLDING_REGISTERS', 3, 'exception', 'ILLEGAL_DATA_VALUE'),
      tx(9, 'unknown-28', 28, 'unsolicited', 'ILLEGAL_FUNCTION'),
    ];
    const r = compareTransactions(bad, rows);
    assert.equal(r.matched, 2);
    assert.equal(r.mismatches.length, 2);
    assert.match(r.mismatches[0] as string, /exception: expected ILLEGAL_DATA_ADDRESS, got ILLEGAL_DATA_VALUE/);
    assert.match(r.mismatches[1] as string, /no transaction WRITE_SINGLE_COIL tid 3/);
    const allowed = compareTransactions(bad, rows, (b: BaselineTx, f) => b.expect.tid === 2 && f === 'exception');
    assert.equal(allowed.matched, 3);
  });

  it('counts PDUs of a Zeek event dump', () => {
    const dump = [
      '2 modbus_message, [orig_h=10.0.0.1, orig_p=1000/tcp, resp_h=10.0.0.2, resp_p=502/tcp, proto=6, ctx=[]], [tid=1, pid=0, uid=5, function_code=1, len=6], T',
      '1 modbus_message, [orig_h=10.0.0.1, orig_p=1000/tcp, resp_h=10.0.0.2, resp_p=502/tcp, proto=6, ctx=[]], [tid=1, pid=0, uid=5, function_code=1, len=4], F',
      '1 modbus_read_coils_request, [orig_h=10.0.0.1, orig_p=1000/tcp, resp_h=10.0.0.2, resp_p=502/tcp, proto=6, ctx=[]], [tid=1, pid=0, uid=5, function_code=1, len=6], 0, 1',
    ].join('\n');
    const msgs = parseZeekMessages(dump);
    assert.equal(msgs.length, 2);
    const r = compareMessages([tx(1, 'READ_COILS', 1, 'ok'), tx(2, 'READ_COILS', 1, 'no-response')], msgs);
    assert.deepEqual([r.matched, r.total, r.mismatches], [3, 3, []]);
    const short = compareMessages([tx(1, 'READ_COILS', 1, 'ok')], msgs);
    assert.equal(short.matched, 2);
    assert.match(short.mismatches[0] as string, /req unit 5 READ_COILS \(1\): expected 2, got 1/);
  });
});

describe('modbus golden: ICSNPP modbus_example.pcap', () => {
  const trace = [...ICSNPP, 'traces', 'modbus_example.pcap'];

  it('matches modbus_detailed.log', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...trace);
    const rows = fromIcsnppDetailed(parseZeekLog(baseline(...ICSNPP_BASE, 'modbus_detailed.log')));
    // Deliberate disagreements:
    // - READ_FILE_RECORD / WRITE_FILE_RECORD: ICSNPP logs quantity 0 and no address for a request
    //   with byte count 0; we agree on quantity (0 sub-requests) and also have no address.
    // - 23 READ_WRITE_MULTIPLE_REGISTERS: ICSNPP leaves address/quantity unset here and logs
    //   them in modbus_read_write_multiple_registers.log; we carry the read address/quantity.
    // Nothing needs an exception today: every defined column matches.
    const r = compareTransactions(obs, rows);
    report('icsnpp modbus_detailed.log', r);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.matched, r.total);
    // 26 rows; 07 and 17 are logged once per direction by ICSNPP and collapse into one each.
    assert.equal(r.total, 24);
  });

  it('matches modbus.log (responses only, tid/unit/pdu_type cut by the test)', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...trace);
    const fields = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'func', 'exception'];
    const rows = fromZeekModbusLog(parseZeekLog(baseline(...ICSNPP_BASE, 'modbus.log'), fields));
    const r = compareTransactions(obs, rows);
    report('icsnpp modbus.log', r);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.total, 24);
  });

  it('matches the mask-write and read/write-multiple logs', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...trace);
    for (const name of ['modbus_mask_write_register.log', 'modbus_read_write_multiple_registers.log']) {
      const rows = fromIcsnppAux(parseZeekLog(baseline(...ICSNPP_BASE, name)), name);
      const r = compareTransactions(obs, rows);
      report(`icsnpp ${name}`, r);
      assert.deepEqual(r.mismatches, []);
      assert.equal(r.total, 2);
    }
  });

  it('reads the 43/14 device identification and 17 server id', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...trace);
    // ICSNPP's modbus_read_device_identification.log is not kept by its test (MANIFEST: the
    // test seds its link away), so the objects are checked against the trace bytes (frame 94,
    // also how Wireshark decodes it): 3 objects, conformity 0x83.
    const identities = ids(obs);
    const devid = identities.find((o) => o.facts.some((f) => f.source.startsWith('modbus.43/14')));
    assert.deepEqual(devid?.facts, [
      { field: 'vendor', value: 'Zeek Modbus Test', source: 'modbus.43/14.VendorName' },
      { field: 'product_code', value: 'Protocol Parsing is fun!', source: 'modbus.43/14.ProductCode' },
      { field: 'firmware', value: '1.2.3.6', source: 'modbus.43/14.MajorMinorRevision' },
    ]);
    const sid = identities.find((o) => o.facts.some((f) => f.field === 'modbus_server_id'));
    // This server answers 17 with text and the run indicator last (see parseServerIdResponse).
    assert.equal(sid?.facts.find((f) => f.field === 'run_indicator')?.value, 'on');
    assert.equal(
      Buffer.from(sid?.facts[0]?.value ?? '', 'hex').toString('latin1'),
      'Zeek Modbus Test-Protocol Parsing is fun!-1.2.3.6',
    );
  });
});

describe('modbus golden: Zeek btest traces', () => {
  it('modbus_and_non_modbus_on_port_502: Modbus flow decoded, the others rejected', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...ZEEK_TRACES, 'modbus-and-non-modbus-p502.pcap');
    const dir = [...ZEEK_BASE, 'scripts.base.protocols.modbus.modbus_and_non_modbus_on_port_502'];
    const r = compareTransactions(obs, fromZeekModbusLog(parseZeekLog(baseline(...dir, 'modbus.log'))));
    report('zeek modbus_and_non_modbus_on_port_502 modbus.log', r);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.matched, 6);
    const debug = parseZeekLog(baseline(...dir, 'analyzer_debug.log'));
    const zeekViolations = debug.rows.filter((row) => row.cause === 'violation' && row.analyzer_name === 'MODBUS');
    const ours = obs.filter((o) => o.kind === 'anomaly' && o.code === 'modbus-protocol-violation');
    console.log(`[modbus golden] violations: zeek ${zeekViolations.length}, ours ${ours.length}`);
    // Zeek does not analyse the 198.74.56.135 connection seen without its handshake (conn
    // history "Dr"); we do, and reject it too. So we have one violation more.
    assert.equal(zeekViolations.length, 5);
    assert.equal(ours.length, 6);
  });

  it('register_parsing (fuzz-1011.pcap)', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...ZEEK_TRACES, 'fuzz-1011.pcap');
    const dir = [...ZEEK_BASE, 'scripts.base.protocols.modbus.register_parsing'];
    const r = compareTransactions(obs, fromZeekModbusLog(parseZeekLog(baseline(...dir, 'modbus.log'))));
    report('zeek register_parsing modbus.log', r);
    // The response with tid 6714 sits below the stream's sequence number (a fuzzed, rewound
    // segment); Zeek parses it, our TCP reassembly drops it as already-seen data. Not a Modbus
    // parsing difference, so we require the other 4 rows and allow this one.
    assert.ok(r.matched >= 4, `matched ${r.matched}`);
    for (const m of r.mismatches) assert.match(m, /tid 6714/);
  });

  it('exception_handling (fuzz-72.pcap)', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...ZEEK_TRACES, 'fuzz-72.pcap');
    const dir = [...ZEEK_BASE, 'scripts.base.protocols.modbus.exception_handling'];
    const r = compareTransactions(obs, fromZeekModbusLog(parseZeekLog(baseline(...dir, 'modbus.log'))));
    report('zeek exception_handling modbus.log', r);
    if (r.matched < r.total) {
      // The trace's first segment carries SYN+FIN and the sequence numbers jump around
      // (fuzzed); our TCP reassembly hands the dissector none or part of the stream, while
      // Zeek parses packet by packet. A reassembly question, tracked for the pipeline.
      t.todo(`reassembly delivers ${r.matched}/${r.total} rows`);
      return;
    }
    assert.deepEqual(r.mismatches, []);
  });

  it('events: 43/14 on modbus-eit.pcap', async (t) => {
    if (skipWithoutCorpus(t)) return;
    const obs = await observe(...ZEEK_TRACES, 'modbus-eit.pcap');
    const dump = baseline(...ZEEK_BASE, 'scripts.base.protocols.modbus.events', 'compressed-output');
    // The dump mixes two traces (modbus.pcap is not in the corpus): keep this trace's client.
    const r = compareMessages(obs, parseZeekMessages(dump), (key) => key.startsWith('192.168.2.42:'));
    report('zeek events modbus_message (modbus-eit)', r);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.total, 4);
    const [first, second] = txs(obs);
    assert.equal(first?.detail?.readCode, 1);
    assert.equal(first?.detail?.objectId, 0);
    assert.equal(second?.exception, 'SLAVE_DEVICE_FAILURE');
    // Zeek hands the script the raw response data `\x01\x00M\xb7\x00\x00\x00\x00\x00`: read code
    // 1, conformity 0x00 (invalid), more follows 0x4D (invalid), 0 objects. We flag it and
    // assert no identity.
    const line = dump.split('\n').find((l) => l.includes('encap_interface_transport_response')) ?? '';
    const data = unescapeZeek(line.slice(line.lastIndexOf(', ') + 2));
    const pdu = Uint8Array.from([0x2b, 0x0e, ...[...data].map((c) => c.charCodeAt(0))]);
    assert.equal(parseDeviceIdResponse(pdu, 0, pdu.length).error, 'modbus-devid-bad-conformity');
    assert.ok(anomalyCodes(obs).includes('modbus-devid-bad-conformity'));
    assert.equal(ids(obs).length, 0);
  });

  for (const [test, trace] of [
    ['coil_parsing_small', 'modbusSmall.pcap'],
    ['coil_parsing_big', 'modbusBig.pcap'],
  ] as const) {
    it(`${test}: modbus_message counts on ${trace}`, async (t) => {
      if (skipWithoutCorpus(t)) return;
      const obs = await observe(...ZEEK_TRACES, trace);
      const dump = baseline(...ZEEK_BASE, `scripts.base.protocols.modbus.${test}`, 'output');
      const r = compareMessages(obs, parseZeekMessages(dump));
      report(`zeek ${test} modbus_message`, r);
      assert.deepEqual(r.mismatches.slice(0, 20), []);
      assert.ok(r.total > 0);
      assert.equal(r.matched, r.total);
    });
  }
});

/** Our own baselines: JSON lines of transactions and identities, reviewed like code. */
const GOLDEN_TRACES: string[][] = [
  [...ICSNPP, 'traces', 'modbus_example.pcap'],
  [...ZEEK_TRACES, 'modbus-eit.pcap'],
  [...ZEEK_TRACES, 'fuzz-1011.pcap'],
  [...ZEEK_TRACES, 'modbus-and-non-modbus-p502.pcap'],
  [...ZEEK_TRACES, '4SICS-GeekLounge-151022-min.pcap'],
  [...ZEEK_TRACES, 'modbusSmall.pcap'],
  ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 'modbus', 'mod_43.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 'ModbusTCP', 'modbus_test_data_part1.pcap'],
];

describe('modbus golden: our JSON-lines baselines', () => {
  const dir = join(repoRoot, 'src', 'dissectors', 'modbus', 'golden');
  for (const parts of GOLDEN_TRACES) {
    const name = basename(parts[parts.length - 1] as string, '.pcap');
    it(`golden/${name}.jsonl`, async (t) => {
      if (skipWithoutCorpus(t)) return;
      const lines = goldenLines(await observe(...parts));
      const file = join(dir, `${name}.jsonl`);
      const text = lines.map((l) => `${l}\n`).join('');
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, text);
        t.diagnostic(`wrote ${file}`);
        return;
      }
      assert.ok(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
      const want = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      assert.deepEqual(lines, want, `${file} differs; review and rerun with UPDATE_GOLDEN=1`);
    });
  }
});
