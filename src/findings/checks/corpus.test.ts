/**
 * End to end on real captures with logins (FTP, Telnet, HTTP Basic, SNMP, MQTT): analyse, classify,
 * build the CheckContext from the snapshot, run the checks, and assert the credential findings and
 * that no plain-text password reaches any finding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeCapture } from '../../engine/analyze.js';
import type { DefaultCredential } from '../../feeds/model.js';
import { classifyAssets } from '../../inventory/classify.js';
import { corpusPath, hasCorpus } from '../../testing/corpus.js';
import { TEST_CREDENTIAL_KEY } from '../../testing/fake-context.js';
import type { Check } from '../check.js';
import type { FindingDraft } from '../model.js';
import { CREDENTIAL_CHECKS } from './credentials.js';
import { ENCRYPTION_CHECKS } from './encryption.js';
import { EXPOSURE_CHECKS } from './exposure.js';
import { context } from './testkit.js';
import { unknownDevices } from './unknown-devices.js';

const CHECKS: readonly Check[] = [...CREDENTIAL_CHECKS, ...ENCRYPTION_CHECKS, ...EXPOSURE_CHECKS, unknownDevices];

/** The passwords in these traces (tshark), which must never appear in a finding. */
const SECRETS = ['qwerty', '123456', 'd0xa!', '[R0_C@cti!]', '1:34', '1234'];

/** A default list entry for the FTP server of cap3.cap (Realtek NIC), so vendor matching runs on real data. */
const DEFAULTS: DefaultCredential[] = [
  {
    vendor: 'Realtek',
    product: 'Test FTP',
    user: 'administrator',
    password: '123456',
    protocol: 'ftp',
    access: '',
    list: 'generic',
  },
];

async function findingsOf(parts: string[]): Promise<FindingDraft[]> {
  const o = await analyzeCapture(corpusPath(...parts), { credentialKey: TEST_CREDENTIAL_KEY });
  const { assets, links, anomalies, credentials } = o.snapshot;
  const cls = classifyAssets(assets, links);
  const classified = assets.map((a) => ({ ...a, classification: cls.get(a.key) ?? a.classification }));
  const ctx = context({ assets: classified, links, anomalies, credentials, defaultCredentials: DEFAULTS });
  const out: FindingDraft[] = [];
  for (const c of CHECKS) {
    const f = c.run(ctx);
    for (const x of f) assert.equal(x.ruleId, c.id);
    out.push(...f);
  }
  return out;
}

const Z = ['zeek-btest', 'testing', 'btest', 'Traces'];
const L = ['pcaps', 'liushiwen555-testing_tools', 'pcaps'];

/** Trace -> the credential findings expected, as 'ruleId severity'. */
const CASES: [string[], string[]][] = [
  [
    [...L, 'ftp', 'cap3.cap'],
    ['cred.cleartext medium', 'cred.default medium'],
  ],
  [[...Z, 'ftp', 'ftp-password-pass-command.pcap'], ['cred.cleartext medium']],
  [[...L, 'sip', 'sip.pcap'], ['cred.cleartext low']],
  [[...L, 'telnet', 'telnet-raw.pcap'], ['cred.cleartext medium']],
  [[...Z, 'http', 'basic-auth-with-colon.pcap'], ['cred.cleartext medium']],
  [[...Z, 'http', 'basic-auth-with-extra-space.pcap'], ['cred.cleartext medium']],
  [
    [...Z, 'snmp', 'snmpv1_get.pcap'],
    ['cred.cleartext medium', 'cred.default medium'],
  ],
  // The agent's MAC is a network maker's and it serves SNMP: a network device, so the community in the clear is high.
  [[...Z, 'snmp', 'snmpv2_get_next.pcap'], ['cred.cleartext high']],
  [[...Z, 'mqtt.pcap'], []],
];

describe('checks on corpus captures with logins', { skip: !hasCorpus && 'corpus not present' }, () => {
  const all: FindingDraft[] = [];
  for (const [parts, expected] of CASES) {
    it(parts[parts.length - 1] as string, async () => {
      const f = await findingsOf(parts);
      all.push(...f);
      const creds = f
        .filter((x) => x.ruleId.startsWith('cred.'))
        .map((x) => `${x.ruleId} ${x.severity}`)
        .sort();
      assert.deepEqual(creds, expected);
      for (const x of f) {
        assert.ok(x.title.length > 0 && x.description.length > 0 && x.remediation.length > 0);
        assert.ok(x.score >= 0 && x.score <= 10);
        assert.ok(x.references.length > 0);
      }
    });
  }

  it('cleartext management links and the default community are named', async () => {
    const snmp = await findingsOf([...Z, 'snmp', 'snmpv1_get.pcap']);
    assert.ok(
      snmp.some((x) => x.ruleId === 'enc.cleartext-management' && x.title.startsWith('SNMPv1/v2c in the clear')),
    );
    assert.ok(snmp.some((x) => x.ruleId === 'cred.default' && /Default SNMP community/.test(x.title)));
    const ftp = await findingsOf([...L, 'ftp', 'cap3.cap']);
    const def = ftp.find((x) => x.ruleId === 'cred.default');
    assert.match(def?.description ?? '', /default password of Realtek Test FTP from generic/);
    assert.ok(ftp.some((x) => x.ruleId === 'enc.cleartext-management' && x.title.startsWith('FTP in the clear')));
  });

  it('no plain-text password in any finding', () => {
    assert.ok(all.length >= 9, `only ${all.length} findings`);
    const text = JSON.stringify(all);
    for (const s of SECRETS) assert.ok(!text.includes(s), `secret ${s} appears in a finding`);
    // 'public' is an English word: look for it as a value.
    assert.ok(!/['"]public['"]/.test(text));
    // Nor the HTTP Basic header values ('test:1:34', 'test:1234' in base64).
    for (const b of ['dGVzdDoxOjM0', 'dGVzdDoxMjM0']) assert.ok(!text.includes(b));
  });
});
