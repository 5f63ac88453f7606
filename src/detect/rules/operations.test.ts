import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeCapture } from '../../engine/analyze.js';
import { openStore } from '../../store/open.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import type { Detection } from '../contract.js';
import { createDetection } from '../run.js';
import { fakeContext, flow, obsEvent, tx } from '../test-support.js';
import {
  firmwareRule,
  modeChangeRule,
  OPERATION_RULES,
  programTransferRule,
  unauthorizedCommandRule,
} from './operations.js';

const LAPTOP = '10.20.100.77';
const PLC = '10.10.10.11';
const EWS = '10.10.20.5';
const HMI = '10.10.20.6';

function one(out: Detection[] | null): Detection {
  assert.ok(out && out.length === 1, 'expected one detection');
  return out[0] as Detection;
}

const ctx = () => fakeContext({ [PLC]: 'plc', [EWS]: 'engineering-workstation', [HMI]: 'hmi', '10.20.0.3': 'it-host' });

test('mode change: STOPs, starts, restarts and comm-disable across protocols fire', () => {
  const cases: [string, string, Record<string, string>, string][] = [
    ['s7comm', 'PLC Stop', { piService: 'P_PROGRAM' }, 'critical'],
    ['s7comm', 'PLC Control', { piService: 'P_PROGRAM' }, 'high'],
    ['enip', 'STOP', {}, 'critical'],
    ['enip', 'START', {}, 'high'],
    ['enip', 'RESET', { className: 'IDENTITY' }, 'high'],
    ['dnp3', 'COLD_RESTART', {}, 'high'],
    ['dnp3', 'WARM_RESTART', {}, 'high'],
    ['dnp3', 'STOP_APPL', {}, 'critical'],
    ['bacnet', 'reinitialize_device', { state: 'coldstart' }, 'high'],
    ['bacnet', 'device_communication_control', { state: 'disable' }, 'high'],
    ['modbus', 'DIAGNOSTICS', { subFunctionName: 'FORCE_LISTEN_ONLY_MODE' }, 'high'],
    ['modbus', 'DIAGNOSTICS', { subFunctionName: 'RESTART_COMMUNICATIONS_OPTION' }, 'high'],
    ['modbus', 'UMAS_STOP_PLC', {}, 'critical'],
    ['modbus', 'UMAS_START_PLC', {}, 'high'],
    ['iec104', 'C_RP_NA_1', {}, 'high'],
  ];
  for (const [protocol, fn, detail, severity] of cases) {
    const d = one(modeChangeRule.evaluate(obsEvent(tx(protocol, 'control', fn, { detail }), flow(LAPTOP, PLC)), ctx()));
    assert.equal(d.severity, severity, `${protocol} ${fn}`);
    assert.deepEqual(d.hosts, [LAPTOP, PLC]);
    assert.ok(d.attack.length > 0);
    assert.match(d.title, new RegExp(`by ${LAPTOP.replace(/\./g, '\\.')}`));
  }
  const stop = one(modeChangeRule.evaluate(obsEvent(tx('s7comm', 'control', 'PLC Stop'), flow(LAPTOP, PLC)), ctx()));
  assert.match(stop.title, /put into STOP/);
  assert.deepEqual(stop.attack.slice(0, 1), ['T0858']);
});

test('mode change: a known engineering workstation lowers the severity; refused requests say "Attempt"', () => {
  const d = one(modeChangeRule.evaluate(obsEvent(tx('s7comm', 'control', 'PLC Stop'), flow(EWS, PLC)), ctx()));
  assert.equal(d.severity, 'high');
  const listed = fakeContext({ [LAPTOP]: 'ews-listed' });
  assert.equal(
    one(modeChangeRule.evaluate(obsEvent(tx('s7comm', 'control', 'PLC Stop'), flow(LAPTOP, PLC)), listed)).severity,
    'high',
  );
  const refused = one(
    modeChangeRule.evaluate(
      obsEvent(
        tx('dnp3', 'control', 'COLD_RESTART', { status: 'exception', exception: 'NO_FUNC_CODE_SUPPORT' }),
        flow(LAPTOP, PLC),
      ),
      ctx(),
    ),
  );
  assert.match(refused.title, /^Attempt: /);
  assert.match(refused.evidence, /refused by the device \(NO_FUNC_CODE_SUPPORT\)/);
});

test('mode change must not fire: reads, writes, non-OT control, program ops', () => {
  for (const t of [
    tx('modbus', 'read', 'READ_HOLDING_REGISTERS'),
    tx('s7comm', 'write', 'Write Variable'),
    tx('modbus', 'diagnostic', 'DIAGNOSTICS', { detail: { subFunctionName: 'RETURN_QUERY_DATA' } }),
    tx('snmp', 'control', 'set'),
    tx('s7comm', 'program', 'PLC Control', { detail: { piService: '_INSE' } }),
  ]) {
    assert.equal(modeChangeRule.evaluate(obsEvent(t, flow(LAPTOP, PLC)), ctx()), null, `${t.protocol} ${t.fn}`);
  }
  assert.equal(modeChangeRule.evaluate({ kind: 'end', ts: 1 }, ctx()), null);
});

