import type { AssetRecord } from '../inventory/model.js';
import { openStore } from '../store/open.js';
import { csvRow, fmtInt, fmtTime, safe, table } from './format.js';
import { sortAssets, summarizeAsset } from './inventory-view.js';

type Out = (line: string) => void;

/** `plantwarden assets [--json|--csv]`: the inventory, one asset a row. */
export async function assetsCommand(
  opts: { db: string; json?: boolean; csv?: boolean },
  out: Out = console.log,
): Promise<number> {
  const store = await openStore(opts.db);
  try {
    const assets = sortAssets(await store.listAssets());
    if (opts.json) {
      out(JSON.stringify(assets, null, 2));
      return 0;
    }
    if (opts.csv) {
      out(
        csvRow([
          'key',
          'ips',
          'mac',
          'vendor',
          'model',
          'firmware',
          'name',
          'role',
          'vlans',
          'first_seen',
          'last_seen',
        ]),
      );
      for (const a of assets) {
        const s = summarizeAsset(a);
        out(
          csvRow([
            s.key,
            s.ips,
            s.mac,
            s.vendor,
            s.model,
            s.firmware,
            s.name,
            s.role,
            s.vlans,
            fmtTime(s.firstSeenUs),
            fmtTime(s.lastSeenUs),
          ]),
        );
      }
      return 0;
    }
    if (assets.length === 0) {
      out('No assets yet. Run `plantwarden analyze <capture>` first.');
      return 0;
    }
    out(renderAssetTable(assets));
    out(`${fmtInt(assets.length)} assets`);
    return 0;
  } finally {
    await store.close();
  }
}

export function renderAssetTable(assets: AssetRecord[]): string {
  return table(
    ['ROLE', 'IP', 'MAC', 'VENDOR', 'MODEL', 'FIRMWARE', 'VLAN', 'LAST SEEN'],
    assets.map((a) => {
      const s = summarizeAsset(a);
      return [
        s.role,
        s.ips || '-',
        s.mac || '-',
        s.vendor || '-',
        s.model || '-',
        s.firmware || '-',
        s.vlans || '-',
        fmtTime(s.lastSeenUs),
      ];
    }),
    32,
  );
}

/** `plantwarden asset <ip|mac|key>`: every fact with its evidence, roles, links and anomalies. */
export async function assetCommand(
  query: string,
  opts: { db: string; json?: boolean },
  out: Out = console.log,
): Promise<number> {
  const store = await openStore(opts.db);
  try {
    const a = await store.findAsset(query);
    if (!a) {
      process.stderr.write(`plantwarden: no asset matches '${safe(query)}' (give an IP, a MAC or an asset key)\n`);
      return 1;
    }
    const links = (await store.listLinks()).filter((l) => l.clientKey === a.key || l.serverKey === a.key);
    const anomalies = (await store.listAnomalies()).filter((x) => x.assetKey === a.key);
    const credentials = (await store.listCredentials()).filter((c) => c.clientKey === a.key || c.serverKey === a.key);
    if (opts.json) {
      out(JSON.stringify({ asset: a, links, anomalies, credentials }, null, 2));
      return 0;
    }
    const s = summarizeAsset(a);
    out(`Asset ${safe(a.key)}${a.isRouter ? ' (router)' : ''}`);
    out(`  IP: ${s.ips || '-'}   MAC: ${s.mac || '-'}   VLAN: ${s.vlans || '-'}`);
    out(`  seen: ${fmtTime(a.firstSeenUs)} .. ${fmtTime(a.lastSeenUs)}`);
    out(
      `  traffic: sent ${fmtInt(a.packetsSent)} packets / ${fmtInt(a.bytesSent)} bytes, received ${fmtInt(a.packetsReceived)} / ${fmtInt(a.bytesReceived)}`,
    );
    out(`  role: ${a.classification.role} (confidence ${a.classification.confidence.toFixed(2)})`);
    for (const r of a.classification.reasons) out(`    - ${safe(r)}`);
    out('');
    out('Identity facts (highest precedence first)');
    const facts = [...a.facts].sort((x, y) =>
      x.field < y.field ? -1 : x.field > y.field ? 1 : y.precedence - x.precedence,
    );
    out(
      table(
        ['FIELD', 'VALUE', 'PROTOCOL', 'SOURCE', 'PREC', 'COUNT', 'FIRST SEEN', 'LAST SEEN'],
        facts.map((f) => [
          f.field,
          f.value,
          f.protocol,
          f.source,
          String(f.precedence),
          fmtInt(f.count),
          fmtTime(f.firstSeenUs),
          fmtTime(f.lastSeenUs),
        ]),
        48,
      ),
    );
    out('');
    out('Roles');
    out(
      table(
        ['PROTOCOL', 'ROLE', 'TRANSPORT', 'PORT', 'PEERS', 'FLOWS', 'FIRST SEEN', 'LAST SEEN'],
        a.roles.map((r) => [
          r.protocol,
          r.role,
          r.transport,
          String(r.port),
          fmtInt(r.peers),
          fmtInt(r.flows),
          fmtTime(r.firstSeenUs),
          fmtTime(r.lastSeenUs),
        ]),
      ),
    );
    out('');
    out('Links');
    out(
      table(
        ['DIR', 'PEER', 'PROTOCOL', 'PORT', 'FLOWS', 'PACKETS', 'BYTES', 'OPERATIONS'],
        links.map((l) => {
          const outgoing = l.clientKey === a.key;
          const ops = Object.entries(l.ops)
            .sort((x, y) => y[1] - x[1])
            .slice(0, 4)
            .map(([k, n]) => `${k.slice(k.indexOf(':') + 1)} ${n}`)
            .join(', ');
          return [
            outgoing ? '->' : '<-',
            outgoing ? l.serverKey : l.clientKey,
            l.protocol,
            `${l.transport}/${l.port}`,
            fmtInt(l.flows),
            fmtInt(l.packets),
            fmtInt(l.bytes),
            ops || '-',
          ];
        }),
        60,
      ),
    );
    if (credentials.length) {
      out('');
      out('Credentials (secrets are never stored: only keyed fingerprints)');
      out(
        table(
          ['DIR', 'PEER', 'PROTOCOL', 'MECHANISM', 'USER', 'IN CLEAR', 'OK/FAIL', 'SEEN', 'FINGERPRINT'],
          credentials.map((c) => {
            const used = c.clientKey === a.key;
            return [
              used ? 'used ->' : '<- accepts',
              (used ? c.serverKey : c.clientKey) ?? '-',
              c.protocol,
              c.mechanism,
              c.user || '-',
              c.cleartext ? 'yes' : 'no',
              `${c.successes}/${c.failures}`,
              fmtInt(c.count),
              c.secretFingerprint ? c.secretFingerprint.slice(0, 12) : '-',
            ];
          }),
          40,
        ),
      );
    }
    if (anomalies.length) {
      out('');
      out('Anomalies');
      out(
        table(
          ['CODE', 'PROTOCOL', 'COUNT', 'FIRST SEEN', 'EXAMPLE'],
          anomalies.map((x) => [x.code, x.protocol, fmtInt(x.count), fmtTime(x.firstSeenUs), x.example]),
          60,
        ),
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
