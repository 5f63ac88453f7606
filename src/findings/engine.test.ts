import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Check, CheckContext } from './check.js';
import { acceptanceExpired, findingId, runChecks, validateDrafts } from './engine.js';
import { fingerprintWith } from './fingerprint.js';
import type { Finding, FindingDraft, FindingStatus } from './model.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-02-01T00:00:00.000Z';
const T2 = '2026-03-01T00:00:00.000Z';

const ctx: CheckContext = {
  assets: [],
  links: [],
  credentials: [],
  anomalies: [],
  advisories: [],
  kev: new Map(),
  defaultCredentials: [],
  plantInventory: [],
  fingerprint: (s) => fingerprintWith(Buffer.from('k'), s),
  now: T1,
};

function draft(ruleId: string, scope: string, p: Partial<FindingDraft> = {}): FindingDraft {
  return {
    ruleId,
    ruleRevision: 1,
    scope,
    severity: 'high',
    title: `${ruleId} on ${scope}`,
    description: 'why',
    remediation: 'what to do',
    assetKeys: [`ip:${scope}`],
    evidence: [{ text: 'seen' }],
    references: [{ kind: 'nist-csf', id: 'PR.AA-01' }],
    score: 7,
    ...p,
  };
}

function check(id: string, drafts: FindingDraft[] | (() => FindingDraft[])): Check {
  return { id, revision: 1, summary: id, run: () => (typeof drafts === 'function' ? drafts() : drafts) };
}

function stored(d: FindingDraft, status: FindingStatus, p: Partial<Finding> = {}): Finding {
  return {
    ...d,
    id: findingId(d.ruleId, d.scope),
    status,
    statusReason: null,
    statusUntil: null,
    firstFoundAt: T0,
    lastFoundAt: T0,
    resolvedAt: null,
    ...p,
  };
}

test('finding id is sha256(ruleId NUL scope), 20 hex characters', () => {
  const want = createHash('sha256').update('cred.cleartext\0a|b').digest('hex').slice(0, 20);
  assert.equal(findingId('cred.cleartext', 'a|b'), want);
  assert.match(want, /^[0-9a-f]{20}$/);
  assert.notEqual(findingId('a', 'b'), findingId('a', 'c'));
  assert.match(validateDrafts([draft('a\0b', 'c')]) as string, /NUL/, 'a rule id never holds the separator');
});

test('fingerprintWith is HMAC-SHA-256 truncated to 32 hex', () => {
  const fp = fingerprintWith(Buffer.from('key'), 'admin');
  assert.match(fp, /^[0-9a-f]{32}$/);
  assert.equal(fp, fingerprintWith(new Uint8Array(Buffer.from('key')), new TextEncoder().encode('admin')));
  assert.notEqual(fp, fingerprintWith(Buffer.from('key2'), 'admin'));
});

