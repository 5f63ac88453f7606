import type { KevEntry } from '../feeds/model.js';
import type { FeedsRepository } from '../store/feeds-repository.js';
import type { PlantInventoryRepository } from '../store/plant-repository.js';
import type { InventoryRepository } from '../store/repository.js';
import type { CheckContext } from './check.js';
import { fingerprintWith } from './fingerprint.js';

/**
 * Load everything a check reads: the inventory (assets, links, credentials, anomalies), the feeds
 * when a FeedsRepository is given (advisories, KEV by upper-case CVE id, default credentials;
 * else empty), the plant's own inventory when given (else empty), and `fingerprint` under this
 * inventory's credential key (the function the dissectors used, so fingerprints compare).
 */
export async function buildCheckContext(
  store: InventoryRepository,
  feeds?: FeedsRepository | null,
  plant?: PlantInventoryRepository | null,
  now: string = new Date().toISOString(),
): Promise<CheckContext> {
  const [assets, links, credentials, anomalies, key] = await Promise.all([
    store.listAssets(),
    store.listLinks(),
    store.listCredentials(),
    store.listAnomalies(),
    store.credentialKey(),
  ]);
  const [advisories, kevList, defaultCredentials] = feeds
    ? await Promise.all([feeds.listAdvisories(), feeds.listKev(), feeds.listDefaultCredentials()])
    : [[], [], []];
  const plantInventory = plant ? await plant.listPlantInventory() : [];
  const kev = new Map<string, KevEntry>();
  for (const k of kevList) kev.set(k.cve.trim().toUpperCase(), k);
  return {
    assets,
    links,
    credentials,
    anomalies,
    advisories,
    kev,
    defaultCredentials,
    plantInventory,
    fingerprint: (secret: string) => fingerprintWith(key, secret),
    now,
  };
}
