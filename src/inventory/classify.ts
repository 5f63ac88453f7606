import { HISTORIAN_SERVICES, NETWORK_DEVICE_PROTOCOLS, OT_PROTOCOLS } from '../engine/services.js';
import type { AssetRecord, Classification, LinkRecord } from './model.js';

/**
 * A first classification of assets from what they do on the network, with the reasons.
 * Evidence order: routing and switching behaviour, serving industrial protocols (controller),
 * then what a client of controllers does (programming -> engineering workstation; serving a
 * historian database -> historian; polling -> HMI/SCADA), then IT-only behaviour.
 *
 * Link operations are keyed '<op>:<FUNCTION>' (op from the Observation `Op` classes).
 */

const AUTOMATION_VENDORS =
  /siemens|rockwell|allen-bradley|schneider|telemecanique|modicon|omron|mitsubishi|beckhoff|phoenix contact|wago|abb|yokogawa|emerson|honeywell|b&r|moxa|hirschmann|ge fanuc|general electric|festo|pilz|keyence|delta electronics|hilscher/i;

/** Operations per controller below which a client is not polling it (cyclic HMI polling runs to thousands). */
const POLLING_OPERATIONS = 50;

/** Makers of network equipment: with management services and no industrial role, a network device. */
const NETWORK_VENDORS =
  /\b(cisco|juniper|aruba|hirschmann|moxa|fortinet|palo alto|ruckus|extreme networks|mikrotik|ubiquiti|netgear|tp-link|westermo|belden|ruggedcom|brocade|huawei technologies|arista|allied telesis|d-link|zyxel|sophos|check point|sonicwall)\b/i;
const MANAGEMENT_SERVICES = new Set(['telnet', 'ssh', 'snmp', 'http', 'tls']);

const IT_PROTOCOLS = new Set([
  'http',
  'tls',
  'dns',
  'smb',
  'rdp',
  'ssh',
  'kerberos',
  'ldap',
  'msrpc',
  'netbios-ssn',
  'nbns',
  'smtp',
  'imap',
  'pop3',
  'mdns',
  'llmnr',
  'ssdp',
  'dhcp',
  'ntp',
]);

const PROTOCOL_LABEL: Record<string, string> = {
  modbus: 'Modbus/TCP',
  s7comm: 'S7comm',
  enip: 'EtherNet/IP',
  dnp3: 'DNP3',
  iec104: 'IEC 60870-5-104',
  opcua: 'OPC UA',
  bacnet: 'BACnet/IP',
};

function label(p: string): string {
  return PROTOCOL_LABEL[p] ?? p;
}

interface ClientStats {
  controllers: Set<string>;
  protocols: Set<string>;
  reads: number;
  writes: number;
  programming: number;
  transactions: number;
  packets: number;
}

