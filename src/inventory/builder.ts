import type { Flow } from '../decode/flow-table.js';
import type { CredentialObservation, IdentityFact } from '../observations/observation.js';
import { macIsMulticast, macToString, parseMac } from '../util/net.js';
import type { AnomalyRecord, AssetRecord, CredentialRecord, FactRecord, LinkRecord, RoleRecord } from './model.js';
import { ouiVendor } from './oui.js';

/**
 * Builds the inventory of one analysis in memory: endpoints (MAC + IP as seen on the wire),
 * their roles, identity facts and links, then resolves endpoints into assets.
 *
 * Work happens per flow (when a flow ends), per identity observation and per non-IP frame,
 * never per IP packet: memory grows with endpoints, flows in progress and links.
 */

/** A MAC that carries more distinct IPs than this is a router; its IPs become assets of their own. */
export const ROUTER_IP_THRESHOLD = 4;

export const Precedence = {
  /** The device's own identity response (Modbus 43/14, CIP identity, SZL...). */
  device: 100,
  /** Names from name services (DNS, DHCP, NetBIOS). */
  naming: 50,
  /** What the MAC's OUI suggests. */
  oui: 10,
} as const;

interface RoleAgg {
  protocol: string;
  role: 'server' | 'client';
  transport: 'tcp' | 'udp' | 'l2';
  port: number;
  peers: Set<Endpoint>;
  flows: number;
  firstUs: number;
  lastUs: number;
}

/** What one (MAC, IP) pair did. `ip` is '' for MAC-only activity (ARP probes, L2 protocols, 0.0.0.0). */
export interface Endpoint {
  readonly id: number;
  readonly mac: number;
  readonly ip: string;
  vlans: Set<number>;
  firstUs: number;
  lastUs: number;
  pktsSent: number;
  pktsRecv: number;
  bytesSent: number;
  bytesRecv: number;
  roles: Map<string, RoleAgg>;
}

interface MacAgg {
  mac: number;
  /** Endpoints by IP ('' = MAC-only). */
  eps: Map<string, Endpoint>;
  /** IPs this MAC claimed as its own in ARP (sender fields). */
  arpIps: Set<string>;
}

interface FactAgg {
  field: string;
  value: string;
  protocol: string;
  source: string;
  precedence: number;
  firstUs: number;
  lastUs: number;
  count: number;
}

interface LinkAgg {
  client: Endpoint;
  server: Endpoint;
  protocol: string;
  transport: LinkRecord['transport'];
  port: number;
  flows: number;
  packets: number;
  bytes: number;
  firstUs: number;
  lastUs: number;
  ops: Map<string, number>;
}

interface AnomalyAgg {
  code: string;
  protocol: string;
  /** IP of the sender of the offending bytes, when known. */
  ip: string | null;
  count: number;
  firstUs: number;
  lastUs: number;
  example: string;
}

interface CredentialAgg {
  presenterIp: string;
  presenterMac: number;
  targetIp: string;
  targetMac: number;
  protocol: string;
  mechanism: string;
  user: string;
  secretFingerprint: string | null;
  cleartext: boolean;
  source: string;
  successes: number;
  failures: number;
  count: number;
  firstUs: number;
  lastUs: number;
}

export interface InventoryResult {
  assets: AssetRecord[];
  links: LinkRecord[];
  anomalies: AnomalyRecord[];
  credentials: CredentialRecord[];
}

export class InventoryBuilder {
  private readonly macs = new Map<number, MacAgg>();
  /** Endpoints seen without a MAC (raw-IP captures, tunnels), by IP. */
  private readonly noMac = new Map<string, Endpoint>();
  private readonly factsByIp = new Map<string, Map<string, FactAgg>>();
  private readonly factsByMac = new Map<number, Map<string, FactAgg>>();
  private readonly links = new Map<string, LinkAgg>();
  private readonly anomalies = new Map<string, AnomalyAgg>();
  private readonly credentials = new Map<string, CredentialAgg>();
  private nextId = 1;

