/**
 * Helpers shared by the checks in this folder: asset lookup and labels, what counts as an OT
 * asset or a public address, severity arithmetic and the framework references the checks cite.
 */
import { OT_PROTOCOLS } from '../../engine/services.js';
import { bestFact } from '../../inventory/classify.js';
import { type AssetRecord, type AssetRole, type LinkRecord, OT_ROLES } from '../../inventory/model.js';
import { ip4IsPublic, parseIp4 } from '../../util/net.js';
import type { Severity } from '../model.js';

/** Assets by key, built once per check run. */
export function assetIndex(assets: readonly AssetRecord[]): Map<string, AssetRecord> {
  const m = new Map<string, AssetRecord>();
  for (const a of assets) m.set(a.key, a);
  return m;
}

/** An OT asset: an OT role, or serving or using an industrial protocol. */
export function isOtAsset(a: AssetRecord | undefined): boolean {
  if (!a) return false;
  if (OT_ROLES.has(a.classification.role)) return true;
  return a.roles.some((r) => OT_PROTOCOLS.has(r.protocol));
}

export function isController(a: AssetRecord | undefined): boolean {
  return a?.classification.role === 'plc';
}

/** Network text shown in findings: control characters out, length capped (names are data). */
export function clean(s: string, max = 64): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '.').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const ROLE_WORDS: Record<AssetRole, string> = {
  plc: 'controller',
  hmi: 'HMI',
  'engineering-workstation': 'engineering workstation',
  historian: 'historian',
  'network-device': 'network device',
  'it-host': 'host',
  unknown: 'device',
};

export function roleWord(a: AssetRecord | undefined): string {
  return a ? ROLE_WORDS[a.classification.role] : 'device';
}

/** The asset's best vendor and model ("Siemens 6ES7 315-2EH14-0AB0"), '' when unknown. */
export function vendorModel(a: AssetRecord): string {
  const vendor = bestFact(a, 'vendor') ?? '';
  const model =
    bestFact(a, 'model') ??
    bestFact(a, 'order_number') ??
    bestFact(a, 'product_name') ??
    bestFact(a, 'product_code') ??
    '';
  return clean([vendor, model].filter((s) => s !== '').join(' '), 80);
}

/**
 * How a plant manager recognises an asset: role word, name, address and model
 * ("controller PLC-1 (10.0.0.5, Siemens 6ES7 315-2EH14-0AB0)"). Unknown keys are shown as they are.
 */
export function assetLabel(a: AssetRecord | undefined, key?: string | null): string {
  if (!a) return key ? clean(key.replace(/^(ip|mac):/, '')) : 'an unknown peer';
  const name = bestFact(a, 'device_name') ?? bestFact(a, 'hostname') ?? bestFact(a, 'cdp_system_name');
  const addr = a.ips[0] ?? a.mac ?? a.key;
  const parts = [addr, vendorModel(a)].filter((s) => s !== '');
  return `${roleWord(a)}${name ? ` ${clean(name)}` : ''} (${parts.join(', ')})`;
}

/** First letter upper-case, for titles that start with an asset label. */
export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Short form for lists: name or address. */
export function assetShort(a: AssetRecord | undefined, key: string | null): string {
  if (!a) return key ? clean(key.replace(/^(ip|mac):/, '')) : '?';
  const name = bestFact(a, 'device_name') ?? bestFact(a, 'hostname');
  const addr = a.ips[0] ?? a.mac ?? a.key;
  return name ? `${clean(name, 40)} (${addr})` : addr;
}

/**
 * A public internet address for exposure purposes: a public IPv4 (RFC 5737 documentation ranges
 * included) or a global unicast IPv6 (2000::/3, documentation 2001:db8::/32 included).
 */
export function isPublicIp(ip: string): boolean {
  const v4 = parseIp4(ip);
  if (v4 !== null) return ip4IsPublic(v4);
  if (!ip.includes(':')) return false;
  const first = Number.parseInt(ip.split(':')[0] || '0', 16);
  return Number.isFinite(first) && (first & 0xe000) === 0x2000;
}

/** A non-router asset with at least one public address. */
export function isPublicAsset(a: AssetRecord | undefined): boolean {
  return a !== undefined && !a.isRouter && a.ips.some(isPublicIp);
}

export function publicIpOf(a: AssetRecord | undefined): string | undefined {
  return a?.ips.find(isPublicIp);
}

const ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** Raise (or lower, with a negative step) a severity, capped at critical and info. */
export function bump(s: Severity, step = 1): Severity {
  const i = Math.min(ORDER.length - 1, Math.max(0, ORDER.indexOf(s) + step));
  return ORDER[i] as Severity;
}

/** Base score per severity, before a check's own adjustments. */
export const BASE_SCORE: Record<Severity, number> = { critical: 9, high: 7, medium: 5, low: 3, info: 0 };

export function clampScore(n: number): number {
  return Math.round(Math.min(10, Math.max(0, n)) * 10) / 10;
}

/** Earliest first-seen and latest last-seen of records. */
export function span(records: readonly { firstSeenUs: number; lastSeenUs: number }[]): {
  firstSeenUs: number;
  lastSeenUs: number;
} {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const r of records) {
    if (r.firstSeenUs < first) first = r.firstSeenUs;
    if (r.lastSeenUs > last) last = r.lastSeenUs;
  }
  return { firstSeenUs: Number.isFinite(first) ? first : 0, lastSeenUs: last };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Protocol names as people write them. */
export function protocolName(p: string): string {
  const names: Record<string, string> = {
    ftp: 'FTP',
    telnet: 'Telnet',
    http: 'HTTP',
    snmp: 'SNMP',
    mqtt: 'MQTT',
    opcua: 'OPC UA',
    rdp: 'RDP',
    vnc: 'VNC',
    tls: 'TLS',
    bacnet: 'BACnet',
    s7comm: 'S7comm',
    modbus: 'Modbus/TCP',
    enip: 'EtherNet/IP',
    dnp3: 'DNP3',
    smb: 'SMB',
    dns: 'DNS',
  };
  return names[p] ?? clean(p, 32);
}

/** Links touching an asset, either side. */
export function linksByAsset(links: readonly LinkRecord[]): Map<string, LinkRecord[]> {
  const m = new Map<string, LinkRecord[]>();
  const add = (k: string, l: LinkRecord) => {
    const list = m.get(k);
    if (list) list.push(l);
    else m.set(k, [l]);
  };
  for (const l of links) {
    add(l.clientKey, l);
    if (l.serverKey !== l.clientKey) add(l.serverKey, l);
  }
  return m;
}