export function classifyAssets(
  assets: readonly AssetRecord[],
  links: readonly LinkRecord[],
): Map<string, Classification> {
  const out = new Map<string, Classification>();

  // Pass 1: infrastructure and controllers.
  const controllers = new Set<string>();
  for (const a of assets) {
    const reasons: string[] = [];
    if (a.isRouter) {
      out.set(a.key, {
        role: 'network-device',
        confidence: 0.9,
        reasons: [`routes traffic: its MAC carries ${a.ips.length} or more IP addresses of other hosts`],
      });
      continue;
    }
    const l2infra = a.roles.filter(
      (r) => r.transport === 'l2' && r.role === 'server' && NETWORK_DEVICE_PROTOCOLS.has(r.protocol),
    );
    if (l2infra.some((r) => r.protocol === 'stp' || r.protocol === 'mrp')) {
      out.set(a.key, {
        role: 'network-device',
        confidence: 0.85,
        reasons: [
          `sends ${l2infra.map((r) => r.protocol.toUpperCase()).join(', ')} frames, as switches and bridges do`,
        ],
      });
      continue;
    }
    const caps = a.facts.find((f) => /(^|_)capabilities$/.test(f.field) && /\b(router|bridge|switch)\b/i.test(f.value));
    if (caps) {
      out.set(a.key, {
        role: 'network-device',
        confidence: 0.8,
        reasons: [`announces itself as ${caps.value} (${caps.protocol} ${caps.source})`],
      });
      continue;
    }
    const served = a.roles.filter((r) => r.role === 'server' && OT_PROTOCOLS.has(r.protocol) && r.transport !== 'l2');
    const vendor = bestFact(a, 'vendor');
    const mgmt = a.roles.filter((r) => r.role === 'server' && MANAGEMENT_SERVICES.has(r.protocol));
    if (served.length === 0 && vendor && NETWORK_VENDORS.test(vendor) && mgmt.length > 0) {
      out.set(a.key, {
        role: 'network-device',
        confidence: 0.6,
        reasons: [
          `made by ${vendor}, a network equipment maker, and serves ${[...new Set(mgmt.map((r) => r.protocol))].join(', ')} for management`,
        ],
      });
      continue;
    }
    const said = controllerIdentity(a);
    if (served.length === 0 && said) {
      controllers.add(a.key);
      out.set(a.key, { role: 'plc', confidence: 0.7, reasons: [said] });
      continue;
    }
    if (served.length > 0) {
      for (const r of served) {
        reasons.push(
          `serves ${label(r.protocol)} on ${r.transport}/${r.port} to ${r.peers} client${r.peers === 1 ? '' : 's'}`,
        );
      }
      const identity = a.facts.filter((f) => f.precedence >= 100 && OT_PROTOCOLS.has(f.protocol));
      if (identity.length > 0) {
        const model = identity.find(
          (f) => f.field === 'product_code' || f.field === 'model' || f.field === 'product_name',
        );
        reasons.push(`identifies itself over ${label(identity[0]!.protocol)}${model ? ` as ${model.value}` : ''}`);
      }
      controllers.add(a.key);
      out.set(a.key, { role: 'plc', confidence: identity.length > 0 ? 0.9 : 0.75, reasons });
    }
  }

  // Pass 2: clients of controllers.
  const clients = new Map<string, ClientStats>();
  for (const l of links) {
    if (!OT_PROTOCOLS.has(l.protocol)) continue;
    let c = clients.get(l.clientKey);
    if (!c) {
      c = {
        controllers: new Set(),
        protocols: new Set(),
        reads: 0,
        writes: 0,
        programming: 0,
        transactions: 0,
        packets: 0,
      };
      clients.set(l.clientKey, c);
    }
    if (controllers.has(l.serverKey)) c.controllers.add(l.serverKey);
    c.protocols.add(l.protocol);
    c.packets += l.packets;
    for (const [k, n] of Object.entries(l.ops)) {
      const op = k.slice(0, k.indexOf(':'));
      c.transactions += n;
      if (op === 'read') c.reads += n;
      else if (op === 'write') c.writes += n;
      else if (op === 'program' || op === 'control' || op === 'firmware') c.programming += n;
    }
  }

  for (const a of assets) {
    if (out.has(a.key)) continue;
    const c = clients.get(a.key);
    // S7-1200/1500 connections name what the client is in their TSAP: ES (engineering), HMI, OTH.
    const tsap = a.facts.find((f) => f.field === 's7_client_type');
    if (tsap && (tsap.value === 'ES' || tsap.value === 'HMI')) {
      out.set(a.key, {
        role: tsap.value === 'ES' ? 'engineering-workstation' : 'hmi',
        confidence: 0.8,
        reasons: [`connects to S7 controllers as SIMATIC-ROOT-${tsap.value} (${tsap.source})`],
      });
      continue;
    }
    if (c && c.controllers.size > 0) {
      const protos = [...c.protocols].map(label).join(', ');
      const n = c.controllers.size;
      const servesHistorian = a.roles.filter((r) => r.role === 'server' && HISTORIAN_SERVICES.has(r.protocol));
      if (c.programming > 0) {
        out.set(a.key, {
          role: 'engineering-workstation',
          confidence: 0.85,
          reasons: [
            `sends programming or mode-change operations (${c.programming}) to ${n} controller${n === 1 ? '' : 's'} over ${protos}`,
          ],
        });
      } else if (servesHistorian.length > 0) {
        out.set(a.key, {
          role: 'historian',
          confidence: 0.75,
          reasons: [
            `collects data from ${n} controller${n === 1 ? '' : 's'} over ${protos}`,
            `serves ${servesHistorian.map((r) => r.protocol).join(', ')} to ${servesHistorian.reduce((s, r) => s + r.peers, 0)} client(s)`,
          ],
        });
      } else if (c.writes > 0 && (c.writes >= c.reads || c.transactions < POLLING_OPERATIONS * n)) {
        // Operators' HMIs poll cyclically; an engineering station touches controllers now and then.
        out.set(a.key, {
          role: 'engineering-workstation',
          confidence: 0.55,
          reasons: [
            c.writes >= c.reads
              ? `writes to ${n} controller${n === 1 ? '' : 's'} more than it reads (${c.writes} writes, ${c.reads} reads)`
              : `writes to ${n} controller${n === 1 ? '' : 's'} without polling them (${c.transactions} operations in all, ${c.writes} writes)`,
          ],
        });
      } else {
        const reasons = [`polls ${n} controller${n === 1 ? '' : 's'} over ${protos}`];
        if (c.writes > 0) reasons.push(`also writes (${c.writes} of ${c.transactions} operations), as operators do`);
        out.set(a.key, { role: 'hmi', confidence: n >= 2 ? 0.7 : 0.5, reasons });
      }
      continue;
    }
    const used = a.roles.filter((r) => r.transport !== 'l2');
    const itOnly =
      used.length > 0 &&
      used.every((r) => IT_PROTOCOLS.has(r.protocol) || r.protocol.startsWith('tcp/') || r.protocol.startsWith('udp/'));
    const itNamed = used.filter((r) => IT_PROTOCOLS.has(r.protocol));
    if (itOnly && itNamed.length > 0) {
      const names = [...new Set(itNamed.map((r) => `${r.protocol} ${r.role}`))].slice(0, 4).join(', ');
      out.set(a.key, { role: 'it-host', confidence: 0.6, reasons: [`only IT protocols: ${names}`] });
      continue;
    }
    const vendor = bestFact(a, 'vendor');
    if (vendor && AUTOMATION_VENDORS.test(vendor) && used.length === 0) {
      out.set(a.key, {
        role: 'unknown',
        confidence: 0.2,
        reasons: [`made by ${vendor}, an automation vendor, but seen doing nothing that tells its role`],
      });
      continue;
    }
    out.set(a.key, { role: 'unknown', confidence: 0, reasons: ['not enough traffic to tell its role'] });
  }
  return out;
}

