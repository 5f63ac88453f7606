import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleanProductName,
  exceptTokens,
  familyTokens,
  findOrderNumbers,
  isDistinctive,
  nameVersionHint,
  normalizeVendor,
  parseOrderNumber,
  productTokens,
  vendorKeys,
} from './normalize.js';

describe('vendors', () => {
  it('folds company names, brands and old names to one key', () => {
    const table: [string, string][] = [
      ['Siemens AG', 'siemens'],
      ['SIEMENS', 'siemens'],
      ['Siemens Industry Inc.', 'siemens'],
      ['RuggedCom', 'siemens'],
      ['Rockwell Automation/Allen-Bradley', 'rockwell'],
      ['Allen-Bradley', 'rockwell'],
      ['Rockwell Automation', 'rockwell'],
      ['Schneider Electric', 'schneider'],
      ['Schneider Electric Software, LLC', 'schneider'],
      ['Telemecanique', 'schneider'],
      ['Modicon', 'schneider'],
      ['General Electric (GE)', 'ge'],
      ['GE Digital', 'ge'],
      ['GE Healthcare', 'ge-healthcare'],
      ['Mitsubishi Electric Corporation', 'mitsubishi'],
      ['PHOENIX CONTACT, Innominate Security Technologies', 'phoenix-contact'],
      ['Sensormatic Electronics, LLC, Johnson Controls Inc.', 'johnson-controls'],
      ['3S-Smart Software Solutions GmbH', 'codesys'],
      ['CODESYS, GmbH', 'codesys'],
      ['B&R Industrial Automation', 'b&r'],
      ['Schweitzer Engineering Laboratories, Inc. (SEL)', 'sel'],
      ['PEPPERL+FUCHS', 'pepperl-fuchs'],
      ['Weidmüller', 'weidmueller'],
      ['Hitachi Energy', 'hitachi-energy'],
      ['Acme Widgets, Inc.', 'acme widgets'],
      ['  Foo   Bar GmbH & Co. KG ', 'foo bar'],
      ['', ''],
    ];
    for (const [name, key] of table) assert.equal(normalizeVendor(name), key, name);
    assert.deepEqual(vendorKeys('ICONICS, Mitsubishi Electric'), ['mitsubishi', 'iconics']);
    assert.deepEqual(vendorKeys('Red Lion, AutomationDirect'), ['red-lion', 'automationdirect']);
  });
});

describe('order and catalog numbers', () => {
  it('reads Siemens MLFBs in any spacing, with their family', () => {
    const a = parseOrderNumber('6ES7 515-2AM01-0AB0');
    const b = parseOrderNumber('6ES75152AM010AB0');
    assert.ok(a && b);
    assert.equal(a.compact, '6ES75152AM010AB0');
    assert.equal(b.compact, a.compact);
    assert.equal(a.display, '6ES7 515-2AM01-0AB0');
    assert.equal(b.display, '6ES7 515-2AM01-0AB0');
    assert.equal(a.prefix, '6ES7 515');
    assert.deepEqual(a.families, ['s7-1500', 'cpu']);
    const fam = (o: string): string[] => parseOrderNumber(o)?.families ?? ['?'];
    assert.deepEqual(fam('6ES7 315-2EH14-0AB0'), ['s7-300', 'cpu']);
    assert.deepEqual(fam('6ES7 151-8AB01-0AB0'), ['s7-300', 'cpu'], 'IM151-8 PN/DP CPU: an S7-300 related ET 200 CPU');
    assert.deepEqual(fam('6ES7 214-1HE30-0XB0'), ['s7-1200', 'cpu']);
    assert.deepEqual(fam('6ES7 214-1AD23-0XB0'), ['s7-200', 'cpu'], 'S7-200 CPU 224 shares the 21x block');
    assert.deepEqual(fam('6AG1 511-1AK02-7AB0'), ['s7-1500', 'cpu'], 'SIPLUS variants share the block');
    assert.deepEqual(fam('6ES7 412-2EK07-0AB0'), ['s7-400', 'cpu']);
    assert.deepEqual(fam('6GK5 208-0GA00-2AC2'), []);
  });

  it('reads Rockwell catalog numbers with their series and family', () => {
    const o = parseOrderNumber('1756-L83E/B');
    assert.ok(o);
    assert.equal(o.kind, 'rockwell-catalog');
    assert.equal(o.compact, '1756L83E');
    assert.equal(o.series, 'B');
    assert.deepEqual(o.families, ['controllogix 5580']);
    assert.deepEqual(parseOrderNumber('1756-L73/A')?.families, ['controllogix 5570']);
    assert.equal(parseOrderNumber('1756-ENBT/A')?.series, 'A');
    const inText = findOrderNumbers(
      '1756 ControlLogix EtherNet/IP Communications Modules 1756-EN2T Series D',
      'rockwell',
    );
    assert.deepEqual(
      inText.map((x) => [x.compact, x.series]),
      [['1756EN2T', 'D']],
    );
    assert.deepEqual(
      findOrderNumbers('1756-EN2T', 'siemens'),
      [],
      'catalog numbers only for Rockwell (or unknown vendors)',
    );
  });

  it('reads Schneider references', () => {
    const a = parseOrderNumber('BMX P34 2020');
    const b = parseOrderNumber('BMXP342020');
    assert.ok(a && b);
    assert.equal(a.compact, 'BMXP342020');
    assert.equal(b.compact, a.compact);
    assert.deepEqual(a.families, ['modicon m340', 'cpu']);
    assert.equal(parseOrderNumber('just words'), null);
    assert.equal(parseOrderNumber('6ES7 515-2AM01-0AB0 and 6ES7 511-1AK00-0AB0'), null, 'one number, not two');
  });
});

