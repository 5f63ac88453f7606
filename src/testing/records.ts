import type { PlantAssetRow } from '../findings/check.js';
import type { AssetRecord } from '../inventory/model.js';

/** An asset record for tests: a MAC key gives the MAC, everything else empty unless given. */
export function testAsset(key: string, p: Partial<AssetRecord> = {}): AssetRecord {
  return {
    key,
    mac: key.startsWith('mac:') ? key.slice(4) : null,
    ips: [],
    vlans: [],
    isRouter: false,
    firstSeenUs: 1,
    lastSeenUs: 2,
    packetsSent: 1,
    packetsReceived: 1,
    bytesSent: 60,
    bytesReceived: 60,
    facts: [],
    roles: [],
    classification: { role: 'unknown', confidence: 0, reasons: [] },
    ...p,
  };
}

/** A plant-inventory row for tests: every field empty unless given. */
export function plantRow(p: Partial<PlantAssetRow>): PlantAssetRow {
  return {
    row: 1,
    name: '',
    ip: null,
    mac: null,
    vendor: null,
    model: null,
    firmware: null,
    serial: null,
    location: null,
    zone: null,
    criticality: null,
    owner: null,
    assetKey: null,
    ...p,
  };
}