test('program transfer: download, upload, delete with severity by who did it', () => {
  const dl = tx('s7comm', 'program', 'Request Download', { detail: { blockType: 'OB', blockNumber: 1 } });
  assert.equal(one(programTransferRule.evaluate(obsEvent(dl, flow(EWS, PLC)), ctx())).severity, 'medium');
  assert.equal(one(programTransferRule.evaluate(obsEvent(dl, flow(LAPTOP, PLC)), ctx())).severity, 'high');
  const fromIt = one(programTransferRule.evaluate(obsEvent(dl, flow('10.20.0.3', PLC)), ctx()));
  assert.equal(fromIt.severity, 'critical');
  assert.deepEqual(fromIt.attack, ['T0843', 'T0821']);
  assert.match(fromIt.key, /:download$/);
  const up = one(
    programTransferRule.evaluate(obsEvent(tx('modbus', 'program', 'UMAS_UPLOAD_BLOCK'), flow(LAPTOP, PLC)), ctx()),
  );
  assert.deepEqual([up.severity, up.attack[0]], ['medium', 'T0845']);
  assert.match(up.title, /Program read from/);
  const del = one(
    programTransferRule.evaluate(
      obsEvent(tx('s7comm', 'program', 'PLC Control', { detail: { piService: '_DELE' } }), flow(EWS, PLC)),
      ctx(),
    ),
  );
  assert.deepEqual([del.severity, del.attack[0]], ['high', 'T0809']);
  assert.equal(
    programTransferRule.evaluate(obsEvent(tx('s7comm', 'read', 'Read Variable'), flow(LAPTOP, PLC)), ctx()),
    null,
  );
  assert.equal(
    programTransferRule.evaluate(obsEvent(tx('s7comm', 'control', 'PLC Stop'), flow(LAPTOP, PLC)), ctx()),
    null,
  );
});

test('firmware: real firmware replacement is critical from a non-engineering host; file transfers medium', () => {
  const fw = one(
    firmwareRule.evaluate(
      obsEvent(tx('enip', 'firmware', 'WRITE_DATA', { detail: { classId: 0xa1 } }), flow(LAPTOP, PLC)),
      ctx(),
    ),
  );
  assert.equal(fw.severity, 'critical');
  assert.deepEqual(fw.attack, ['T0857', 'T0839']);
  const file = one(firmwareRule.evaluate(obsEvent(tx('dnp3', 'firmware', 'OPEN_FILE'), flow(EWS, PLC)), ctx()));
  assert.equal(file.severity, 'low');
  assert.equal(firmwareRule.evaluate(obsEvent(tx('dnp3', 'read', 'READ'), flow(EWS, PLC)), ctx()), null);
});

test('unauthorized command: HMI and EWS writes are normal; program/control from non-EWS fire', () => {
  const w = tx('modbus', 'write', 'WRITE_SINGLE_REGISTER');
  assert.equal(unauthorizedCommandRule.evaluate(obsEvent(w, flow(HMI, PLC)), ctx()), null, 'HMIs write setpoints');
  assert.equal(unauthorizedCommandRule.evaluate(obsEvent(w, flow(EWS, PLC)), ctx()), null);
  assert.equal(one(unauthorizedCommandRule.evaluate(obsEvent(w, flow('10.20.0.3', PLC)), ctx())).severity, 'high');
  assert.equal(
    unauthorizedCommandRule.evaluate(obsEvent(w, flow(LAPTOP, PLC)), ctx()),
    null,
    'never seen: baseline rules',
  );
  assert.equal(
    unauthorizedCommandRule.evaluate(obsEvent(w, flow(PLC, '10.10.10.12')), ctx()),
    null,
    'controllers write to their remote I/O and peers',
  );
  assert.equal(
    one(
      unauthorizedCommandRule.evaluate(obsEvent(tx('s7comm', 'control', 'PLC Stop'), flow(PLC, '10.10.10.12')), ctx()),
    ).ruleId,
    'ops.unauthorized-command',
    'but a controller stopping another one still alerts',
  );
  const stopFromHmi = one(
    unauthorizedCommandRule.evaluate(obsEvent(tx('s7comm', 'control', 'PLC Stop'), flow(HMI, PLC)), ctx()),
  );
  assert.equal(stopFromHmi.severity, 'high');
  assert.deepEqual(stopFromHmi.attack, ['T0855', 'T0858']);
  assert.equal(
    unauthorizedCommandRule.evaluate(obsEvent(tx('s7comm', 'program', 'Download Block'), flow(EWS, PLC)), ctx()),
    null,
    'engineering workstations program',
  );
  assert.equal(
    unauthorizedCommandRule.evaluate(obsEvent(tx('modbus', 'read', 'READ_COILS'), flow(LAPTOP, PLC)), ctx()),
    null,
  );
  assert.equal(
    unauthorizedCommandRule.evaluate(obsEvent(tx('http', 'write', 'POST'), flow(LAPTOP, PLC)), ctx()),
    null,
    'not OT',
  );
});

