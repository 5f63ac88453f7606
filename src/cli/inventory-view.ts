import { bestFact } from '../inventory/classify.js';
import type { AssetRecord } from '../inventory/model.js';
import { openStore, type Store } from '../store/open.js';

/** The few values a person looks for first, each the best-precedence fact of its field. */
export interface AssetSummary {
  key: string;
  ips: string;
  mac: string;
  vendor: string;
  model: string;
  firmware: string;
  name: string;
  role: string;
  vlans: string;
  firstSeenUs: number;
  lastSeenUs: number;
}

export function summarizeAsset(a: AssetRecord): AssetSummary {
  return {
    key: a.key,
    ips: a.ips.join(' '),
    mac: a.mac ?? '',
    vendor: bestFact(a, 'vendor') ?? '',
    model:
      bestFact(a, 'model') ??
      bestFact(a, 'order_number') ??
      bestFact(a, 'product_name') ??
      bestFact(a, 'product_code') ??
      '',
    firmware: bestFact(a, 'firmware') ?? '',
    name: bestFact(a, 'device_name') ?? bestFact(a, 'hostname') ?? '',
    role: a.classification.role,
    vlans: a.vlans.join(' '),
    firstSeenUs: a.firstSeenUs,
    lastSeenUs: a.lastSeenUs,
  };
}

/** Roles in the order a control-room reader scans them. */
export const ROLE_ORDER = [
  'plc',
  'hmi',
  'engineering-workstation',
  'historian',
  'network-device',
  'it-host',
  'unknown',
];

export function sortAssets(assets: AssetRecord[]): AssetRecord[] {
  return [...assets].sort((a, b) => {
    const r = ROLE_ORDER.indexOf(a.classification.role) - ROLE_ORDER.indexOf(b.classification.role);
    if (r !== 0) return r;
    return compareIp(a.ips[0] ?? '', b.ips[0] ?? '') || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  });
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] as number) - (pb[i] as number);
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Asset key -> how to show it: its IPs, else its MAC, else the key itself. */
export function assetLabels(assets: readonly AssetRecord[]): (key: string) => string {
  const byKey = new Map(assets.map((a) => [a.key, a]));
  return (key) => {
    const a = byKey.get(key);
    if (a === undefined) return key.replace(/^(ip|mac):/, '');
    return a.ips[0] ?? a.mac ?? key;
  };
}

/** Open the store, run `fn`, and close it whatever happens. */
export async function withStore<T>(db: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
