import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SyslogTarget } from './config.js';
import { parseForwardUrl } from './config.js';
import { sampleAlert } from './fixtures.js';
import { CEF_SEVERITY, cefExtensionEscape, cefHeaderEscape, formatCef } from './format-cef.js';
import { formatSyslog, octetFrame, sdEscape, syslogTimestamp } from './format-syslog.js';
import { encodeForTarget } from './forwarder.js';

test('CEF: every header field and extension of a plain alert, byte for byte', () => {
  const expected = [
    'CEF:0', // version
    'plantwarden', // device vendor
    'plantwarden', // device product
    '0.1.0', // device version
    'ops.controller-stop', // signature id = rule id
    'PLC 10.10.1.10 put into STOP by 10.20.100.77', // name = title
    '10', // severity: critical -> 10
    [
      'rt=1714554000123', // last seen, ms
      'start=1714550400000', // first seen, ms
      'end=1714554000123',
      'cnt=3',
      'src=10.10.1.10', // first IPv4 among the assets
      'dst=10.20.100.77',
      'app=s7comm',
      'cs1Label=alertId cs1=a1b2c3d4e5f60718293a',
      'cs2Label=assets cs2=ip:10.10.1.10,ip:10.20.100.77',
      'cs3Label=attack cs3=T0858,T0816',
      'cs4Label=remediation cs4=Call the control room.',
      'cs5Label=status cs5=open',
      'msg=s7comm PLC Stop 10.20.100.77 -> 10.10.1.10\\ns7comm PLC Stop again', // LF escaped as \n
    ].join(' '),
  ].join('|');
  assert.equal(formatCef(sampleAlert()), expected);
});

test('CEF: hostile title and evidence are escaped (| \\ = newlines, unicode kept)', () => {
  const line = formatCef(
    sampleAlert({
      title: 'a|b\\c=d\r\ne ü 🏭\u001b[31m',
      evidence: ['x=1\\y|z\r\nnext'],
      assets: ['mac:00:11:22:33:44:55'],
      protocol: null,
      attack: [],
      remediation: '',
    }),
  );
  assert.equal(
    line,
    'CEF:0|plantwarden|plantwarden|0.1.0|ops.controller-stop|' +
      'a\\|b\\\\c=d  e ü 🏭 [31m|10|' + // header: \| and \\ escaped, CR LF ESC -> spaces, = left alone
      'rt=1714554000123 start=1714550400000 end=1714554000123 cnt=3 ' + // no src/dst: no IPv4 asset
      'cs1Label=alertId cs1=a1b2c3d4e5f60718293a cs2Label=assets cs2=mac:00:11:22:33:44:55 ' +
      'cs5Label=status cs5=open ' +
      'msg=x\\=1\\\\y|z\\r\\nnext', // extension: \= \\ \r \n escaped, | left alone
  );
  assert.ok(!line.includes('\n') && !line.includes('\r'));
  assert.equal(cefHeaderEscape('|\\'), '\\|\\\\');
  assert.equal(cefExtensionEscape('a=b\\c\nd'), 'a\\=b\\\\c\\nd');
  assert.deepEqual(CEF_SEVERITY, { info: 1, low: 3, medium: 5, high: 8, critical: 10 });
});

test('CEF: long values are cut to the spec limits', () => {
  const line = formatCef(sampleAlert({ title: 'T'.repeat(2000), evidence: ['e'.repeat(5000)] }));
  const name = line.split('|')[5] as string;
  assert.equal(name.length, 512);
  assert.match(line, /msg=e{1022}…$/);
});

test('RFC 5424: header, structured data and message, byte for byte', () => {
  const expected =
    '<162>1 ' + // PRI = local4 (20) * 8 + crit (2); VERSION 1
    '2024-05-01T09:00:00.123456Z ' + // TIMESTAMP = last seen, µs
    'sensor-1 ' + // HOSTNAME
    'plantwarden ' + // APP-NAME
    '- ' + // PROCID
    'ops.controller-stop ' + // MSGID = rule id
    '[plantwarden@32473 alertId="a1b2c3d4e5f60718293a" count="3" severity="critical" ' +
    'firstSeen="2024-05-01T08:00:00.000000Z" protocol="s7comm" assets="ip:10.10.1.10,ip:10.20.100.77" ' +
    'attack="T0858,T0816"] ' +
    'PLC 10.10.1.10 put into STOP by 10.20.100.77 (3x): s7comm PLC Stop again Remediation: Call the control room.';
  assert.equal(formatSyslog(sampleAlert(), { hostname: 'sensor-1' }), expected);
  assert.equal(
    formatSyslog(sampleAlert({ severity: 'info' }), { hostname: 'h', facility: 16 }).slice(0, 8),
    '<134>1 2', // local0 (16) * 8 + informational (6)
  );
});

test('RFC 5424: SD escaping, MSG control characters, BOM for UTF-8, bad header fields', () => {
  const msg = formatSyslog(
    sampleAlert({
      ruleId: 'rule with spaces and ü',
      assets: ['a"b', 'c\\d', 'e]f'],
      title: 'Stop\nnow ü',
      evidence: [],
      remediation: '',
      protocol: null,
      attack: [],
    }),
    { hostname: 'bad host' },
  );
  assert.equal(
    msg,
    '<162>1 2024-05-01T09:00:00.123456Z bad_host plantwarden - rule_with_spaces_and__ ' +
      '[plantwarden@32473 alertId="a1b2c3d4e5f60718293a" count="3" severity="critical" ' +
      'firstSeen="2024-05-01T08:00:00.000000Z" assets="a\\"b,c\\\\d,e\\]f"] ' +
      '\ufeffStop now ü (3x)',
  );
  assert.equal(sdEscape('"\\]'), '\\"\\\\\\]');
  assert.equal(syslogTimestamp(0), '-');
  assert.equal(syslogTimestamp(1_000_000), '1970-01-01T00:00:01.000000Z');
});

test('RFC 5424: a message over maxBytes has its MSG cut at a character boundary', () => {
  const msg = formatSyslog(sampleAlert({ title: 'ü'.repeat(3000) }), { hostname: 'h', maxBytes: 600 });
  assert.ok(Buffer.byteLength(msg) <= 600);
  assert.ok(Buffer.byteLength(msg) >= 598);
  assert.ok(!msg.includes('\ufffd'));
});

test('octet-counting framing counts bytes, not characters', () => {
  assert.equal(octetFrame('aü').toString('utf8'), '3 aü');
  const t = parseForwardUrl('cef+tcp://127.0.0.1:1?hostname=s1') as SyslogTarget;
  const framed = encodeForTarget(sampleAlert(), t).toString('utf8');
  const sp = framed.indexOf(' ');
  assert.equal(Number(framed.slice(0, sp)), Buffer.byteLength(framed.slice(sp + 1)));
  assert.ok(
    framed.slice(sp + 1).startsWith('<162>1 2024-05-01T09:00:00.123456Z s1 plantwarden - ops.controller-stop - CEF:0|'),
  );
  const bare = parseForwardUrl('cef+udp://127.0.0.1:1?header=none') as SyslogTarget;
  assert.equal(encodeForTarget(sampleAlert(), bare).toString('utf8'), formatCef(sampleAlert()));
  const lf = parseForwardUrl('syslog+tcp://127.0.0.1:1?framing=lf&hostname=h') as SyslogTarget;
  const line = encodeForTarget(sampleAlert({ title: 'a\nb' }), lf).toString('utf8');
  assert.equal(line.indexOf('\n'), line.length - 1);
});