describe('product names', () => {
  it('strips qualifying parentheticals and version designations', () => {
    assert.equal(
      cleanProductName('SIMATIC S7-1500 CPU family (incl. related ET200 CPUs and SIPLUS variants)'),
      'simatic s7-1500 cpu family',
    );
    assert.equal(
      cleanProductName('SIMATIC S7-1500 CPU family (incl. related ET200 CPUs and SIPLUS'),
      'simatic s7-1500 cpu family',
    );
    assert.equal(cleanProductName('RUGGEDCOM RSG2300NC V4.X'), 'ruggedcom rsg2300nc');
    assert.equal(cleanProductName('SINAMICS V90 w. PN'), 'sinamics v90 w. pn', 'V90 is a model, not a version');
  });

  it('gives identifying tokens: family names match the short form', () => {
    assert.deepEqual(productTokens('SIMATIC S7-1500 CPU family (incl. related ET200 CPUs and SIPLUS variants)'), [
      's71500',
      'cpu',
    ]);
    assert.deepEqual(productTokens('S7-1500'), ['s71500']);
    assert.deepEqual(productTokens('SIMATIC S7-300 CPU 315-2 PN/DP (6ES7315-2EH14-0AB0)'), [
      's7300',
      'cpu',
      '3152',
      'pndp',
    ]);
    assert.deepEqual(productTokens('CODESYS Web Server', 'codesys'), ['web', 'server']);
    assert.deepEqual(productTokens('Tracer SC+'), ['tracer', 'sc', 'plus']);
    assert.ok(!isDistinctive(productTokens('Web Server')));
    assert.ok(isDistinctive(productTokens('GP Pro EX')));
    assert.ok(isDistinctive(productTokens('VideoEdge')));
  });

  it('names families from names and order numbers', () => {
    assert.deepEqual(familyTokens('SIMATIC S7-1500 CPU family'), ['s7-1500']);
    assert.deepEqual(familyTokens('SIMATIC S7-1500 Software Controller'), ['s7-1500 software controller']);
    assert.deepEqual(familyTokens('ControlLogix 5580 controllers'), ['controllogix 5580']);
    assert.deepEqual(familyTokens('1756-L83E/B', 'rockwell'), ['controllogix 5580']);
    assert.deepEqual(familyTokens('6ES7 515-2AM01-0AB0'), ['s7-1500', 'cpu']);
    assert.deepEqual(familyTokens('Modicon M340'), ['modicon m340']);
  });

  it('reads version designations and exclusions', () => {
    assert.equal(nameVersionHint('RUGGEDCOM RSG2300NC V4.X'), '4');
    assert.equal(nameVersionHint('SIMATIC S7-1200 CPU family version 4 (incl. SIPLUS variants)'), '4');
    assert.equal(nameVersionHint('SINAMICS S120 V4.7 SP1 w. PN'), '4.7 SP1');
    assert.equal(nameVersionHint('SIMATIC WinCC V7.2 and prior'), null, 'an upper bound, not a line');
    assert.equal(nameVersionHint('SIMOTION P V4.4 and V4.5'), null);
    assert.equal(nameVersionHint('SINAMICS V90 w. PN'), null);
    assert.deepEqual(exceptTokens('SIMATIC ET200SP (incl. SIPLUS variants, except IM155-6 PN ST and IM155-6 PN HF)'), [
      ['im1556', 'pn', 'st'],
      ['im1556', 'pn', 'hf'],
    ]);
  });
});
