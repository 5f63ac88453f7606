import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { sql } from 'kysely';
import type {
  AnalysisRecord,
  AnomalyRecord,
  AssetRecord,
  CredentialRecord,
  FactRecord,
  InventorySnapshot,
  LinkRecord,
} from '../inventory/model.js';
import { storeTargets } from '../testing/store-targets.js';
import { createMigrator, migrations } from './migrations.js';
import { openStore, type Store } from './open.js';

// One contract suite for InventoryRepository, run for every implementation: SQLite (a temp
// file per test) and PostgreSQL (a fresh schema per test, dropped afterwards). PostgreSQL must
// be reachable at PW_TEST_PG_URL (default below, trust auth); set PW_SKIP_PG=1 to skip it.

/** Links in the large-merge test; PW_STORE_LARGE_LINKS=100000 gives the full benchmark size. */
const LARGE_LINKS = Number(process.env.PW_STORE_LARGE_LINKS) || 20_000;

// --- fixtures ---------------------------------------------------------------------------

const PLC = 'mac:00:1b:1b:01:02:03';
const HMI = 'ip:10.0.0.9';
const ROUTER = 'mac:00:00:5e:00:01:01';

function fact(field: string, value: string, protocol: string, source: string, p: Partial<FactRecord> = {}): FactRecord {
  return { field, value, protocol, source, precedence: 50, firstSeenUs: 1000, lastSeenUs: 2000, count: 1, ...p };
}

/** Fingerprints are opaque 32-hex strings to the store; these stand in for ctx.fingerprint(secret). */
const FP_ADMIN = '00112233445566778899aabbccddeeff';
const FP_PUBLIC = 'fedcba98765432100123456789abcdef';

function credential(p: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    clientKey: HMI,
    serverKey: PLC,
    protocol: 'ftp',
    mechanism: 'password',
    user: 'admin',
    secretFingerprint: FP_ADMIN,
    cleartext: true,
    source: 'ftp.USER/PASS',
    successes: 1,
    failures: 2,
    count: 3,
    firstSeenUs: 1300,
    lastSeenUs: 1400,
    ...p,
  };
}

function analysis(id: string, startedAt: string, p: Partial<AnalysisRecord> = {}): AnalysisRecord {
  return {
    id,
    source: `${id}.pcap`,
    format: 'pcap',
    startedAt,
    finishedAt: startedAt.replace('00Z', '09Z'),
    packets: 100,
    bytes: 6400,
    firstPacketUs: 1000,
    lastPacketUs: 2000,
    summary: { linkTypes: { ethernet: 100 }, stopReason: 'eof', protocols: { modbus: 40 } },
    ...p,
  };
}

/** First analysis: a PLC served over Modbus/TCP to an HMI known only by IP. */
function snapshotA(): InventorySnapshot {
  return {
    analysis: analysis('an-1', '2024-05-01T10:00:00Z'),
    assets: [
      {
        key: PLC,
        mac: '00:1b:1b:01:02:03',
        ips: ['10.0.0.5'],
        vlans: [10],
        isRouter: false,
        firstSeenUs: 1000,
        lastSeenUs: 2000,
        packetsSent: 10,
        packetsReceived: 20,
        bytesSent: 1000,
        bytesReceived: 2000,
        facts: [
          fact('vendor', 'Siemens', 'oui', 'oui', { precedence: 10, lastSeenUs: 1000 }),
          fact('vendor', 'Siemens AG', 'modbus', 'modbus.43/14.VendorName', {
            precedence: 90,
            firstSeenUs: 1100,
            lastSeenUs: 1900,
            count: 3,
          }),
        ],
        roles: [
          {
            protocol: 'modbus',
            role: 'server',
            transport: 'tcp',
            port: 502,
            peers: 2,
            flows: 4,
            firstSeenUs: 1000,
            lastSeenUs: 2000,
          },
        ],
        classification: { role: 'plc', confidence: 0.9, reasons: ['serves Modbus/TCP on 502 to 2 clients'] },
      },
      {
        key: HMI,
        mac: null,
        ips: ['10.0.0.9'],
        vlans: [],
        isRouter: false,
        firstSeenUs: 1200,
        lastSeenUs: 1800,
        packetsSent: 20,
        packetsReceived: 10,
        bytesSent: 2000,
        bytesReceived: 1000,
        facts: [],
        roles: [
          {
            protocol: 'modbus',
            role: 'client',
            transport: 'tcp',
            port: 502,
            peers: 1,
            flows: 4,
            firstSeenUs: 1200,
            lastSeenUs: 1800,
          },
        ],
        classification: { role: 'hmi', confidence: 0.5, reasons: ['polls one PLC'] },
      },
    ],
    links: [
      {
        clientKey: HMI,
        serverKey: PLC,
        protocol: 'modbus',
        transport: 'tcp',
        port: 502,
        flows: 4,
        packets: 30,
        bytes: 3000,
        firstSeenUs: 1200,
        lastSeenUs: 1800,
        ops: { 'modbus:READ_HOLDING_REGISTERS': 12, 'modbus:WRITE_SINGLE_REGISTER': 2 },
      },
    ],
    anomalies: [
      {
        code: 'modbus-length-mismatch',
        protocol: 'modbus',
        assetKey: HMI,
        count: 2,
        firstSeenUs: 1500,
        lastSeenUs: 1600,
        example: 'length 300 > 260',
      },
      {
        code: 'tcp-bad-checksum',
        protocol: 'tcp',
        assetKey: null,
        count: 1,
        firstSeenUs: 1700,
        lastSeenUs: 1700,
        example: 'checksum 0x1234',
      },
    ],
    credentials: [
      credential(),
      // SNMP community sent to an address that never became an asset.
      credential({
        serverKey: null,
        protocol: 'snmp',
        mechanism: 'community',
        user: '',
        secretFingerprint: FP_PUBLIC,
        source: 'snmp.community',
        successes: 0,
        failures: 0,
        count: 5,
        firstSeenUs: 1000,
        lastSeenUs: 2000,
      }),
      // Encrypted first; the second analysis sees it in the clear.
      credential({
        protocol: 'opcua',
        user: 'operator',
        secretFingerprint: null,
        cleartext: false,
        source: 'opcua.ActivateSession.UserNameIdentityToken',
        successes: 1,
        failures: 0,
        count: 1,
        firstSeenUs: 1500,
        lastSeenUs: 1500,
      }),
    ],
  };
}

