import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import type { Check } from '../findings/check.js';
import type { FindingDraft } from '../findings/model.js';
import { refs } from '../findings/references.js';
import { runAndSaveChecks } from '../findings/run.js';
import { vulnEvidence } from '../findings/vuln-details.js';
import type { AssetRecord } from '../inventory/model.js';
import { openStore } from '../store/open.js';
import { captureOutput } from '../testing/capture-output.js';
import { registerFindingsCommands } from './findings.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-findings-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run the findings commands in-process on a fresh Command, capturing what they print. */
async function cli(...args: string[]): Promise<{ out: string; error: string | null }> {
  const program = new Command().exitOverride();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerFindingsCommands(program);
  const r = await captureOutput(() => program.parseAsync(['node', 'plantwarden', ...args]));
  return { out: r.out, error: r.error?.message ?? null };
}

function asset(key: string, ip: string, role: AssetRecord['classification']['role']): AssetRecord {
  return {
    key,
    mac: null,
    ips: [ip],
    vlans: [],
    isRouter: false,
    firstSeenUs: 1_700_000_000_000_000,
    lastSeenUs: 1_700_000_100_000_000,
    packetsSent: 1,
    packetsReceived: 1,
    bytesSent: 60,
    bytesReceived: 60,
    facts: [],
    roles: [],
    classification: { role, confidence: 0.9, reasons: [] },
  };
}

const PLC = asset('ip:10.0.0.5', '10.0.0.5', 'plc');
const SWITCH = asset('ip:10.0.0.2', '10.0.0.2', 'network-device');

function draft(ruleId: string, scope: string, p: Partial<FindingDraft>): FindingDraft {
  return {
    ruleId,
    ruleRevision: 1,
    scope,
    severity: 'medium',
    title: 'x',
    description: 'Why it matters.',
    remediation: 'What to do.',
    assetKeys: [],
    evidence: [],
    references: [],
    score: 5,
    ...p,
  };
}

let telnetPresent = true;
const checks: Check[] = [
  {
    id: 'enc.cleartext-management',
    revision: 1,
    summary: 'telnet',
    run: () =>
      telnetPresent
        ? [
            draft('enc.cleartext-management', `${SWITCH.key}|telnet`, {
              severity: 'high',
              title: 'Telnet in the clear to switch 10.0.0.2 \u001b[31m',
              assetKeys: [SWITCH.key],
              evidence: [
                {
                  text: 'telnet login seen',
                  protocol: 'telnet',
                  source: 'telnet.login',
                  count: 3,
                  firstSeenUs: 1_700_000_000_000_000,
                },
              ],
              references: refs('cleartext-protocol'),
              score: 6,
            }),
          ]
        : [],
  },
  {
    id: 'vuln',
    revision: 1,
    summary: 'advisories',
    run: () => [
      draft('vuln.advisory-match', `${PLC.key}|PWDEMO-2026-0001`, {
        severity: 'critical',
        title: 'SIMATIC S7-1500 firmware V2.8.3 is affected by PWDEMO-2026-0001',
        assetKeys: [PLC.key],
        evidence: [
          vulnEvidence({
            advisoryId: 'PWDEMO-2026-0001',
            reason: "firmware V2.8.3 is in 'vers:intdot/<2.9.4'",
            confidence: 'exact',
            cvssScore: 8.1,
            fixedVersion: '2.9.4',
          }),
        ],
        references: refs(
          'known-exploited',
          { kind: 'advisory', id: 'PWDEMO-2026-0001' },
          { kind: 'cve', id: 'CVE-0000-0001' },
          { kind: 'kev', id: 'CVE-0000-0001' },
        ),
        remediation: 'Update to V2.9.4 or later.',
        score: 9.1,
      }),
    ],
  },
];

const db = join(dir, 'plant.db');

before(async () => {
  const store = await openStore(db);
  await store.mergeSnapshot({
    analysis: {
      id: 'a1',
      source: 'x.pcap',
      format: 'pcap',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:01Z',
      packets: 1,
      bytes: 1,
      firstPacketUs: 0,
      lastPacketUs: 0,
      summary: {},
    },
    assets: [PLC, SWITCH],
    links: [],
    anomalies: [],
    credentials: [],
  });
  const s = await runAndSaveChecks(store, { checks, now: '2026-01-10T00:00:00.000Z' });
  assert.equal(s.opened, 2);
  await store.close();
});