  /** The endpoint for (mac, ip), created on first use. Group addresses return null: they are not assets. */
  endpoint(mac: number, ip: string, tsUs: number, vlan: number): Endpoint | null {
    if (mac !== 0 && macIsMulticast(mac)) return null;
    if (isGroupOrUnspecifiedIp(ip)) {
      if (mac === 0) return null;
      ip = '';
    }
    let ep: Endpoint | undefined;
    if (mac === 0) {
      ep = this.noMac.get(ip);
      if (!ep) {
        ep = this.newEndpoint(0, ip, tsUs);
        this.noMac.set(ip, ep);
      }
    } else {
      let m = this.macs.get(mac);
      if (!m) {
        m = { mac, eps: new Map(), arpIps: new Set() };
        this.macs.set(mac, m);
      }
      ep = m.eps.get(ip);
      if (!ep) {
        ep = this.newEndpoint(mac, ip, tsUs);
        m.eps.set(ip, ep);
      }
    }
    if (tsUs < ep.firstUs) ep.firstUs = tsUs;
    if (tsUs > ep.lastUs) ep.lastUs = tsUs;
    if (vlan) ep.vlans.add(vlan);
    return ep;
  }

  private newEndpoint(mac: number, ip: string, tsUs: number): Endpoint {
    return {
      id: this.nextId++,
      mac,
      ip,
      vlans: new Set(),
      firstUs: tsUs,
      lastUs: tsUs,
      pktsSent: 0,
      pktsRecv: 0,
      bytesSent: 0,
      bytesRecv: 0,
      roles: new Map(),
    };
  }

  /**
   * Both endpoints of an ended flow. A side that never sent a packet is not evidence that a
   * device exists (scans of empty addresses, broadcasts, multicast groups): it gets no endpoint.
   * MACs are those each side used as L2 source.
   */
  flowEndpoints(flow: Flow): [Endpoint | null, Endpoint | null] {
    return [
      flow.pkts0 > 0 ? this.endpoint(flow.clientMac, flow.clientIp, flow.firstUs, flow.vlan) : null,
      flow.pkts1 > 0 ? this.endpoint(flow.serverMac, flow.serverIp, flow.firstUs, flow.vlan) : null,
    ];
  }

  /**
   * A flow ended: account packets and bytes to its endpoints, record roles and the link.
   * `protocol` is the dissector's name, a well-known port's service name, or null (unknown).
   */
  flowEnded(
    flow: Flow,
    client: Endpoint | null,
    server: Endpoint | null,
    protocol: string | null,
    ops: Map<string, number> | null,
  ): void {
    const transport: LinkRecord['transport'] =
      flow.proto === 6 ? 'tcp' : flow.proto === 17 ? 'udp' : flow.proto === 1 || flow.proto === 58 ? 'icmp' : 'other';
    if (client) {
      touch(client, flow.lastUs);
      client.pktsSent += flow.pkts0;
      client.bytesSent += flow.bytes0;
      client.pktsRecv += flow.pkts1;
      client.bytesRecv += flow.bytes1;
    }
    if (server) {
      touch(server, flow.lastUs);
      server.pktsSent += flow.pkts1;
      server.bytesSent += flow.bytes1;
      server.pktsRecv += flow.pkts0;
      server.bytesRecv += flow.bytes0;
    }
    const name = protocol ?? (transport === 'icmp' ? 'icmp' : `${transport}/${flow.serverPort}`);
    // A TCP flow that never got an answer is a probe, not a service: no server role.
    const answered = flow.pkts1 > 0;
    if ((transport === 'tcp' || transport === 'udp') && protocol !== null) {
      if (client && server) addRole(client, name, 'client', transport, flow.serverPort, server, flow);
      if (server && client && answered) addRole(server, name, 'server', transport, flow.serverPort, client, flow);
      else if (server && !client && answered) addRole(server, name, 'server', transport, flow.serverPort, null, flow);
    }
    if (!client || !server) return;
    const port = transport === 'icmp' ? 0 : flow.serverPort;
    const key = `${client.id}|${server.id}|${name}|${transport}|${port}`;
    let l = this.links.get(key);
    if (!l) {
      l = {
        client,
        server,
        protocol: name,
        transport,
        port,
        flows: 0,
        packets: 0,
        bytes: 0,
        firstUs: flow.firstUs,
        lastUs: flow.lastUs,
        ops: new Map(),
      };
      this.links.set(key, l);
    }
    l.flows++;
    l.packets += flow.pkts0 + flow.pkts1;
    l.bytes += flow.bytes0 + flow.bytes1;
    if (flow.firstUs < l.firstUs) l.firstUs = flow.firstUs;
    if (flow.lastUs > l.lastUs) l.lastUs = flow.lastUs;
    if (ops) for (const [op, n] of ops) l.ops.set(op, (l.ops.get(op) ?? 0) + n);
  }