/** Second analysis: the PLC again (wider times, new IP/VLAN/fact), a router, more traffic. */
function snapshotB(): InventorySnapshot {
  return {
    analysis: analysis('an-2', '2024-05-02T10:00:00Z', { firstPacketUs: 500, lastPacketUs: 3000 }),
    assets: [
      {
        key: PLC,
        mac: '00:1b:1b:01:02:03',
        ips: ['10.0.1.5', '10.0.0.5'],
        vlans: [20, 10],
        isRouter: false,
        firstSeenUs: 500,
        lastSeenUs: 1800,
        packetsSent: 1,
        packetsReceived: 2,
        bytesSent: 100,
        bytesReceived: 200,
        facts: [
          fact('vendor', 'Siemens AG', 'modbus', 'modbus.43/14.VendorName', {
            precedence: 90,
            firstSeenUs: 900,
            lastSeenUs: 2500,
            count: 2,
          }),
          fact('model', 'S7-1200', 's7comm', 's7comm.szl.0x0011', {
            precedence: 80,
            firstSeenUs: 2600,
            lastSeenUs: 2600,
          }),
        ],
        roles: [
          {
            protocol: 'modbus',
            role: 'server',
            transport: 'tcp',
            port: 502,
            peers: 1,
            flows: 1,
            firstSeenUs: 1200,
            lastSeenUs: 3000,
          },
          {
            protocol: 's7comm',
            role: 'server',
            transport: 'tcp',
            port: 102,
            peers: 1,
            flows: 1,
            firstSeenUs: 2600,
            lastSeenUs: 2700,
          },
        ],
        classification: { role: 'plc', confidence: 0.7, reasons: ['serves S7comm'] },
      },
      {
        key: ROUTER,
        mac: '00:00:5e:00:01:01',
        ips: [],
        vlans: [],
        isRouter: true,
        firstSeenUs: 600,
        lastSeenUs: 2900,
        packetsSent: 5,
        packetsReceived: 5,
        bytesSent: 500,
        bytesReceived: 500,
        facts: [],
        roles: [],
        classification: { role: 'network-device', confidence: 0.6, reasons: ['routes 4 IPs'] },
      },
    ],
    links: [
      {
        clientKey: HMI,
        serverKey: PLC,
        protocol: 'modbus',
        transport: 'tcp',
        port: 502,
        flows: 1,
        packets: 5,
        bytes: 500,
        firstSeenUs: 2500,
        lastSeenUs: 3000,
        ops: { 'modbus:READ_HOLDING_REGISTERS': 5, 'modbus:READ_COILS': 1 },
      },
      {
        clientKey: HMI,
        serverKey: PLC,
        protocol: 's7comm',
        transport: 'tcp',
        port: 102,
        flows: 1,
        packets: 8,
        bytes: 800,
        firstSeenUs: 2600,
        lastSeenUs: 2700,
        ops: {},
      },
    ],
    anomalies: [
      {
        code: 'modbus-length-mismatch',
        protocol: 'modbus',
        assetKey: HMI,
        count: 1,
        firstSeenUs: 1400,
        lastSeenUs: 1550,
        example: 'a later example that must not replace the first',
      },
      {
        code: 'tcp-bad-checksum',
        protocol: 'tcp',
        assetKey: null,
        count: 4,
        firstSeenUs: 2000,
        lastSeenUs: 2800,
        example: 'checksum 0x9999',
      },
    ],
    credentials: [
      // The FTP login again, encrypted this time (FTPS): cleartext stays true.
      credential({ cleartext: false, successes: 2, failures: 0, count: 2, firstSeenUs: 1200, lastSeenUs: 2600 }),
      credential({
        protocol: 'opcua',
        user: 'operator',
        secretFingerprint: null,
        cleartext: true,
        source: 'opcua.ActivateSession.UserNameIdentityToken',
        successes: 0,
        failures: 1,
        count: 1,
        firstSeenUs: 2700,
        lastSeenUs: 2700,
      }),
      // A presenter that is not an asset, and no secret seen.
      credential({
        clientKey: null,
        protocol: 'mqtt',
        user: "sensor-7'; --",
        secretFingerprint: null,
        cleartext: false,
        source: 'mqtt.CONNECT',
        successes: 0,
        failures: 0,
        count: 4,
        firstSeenUs: 2100,
        lastSeenUs: 2900,
      }),
    ],
  };
}