test('every ATT&CK id the operation rules use exists in MITRE ATT&CK for ICS', (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const doc = JSON.parse(readFileSync(corpusPath('frameworks', 'mitre-attack-ics', 'ics-attack.json'), 'utf8')) as {
    objects: {
      type: string;
      revoked?: boolean;
      external_references?: { source_name: string; external_id?: string }[];
    }[];
  };
  const ids = new Set<string>();
  for (const o of doc.objects) {
    if (o.type !== 'attack-pattern' || o.revoked) continue;
    for (const r of o.external_references ?? [])
      if (r.source_name === 'mitre-attack' && r.external_id) ids.add(r.external_id);
  }
  const used = new Set(OPERATION_RULES.flatMap((r) => r.attack));
  for (const id of [
    'T0858',
    'T0816',
    'T0881',
    'T0814',
    'T0803',
    'T0804',
    'T0843',
    'T0845',
    'T0809',
    'T0821',
    'T0857',
    'T0839',
    'T0855',
    'T0836',
  ])
    used.add(id);
  for (const id of used) assert.ok(ids.has(id), `${id} is an ATT&CK for ICS technique`);
});

/** Real traces through analyzeCapture with the detection hooks (fresh in-memory store, no baseline). */
async function alertsOf(rel: string): Promise<{ ruleId: string; severity: string; title: string; count: number }[]> {
  const store = await openStore(':memory:');
  try {
    const det = await createDetection(store, { baseline: false });
    const o = await analyzeCapture(corpusPath('pcaps', ...rel.split('/')), det.hooks);
    await store.mergeSnapshot(o.snapshot);
    return (await det.finish()).list;
  } finally {
    await store.close();
  }
}

test('real traces: S7 stop/start, S7 download, CIP stop/start, DNP3 restarts, EtherNet/IP firmware', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const has = (list: Awaited<ReturnType<typeof alertsOf>>, rule: string, severity: string, title: RegExp) =>
    assert.ok(
      list.some((a) => a.ruleId === rule && a.severity === severity && title.test(a.title)),
      `${rule} ${severity} ${title}: ${JSON.stringify(list.map((a) => [a.ruleId, a.severity, a.title]))}`,
    );
  const stop = await alertsOf('iti-ics-security-tools/pcaps/s7/snap7_s300_stop.pcapng');
  has(stop, 'ops.mode-change', 'critical', /put into STOP by 134\.249\.62\.206/);
  const attack = await alertsOf('liushiwen555-testing_tools/pcaps/ICS/s7/s7_attack.pcap');
  has(attack, 'ops.mode-change', 'critical', /STOP/);
  has(attack, 'ops.mode-change', 'high', /started \(RUN\)/);
  assert.equal(attack.find((a) => /STOP/.test(a.title))?.count, 4, 'four STOPs, one alert');
  const dl = await alertsOf('iti-ics-security-tools/pcaps/s7/s7comm_downloading_block_db1.pcap');
  has(dl, 'ops.program-transfer', 'high', /Program changed on 192\.168\.1\.40/);
  has(
    await alertsOf('iti-ics-security-tools/pcaps/EthernetIP/cip_stop_plc.pcap'),
    'ops.mode-change',
    'critical',
    /CIP Stop/,
  );
  has(
    await alertsOf('iti-ics-security-tools/pcaps/EthernetIP/cip_start_plc.pcap'),
    'ops.mode-change',
    'high',
    /CIP Start/,
  );
  has(
    await alertsOf('iti-ics-security-tools/pcaps/dnp3/cold_restart_and_response.pcap'),
    'ops.mode-change',
    'high',
    /cold restart/,
  );
  has(
    await alertsOf('iti-ics-security-tools/pcaps/dnp3/warm_restart_and_response.pcap'),
    'ops.mode-change',
    'high',
    /warm restart/,
  );
  const fw = await alertsOf('iti-ics-security-tools/pcaps/openics/EIP-FirmwareChangeFailure.pcap');
  has(fw, 'ops.firmware', 'critical', /Firmware update on 192\.168\.10\.120/);
  assert.equal(fw.filter((a) => a.ruleId === 'ops.firmware').length, 1, 'thousands of transfer requests, one alert');
});

test('must not fire on plain polling traces', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const store = await openStore(':memory:');
  try {
    const det = await createDetection(store, { baseline: false });
    const o = await analyzeCapture(
      corpusPath('icsnpp', 'icsnpp-modbus', 'testing', 'traces', 'modbus_example.pcap'),
      det.hooks,
    );
    await store.mergeSnapshot(o.snapshot);
    const list = (await det.finish()).list.filter((a) => a.ruleId.startsWith('ops.'));
    assert.ok(
      list.every((a) => a.severity === 'low' || a.severity === 'info'),
      JSON.stringify(list.map((a) => [a.severity, a.title])),
    );
  } finally {
    await store.close();
  }
});