  /** An ARP packet: the sender MAC claims the sender IP. */
  arp(senderMac: number, senderIp: string, tsUs: number, vlan: number, wireLen: number): void {
    const ep = this.endpoint(senderMac, senderIp, tsUs, vlan);
    if (!ep) return;
    ep.pktsSent++;
    ep.bytesSent += wireLen;
    if (senderIp && ep.ip === senderIp) this.macs.get(senderMac)?.arpIps.add(senderIp);
    addRole(ep, 'arp', 'client', 'l2', 0, null, null, tsUs);
  }

  /**
   * A frame that is not IP or ARP (LLDP, STP, PROFINET...). Sent to a group address it is an
   * announcement (role 'server' on that L2 protocol); sent to one station, use (role 'client').
   */
  l2Frame(srcMac: number, dstMac: number, protocol: string, tsUs: number, vlan: number, wireLen: number): void {
    const ep = this.endpoint(srcMac, '', tsUs, vlan);
    if (!ep) return;
    ep.pktsSent++;
    ep.bytesSent += wireLen;
    const announce = dstMac === 0 || macIsMulticast(dstMac);
    addRole(ep, protocol, announce ? 'server' : 'client', 'l2', 0, null, null, tsUs);
    if (!announce) {
      const dst = this.endpoint(dstMac, '', tsUs, vlan);
      if (dst) {
        dst.pktsRecv++;
        dst.bytesRecv += wireLen;
      }
    }
  }

  /** An IP packet that belongs to no flow (other IP protocols, unfinished fragments). */
  ipPacket(srcMac: number, srcIp: string, dstMac: number, dstIp: string, tsUs: number, vlan: number, wireLen: number) {
    const s = this.endpoint(srcMac, srcIp, tsUs, vlan);
    if (s) {
      s.pktsSent++;
      s.bytesSent += wireLen;
    }
    const d = this.endpoint(dstMac, dstIp, tsUs, vlan);
    if (d) {
      d.pktsRecv++;
      d.bytesRecv += wireLen;
    }
  }

  /** Identity facts about an endpoint (by IP when the facts come from an IP protocol, else by MAC). */
  identity(
    target: { ip?: string; mac?: number },
    facts: readonly IdentityFact[],
    protocol: string,
    tsUs: number,
    precedence: number = Precedence.device,
  ): void {
    let map: Map<string, FactAgg> | undefined;
    if (target.ip) {
      map = this.factsByIp.get(target.ip);
      if (!map) {
        map = new Map();
        this.factsByIp.set(target.ip, map);
      }
    } else if (target.mac) {
      map = this.factsByMac.get(target.mac);
      if (!map) {
        map = new Map();
        this.factsByMac.set(target.mac, map);
      }
    } else return;
    for (const f of facts) {
      if (!f.value) continue;
      const key = `${f.field}\u0000${f.value}\u0000${protocol}\u0000${f.source}`;
      const agg = map.get(key);
      if (agg) {
        agg.count++;
        if (tsUs < agg.firstUs) agg.firstUs = tsUs;
        if (tsUs > agg.lastUs) agg.lastUs = tsUs;
      } else {
        map.set(key, {
          field: f.field,
          value: f.value,
          protocol,
          source: f.source,
          precedence: f.precedence ?? precedence,
          firstUs: tsUs,
          lastUs: tsUs,
          count: 1,
        });
      }
    }
  }