/** What the store must hold after A then B (in the repository's documented order). */
function expectedAfterAB(): {
  assets: AssetRecord[];
  links: LinkRecord[];
  anomalies: AnomalyRecord[];
  credentials: CredentialRecord[];
} {
  const a = snapshotA();
  const b = snapshotB();
  const hmi = a.assets[1]!;
  const plc: AssetRecord = {
    ...a.assets[0]!,
    ips: ['10.0.0.5', '10.0.1.5'],
    vlans: [10, 20],
    firstSeenUs: 500,
    lastSeenUs: 2000,
    packetsSent: 11,
    packetsReceived: 22,
    bytesSent: 1100,
    bytesReceived: 2200,
    facts: [
      fact('model', 'S7-1200', 's7comm', 's7comm.szl.0x0011', { precedence: 80, firstSeenUs: 2600, lastSeenUs: 2600 }),
      fact('vendor', 'Siemens AG', 'modbus', 'modbus.43/14.VendorName', {
        precedence: 90,
        firstSeenUs: 900,
        lastSeenUs: 2500,
        count: 5,
      }),
      fact('vendor', 'Siemens', 'oui', 'oui', { precedence: 10, lastSeenUs: 1000 }),
    ],
    roles: [
      {
        protocol: 'modbus',
        role: 'server',
        transport: 'tcp',
        port: 502,
        peers: 2,
        flows: 5,
        firstSeenUs: 1000,
        lastSeenUs: 3000,
      },
      b.assets[0]!.roles[1]!,
    ],
    // The stored classification was more confident (0.9 > 0.7), so it stays.
    classification: a.assets[0]!.classification,
  };
  return {
    assets: [hmi, b.assets[1]!, plc],
    links: [
      {
        ...a.links[0]!,
        flows: 5,
        packets: 35,
        bytes: 3500,
        firstSeenUs: 1200,
        lastSeenUs: 3000,
        ops: {
          'modbus:READ_COILS': 1,
          'modbus:READ_HOLDING_REGISTERS': 17,
          'modbus:WRITE_SINGLE_REGISTER': 2,
        },
      },
      b.links[1]!,
    ],
    anomalies: [
      { ...a.anomalies[0]!, count: 3, firstSeenUs: 1400, lastSeenUs: 1600 },
      { ...a.anomalies[1]!, count: 5, firstSeenUs: 1700, lastSeenUs: 2800 },
    ],
    // Sorted by (client, server, ...) with null as '': the MQTT one (no client) comes first.
    credentials: [
      b.credentials[2]!,
      a.credentials[1]!,
      {
        ...a.credentials[0]!,
        cleartext: true,
        successes: 3,
        failures: 2,
        count: 5,
        firstSeenUs: 1200,
        lastSeenUs: 2600,
      },
      {
        ...a.credentials[2]!,
        cleartext: true,
        successes: 1,
        failures: 1,
        count: 2,
        firstSeenUs: 1500,
        lastSeenUs: 2700,
      },
    ],
  };
}