/**
 * What a device says about itself that makes it a controller, as a reason, or null: a CIP
 * device type of Programmable Logic Controller, a SIMATIC S7 CPU order number, a PROFINET
 * IO-Controller role.
 */
function controllerIdentity(a: AssetRecord): string | null {
  for (const f of a.facts) {
    if (f.precedence < 100) continue;
    if (f.field === 'device_type' && /programmable logic controller|\bplc\b/i.test(f.value)) {
      return `identifies itself as a ${f.value} (${f.source})`;
    }
    if (f.field === 'order_number' && /^6ES7\s?[1-5]\d\d/i.test(f.value)) {
      return `its order number ${f.value} is a SIMATIC S7 CPU (${f.source})`;
    }
    if (/role$/.test(f.field) && /io[- ]?controller/i.test(f.value)) {
      return `announces the PROFINET role ${f.value} (${f.source})`;
    }
  }
  return null;
}

/** The value of `field` with the highest precedence (then most seen, then most recent). */
export function bestFact(a: AssetRecord, field: string): string | null {
  let best: AssetRecord['facts'][number] | null = null;
  for (const f of a.facts) {
    if (f.field !== field) continue;
    if (
      !best ||
      f.precedence > best.precedence ||
      (f.precedence === best.precedence &&
        (f.count > best.count || (f.count === best.count && f.lastSeenUs > best.lastSeenUs)))
    ) {
      best = f;
    }
  }
  return best ? best.value : null;
}