describe('lifecycle', () => {
  const d = draft('cred.cleartext', '10.0.0.5');
  const changed = draft('cred.cleartext', '10.0.0.5', { title: 'new title', score: 8.5, severity: 'critical' });
  const cases: {
    name: string;
    previous: Finding[];
    produced: FindingDraft[];
    now?: string;
    want: Partial<Finding>;
    counts: { opened: number; updated: number; resolved: number; reopened: number; expired: number };
  }[] = [
    {
      name: 'a new draft opens a finding',
      previous: [],
      produced: [d],
      want: { status: 'open', firstFoundAt: T1, lastFoundAt: T1, resolvedAt: null, title: d.title },
      counts: { opened: 1, updated: 0, resolved: 0, reopened: 0, expired: 0 },
    },
    {
      name: 'found again: content updated, lastFoundAt moves, firstFoundAt kept',
      previous: [stored(d, 'open')],
      produced: [changed],
      want: { status: 'open', firstFoundAt: T0, lastFoundAt: T1, title: 'new title', score: 8.5, severity: 'critical' },
      counts: { opened: 0, updated: 1, resolved: 0, reopened: 0, expired: 0 },
    },
    {
      name: 'acknowledged stays acknowledged with its reason',
      previous: [stored(d, 'acknowledged', { statusReason: 'ticket 42' })],
      produced: [changed],
      want: { status: 'acknowledged', statusReason: 'ticket 42', lastFoundAt: T1, title: 'new title' },
      counts: { opened: 0, updated: 1, resolved: 0, reopened: 0, expired: 0 },
    },
    {
      name: 'accepted stays accepted before its expiry (the whole day counts)',
      previous: [stored(d, 'accepted', { statusReason: 'isolated cell', statusUntil: '2026-02-01' })],
      produced: [d],
      want: { status: 'accepted', statusReason: 'isolated cell', statusUntil: '2026-02-01' },
      counts: { opened: 0, updated: 1, resolved: 0, reopened: 0, expired: 0 },
    },
    {
      name: 'accepted past its expiry goes back to open',
      previous: [stored(d, 'accepted', { statusReason: 'isolated cell', statusUntil: '2026-01-31' })],
      produced: [d],
      want: {
        status: 'open',
        statusUntil: null,
        statusReason: 'accepted risk expired 2026-01-31 (was: isolated cell)',
      },
      counts: { opened: 0, updated: 1, resolved: 0, reopened: 0, expired: 1 },
    },
    {
      name: 'accepted and not found: stays accepted',
      previous: [stored(d, 'accepted', { statusReason: 'r', statusUntil: '2027-01-01' })],
      produced: [],
      want: { status: 'accepted', resolvedAt: null },
      counts: { opened: 0, updated: 0, resolved: 0, reopened: 0, expired: 0 },
    },
    {
      name: 'open and not found any more: resolved',
      previous: [stored(d, 'open')],
      produced: [],
      want: { status: 'resolved', resolvedAt: T1, lastFoundAt: T0 },
      counts: { opened: 0, updated: 0, resolved: 1, reopened: 0, expired: 0 },
    },
    {
      name: 'acknowledged and not found any more: resolved',
      previous: [stored(d, 'acknowledged', { statusReason: 'x' })],
      produced: [],
      want: { status: 'resolved', resolvedAt: T1 },
      counts: { opened: 0, updated: 0, resolved: 1, reopened: 0, expired: 0 },
    },
    {
      name: 'resolved and found again: reopened',
      previous: [stored(d, 'resolved', { resolvedAt: T0, statusReason: 'fixed' })],
      produced: [d],
      want: { status: 'open', resolvedAt: null, statusReason: null, firstFoundAt: T0, lastFoundAt: T1 },
      counts: { opened: 0, updated: 0, resolved: 0, reopened: 1, expired: 0 },
    },
    {
      name: 'resolved and still not found: untouched',
      previous: [stored(d, 'resolved', { resolvedAt: T0 })],
      produced: [],
      want: { status: 'resolved', resolvedAt: T0 },
      counts: { opened: 0, updated: 0, resolved: 0, reopened: 0, expired: 0 },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = runChecks([check('cred.cleartext', c.produced)], ctx, c.previous, c.now ?? T1);
      assert.deepEqual(r.errors, []);
      assert.equal(r.findings.length, 1);
      const f = r.findings[0] as Finding;
      assert.equal(f.id, findingId(d.ruleId, d.scope));
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(f[k as keyof Finding], v, k);
      const { opened, updated, resolved, reopened, expired } = r;
      assert.deepEqual({ opened, updated, resolved, reopened, expired }, c.counts);
    });
  }
});

test('a throwing check is isolated: its findings untouched, the others reconciled', () => {
  const a = draft('cred.cleartext', '10.0.0.5');
  const b = draft('enc.telnet', '10.0.0.6');
  const previous = [stored(a, 'open'), stored(b, 'open')];
  const r = runChecks(
    [
      check('cred.cleartext', () => {
        throw new Error('boom\nat line 2');
      }),
      check('enc.telnet', []),
    ],
    ctx,
    previous,
    T1,
  );
  assert.deepEqual(r.errors, [{ checkId: 'cred.cleartext', message: 'boom' }]);
  const byRule = new Map(r.findings.map((f) => [f.ruleId, f]));
  assert.deepEqual(byRule.get('cred.cleartext'), previous[0], 'left exactly as stored');
  assert.equal(byRule.get('enc.telnet')?.status, 'resolved');
  assert.equal(r.resolved, 1);
});

test('with a failing check, findings no successful check owns are left alone', () => {
  const orphan = draft('old.rule', 'x');
  const owned = draft('vuln.advisory-match', 'y');
  const r = runChecks(
    [
      check('broken', () => {
        throw new TypeError('x is undefined');
      }),
      check('vuln', []),
    ],
    ctx,
    [stored(orphan, 'open'), stored(owned, 'open')],
    T1,
  );
  const byRule = new Map(r.findings.map((f) => [f.ruleId, f]));
  assert.equal(byRule.get('old.rule')?.status, 'open', 'unknown owner: not resolved while a check failed');
  assert.equal(byRule.get('vuln.advisory-match')?.status, 'resolved', "'vuln' owns 'vuln.*'");
  // When every check runs, findings of rules nobody produces any more are resolved.
  const r2 = runChecks([check('vuln', [])], ctx, [stored(orphan, 'open')], T1);
  assert.equal(r2.findings[0]?.status, 'resolved');
});

