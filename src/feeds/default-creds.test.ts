import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusPath, hasCorpus } from '../testing/corpus.js';
import { parseDefaultCredentials, parseScadapassPiece } from './default-creds.js';
import { FeedError } from './problems.js';
import { CHEATSHEET_CSV, GENERIC_CSV, ITI_CSV, SCADAPASS_CSV } from './test-fixtures.js';

const short = (c: { vendor: string; user: string; password: string; protocol: string; access: string }) =>
  `${c.vendor}|${c.user}|${c.password}|${c.protocol}|${c.access}`;

test('default creds: SCADAPASS layout', () => {
  const r = parseDefaultCredentials(SCADAPASS_CSV);
  assert.equal(r.layout, 'scadapass');
  assert.deepEqual(r.credentials.map(short), [
    'ABB|admin|admin|http|',
    'Alcatel-Lucent|admin|switch|http|',
    'Alcatel-Lucent|admin|switch|telnet|',
    'Advantech||00000000||',
    'Rockwell Automation||ZYPCOM|http|',
    'Rockwell Automation|uploader|ZYPCOM|ftp|',
    'Emerson|admin|||',
    'Emerson|sa|42Emerson42Eme||SQL Server',
    'Advantech|advantech|admin||serial port',
    'BinTec|admin|1234||',
  ]);
  assert.ok(r.credentials.every((c) => c.list === 'scadapass'));
  assert.equal(r.credentials[8]?.product, 'SNMP-1000, MIC-3924');
});

test('default creds: SCADAPASS password pieces', () => {
  assert.deepEqual(parseScadapassPiece('admin:admin'), { user: 'admin', password: 'admin', label: '' });
  assert.deepEqual(parseScadapassPiece('for the Windows log in Administrator:navigator'), {
    user: 'Administrator',
    password: 'navigator',
    label: '',
  });
  assert.deepEqual(parseScadapassPiece('user level: 22'), { user: '', password: '22', label: 'user level' });
  assert.deepEqual(parseScadapassPiece('22 (access to the parameters)'), {
    user: '',
    password: '22',
    label: 'access to the parameters',
  });
  assert.deepEqual(parseScadapassPiece('PPPSERVER:'), { user: 'PPPSERVER', password: '', label: '' });
  assert.equal(parseScadapassPiece('no credential here at all'), null);
  assert.equal(parseScadapassPiece(':'), null);
});

test('default creds: ITI, cheat sheet and generic layouts', () => {
  const iti = parseDefaultCredentials(ITI_CSV);
  assert.equal(iti.layout, 'iti-ics-default-passwords');
  assert.deepEqual(iti.credentials.map(short), [
    'Schneider|sysdiag|factorycast@schneider|ftp|FTP',
    'Siemens|admin||http|Web',
  ]);
  assert.equal(iti.credentials[1]?.product, 'S7-1200');
  const cs = parseDefaultCredentials(CHEATSHEET_CSV);
  assert.equal(cs.layout, 'defaultcreds-cheat-sheet');
  assert.deepEqual(cs.credentials.map(short), ['3COM|admin|||', '3COM||12345||', 'Siemens|admin|admin||']);
  const g = parseDefaultCredentials(GENERIC_CSV);
  assert.equal(g.layout, 'generic');
  assert.deepEqual(g.credentials.map(short), ['Acme|admin|admin|http|web', 'Acme||public|snmp|read']);
  assert.deepEqual(g.problems, [{ where: 'line 4', message: 'expected 6 columns, found 2' }]);
  assert.throws(() => parseDefaultCredentials('name,ip\nplc,10.0.0.1'), FeedError);
  assert.throws(() => parseDefaultCredentials(''), FeedError);
});

test('default creds: the three corpus lists', (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const read = (...p: string[]) => parseDefaultCredentials(readFileSync(corpusPath('credentials', ...p), 'utf8'));
  const sp = read('scadapass', 'scadapass.csv');
  const iti = read('iti-ics-default-passwords', 'configurations', 'passwords', 'ics-default-passwords.csv');
  const cs = read('defaultcreds-cheat-sheet', 'DefaultCreds-Cheat-Sheet.csv');
  assert.equal(sp.layout, 'scadapass');
  assert.equal(iti.layout, 'iti-ics-default-passwords');
  assert.equal(cs.layout, 'defaultcreds-cheat-sheet');
  assert.ok(sp.credentials.length > 300, `scadapass: ${sp.credentials.length}`);
  assert.equal(iti.credentials.length, 5);
  assert.ok(cs.credentials.length > 3500);
  assert.ok(sp.credentials.some((c) => c.vendor === 'Hirschmann' && c.user === 'admin' && c.password === 'private'));
});