/** A snapshot exactly as the store must give it back (lists in the documented order). */
function sorted(s: InventorySnapshot): { assets: AssetRecord[]; links: LinkRecord[]; credentials: CredentialRecord[] } {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const assets = s.assets
    .map((a) => ({
      ...a,
      ips: [...a.ips].sort(cmp),
      vlans: [...a.vlans].sort((x, y) => x - y),
      facts: [...a.facts].sort((x, y) => cmp(x.field, y.field) || y.precedence - x.precedence || cmp(x.value, y.value)),
    }))
    .sort((x, y) => cmp(x.key, y.key));
  const links = s.links.map((l) => ({
    ...l,
    ops: Object.fromEntries(Object.entries(l.ops).sort((x, y) => cmp(x[0], y[0]))),
  }));
  const credentials = [...s.credentials].sort(
    (x, y) =>
      cmp(x.clientKey ?? '', y.clientKey ?? '') ||
      cmp(x.serverKey ?? '', y.serverKey ?? '') ||
      cmp(x.protocol, y.protocol) ||
      cmp(x.mechanism, y.mechanism) ||
      cmp(x.user, y.user) ||
      cmp(x.secretFingerprint ?? '', y.secretFingerprint ?? '') ||
      cmp(x.source, y.source),
  );
  return { assets, links, credentials };
}

/** Deterministic text of `n` UTF-16 units mixing ASCII, quotes, NUL, BMP and astral characters. */
function hostileText(n: number, seed: number): string {
  const pieces = ["'", '"', '\\', '\0', ';--', 'é', '\u202e', '中', '\u{1F525}', '\uE000', '\n', 'A', '%', '_'];
  let s = '';
  let x = seed;
  while (s.length < n) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += pieces[x % pieces.length];
  }
  return s;
}