  /**
   * A credential presented by (presenterIp, presenterMac) to (targetIp, targetMac). Only the
   * fingerprint of the secret arrives here; the plaintext never leaves the dissector.
   */
  credential(
    obs: CredentialObservation,
    presenterIp: string,
    presenterMac: number,
    targetIp: string,
    targetMac: number,
  ): void {
    const key = [
      presenterIp,
      presenterMac,
      targetIp,
      targetMac,
      obs.protocol,
      obs.mechanism,
      obs.user,
      obs.secretFingerprint ?? '',
      obs.source,
    ].join('\u0000');
    let c = this.credentials.get(key);
    if (!c) {
      c = {
        presenterIp,
        presenterMac,
        targetIp,
        targetMac,
        protocol: obs.protocol,
        mechanism: obs.mechanism,
        user: obs.user,
        secretFingerprint: obs.secretFingerprint,
        cleartext: false,
        source: obs.source,
        successes: 0,
        failures: 0,
        count: 0,
        firstUs: obs.ts,
        lastUs: obs.ts,
      };
      this.credentials.set(key, c);
    }
    c.count++;
    if (obs.outcome === 'success') c.successes++;
    else if (obs.outcome === 'failure') c.failures++;
    if (obs.cleartext) c.cleartext = true;
    if (obs.ts < c.firstUs) c.firstUs = obs.ts;
    if (obs.ts > c.lastUs) c.lastUs = obs.ts;
  }

  anomaly(code: string, protocol: string, ip: string | null, tsUs: number, detail: string, count = 1): void {
    const key = `${protocol}\u0000${code}\u0000${ip ?? ''}`;
    const a = this.anomalies.get(key);
    if (a) {
      a.count += count;
      if (tsUs < a.firstUs) a.firstUs = tsUs;
      if (tsUs > a.lastUs) a.lastUs = tsUs;
    } else {
      this.anomalies.set(key, { code, protocol, ip, count, firstUs: tsUs, lastUs: tsUs, example: detail });
    }
  }