test('findings: table, filters, JSON and CSV', async () => {
  const r = await cli('findings', '--db', db);
  assert.equal(r.error, null);
  const lines = r.out.split('\n');
  assert.match(lines[0] ?? '', /^SEVERITY\s+SCORE\s+TITLE\s+ASSETS\s+STATUS\s+ID$/);
  assert.match(lines[2] ?? '', /^critical\s+9\.1\s+SIMATIC S7-1500 .*10\.0\.0\.5\s+open\s+[0-9a-f]{20}$/);
  assert.match(lines[3] ?? '', /^high\s+6\.0\s+Telnet in the clear to switch 10\.0\.0\.2 \.\[31m\s+10\.0\.0\.2/);
  assert.doesNotMatch(r.out, /\u001b/, 'control characters from data never reach the terminal');
  assert.match(r.out, /2 findings \(1 critical, 1 high\)/);

  const crit = await cli('findings', '--severity', 'critical', '--db', db);
  assert.doesNotMatch(crit.out, /Telnet/);
  const bySwitch = await cli('findings', '--asset', '10.0.0.2', '--db', db);
  assert.match(bySwitch.out, /Telnet/);
  assert.doesNotMatch(bySwitch.out, /SIMATIC/);

  const json = JSON.parse((await cli('findings', '--json', '--db', db)).out) as { id: string; evidence: unknown[] }[];
  assert.equal(json.length, 2);
  assert.ok(json[0]?.evidence.length);
  const csv = (await cli('findings', '--csv', '--db', db)).out.split('\n');
  assert.equal(csv[0], 'id,severity,score,status,rule,title,assets,first_found,last_found');
  assert.equal(csv.length, 3);

  const bad = await cli('findings', '--severity', 'severe', '--db', db);
  assert.match(bad.error ?? '', /expected one of critical, high, medium, low, info/);
});

test('finding <id>: everything, by full id or prefix', async () => {
  const [f] = JSON.parse((await cli('findings', '--json', '--severity', 'critical', '--db', db)).out) as {
    id: string;
  }[];
  assert.ok(f);
  const r = await cli('finding', f.id.slice(0, 8), '--db', db);
  assert.equal(r.error, null);
  assert.match(r.out, /SIMATIC S7-1500/);
  assert.match(r.out, /rule vuln\.advisory-match rev 1\s+severity critical\s+score 9\.1/);
  assert.match(r.out, /What to do\n {2}Update to V2\.9\.4 or later\./);
  assert.match(r.out, /confidence exact; CVSS 8\.1; fixed version 2\.9\.4 \[csaf PWDEMO-2026-0001\]/);
  assert.match(r.out, /nist-csf ID\.RA-01: Vulnerabilities in assets/);
  assert.match(r.out, /cyber-essentials Security update management/);
  const none = await cli('finding', 'ffffffffffffffffffff', '--db', db);
  assert.match(none.error ?? '', /no finding with id 'ffffffffffffffffffff'/);
});

test('vulns: advisory, CVEs, KEV, CVSS, confidence, fixed version', async () => {
  const r = await cli('vulns', '--db', db);
  assert.equal(r.error, null);
  assert.match(r.out, /10\.0\.0\.5\s+PWDEMO-2026-0001\s+CVE-0000-0001\s+yes \(1\)\s+8\.1\s+exact\s+2\.9\.4/);
  assert.doesNotMatch(r.out, /Telnet/);
  const json = JSON.parse((await cli('vulns', '--json', '--db', db)).out) as Record<string, unknown>[];
  assert.deepEqual(
    { ...json[0], id: 'x' },
    {
      id: 'x',
      severity: 'critical',
      status: 'open',
      assetKeys: [PLC.key],
      advisories: ['PWDEMO-2026-0001'],
      cves: ['CVE-0000-0001'],
      kev: ['CVE-0000-0001'],
      cvss: 8.1,
      confidence: 'exact',
      fixedVersion: '2.9.4',
      title: 'SIMATIC S7-1500 firmware V2.8.3 is affected by PWDEMO-2026-0001',
    },
  );
  const csv = (await cli('vulns', '--csv', '--db', db)).out.split('\n');
  assert.equal(csv[0], 'id,severity,status,assets,advisory,cves,kev,cvss,confidence,fixed_version');
  assert.match(
    csv[1] ?? '',
    /,critical,open,10\.0\.0\.5,PWDEMO-2026-0001,CVE-0000-0001,CVE-0000-0001,8\.1,exact,2\.9\.4$/,
  );
});

test('risk: per asset with parts, and overall', async () => {
  const r = await cli('risk', '--db', db);
  assert.equal(r.error, null);
  assert.match(r.out, /^Overall risk 69\.5 \(high\): mean of the 2 riskiest assets; 2 findings count/);
  assert.match(r.out, /91\.0 {2}10\.0\.0\.5 {2}plc, weight 1 \(role plc\)\n\s+\+ 91\.0 {2}critical SIMATIC/);
  assert.match(r.out, /48\.0 {2}10\.0\.0\.2 {2}network-device, weight 0\.8/);
  const json = JSON.parse((await cli('risk', '--json', '--db', db)).out) as { overall: { score: number } };
  assert.equal(json.overall.score, 69.5);
});

test('ack, accept, resolve: status changes, with the rules for reasons and dates', async () => {
  const list = JSON.parse((await cli('findings', '--json', '--db', db)).out) as { id: string; ruleId: string }[];
  const telnet = list.find((f) => f.ruleId === 'enc.cleartext-management')?.id as string;
  const vuln = list.find((f) => f.ruleId === 'vuln.advisory-match')?.id as string;

  const ack = await cli('findings', 'ack', telnet, '--reason', 'ticket 42', '--db', db);
  assert.equal(ack.error, null);
  assert.match(ack.out, /acknowledged: Telnet/);

  assert.match((await cli('findings', 'accept', vuln, '--db', db)).error ?? '', /needs --reason .* and --until/);
  assert.match(
    (await cli('findings', 'accept', vuln, '--reason', 'r', '--until', '2026-02-30', '--db', db)).error ?? '',
    /expected a date as YYYY-MM-DD/,
  );
  assert.match(
    (await cli('findings', 'accept', vuln, '--reason', 'r', '--until', '2001-01-01', '--db', db)).error ?? '',
    /in the past/,
  );
  const acc = await cli('findings', 'accept', vuln, '--reason', 'cell isolated', '--until', '2099-12-31', '--db', db);
  assert.equal(acc.error, null);
  assert.match(acc.out, /accepted until 2099-12-31/);
  const shown = await cli('finding', vuln, '--db', db);
  assert.match(shown.out, /status accepted: cell isolated \(until 2099-12-31\)/);

  // Default listing shows accepted and acknowledged; --status filters.
  assert.match((await cli('findings', '--status', 'accepted', '--db', db)).out, /SIMATIC/);
  assert.doesNotMatch((await cli('findings', '--status', 'accepted', '--db', db)).out, /Telnet/);

  // A re-run keeps the statuses; the condition gone resolves the acknowledged one.
  telnetPresent = false;
  const s = await runAndSaveChecks(db, { checks, now: '2026-01-11T00:00:00.000Z' });
  telnetPresent = true;
  assert.deepEqual([s.resolved, s.updated, s.opened], [1, 1, 0]);
  const after = JSON.parse((await cli('findings', '--json', '--status', 'all', '--db', db)).out) as {
    id: string;
    status: string;
  }[];
  assert.deepEqual(Object.fromEntries(after.map((f) => [f.id, f.status])), {
    [telnet]: 'resolved',
    [vuln]: 'accepted',
  });
  assert.match((await cli('findings', 'ack', telnet, '--db', db)).error ?? '', /is resolved; nothing to acknowledge/);

  const res = await cli('findings', 'resolve', vuln, '--db', db);
  assert.match(res.out, /resolved \(if the condition is still there, the next check reopens it\)/);
  const s2 = await runAndSaveChecks(db, { checks, now: '2026-01-12T00:00:00.000Z' });
  assert.deepEqual([s2.reopened, s2.opened], [2, 0]);
});

test('check: runs the registered checks and prints a summary; a failing check is one error line', async () => {
  const r = await cli('check', '--db', db);
  assert.equal(r.error, null, r.error ?? '');
  assert.match(r.out, /^Ran \d+ checks in \d+ ms: /);
  assert.match(r.out, /Open findings: /);
  assert.match(r.out, /Overall risk: /);

  const failing: Check = {
    id: 'enc.cleartext-management',
    revision: 1,
    summary: '',
    run: () => {
      throw new Error('bug');
    },
  };
  const before = JSON.parse((await cli('findings', '--json', '--status', 'all', '--db', db)).out) as unknown[];
  const s = await runAndSaveChecks(db, { checks: [failing, checks[1] as Check], now: '2026-01-13T00:00:00.000Z' });
  assert.deepEqual(s.errors, [{ checkId: 'enc.cleartext-management', message: 'bug' }]);
  const afterRun = JSON.parse((await cli('findings', '--json', '--status', 'all', '--db', db)).out) as unknown[];
  assert.equal(afterRun.length, before.length);
});

test('errors are one clear line', async () => {
  const r = await cli('findings', '--json', '--csv', '--db', db);
  assert.equal(r.error, 'choose one of --json and --csv');
  const nodb = await cli('findings', '--db', join(dir, 'missing-dir', 'x.db'));
  assert.match(nodb.error ?? '', /^cannot open database .*directory does not exist$/);
  const until = await cli('findings', 'ack', 'abcdef', '--until', '2030-01-01', '--db', db);
  assert.ok(until.error);
});
