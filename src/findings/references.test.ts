import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusPath, hasCorpus } from '../testing/corpus.js';
import {
  CYBER_ESSENTIALS,
  FAMILY_REFERENCES,
  type FindingFamily,
  IEC_62443_3_3,
  isFindingFamily,
  NIST_CSF,
  refs,
} from './references.js';

const norm = (s: string) => s.replace(/\s+/g, ' ').replace(/[’]/g, "'").trim();

/** CSF 2.0 subcategories of the OSCAL catalog: id -> statement; withdrawn 1.1 ids are kept apart. */
function nistCatalog(): { active: Map<string, string>; withdrawn: Set<string> } {
  const xml = readFileSync(corpusPath('frameworks', 'nist-oscal-content', 'NIST_CSF_v2.0_catalog.xml'), 'utf8');
  const active = new Map<string, string>();
  const withdrawn = new Set<string>();
  for (const m of xml.matchAll(/<control id="([A-Z]{2}\.[A-Z]{2}-\d{2})"([\s\S]*?)<\/control>/g)) {
    const [, id, body] = m as unknown as [string, string, string];
    const statement = /name="statement">\s*<p>([\s\S]*?)<\/p>/.exec(body)?.[1];
    // Subcategories in force carry implementation examples and a risk-party property; ids
    // carried over from CSF 1.1 as withdrawn have neither.
    if (statement !== undefined && /name="risk-party"/.test(body)) active.set(id, norm(statement));
    else withdrawn.add(id);
  }
  return { active, withdrawn };
}

/** Minimal CSV row split (the corpus files quote fields with commas). */
function csvRows(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const out: string[] = [];
      let cur = '';
      let q = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (q) {
          if (c === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (c === '"') q = false;
          else cur += c;
        } else if (c === '"') q = true;
        else if (c === ',') {
          out.push(cur);
          cur = '';
        } else cur += c;
      }
      out.push(cur);
      return out;
    });
}

test('every NIST CSF 2.0 id is a subcategory in force, titled with its statement', (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const { active, withdrawn } = nistCatalog();
  assert.ok(active.size >= 100, `catalog read: ${active.size} subcategories`);
  assert.ok(withdrawn.has('PR.AC-01'), 'withdrawn 1.1 ids are recognised');
  for (const [id, title] of Object.entries(NIST_CSF)) {
    assert.ok(!withdrawn.has(id), `${id} is withdrawn in CSF 2.0`);
    assert.equal(active.get(id), norm(title), `${id} statement`);
  }
});

test('every IEC 62443-3-3 id is an SR of the standard, with its short name', (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const rows = csvRows(
    readFileSync(corpusPath('frameworks', 'iec62443-3-3', 'iec62443-3-3_sr_re_ids_names.csv'), 'utf8'),
  );
  const header = rows[0] as string[];
  const idAt = header.indexOf('id');
  const nameAt = header.indexOf('short_name');
  const names = new Map(rows.slice(1).map((r) => [r[idAt] as string, r[nameAt] as string]));
  assert.ok(names.size > 90);
  for (const [id, title] of Object.entries(IEC_62443_3_3)) {
    assert.equal(names.get(id), title, id);
  }
});

test('every Cyber Essentials control is one of the five themes', (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const rows = csvRows(
    readFileSync(
      corpusPath('frameworks', 'uk-cyber-essentials', 'cyber_essentials_v3.2_requirements_PARAPHRASED.csv'),
      'utf8',
    ),
  );
  const at = (rows[0] as string[]).indexOf('theme');
  const themes = new Set(rows.slice(1).map((r) => r[at] as string));
  assert.equal(themes.size, 5);
  assert.deepEqual(new Set(Object.keys(CYBER_ESSENTIALS)), themes);
});

test('every family maps only to ids of the tables, and to at least one NIST subcategory', () => {
  for (const [family, m] of Object.entries(FAMILY_REFERENCES)) {
    assert.ok(m.nist.length > 0, family);
    for (const id of m.nist) assert.ok(Object.hasOwn(NIST_CSF, id), `${family}: ${id}`);
    for (const id of m.iec) assert.ok(Object.hasOwn(IEC_62443_3_3, id), `${family}: ${id}`);
    for (const id of m.ce) assert.ok(Object.hasOwn(CYBER_ESSENTIALS, id), `${family}: ${id}`);
  }
});

test('refs() gives typed references with titles, extras first', () => {
  const r = refs('cleartext-credentials', { kind: 'cve', id: 'CVE-2020-0001' });
  assert.deepEqual(
    r.map((x) => `${x.kind}:${x.id}`),
    [
      'cve:CVE-2020-0001',
      'nist-csf:PR.AA-01',
      'nist-csf:PR.DS-02',
      'iec62443:SR 1.5',
      'iec62443:SR 4.1',
      'cyber-essentials:User access control',
    ],
  );
  for (const x of r.slice(1)) assert.ok(x.title && x.title.length > 5);
  assert.ok(isFindingFamily('vulnerability'));
  assert.ok(!isFindingFamily('toString'));
  assert.throws(() => refs('nope' as FindingFamily), /unknown finding family 'nope'/);
});