test('invalid drafts make the check fail instead of resolving its findings', () => {
  const a = draft('cred.cleartext', '10.0.0.5');
  const bad: unknown[] = [
    'not an array',
    [{ ...a, severity: 'severe' }],
    [{ ...a, score: Number.NaN }],
    [{ ...a, ruleId: '' }],
    [{ ...a, evidence: [{}] }],
    [null],
  ];
  for (const out of bad) {
    const c: Check = { id: 'cred.cleartext', revision: 1, summary: '', run: () => out as FindingDraft[] };
    const r = runChecks([c], ctx, [stored(a, 'open')], T1);
    assert.equal(r.errors.length, 1, JSON.stringify(out));
    assert.equal(r.findings[0]?.status, 'open');
  }
  assert.match(
    validateDrafts([{ ...a, severity: 'severe' }]) as string,
    /draft 0 \(rule cred\.cleartext\): severity 'severe'/,
  );
});

test('ordering is deterministic: severity, score descending, id', () => {
  const drafts = [
    draft('r', 'low', { severity: 'low', score: 9 }),
    draft('r', 'c1', { severity: 'critical', score: 9 }),
    draft('r', 'h2', { severity: 'high', score: 6 }),
    draft('r', 'h1', { severity: 'high', score: 8 }),
    draft('r', 'i', { severity: 'info', score: 0 }),
    draft('r', 'h3', { severity: 'high', score: 8 }),
  ];
  const a = runChecks([check('r', drafts)], ctx, [], T1).findings.map((f) => f.scope);
  const b = runChecks([check('r', [...drafts].reverse())], ctx, [], T1).findings.map((f) => f.scope);
  assert.deepEqual(a, b);
  const [first, second] = findingId('r', 'h1') < findingId('r', 'h3') ? ['h1', 'h3'] : ['h3', 'h1'];
  assert.deepEqual(a, ['c1', first, second, 'h2', 'low', 'i']);
});

test('duplicate drafts of one finding: the first wins; scores are clamped', () => {
  const r = runChecks(
    [check('r', [draft('r', 's', { title: 'first', score: 42 }), draft('r', 's', { title: 'second' })])],
    ctx,
    [],
    T1,
  );
  assert.equal(r.findings.length, 1);
  assert.equal(r.findings[0]?.title, 'first');
  assert.equal(r.findings[0]?.score, 10);
  assert.equal(r.opened, 1);
});

test('a full re-run is stable: same drafts twice gives the same findings, only lastFoundAt moves', () => {
  const drafts = [draft('r', 'a'), draft('r', 'b', { severity: 'low', score: 2 })];
  const first = runChecks([check('r', drafts)], ctx, [], T1);
  const second = runChecks([check('r', drafts)], ctx, first.findings, T2);
  assert.equal(second.opened, 0);
  assert.equal(second.updated, 2);
  assert.deepEqual(
    second.findings.map((f) => ({ ...f, lastFoundAt: T1 })),
    first.findings,
  );
});

test('acceptanceExpired', () => {
  assert.equal(acceptanceExpired('2026-02-01', '2026-02-01T23:59:59Z'), false);
  assert.equal(acceptanceExpired('2026-02-01', '2026-02-02T00:00:00Z'), true);
  assert.equal(acceptanceExpired('2026-02-01T12:00:00Z', '2026-02-01T12:00:00Z'), true);
  assert.equal(acceptanceExpired(null, T2), false);
  assert.equal(acceptanceExpired('someday', T2), false);
});

test('scale: 20,000 drafts against 20,000 stored findings', (t) => {
  const drafts = Array.from({ length: 20_000 }, (_, i) => draft('r', `s${i}`, { score: i % 10 }));
  const previous = runChecks([check('r', drafts.slice(0, 15_000))], ctx, [], T0).findings;
  const t0 = performance.now();
  const r = runChecks([check('r', drafts.slice(5_000))], ctx, previous, T1);
  const ms = performance.now() - t0;
  assert.deepEqual([r.opened, r.updated, r.resolved], [5_000, 10_000, 5_000]);
  t.diagnostic(`runChecks 20,000 drafts / 15,000 stored: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 5_000);
});
