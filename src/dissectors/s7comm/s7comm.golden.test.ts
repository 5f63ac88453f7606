import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { IdentityObservation, Observation } from '../../observations/observation.js';
import { hasCorpus, repoRoot } from '../../testing/corpus.js';
import { checkGolden } from '../../testing/golden.js';
import { compareAll, goldenLines, goldenScores, ICSNPP, observe } from './s7comm.golden.js';

/**
 * Golden tests: our S7comm / S7comm-plus observations against the logs CISA ICSNPP's s7comm
 * tests expect (../shared/corpus/icsnpp/icsnpp-s7comm), identity checks on the ITI and
 * liushiwen555 traces, and our own reviewed JSON-lines baselines in ./golden
 * (`UPDATE_GOLDEN=1` rewrites them).
 *
 * Where we differ from ICSNPP, on purpose:
 * - PDU reference: ICSNPP reads it little-endian; the field is big-endian (Wireshark agrees
 *   with us: s7ident.pcap frame 11 is "Protocol Data Unit Reference: 256"). Compared swapped.
 * - ROSCTR 2 (ACK without data, e.g. Start Upload refused with 0xD241 "protection of data
 *   with password") is not logged by ICSNPP; we report it as the answer, status 'exception'.
 * - snap7.pcap: the SZL 0x001C answer comes in two userdata PDUs (more-follows, then a
 *   follow-up request with PDU ref 3). ICSNPP logs neither the first answer nor the follow-up
 *   request; we report both (2 extra rows) and reassemble the list (serial, memory card).
 * - cotp.log DT rows (one per COTP DT TPDU) are not observations of ours; we compare CR/CC.
 */

const SRC = join(repoRoot, 'src', 'dissectors', 's7comm', 'golden');
const skip = (t: TestContext) => {
  if (!hasCorpus) t.skip('corpus not present (../shared/corpus)');
  return !hasCorpus;
};
const facts = (obs: Observation[]) =>
  obs
    .filter((o): o is IdentityObservation => o.kind === 'asset.identity')
    .flatMap((i) => i.facts.map((f) => `${f.field}=${f.value}`));

describe('s7comm golden: ICSNPP baselines', () => {
  it('matches every ICSNPP row we compare', async (t) => {
    if (skip(t)) return;
    const all = await compareAll();
    for (const { name, r } of all) {
      console.log(
        `[s7comm golden] ${name}: ${r.matched}/${r.total} baseline rows matched (${r.extra.length} extra of ours)`,
      );
      assert.deepEqual(r.missing, [], name);
      assert.equal(r.matched, r.total, name);
      if (name.includes('snap7/s7comm.log'))
        assert.equal(r.extra.length, 2, 'the two rows of the fragmented SZL answer');
      else assert.deepEqual(r.extra, [], name);
    }
    const names = all.map((a) => a.name);
    assert.ok(names.includes('analyzer.s7ident/s7comm_known_devices.log'));
  });

  it('s7comm_known_devices.log: exact identity of the snap7 server', async (t) => {
    if (skip(t)) return;
    const f = facts(await observe(...ICSNPP, 'traces', 's7ident.pcap'));
    for (const want of ['device_name=SNAP7-SERVER', 'module_name=CPU 315-2 PN/DP', 'serial=S C-C2UR28922012']) {
      assert.ok(f.includes(want), want);
    }
    assert.ok(!f.some((x) => x.startsWith('plant_id=')), 'the empty plant name is not a fact');
  });

  it('exports scores for the summary', async (t) => {
    if (skip(t)) return;
    const s = await goldenScores();
    assert.ok(s.length >= 8);
    assert.ok(s.every((x) => x.matched === x.total));
  });
});

/** Identity ground truth from the traces (order numbers and firmware in the SZL/session answers). */
const IDENTITY: [string[], string[]][] = [
  [
    ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 's7comm_reading_plc_status.pcap'],
    [
      'order_number=6ES7 151-8AB01-0AB0',
      'firmware=V3.2.6',
      'device_name=IM151-8-CPU',
      'serial=S C-C6TW74882012',
      'cpu_mode=run',
    ],
  ],
  [
    ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 'snap7_s300_everything.pcapng'],
    ['order_number=6ES7 315-2EH14-0AB0', 'firmware=V3.2.7', 'serial=S C-B1U393142011'],
  ],
  [
    ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 'S7-1200-Uploading-OB1-TIAV12.pcap'],
    ['order_number=6ES7 214-1HE30-0XB0', 'firmware=V2.2', 's7_client_type=ES'],
  ],
  [
    ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 's7-1200-hmi.pcap'],
    ['order_number=6ES7 211-1BE31-0XB0', 'firmware=V3.0', 's7_client_type=HMI'],
  ],
  [
    ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 'S7-1511-opc-request-all-types.pcap'],
    ['order_number=6ES7 511-1AK00-0AB0', 'firmware=V1.0'],
  ],
  [
    ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 's7', 's7_all.pcap'],
    ['order_number=6ES7 315-2EH14-0AB0', 'firmware=V3.2.14', 'serial=S C-JNS406642017'],
  ],
];

describe('s7comm golden: identities of real CPUs', () => {
  for (const [parts, want] of IDENTITY) {
    it(basename(parts.at(-1) as string), async (t) => {
      if (skip(t)) return;
      const f = facts(await observe(...parts));
      for (const w of want) assert.ok(f.includes(w), `${w} in ${f.join(', ')}`);
    });
  }

  it('s7_attack.pcap: the CPU seen going to STOP and back to RUN', async (t) => {
    if (skip(t)) return;
    const obs = await observe('pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 's7', 's7_attack.pcap');
    const f = facts(obs);
    assert.ok(f.includes('cpu_mode=stop') && f.includes('cpu_mode=run'));
  });

  it('MMS on port 102 is not S7', async (t) => {
    if (skip(t)) return;
    const obs = await observe('pcaps', 'iti-ics-security-tools', 'pcaps', 'IEC61850', 'piccolo.pcap');
    assert.equal(obs.filter((o) => o.kind === 'transaction' && o.protocol.startsWith('s7comm')).length, 0);
  });
});

/** Our own reviewed baselines: small traces covering every message family. */
const OWN: string[][] = [
  [...ICSNPP, 'traces', 's7ident.pcap'],
  [...ICSNPP, 'traces', 'snap7.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 'S7-1200-Uploading-OB1-TIAV12.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 's7-1200-hmi.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 's7comm_downloading_block_db1.pcap'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 'step7_s300_copyRamToRom.pcapng'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 'snap7_s300_stop.pcapng'],
  ['pcaps', 'iti-ics-security-tools', 'pcaps', 's7', 'tia_s300_flashLed.pcapng'],
  ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 's7', 'Userdata', 's7_get_block_info.pcap'],
  ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ICS', 's7', 'func_code', 's7_download_block.pcap'],
];

describe('s7comm golden: our JSON-lines baselines', () => {
  for (const parts of OWN) {
    const name = basename(parts.at(-1) as string).replace(/\.pcap(ng)?$/, '');
    it(name, async (t) => {
      if (skip(t)) return;
      checkGolden(t, join(SRC, `${name}.jsonl`), goldenLines(await observe(...parts)));
    });
  }
});