  /**
   * Resolve endpoints into assets. Non-router MACs: one asset per MAC with all its IPs.
   * Router MACs (more than ROUTER_IP_THRESHOLD IPs): the router keeps the MAC and the IPs it
   * claimed in ARP; every other IP it carried is keyed on its own (or joins the asset of a MAC
   * that owns that IP elsewhere in the capture).
   */
  finalize(): InventoryResult {
    const routers = new Set<number>();
    for (const m of this.macs.values()) {
      let n = 0;
      for (const ip of m.eps.keys()) if (ip) n++;
      if (n > ROUTER_IP_THRESHOLD) routers.add(m.mac);
    }
    const ipOwner = new Map<string, string>();
    const macsSorted = [...this.macs.values()].sort((a, b) => a.mac - b.mac);
    for (const m of macsSorted) {
      const key = `mac:${macToString(m.mac)}`;
      for (const ip of m.eps.keys()) {
        if (!ip) continue;
        if (routers.has(m.mac) && !m.arpIps.has(ip)) continue;
        if (!ipOwner.has(ip)) ipOwner.set(ip, key);
      }
    }
    const keyOf = (ep: Endpoint): string => {
      if (ep.mac !== 0) {
        if (!routers.has(ep.mac) || ep.ip === '' || this.macs.get(ep.mac)?.arpIps.has(ep.ip)) {
          return `mac:${macToString(ep.mac)}`;
        }
      }
      return ipOwner.get(ep.ip) ?? `ip:${ep.ip}`;
    };

    const assets = new Map<string, AssetBuild>();
    const get = (key: string, ep: Endpoint): AssetBuild => {
      let a = assets.get(key);
      if (!a) {
        a = newAssetBuild(key, ep);
        assets.set(key, a);
      }
      return a;
    };
    const allEps: Endpoint[] = [];
    for (const m of macsSorted) for (const ep of m.eps.values()) allEps.push(ep);
    for (const ep of this.noMac.values()) allEps.push(ep);
    for (const ep of allEps) {
      const key = keyOf(ep);
      const a = get(key, ep);
      if (ep.ip) a.ips.add(ep.ip);
      for (const v of ep.vlans) a.vlans.add(v);
      if (ep.firstUs < a.firstUs) a.firstUs = ep.firstUs;
      if (ep.lastUs > a.lastUs) a.lastUs = ep.lastUs;
      a.pktsSent += ep.pktsSent;
      a.pktsRecv += ep.pktsRecv;
      a.bytesSent += ep.bytesSent;
      a.bytesRecv += ep.bytesRecv;
      for (const r of ep.roles.values()) {
        const rk = `${r.protocol}|${r.role}|${r.transport}|${r.port}`;
        const cur = a.roles.get(rk);
        const peers = new Set<string>();
        for (const p of r.peers) peers.add(keyOf(p));
        if (cur) {
          for (const p of peers) cur.peerKeys.add(p);
          cur.flows += r.flows;
          cur.firstUs = Math.min(cur.firstUs, r.firstUs);
          cur.lastUs = Math.max(cur.lastUs, r.lastUs);
        } else {
          a.roles.set(rk, {
            protocol: r.protocol,
            role: r.role,
            transport: r.transport,
            port: r.port,
            peerKeys: peers,
            flows: r.flows,
            firstUs: r.firstUs,
            lastUs: r.lastUs,
          });
        }
      }
    }

    // Facts: by IP to the IP's asset, by MAC to the MAC's asset, plus the OUI's vendor.
    for (const [ip, facts] of this.factsByIp) {
      const key = ipOwner.get(ip) ?? (assets.has(`ip:${ip}`) ? `ip:${ip}` : null);
      const target = key ? assets.get(key) : undefined;
      if (!target) continue;
      for (const f of facts.values()) addFact(target, f);
    }
    for (const [mac, facts] of this.factsByMac) {
      const target = assets.get(`mac:${macToString(mac)}`);
      if (!target) continue;
      for (const f of facts.values()) addFact(target, f);
    }
    for (const a of assets.values()) {
      if (a.mac === 0) continue;
      const vendor = ouiVendor(a.mac);
      if (vendor) {
        addFact(a, {
          field: 'vendor',
          value: vendor,
          protocol: 'oui',
          source: 'ieee-oui',
          precedence: Precedence.oui,
          firstUs: a.firstUs,
          lastUs: a.lastUs,
          count: 1,
        });
      }
    }

    const links: LinkRecord[] = [];
    const linkMerge = new Map<string, LinkRecord>();
    for (const l of this.links.values()) {
      const ck = keyOf(l.client);
      const sk = keyOf(l.server);
      const key = `${ck}|${sk}|${l.protocol}|${l.transport}|${l.port}`;
      let rec = linkMerge.get(key);
      if (!rec) {
        rec = {
          clientKey: ck,
          serverKey: sk,
          protocol: l.protocol,
          transport: l.transport,
          port: l.port,
          flows: 0,
          packets: 0,
          bytes: 0,
          firstSeenUs: l.firstUs,
          lastSeenUs: l.lastUs,
          ops: {},
        };
        linkMerge.set(key, rec);
        links.push(rec);
      }
      rec.flows += l.flows;
      rec.packets += l.packets;
      rec.bytes += l.bytes;
      rec.firstSeenUs = Math.min(rec.firstSeenUs, l.firstUs);
      rec.lastSeenUs = Math.max(rec.lastSeenUs, l.lastUs);
      for (const [op, n] of l.ops) rec.ops[op] = (rec.ops[op] ?? 0) + n;
    }

    const anomalies: AnomalyRecord[] = [];
    const anMerge = new Map<string, AnomalyRecord>();
    for (const a of this.anomalies.values()) {
      const assetKey = a.ip ? (ipOwner.get(a.ip) ?? (assets.has(`ip:${a.ip}`) ? `ip:${a.ip}` : null)) : null;
      const key = `${a.protocol}|${a.code}|${assetKey ?? ''}`;
      const cur = anMerge.get(key);
      if (cur) {
        cur.count += a.count;
        cur.firstSeenUs = Math.min(cur.firstSeenUs, a.firstUs);
        cur.lastSeenUs = Math.max(cur.lastSeenUs, a.lastUs);
      } else {
        const rec: AnomalyRecord = {
          code: a.code,
          protocol: a.protocol,
          assetKey,
          count: a.count,
          firstSeenUs: a.firstUs,
          lastSeenUs: a.lastUs,
          example: a.example,
        };
        anMerge.set(key, rec);
        anomalies.push(rec);
      }
    }

    const assetOf = (ip: string, mac: number): string | null => {
      if (ip) {
        const k = ipOwner.get(ip) ?? `ip:${ip}`;
        if (assets.has(k)) return k;
      }
      if (mac && !routers.has(mac)) {
        const k = `mac:${macToString(mac)}`;
        if (assets.has(k)) return k;
      }
      return null;
    };
    const credMerge = new Map<string, CredentialRecord>();
    for (const c of this.credentials.values()) {
      const clientKey = assetOf(c.presenterIp, c.presenterMac);
      const serverKey = assetOf(c.targetIp, c.targetMac);
      const key = [clientKey, serverKey, c.protocol, c.mechanism, c.user, c.secretFingerprint, c.source].join('\u0000');
      const cur = credMerge.get(key);
      if (cur) {
        cur.successes += c.successes;
        cur.failures += c.failures;
        cur.count += c.count;
        cur.cleartext ||= c.cleartext;
        cur.firstSeenUs = Math.min(cur.firstSeenUs, c.firstUs);
        cur.lastSeenUs = Math.max(cur.lastSeenUs, c.lastUs);
      } else {
        credMerge.set(key, {
          clientKey,
          serverKey,
          protocol: c.protocol,
          mechanism: c.mechanism,
          user: c.user,
          secretFingerprint: c.secretFingerprint,
          cleartext: c.cleartext,
          source: c.source,
          successes: c.successes,
          failures: c.failures,
          count: c.count,
          firstSeenUs: c.firstUs,
          lastSeenUs: c.lastUs,
        });
      }
    }

    const out: AssetRecord[] = [];
    for (const a of [...assets.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))) {
      out.push({
        key: a.key,
        mac: a.mac ? macToString(a.mac) : null,
        ips: [...a.ips].sort(),
        vlans: [...a.vlans].sort((x, y) => x - y),
        isRouter: a.mac !== 0 && routers.has(a.mac) && a.key.startsWith('mac:'),
        firstSeenUs: a.firstUs,
        lastSeenUs: a.lastUs,
        packetsSent: a.pktsSent,
        packetsReceived: a.pktsRecv,
        bytesSent: a.bytesSent,
        bytesReceived: a.bytesRecv,
        facts: [...a.facts.values()].map((f) => ({
          field: f.field,
          value: f.value,
          protocol: f.protocol,
          source: f.source,
          precedence: f.precedence,
          firstSeenUs: f.firstUs,
          lastSeenUs: f.lastUs,
          count: f.count,
        })),
        roles: [...a.roles.values()].map(
          (r): RoleRecord => ({
            protocol: r.protocol,
            role: r.role,
            transport: r.transport,
            port: r.port,
            peers: r.peerKeys.size,
            flows: r.flows,
            firstSeenUs: r.firstUs,
            lastSeenUs: r.lastUs,
          }),
        ),
        classification: { role: 'unknown', confidence: 0, reasons: [] },
      });
    }
    return { assets: out, links, anomalies, credentials: [...credMerge.values()] };
  }
}

