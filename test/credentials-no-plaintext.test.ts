/**
 * Secrets seen on the wire never reach the database, the command output or the JSON exports:
 * only keyed fingerprints do. Two sources of secrets:
 * - a capture this test builds, with a unique, unmistakable secret per protocol (FTP, Telnet,
 *   HTTP Basic, SNMP community, MQTT), so a leak anywhere cannot hide among ordinary words;
 * - the corpus captures with logins (INDEX_pcaps.csv credential_markers), checked for their
 *   distinctive secrets (listed below, read with Wireshark when this test was written).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildPcap } from '../src/capture/pcap-builder.js';
import { LinkType } from '../src/capture/types.js';
import { main } from '../src/cli/main.js';
import { corpusPath, hasCorpus } from '../src/testing/corpus.js';
import { ethernet, ipv4, tcpConversation, udp } from '../src/testing/frames.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_772_431_200_000_000;
const ascii = (s: string) => [...Buffer.from(s, 'latin1')];

/** Secrets planted in the generated capture: each appears nowhere else. */
const PLANTED = {
  ftp: 'Ftp-Secret-7c1e9a',
  telnet: 'Telnet-Secret-3b8d55',
  http: 'Http-Secret-91f0c2',
  snmp: 'Snmp-Community-4d2a77',
  mqtt: 'Mqtt-Secret-e6b314',
};

/** SNMPv1 GetRequest (0xa0) or GetResponse (0xa2) for sysDescr.0 with the given community (BER, annotated). */
function snmpGet(community: string, response = false): number[] {
  const c = ascii(community);
  const value = response ? [0x04, 0x06, ...ascii('Switch')] : [0x05, 0x00]; // OCTET STRING 'Switch' or NULL
  const oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00]; // sysDescr.0
  const varbind = [0x30, oid.length + value.length, ...oid, ...value];
  const vbl = [0x30, varbind.length, ...varbind]; // varbind list
  const pdu = [
    ...[0x02, 0x01, 0x2a], // request id 42
    ...[0x02, 0x01, 0x00], // error status 0
    ...[0x02, 0x01, 0x00], // error index 0
    ...vbl,
  ];
  const body = [
    ...[0x02, 0x01, 0x00], // version 0 (SNMPv1)
    ...[0x04, c.length, ...c], // community
    ...[response ? 0xa2 : 0xa0, pdu.length, ...pdu], // GetRequest / GetResponse PDU
  ];
  return [0x30, body.length, ...body];
}

/** MQTT 3.1.1 CONNECT with user name and password (annotated). */
function mqttConnect(user: string, password: string): number[] {
  const str = (s: string) => [s.length >> 8, s.length & 255, ...ascii(s)];
  const variable = [
    ...str('MQTT'), // protocol name
    0x04, // protocol level 4 (3.1.1)
    0xc2, // flags: user name, password, clean session
    0x00,
    0x3c, // keep alive 60 s
  ];
  const payload = [...str('plc-gateway-01'), ...str(user), ...str(password)];
  const rest = [...variable, ...payload];
  return [0x10, rest.length, ...rest]; // CONNECT, remaining length (< 128)
}

function plantedCapture(): Uint8Array {
  const a = { clientMac: '00:0c:29:00:00:01', clientIp: '10.20.0.5', startUs: T0 };
  const packets = [
    ...tcpConversation({
      ...a,
      serverMac: '00:1b:1b:00:00:02',
      serverIp: '10.20.0.10',
      clientPort: 50001,
      serverPort: 21,
      exchanges: [
        { request: [], response: ascii('220 PLC FTP server ready\r\n') },
        { request: ascii('USER operator\r\n'), response: ascii('331 Password required\r\n') },
        { request: ascii(`PASS ${PLANTED.ftp}\r\n`), response: ascii('230 Logged in\r\n') },
        { request: ascii('QUIT\r\n'), response: ascii('221 Bye\r\n') },
      ],
    }),
    ...tcpConversation({
      ...a,
      serverMac: '00:1b:1b:00:00:03',
      serverIp: '10.20.0.11',
      clientPort: 50002,
      serverPort: 23,
      startUs: T0 + 1_000_000,
      exchanges: [
        { request: ascii('\r\n'), response: ascii('Switch\r\nlogin: ') },
        { request: ascii('admin\r\n'), response: ascii('admin\r\nPassword: ') },
        { request: ascii(`${PLANTED.telnet}\r\n`), response: ascii('\r\nWelcome\r\nswitch# ') },
      ],
    }),
    ...tcpConversation({
      ...a,
      serverMac: '00:1b:1b:00:00:04',
      serverIp: '10.20.0.12',
      clientPort: 50003,
      serverPort: 80,
      startUs: T0 + 2_000_000,
      exchanges: [
        {
          request: ascii(
            `GET /config HTTP/1.1\r\nHost: 10.20.0.12\r\nAuthorization: Basic ${Buffer.from(`admin:${PLANTED.http}`).toString('base64')}\r\n\r\n`,
          ),
          response: ascii('HTTP/1.1 200 OK\r\nServer: GoAhead-Webs\r\nContent-Length: 0\r\n\r\n'),
        },
      ],
    }),
    ...tcpConversation({
      ...a,
      serverMac: '00:1b:1b:00:00:05',
      serverIp: '10.20.0.13',
      clientPort: 50004,
      serverPort: 1883,
      startUs: T0 + 3_000_000,
      exchanges: [{ request: mqttConnect('sensor', PLANTED.mqtt), response: [0x20, 0x02, 0x00, 0x00] }],
    }),
    {
      tsUs: T0 + 4_000_000,
      data: Uint8Array.from(
        ethernet(
          '00:1b:1b:00:00:06',
          a.clientMac,
          0x0800,
          ipv4(a.clientIp, '10.20.0.14', 17, udp(50005, 161, snmpGet(PLANTED.snmp))),
        ),
      ),
    },
    {
      tsUs: T0 + 4_001_000,
      data: Uint8Array.from(
        ethernet(
          a.clientMac,
          '00:1b:1b:00:00:06',
          0x0800,
          ipv4('10.20.0.14', a.clientIp, 17, udp(161, 50005, snmpGet(PLANTED.snmp, true))),
        ),
      ),
    },
  ];
  return buildPcap({ linkType: LinkType.ETHERNET }, packets);
}

