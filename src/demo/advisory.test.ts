import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCsaf } from '../feeds/csaf.js';
import { parseDefaultCredentials } from '../feeds/default-creds.js';
import {
  DEMO_ADVISORY_ID,
  DEMO_ADVISORY_TITLE,
  DEMO_CVSS_SCORE,
  DEMO_CVSS_VECTOR,
  DEMO_DEFAULT_CREDENTIALS,
  demoAdvisory,
  writeDemoAdvisory,
  writeDemoDefaultCredentials,
} from './advisory.js';
import { DEMO_S7_FIRMWARE, DEMO_S7_ORDER_NUMBER } from './plant.js';

// biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
type Json = any;

/** Every leaf product of a CSAF product tree with the branch names above it. */
function leaves(branches: Json[], path: string[] = []): { path: string[]; product: Json }[] {
  const out: { path: string[]; product: Json }[] = [];
  for (const b of branches) {
    const here = [...path, `${b.category}:${b.name}`];
    if (b.product) out.push({ path: here, product: b.product });
    if (b.branches) out.push(...leaves(b.branches, here));
  }
  return out;
}

/** "V2.8.3" -> [2, 8, 3] */
const nums = (v: string) => v.replace(/^V/i, '').split('.').map(Number);
const less = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
};

describe('demo advisory (CSAF 2.0)', () => {
  const doc: Json = demoAdvisory();

  it('is a CSAF 2.0 security advisory that says it is a demo', () => {
    assert.equal(doc.document.csaf_version, '2.0');
    assert.equal(doc.document.category, 'csaf_security_advisory');
    assert.equal(doc.document.tracking.id, 'PWDEMO-2026-0001');
    assert.equal(doc.document.tracking.id, DEMO_ADVISORY_ID);
    assert.equal(doc.document.title, 'Demo advisory: SIMATIC S7-1500 CPU firmware before V2.9.4');
    assert.equal(doc.document.title, DEMO_ADVISORY_TITLE);
    assert.equal(doc.document.publisher.name, 'plantwarden demo');
    assert.match(doc.document.publisher.namespace, /^https:\/\//);
    assert.ok(doc.document.notes.some((n: Json) => /made up for the plantwarden demo/.test(n.text)));
    const t = doc.document.tracking;
    assert.equal(t.revision_history.at(-1).number, t.version);
    assert.ok(Date.parse(t.initial_release_date) <= Date.parse(t.current_release_date));
  });

  it('has no CVE: its vulnerability id is in a demo namespace', () => {
    assert.equal(doc.vulnerabilities.length, 1);
    const v = doc.vulnerabilities[0];
    assert.equal(v.cve, undefined);
    assert.doesNotMatch(JSON.stringify(doc), /CVE-\d/);
    assert.deepEqual(
      v.ids.map((i: Json) => i.system_name),
      ['plantwarden-demo'],
    );
  });

  it('covers the demo S7-1500: Siemens -> S7-1500 family -> vers:intdot/<2.9.4 with its order number', () => {
    const ls = leaves(doc.product_tree.branches);
    const affected = ls.find((l) =>
      doc.vulnerabilities[0].product_status.known_affected.includes(l.product.product_id),
    );
    assert.ok(affected);
    assert.deepEqual(affected.path, [
      'vendor:Siemens',
      'product_name:SIMATIC S7-1500 CPU family',
      'product_version_range:vers:intdot/<2.9.4',
    ]);
    assert.deepEqual(affected.product.product_identification_helper.model_numbers, [DEMO_S7_ORDER_NUMBER]);
    const fixed = ls.find((l) => doc.vulnerabilities[0].product_status.fixed.includes(l.product.product_id));
    assert.equal(fixed?.path.at(-1), 'product_version:V2.9.4');
    // The plant's firmware is inside the range, the fixed version is not.
    const upper = nums(/<([\d.]+)$/.exec(affected.path.at(-1) ?? '')?.[1] ?? '');
    assert.ok(less(nums(DEMO_S7_FIRMWARE), upper), `${DEMO_S7_FIRMWARE} < ${upper.join('.')}`);
    assert.ok(!less(nums('V2.9.4'), upper));
    // Every branch has exactly category, name and one of branches/product (CSAF branches_t).
    const walk = (bs: Json[]): void => {
      for (const b of bs) {
        assert.equal(Object.keys(b).length, 3, JSON.stringify(b));
        if (b.branches) walk(b.branches);
      }
    };
    walk(doc.product_tree.branches);
  });

  it('has a vendor fix, a mitigation and a CVSS v3 score of 8.1 with its vector', () => {
    const v = doc.vulnerabilities[0];
    const fix = v.remediations.find((r: Json) => r.category === 'vendor_fix');
    assert.equal(fix.details, 'Update to V2.9.4 or later');
    assert.deepEqual(fix.product_ids, v.product_status.known_affected);
    assert.ok(v.remediations.some((r: Json) => r.category === 'mitigation'));
    const s = v.scores[0].cvss_v3;
    assert.deepEqual([s.baseScore, s.vectorString, s.version, s.baseSeverity], [8.1, DEMO_CVSS_VECTOR, '3.1', 'HIGH']);
    assert.equal(s.baseScore, DEMO_CVSS_SCORE);
    // Every product id used is defined in the tree.
    const ids = new Set(leaves(doc.product_tree.branches).map((l) => l.product.product_id));
    for (const id of [...v.product_status.known_affected, ...v.product_status.fixed, ...v.scores[0].products])
      assert.ok(ids.has(id), id);
  });

  it("reads back through the project's own CSAF and credential-list parsers", () => {
    const r = parseCsaf(doc);
    assert.deepEqual(r.problems, []);
    assert.equal(r.advisory.id, DEMO_ADVISORY_ID);
    assert.deepEqual(r.advisory.cves, []);
    assert.equal(r.advisory.cvssScore, 8.1);
    const affected = r.advisory.products.find((p) => p.status === 'known_affected');
    assert.deepEqual(
      [affected?.vendor, affected?.product, affected?.models, affected?.affected[0]?.upper, affected?.fixedVersion],
      ['Siemens', 'SIMATIC S7-1500 CPU family', [DEMO_S7_ORDER_NUMBER], '2.9.4', '2.9.4'],
    );
    const dir = mkdtempSync(join(tmpdir(), 'pw-demo-adv-'));
    try {
      writeDemoDefaultCredentials(join(dir, 'c.csv'));
      const c = parseDefaultCredentials(readFileSync(join(dir, 'c.csv'), 'utf8'));
      assert.deepEqual(c.problems, []);
      assert.equal(c.layout, 'generic');
      assert.deepEqual(
        c.credentials.map((x) => [x.vendor, x.product, x.user, x.password, x.protocol]),
        DEMO_DEFAULT_CREDENTIALS.map((x) => x.slice(0, 5)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the advisory and the default-credential list to files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-demo-adv-'));
    try {
      writeDemoAdvisory(join(dir, 'a.json'));
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')), doc);
      writeDemoDefaultCredentials(join(dir, 'c.csv'));
      const lines = readFileSync(join(dir, 'c.csv'), 'utf8').trimEnd().split('\r\n');
      assert.equal(lines[0], 'vendor,product,username,password,protocol,access');
      assert.deepEqual(
        lines.slice(1),
        DEMO_DEFAULT_CREDENTIALS.map((r) => r.join(',')),
      );
      assert.ok(lines.includes('Schneider Electric,Modicon M340,admin,admin,http,web'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