interface AssetBuild {
  key: string;
  mac: number;
  ips: Set<string>;
  vlans: Set<number>;
  firstUs: number;
  lastUs: number;
  pktsSent: number;
  pktsRecv: number;
  bytesSent: number;
  bytesRecv: number;
  roles: Map<
    string,
    Omit<RoleAgg, 'peers' | 'firstUs' | 'lastUs'> & { peerKeys: Set<string>; firstUs: number; lastUs: number }
  >;
  facts: Map<string, FactAgg>;
}

function newAssetBuild(key: string, ep: Endpoint): AssetBuild {
  return {
    key,
    // The key says whose MAC it is: the first endpoint folded in may be a router's view of the host.
    mac: key.startsWith('mac:') ? (parseMac(key.slice(4)) ?? 0) : 0,
    ips: new Set(),
    vlans: new Set(),
    firstUs: ep.firstUs,
    lastUs: ep.lastUs,
    pktsSent: 0,
    pktsRecv: 0,
    bytesSent: 0,
    bytesRecv: 0,
    roles: new Map(),
    facts: new Map(),
  };
}

function addFact(a: AssetBuild, f: FactAgg | FactRecord): void {
  const first = 'firstUs' in f ? f.firstUs : f.firstSeenUs;
  const last = 'lastUs' in f ? f.lastUs : f.lastSeenUs;
  const key = `${f.field}\u0000${f.value}\u0000${f.protocol}\u0000${f.source}`;
  const cur = a.facts.get(key);
  if (cur) {
    cur.count += f.count;
    cur.firstUs = Math.min(cur.firstUs, first);
    cur.lastUs = Math.max(cur.lastUs, last);
  } else {
    a.facts.set(key, {
      field: f.field,
      value: f.value,
      protocol: f.protocol,
      source: f.source,
      precedence: f.precedence,
      firstUs: first,
      lastUs: last,
      count: f.count,
    });
  }
}