/** Distinctive secrets of corpus traces (common words such as "test" are left out: they also occur as user names). */
const CORPUS: { trace: string[]; secrets: string[] }[] = [
  { trace: ['zeek-btest', 'testing', 'btest', 'Traces', 'ftp', 'ftp-password-pass-command.pcap'], secrets: ['qwerty'] },
  { trace: ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'ftp', 'cap3.cap'], secrets: ['123456'] },
  { trace: ['pcaps', 'liushiwen555-testing_tools', 'pcaps', 'sip', 'sip.pcap'], secrets: ['d0xa!'] },
  { trace: ['zeek-btest', 'testing', 'btest', 'Traces', 'snmp', 'snmpv2_get_next.pcap'], secrets: ['[R0_C@cti!]'] },
];

async function cli(...args: string[]): Promise<string> {
  const out: string[] = [];
  const log = console.log;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'plantwarden', ...args]);
    assert.equal(code, 0, out.join('\n'));
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
  return out.join('\n');
}

/** Everything the database wrote to disk, as bytes. */
function dbBytes(db: string): Buffer {
  const files = readdirSync(dir).filter((f) => f.startsWith(db.split('/').pop() as string));
  return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
}

function assertAbsent(haystack: Buffer, secret: string, where: string): void {
  for (const form of [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le')]) {
    assert.equal(haystack.indexOf(form), -1, `secret '${secret.slice(0, 2)}…' found in ${where}`);
  }
}

test('planted secrets: credentials are recorded, secrets are not', async () => {
  const cap = join(dir, 'planted.pcap');
  writeFileSync(cap, plantedCapture());
  const db = join(dir, 'planted.db');
  let output = await cli('analyze', cap, '--db', db);
  output += await cli('assets', '--json', '--db', db);
  for (const ip of ['10.20.0.5', '10.20.0.10', '10.20.0.11', '10.20.0.12', '10.20.0.13', '10.20.0.14']) {
    output += await cli('asset', ip, '--db', db);
    output += await cli('asset', ip, '--json', '--db', db);
  }
  const disk = dbBytes(db);
  for (const secret of Object.values(PLANTED)) {
    assertAbsent(Buffer.from(output), secret, 'the command output');
    assertAbsent(disk, secret, 'the database files');
  }
  // The credentials themselves were seen: user names and fingerprints are there.
  const json = await cli('asset', '10.20.0.5', '--json', '--db', db);
  const creds = (
    JSON.parse(json) as { credentials: { protocol: string; user: string; secretFingerprint: string | null }[] }
  ).credentials;
  const protocols = new Set(creds.filter((c) => c.secretFingerprint).map((c) => c.protocol));
  for (const p of ['ftp', 'telnet', 'http', 'snmp', 'mqtt'])
    assert.ok(protocols.has(p), `a ${p} credential with a fingerprint`);
  assert.ok(creds.some((c) => c.protocol === 'ftp' && c.user === 'operator'));
});

test('corpus secrets never reach the database or the output', async (t) => {
  if (!hasCorpus) return t.skip('no corpus');
  const db = join(dir, 'corpus.db');
  let output = '';
  for (const c of CORPUS) output += await cli('analyze', corpusPath(...c.trace), '--db', db);
  output += await cli('assets', '--json', '--db', db);
  const disk = dbBytes(db);
  for (const c of CORPUS) {
    for (const secret of c.secrets) {
      assertAbsent(Buffer.from(output), secret, 'the command output');
      assertAbsent(disk, secret, 'the database files');
    }
  }
});