/** A large snapshot: `assets` assets with 5 facts each and `links` links with one op each. */
function largeSnapshot(id: string, assets: number, links: number): InventorySnapshot {
  const list: AssetRecord[] = [];
  for (let i = 0; i < assets; i++) {
    const mac = `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    const facts: FactRecord[] = [];
    for (let f = 0; f < 5; f++) facts.push(fact(`field-${f}`, `value ${i}/${f}`, 'modbus', 'modbus.43/14'));
    list.push({
      key: `mac:${mac}`,
      mac,
      ips: [`10.${(i >> 8) & 255}.${i & 255}.1`],
      vlans: [1],
      isRouter: false,
      firstSeenUs: 1000,
      lastSeenUs: 2000,
      packetsSent: 10,
      packetsReceived: 10,
      bytesSent: 640,
      bytesReceived: 640,
      facts,
      roles: [
        {
          protocol: 'modbus',
          role: 'server',
          transport: 'tcp',
          port: 502,
          peers: 1,
          flows: 1,
          firstSeenUs: 1000,
          lastSeenUs: 2000,
        },
      ],
      classification: { role: 'plc', confidence: 0.8, reasons: ['serves Modbus/TCP'] },
    });
  }
  const linkList: LinkRecord[] = [];
  for (let l = 0; l < links; l++) {
    linkList.push({
      clientKey: list[l % assets]!.key,
      serverKey: list[(l * 7 + 1) % assets]!.key,
      protocol: 'modbus',
      transport: 'tcp',
      port: 502 + Math.floor(l / assets),
      flows: 1,
      packets: 10,
      bytes: 640,
      firstSeenUs: 1000,
      lastSeenUs: 2000,
      ops: { 'modbus:READ_HOLDING_REGISTERS': 5 },
    });
  }
  return {
    analysis: analysis(id, '2024-06-01T00:00:00Z'),
    assets: list,
    links: linkList,
    anomalies: [],
    credentials: [],
  };
}

async function migrationRows(store: Store): Promise<{ name: string; timestamp: string }[]> {
  const r = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration`.execute(
    store.db,
  );
  return r.rows.map((x) => ({ name: x.name, timestamp: String(x.timestamp) }));
}

// --- the contract -------------------------------------------------------------------------

for (const target of storeTargets('pw_test')) {
  describe(`InventoryRepository contract (${target.name})`, () => {
    before(() => target.setup());
    after(() => target.teardown());

    /** A new, empty store for one test, closed when the test ends. */
    async function fresh(t: TestContext): Promise<Store | null> {
      const url = await target.freshUrl(t);
      if (url === null) return null;
      const store = await openStore(url);
      t.after(() => store.close());
      return store;
    }

    test('merge into an empty store gives the snapshot back', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      assert.deepEqual(await s.listAssets(), []);
      assert.deepEqual(await s.listCredentials(), []);
      assert.equal(await s.mergeSnapshot(snapshotA()), true);
      const want = sorted(snapshotA());
      assert.deepEqual(await s.listAssets(), want.assets);
      assert.deepEqual(await s.listLinks(), want.links);
      assert.deepEqual(await s.listAnomalies(), snapshotA().anomalies);
      assert.deepEqual(await s.listCredentials(), want.credentials);
      assert.deepEqual(await s.listAnalyses(), [snapshotA().analysis]);
    });

    test('a second snapshot adds counters, widens times and upserts every table', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      assert.equal(await s.mergeSnapshot(snapshotA()), true);
      assert.equal(await s.mergeSnapshot(snapshotB()), true);
      const want = expectedAfterAB();
      assert.deepEqual(await s.listAssets(), want.assets);
      assert.deepEqual(await s.listLinks(), want.links);
      assert.deepEqual(await s.listAnomalies(), want.anomalies);
      assert.deepEqual(await s.listCredentials(), want.credentials);
      assert.deepEqual(
        (await s.listAnalyses()).map((a) => a.id),
        ['an-1', 'an-2'],
      );
    });

    test('duplicates inside one snapshot merge like two snapshots', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      const a = snapshotA();
      const b = snapshotB();
      const both: InventorySnapshot = {
        analysis: a.analysis,
        assets: [...a.assets, ...b.assets],
        links: [...a.links, ...b.links],
        anomalies: [...a.anomalies, ...b.anomalies],
        credentials: [...a.credentials, ...b.credentials],
      };
      assert.equal(await s.mergeSnapshot(both), true);
      const want = expectedAfterAB();
      assert.deepEqual(await s.listAssets(), want.assets);
      assert.deepEqual(await s.listLinks(), want.links);
      assert.deepEqual(await s.listAnomalies(), want.anomalies);
      assert.deepEqual(await s.listCredentials(), want.credentials);
    });

    test('merging an analysis id already stored is refused and changes nothing', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      assert.equal(await s.mergeSnapshot(snapshotA()), true);
      const before = {
        assets: await s.listAssets(),
        links: await s.listLinks(),
        anomalies: await s.listAnomalies(),
        credentials: await s.listCredentials(),
      };
      const again = snapshotB();
      again.analysis = { ...again.analysis, id: 'an-1' };
      assert.equal(await s.mergeSnapshot(again), false);
      assert.equal(await s.mergeSnapshot(snapshotA()), false);
      assert.deepEqual(await s.listAssets(), before.assets);
      assert.deepEqual(await s.listLinks(), before.links);
      assert.deepEqual(await s.listAnomalies(), before.anomalies);
      assert.deepEqual(await s.listCredentials(), before.credentials);
      assert.deepEqual(await s.listAnalyses(), [snapshotA().analysis]);

      // Two merges of one new analysis racing: exactly one wins.
      const results = await Promise.all([s.mergeSnapshot(snapshotB()), s.mergeSnapshot(snapshotB())]);
      assert.deepEqual([...results].sort(), [false, true]);
      assert.deepEqual(await s.listAssets(), expectedAfterAB().assets);
      assert.deepEqual(await s.listCredentials(), expectedAfterAB().credentials);
    });

    test('a merge that fails part-way leaves the store unchanged', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      // The credentials upsert runs last; without its table the merge fails after the others.
      await sql`drop table credentials`.execute(s.db);
      await assert.rejects(s.mergeSnapshot(snapshotA()));
      assert.deepEqual(await s.listAssets(), []);
      assert.deepEqual(await s.listLinks(), []);
      assert.deepEqual(await s.listAnomalies(), []);
      assert.deepEqual(await s.listAnalyses(), []);
    });

    test('findAsset by key, IP, and MAC in any spelling', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      await s.mergeSnapshot(snapshotA());
      await s.mergeSnapshot(snapshotB());
      const v6: InventorySnapshot = {
        analysis: analysis('an-v6', '2024-05-03T10:00:00Z'),
        assets: [{ ...snapshotA().assets[1]!, key: 'ip:fe80::21b:1bff:fe01:203', ips: ['fe80::21b:1bff:fe01:203'] }],
        links: [],
        anomalies: [],
        credentials: [],
      };
      await s.mergeSnapshot(v6);
      const plc = (await s.listAssets()).find((a) => a.key === PLC);
      for (const q of [
        PLC,
        '00:1b:1b:01:02:03',
        '00-1B-1B-01-02-03',
        '001b1b010203',
        '001B1B010203',
        '001b.1b01.0203',
        '0:1b:1b:1:2:3',
        'MAC:00-1b-1b-01-02-03',
        ' 00:1B:1B:01:02:03 ',
        '10.0.0.5',
        '10.0.1.5',
        'ip:10.0.1.5',
      ]) {
        assert.deepEqual(await s.findAsset(q), plc, q);
      }
      assert.equal((await s.findAsset(HMI))?.key, HMI);
      assert.equal((await s.findAsset('10.0.0.9'))?.key, HMI);
      assert.equal((await s.findAsset('00:00:5E:00:01:01'))?.key, ROUTER);
      for (const q of ['FE80::21B:1BFF:FE01:203', 'fe80:0:0:0:21b:1bff:fe01:203', 'fe80::21b:1bff:fe01:203']) {
        assert.equal((await s.findAsset(q))?.key, 'ip:fe80::21b:1bff:fe01:203', q);
      }
      for (const q of ['', '   ', '10.0.0.99', '00:1b:1b:01:02:04', 'mac:', 'nonsense', "' or 1=1 --"]) {
        assert.equal(await s.findAsset(q), null, q);
      }
    });

    test('setClassifications replaces role, confidence and reasons', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      await s.mergeSnapshot(snapshotA());
      const eng = {
        role: 'engineering-workstation' as const,
        confidence: 0.95,
        reasons: ['programs PLCs', 'runs TIA'],
      };
      await s.setClassifications([
        { key: HMI, classification: eng },
        { key: 'mac:ff:ff:ff:ff:ff:ff', classification: eng },
      ]);
      await s.setClassifications([]);
      assert.deepEqual((await s.findAsset(HMI))?.classification, eng);
      assert.deepEqual((await s.findAsset(PLC))?.classification, snapshotA().assets[0]!.classification);
      assert.equal((await s.listAssets()).length, 2);

      // A later merge only replaces a classification with a more confident one.
      const later = snapshotA();
      later.analysis = { ...later.analysis, id: 'an-later' };
      later.assets[1]!.classification = { role: 'hmi', confidence: 0.99, reasons: ['shows screens'] };
      later.assets[0]!.classification = { role: 'it-host', confidence: 0.1, reasons: ['guess'] };
      await s.mergeSnapshot(later);
      assert.deepEqual((await s.findAsset(HMI))?.classification, later.assets[1]!.classification);
      assert.deepEqual((await s.findAsset(PLC))?.classification, snapshotA().assets[0]!.classification);
    });

    test('hostile strings are stored and read back exactly', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      const big = hostileText(10_240, 1);
      const odd = [
        "'; drop table assets; --",
        'nul\0inside',
        '\0',
        '\uE000starts with the escape mark',
        'lone \ud800 surrogate',
      ];
      const key = `ip:10.0.0.1\0"'\u{1F525}`;
      const snap: InventorySnapshot = {
        analysis: analysis(`id with 'quotes' and \0`, '2024-05-01T10:00:00Z', {
          source: big,
          summary: JSON.parse('{"__proto__": {"x": "\\u0000"}, "text": "\\ud800", "nested": [1, "\'"]}'),
        }),
        assets: [
          {
            ...snapshotA().assets[1]!,
            key,
            mac: 'not a mac \0',
            ips: ['10.0.0.1', '10.0.0.1\0', big.slice(0, 300)],
            facts: [...odd, big, hostileText(10_240, 2)].map((v, i) =>
              fact(`field ${i} ${v.slice(0, 20)}`, v, 'proto "x"', `src\0${i}`),
            ),
            roles: [{ ...snapshotA().assets[1]!.roles[0]!, protocol: 'proto\0"' }],
            classification: { role: 'unknown', confidence: 0, reasons: [...odd, big] },
          },
        ],
        links: [
          {
            ...snapshotA().links[0]!,
            clientKey: key,
            serverKey: `mac:${big.slice(0, 200)}`,
            protocol: 'x\0y',
            ops: JSON.parse('{"__proto__": 1, "constructor": 2, "op\\u0000nul": 3, "\'": 4}'),
          },
        ],
        anomalies: odd.map((code, i) => ({
          code,
          protocol: 'proto',
          assetKey: i === 0 ? null : key,
          count: 1,
          firstSeenUs: 1,
          lastSeenUs: 2,
          example: big,
        })),
        credentials: [...odd, big].map((user, i) =>
          credential({ clientKey: key, serverKey: i === 0 ? null : `ip:${user}`, user, source: `src\0${i}` }),
        ),
      };
      assert.equal(await s.mergeSnapshot(snap), true);
      const want = sorted(snap);
      // A lone surrogate has no UTF-8 form; the store still returns it exactly.
      assert.deepEqual(await s.listAssets(), want.assets);
      assert.deepEqual(await s.findAsset(key), want.assets[0]);
      assert.deepEqual(await s.listLinks(), want.links);
      const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      assert.deepEqual(
        await s.listAnomalies(),
        [...snap.anomalies].sort((x, y) => cmp(x.code, y.code)),
      );
      assert.deepEqual(await s.listAnalyses(), [snap.analysis]);
      assert.deepEqual(await s.listCredentials(), want.credentials);
    });

    test('credentials merge into an empty store and upsert on a second merge', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      const one = (id: string, p: Partial<CredentialRecord>): InventorySnapshot => ({
        analysis: analysis(id, '2024-05-01T10:00:00Z'),
        assets: [],
        links: [],
        anomalies: [],
        credentials: [credential(p)],
      });
      assert.equal(await s.mergeSnapshot(one('c-1', { cleartext: false })), true);
      assert.deepEqual(await s.listCredentials(), [credential({ cleartext: false })]);
      // Same identity: counts added, seen widened, cleartext = either.
      const second = { cleartext: true, successes: 5, failures: 1, count: 7, firstSeenUs: 900, lastSeenUs: 1350 };
      assert.equal(await s.mergeSnapshot(one('c-2', second)), true);
      assert.deepEqual(await s.listCredentials(), [
        credential({ cleartext: true, successes: 6, failures: 3, count: 10, firstSeenUs: 900, lastSeenUs: 1400 }),
      ]);
      // Any identity column that differs gives a row of its own; null and '' keys are one identity.
      const variants: Partial<CredentialRecord>[] = [
        { clientKey: null },
        { serverKey: null },
        { protocol: 'telnet' },
        { mechanism: 'hash' },
        { user: 'Admin' },
        { secretFingerprint: FP_PUBLIC },
        { secretFingerprint: null },
        { source: 'ftp.PASS' },
      ];
      for (const [i, v] of variants.entries()) await s.mergeSnapshot(one(`c-v${i}`, v));
      assert.equal((await s.listCredentials()).length, 1 + variants.length);
      await s.mergeSnapshot(one('c-null', { clientKey: '' as unknown as null }));
      const noClient = (await s.listCredentials()).filter((c) => c.clientKey === null);
      assert.equal(noClient.length, 1);
      assert.equal(noClient[0]!.count, 6);
    });

    test('the credential key is created once, kept, and differs between stores', async (t) => {
      const url = await target.freshUrl(t);
      if (url === null) return;
      const first = await openStore(url);
      const k1 = await first.credentialKey();
      assert.ok(k1 instanceof Uint8Array);
      assert.equal(k1.length, 32);
      assert.notDeepEqual(k1, new Uint8Array(32));
      assert.deepEqual(await first.credentialKey(), k1);
      // Callers get a copy: changing it changes nothing stored.
      k1[0] = (k1[0]! + 1) & 255;
      const k1again = await first.credentialKey();
      assert.notDeepEqual(k1again, k1);
      await first.close();

      const reopened = await openStore(url);
      t.after(() => reopened.close());
      assert.deepEqual(await reopened.credentialKey(), k1again);

      const other = await fresh(t);
      if (!other) return;
      const k2 = await other.credentialKey();
      assert.equal(k2.length, 32);
      assert.notDeepEqual(k2, k1again);
    });

    test('two handles creating the credential key at once agree on it', async (t) => {
      const url = await target.freshUrl(t);
      if (url === null) return;
      // Opened one after the other (migrations are not what is raced here), keys asked at once.
      const a = await openStore(url);
      t.after(() => a.close());
      const b = await openStore(url);
      t.after(() => b.close());
      const [ka, kb] = await Promise.all([a.credentialKey(), b.credentialKey()]);
      assert.equal(ka.length, 32);
      assert.deepEqual(kb, ka);
    });

    test('a hostile user name round-trips and upserts into the same row', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      const users = [
        "root'; drop table credentials; --",
        'nul\0user',
        '\uE000escaped',
        'lone \udc00 surrogate',
        '\u{1F525}\u202e\n"\\',
        hostileText(4096, 3),
      ];
      const snap = (id: string): InventorySnapshot => ({
        analysis: analysis(id, '2024-05-01T10:00:00Z'),
        assets: [],
        links: [],
        anomalies: [],
        credentials: users.map((user) => credential({ user, protocol: `p\0${user.slice(0, 8)}` })),
      });
      assert.equal(await s.mergeSnapshot(snap('h-1')), true);
      const want = sorted(snap('h-1')).credentials;
      assert.deepEqual(await s.listCredentials(), want);
      assert.equal(await s.mergeSnapshot(snap('h-2')), true);
      assert.deepEqual(
        await s.listCredentials(),
        want.map((c) => ({ ...c, successes: 2, failures: 4, count: 6 })),
      );
    });

    test('a store made before credentials existed upgrades on open and keeps its data', async (t) => {
      const url = await target.freshUrl(t);
      if (url === null) return;
      const schema = url.startsWith('postgres') ? (new URL(url).searchParams.get('schema') ?? undefined) : undefined;
      const old = await openStore(url);
      await old.mergeSnapshot({ ...snapshotA(), credentials: [] });
      // Back to the 0001 schema: the later migrations' tables are gone.
      const down = await createMigrator(old.db, schema).migrateTo('0001-inventory');
      assert.equal(down.error, undefined);
      assert.deepEqual(
        (await migrationRows(old)).map((m) => m.name),
        ['0001-inventory'],
      );
      await assert.rejects(old.listCredentials());
      await old.close();

      const upgraded = await openStore(url);
      t.after(() => upgraded.close());
      assert.deepEqual(
        (await migrationRows(upgraded)).map((m) => m.name),
        Object.keys(migrations).sort(),
      );
      assert.deepEqual(await upgraded.listAssets(), sorted(snapshotA()).assets);
      assert.deepEqual(await upgraded.listCredentials(), []);
      assert.equal((await upgraded.credentialKey()).length, 32);
      assert.equal(await upgraded.mergeSnapshot(snapshotB()), true);
      assert.deepEqual(await upgraded.listCredentials(), sorted(snapshotB()).credentials);
    });

    test('large merge: 10,000 assets, 50,000 facts, many links', async (t) => {
      const s = await fresh(t);
      if (!s) return;
      const big = largeSnapshot('large-1', 10_000, LARGE_LINKS);
      let t0 = performance.now();
      assert.equal(await s.mergeSnapshot(big), true);
      const insertMs = performance.now() - t0;
      const again = largeSnapshot('large-2', 10_000, LARGE_LINKS);
      t0 = performance.now();
      assert.equal(await s.mergeSnapshot(again), true);
      const updateMs = performance.now() - t0;
      t.diagnostic(
        `${target.name}: merge 10k assets / 50k facts / ${LARGE_LINKS} links: ` +
          `${insertMs.toFixed(0)} ms into empty, ${updateMs.toFixed(0)} ms as updates`,
      );
      t0 = performance.now();
      const assets = await s.listAssets();
      const links = await s.listLinks();
      t.diagnostic(
        `${target.name}: read back 10k assets + ${LARGE_LINKS} links: ${(performance.now() - t0).toFixed(0)} ms`,
      );
      assert.equal(assets.length, 10_000);
      assert.equal(links.length, LARGE_LINKS);
      assert.equal(
        assets.reduce((n, a) => n + a.facts.length, 0),
        50_000,
      );
      const one = assets[1234]!;
      assert.equal(one.packetsSent, 20);
      assert.equal(one.facts[0]!.count, 2);
      assert.deepEqual(links[777]!.ops, { 'modbus:READ_HOLDING_REGISTERS': 10 });
      assert.equal(links[777]!.flows, 2);
    });

    test('reopening keeps the data and does not re-run migrations', async (t) => {
      const url = await target.freshUrl(t);
      if (url === null) return;
      const first = await openStore(url);
      await first.mergeSnapshot(snapshotA());
      const applied = await migrationRows(first);
      assert.deepEqual(
        applied.map((m) => m.name),
        Object.keys(migrations).sort(),
      );
      await first.close();

      const second = await openStore(url);
      t.after(() => second.close());
      assert.deepEqual(await migrationRows(second), applied);
      assert.deepEqual(await second.listAssets(), sorted(snapshotA()).assets);
      assert.deepEqual(await second.listCredentials(), sorted(snapshotA()).credentials);
      assert.equal(await second.mergeSnapshot(snapshotA()), false);
    });
  });
}