function touch(ep: Endpoint, tsUs: number): void {
  if (tsUs > ep.lastUs) ep.lastUs = tsUs;
}

function addRole(
  ep: Endpoint,
  protocol: string,
  role: 'server' | 'client',
  transport: 'tcp' | 'udp' | 'l2',
  port: number,
  peer: Endpoint | null,
  flow: Flow | null,
  tsUs = 0,
): void {
  const key = `${protocol}|${role}|${transport}|${port}`;
  let r = ep.roles.get(key);
  const first = flow ? flow.firstUs : tsUs;
  const last = flow ? flow.lastUs : tsUs;
  if (!r) {
    r = { protocol, role, transport, port, peers: new Set(), flows: 0, firstUs: first, lastUs: last };
    ep.roles.set(key, r);
  }
  if (flow) r.flows++;
  if (peer) r.peers.add(peer);
  if (first < r.firstUs) r.firstUs = first;
  if (last > r.lastUs) r.lastUs = last;
}

/** Multicast, broadcast and unspecified addresses are destinations, never assets. */
export function isGroupOrUnspecifiedIp(ip: string): boolean {
  if (ip === '' || ip === '0.0.0.0' || ip === '::' || ip === '255.255.255.255') return true;
  if (ip.includes(':')) return ip.startsWith('ff');
  const first = Number.parseInt(ip, 10);
  return first >= 224;
}