describe('openStore errors', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-open-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a file that is not a SQLite database is refused with one clear line', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'this is not a database, just text that is long enough to fill a header. '.repeat(20));
    await assert.rejects(openStore(path), {
      message: `cannot open database '${path}': file is not a database`,
    });
  });

  test('a path in a missing directory is refused with one clear line', async () => {
    const path = join(dir, 'missing', 'x.db');
    await assert.rejects(openStore(path), { message: `cannot open database '${path}': directory does not exist` });
  });

  test('a directory is refused', async () => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    await assert.rejects(openStore(sub), (e: Error) => e.message.startsWith(`cannot open database '${sub}': `));
  });

  test('an unreachable PostgreSQL server is refused without showing the password', async () => {
    const err = await openStore('postgres://pw:secret@127.0.0.1:1/nowhere').then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(err);
    assert.match(err.message, /^cannot open database 'postgres:\/\/pw:\*\*\*@127\.0\.0\.1:1\/nowhere': .*ECONNREFUSED/);
    assert.doesNotMatch(err.message, /secret/);
    assert.doesNotMatch(err.message, /\n/);
  });

  test('an invalid schema name is refused', async () => {
    await assert.rejects(openStore('postgres://postgres@127.0.0.1:1/x?schema=a;drop'), /invalid schema name/);
  });

  test(':memory: opens an empty migrated store', async () => {
    const s = await openStore(':memory:');
    try {
      assert.deepEqual(await s.listAssets(), []);
      assert.equal(await s.mergeSnapshot(snapshotA()), true);
      assert.equal((await s.listAssets()).length, 2);
    } finally {
      await s.close();
    }
  });
});
