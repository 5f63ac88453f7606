import type { Severity } from '../../findings/model.js';
import { OT_ROLES } from '../../inventory/model.js';
import { lruGet } from '../../util/lru.js';
import { macToString } from '../../util/net.js';
import type { ArpEvent, Detection, Rule, RuleContext, RuleEvent } from '../contract.js';

/**
 * ARP rules: who claims which IP on the segment. Every ARP packet with a sender IP is a claim
 * "IP is at MAC" (requests, replies and gratuitous announcements alike; RFC 5227 probes with
 * sender 0.0.0.0 claim nothing).
 *
 * Conflict: two MACs both claiming one IP, each within `CONFLICT_WINDOW_US`, with the claims
 * interleaved (A, then B, then A again, or B again after A): a MAC that simply takes over an IP
 * (a replaced device, a new DHCP lease) is not a conflict; the old one has to come back while
 * the new one is active. Then:
 * - `net.arp-spoofing` (high): the newcomer (the MAC seen later; the owner is the MAC the stored
 *   inventory keys the IP's asset on, when it does) also claims an IP of its own, or is in
 *   conflict on two or more IPs: a host impersonating others, the ARP cache poisoning of
 *   arpspoof / ettercap (adversary in the middle).
 * - `net.duplicate-ip` (medium; high when the IP is an OT asset): otherwise: two devices
 *   configured with one address, so traffic for it reaches one of them at random.
 * Proxy ARP is not spoofing: a MAC the inventory classifies as network device, a virtual router
 *   MAC (VRRP 00:00:5e:00:01/02:xx, HSRP 00:00:0c:07:ac:xx and 00:00:0c:9f:fx:xx), or a MAC
 *   claiming more than `MAX_IPS_PER_MAC` IPs (a router answering for hosts behind it) is
 *   skipped, unless it is in conflict on two or more IPs (whole-segment poisoning).
 * Known gap: Linux "ARP flux" (a host with two NICs on one segment answering for both of its
 * IPs on both) looks like spoofing.
 *
 * `net.gratuitous-arp-flood` (medium): >= `GARP_FLOOD_THRESHOLD` gratuitous ARPs from one MAC
 * within `GARP_WINDOW_US` (a device announces itself a few times at boot or failover; a flood
 * poisons caches or hides a spoofing attempt).
 *
 * Detections are re-reported at most once per `REPORT_EVERY_US` per key, so the alert's count
 * is roughly the minutes the condition lasted. State is bounded (IPs, MACs, claims per IP).
 * ATT&CK for ICS: T0830 Adversary-in-the-Middle (ARP poisoning is its first example).
 */

export const CONFLICT_WINDOW_US = 300_000_000;
export const REPORT_EVERY_US = 60_000_000;
export const MAX_IPS_PER_MAC = 4;
export const GARP_FLOOD_THRESHOLD = 60;
export const GARP_WINDOW_US = 60_000_000;

const MAX_BINDINGS = 8192;
const MAX_MACS = 8192;
const MAX_CLAIMS_PER_IP = 4;
const MAX_IPS_TRACKED_PER_MAC = 16;
const MAX_GARP_SENDERS = 1024;

interface Claim {
  mac: number;
  first: number;
  last: number;
  count: number;
}

interface Binding {
  claims: Claim[];
  lastMac: number;
  /** Newcomer MAC -> time of the last report. */
  reported: Map<number, number>;
}

interface MacInfo {
  /** IP -> last claim time. */
  ips: Map<string, number>;
  /** IPs on which this MAC was the newcomer in a conflict. */
  conflicts: Set<string>;
}

interface ClaimState {
  bindings: Map<string, Binding>;
  macs: Map<number, MacInfo>;
}

/** A conflict between two MACs over one IP, as the claim tracker sees it. */
export interface ArpConflict {
  ip: string;
  vlan: number;
  owner: number;
  newcomer: number;
  kind: 'spoofing' | 'duplicate';
  /** Other IPs the newcomer claims (its own address, or further victims). */
  otherIps: string[];
  ts: number;
}

function mac(m: number): string {
  return macToString(m);
}

/** VRRP (RFC 5798) and HSRP virtual router MACs: shared between routers by design. */
export function isVirtualRouterMac(m: number): boolean {
  const hi = Math.floor(m / 0x100); // top 5 bytes
  const vrrp4 = 0x00005e0001;
  const vrrp6 = 0x00005e0002;
  const hsrp1 = 0x00000c07ac;
  if (hi === vrrp4 || hi === vrrp6 || hi === hsrp1) return true;
  const hsrp2 = Math.floor(m / 0x1000); // 00:00:0c:9f:fx:xx
  return hsrp2 === 0x00000c9ff;
}

function claimState(ctx: RuleContext): ClaimState {
  let s = ctx.state.get('claims') as ClaimState | undefined;
  if (s === undefined) {
    s = { bindings: new Map(), macs: new Map() };
    ctx.state.set('claims', s);
  }
  return s;
}

/**
 * Record the ARP packet's claim and return the conflict it completes, if any (and not reported
 * for this newcomer within `REPORT_EVERY_US`).
 */
export function trackClaim(a: ArpEvent, ctx: RuleContext): ArpConflict | null {
  if (a.senderIp === '' || a.senderIp === '0.0.0.0' || a.senderMac === 0 || a.senderMac === 0xffffffffffff) return null;
  const s = claimState(ctx);
  const ts = a.ts;
  const me = lruGet(s.macs, a.senderMac, MAX_MACS, () => ({ ips: new Map<string, number>(), conflicts: new Set() }));
  if (me.ips.has(a.senderIp)) me.ips.delete(a.senderIp);
  else if (me.ips.size >= MAX_IPS_TRACKED_PER_MAC) {
    const oldest = me.ips.keys().next();
    if (!oldest.done) me.ips.delete(oldest.value);
  }
  me.ips.set(a.senderIp, ts);

  const b = lruGet(s.bindings, `${a.vlan}|${a.senderIp}`, MAX_BINDINGS, () => ({
    claims: [] as Claim[],
    lastMac: 0,
    reported: new Map<number, number>(),
  }));
  let c = b.claims.find((x) => x.mac === a.senderMac);
  const before = c ? c.last : null;
  if (!c) {
    if (b.claims.length >= MAX_CLAIMS_PER_IP) {
      let oldest = 0;
      for (let i = 1; i < b.claims.length; i++)
        if ((b.claims[i] as Claim).last < (b.claims[oldest] as Claim).last) oldest = i;
      b.claims.splice(oldest, 1);
    }
    c = { mac: a.senderMac, first: ts, last: ts, count: 0 };
    b.claims.push(c);
  }
  c.count++;
  if (ts > c.last) c.last = ts;
  const prevMac = b.lastMac;
  b.lastMac = a.senderMac;
  if (prevMac === 0 || prevMac === a.senderMac) return null;
  const prev = b.claims.find((x) => x.mac === prevMac);
  // A conflict needs this MAC to come back (it claimed before, recently) while the other is active.
  if (!prev || before === null || ts - before > CONFLICT_WINDOW_US || ts - prev.last > CONFLICT_WINDOW_US) return null;

  let owner: Claim = prev.first <= c.first ? prev : c;
  let newcomer: Claim = owner === prev ? c : prev;
  const known = ctx.host(a.senderIp).assetKey;
  if (known === `mac:${mac(newcomer.mac)}`) [owner, newcomer] = [newcomer, owner];
  if (isVirtualRouterMac(owner.mac) || isVirtualRouterMac(newcomer.mac)) return null;

  const nm = s.macs.get(newcomer.mac);
  if (nm && nm.conflicts.size < MAX_IPS_TRACKED_PER_MAC) nm.conflicts.add(a.senderIp);
  const multiConflict = (nm?.conflicts.size ?? 0) >= 2;
  if (!multiConflict) {
    if (ctx.host(`mac:${mac(newcomer.mac)}`).role === 'network-device') return null;
    if ((nm?.ips.size ?? 0) > MAX_IPS_PER_MAC) return null;
  }
  const last = b.reported.get(newcomer.mac);
  if (last !== undefined && ts - last < REPORT_EVERY_US) return null;
  if (b.reported.size >= MAX_CLAIMS_PER_IP && last === undefined) {
    const oldest = b.reported.keys().next();
    if (!oldest.done) b.reported.delete(oldest.value);
  }
  b.reported.set(newcomer.mac, ts);
  const otherIps = nm ? [...nm.ips.keys()].filter((ip) => ip !== a.senderIp) : [];
  return {
    ip: a.senderIp,
    vlan: a.vlan,
    owner: owner.mac,
    newcomer: newcomer.mac,
    kind: multiConflict || otherIps.length > 0 ? 'spoofing' : 'duplicate',
    otherIps,
    ts,
  };
}

const SPOOF_REMEDIATION =
  'A device is answering for an address that belongs to another one, so traffic meant for it can be read or ' +
  'changed on the way (adversary in the middle). Locate the newcomer MAC on the switch (MAC address table), ' +
  'disconnect it if nobody owns it, and check the control traffic of the impersonated hosts for changes. ' +
  'Enable Dynamic ARP Inspection / port security on OT switches, or static ARP entries on critical hosts.';
const DUP_REMEDIATION =
  'Two devices use the same IP address, so traffic for it reaches either at random and control communication ' +
  'breaks intermittently. Find both MACs on the switch, correct the address of the wrong one, and record the ' +
  'address plan (or DHCP reservations) so it does not happen again.';
const GARP_REMEDIATION =
  "A device is flooding gratuitous ARP announcements, which overwrite other hosts' ARP caches (a poisoning " +
  'tool, a failing HA pair or a faulty NIC). Locate the MAC on the switch, check what runs on it, and rate-limit ' +
  'or inspect ARP on the switch port.';

function makeConflictRule(
  id: string,
  kind: ArpConflict['kind'],
  title: string,
  remediation: string,
  severity: Severity,
): Rule {
  const rule: Rule = {
    id,
    revision: 1,
    severity,
    title,
    remediation,
    attack: ['T0830'],
    events: ['arp'],
    evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
      if (event.kind !== 'arp') return null;
      const c = trackClaim(event.arp, ctx);
      if (c === null || c.kind !== kind) return null;
      const victim = ctx.host(c.ip);
      const nm = `mac:${mac(c.newcomer)}`;
      const om = `mac:${mac(c.owner)}`;
      const ot = OT_ROLES.has(victim.role);
      if (kind === 'spoofing') {
        return [
          {
            ruleId: id,
            key: nm,
            severity: 'high',
            title: `ARP spoofing: ${mac(c.newcomer)} claims ${victim.label}, which belongs to ${mac(c.owner)}`,
            remediation,
            attack: ['T0830'],
            ts: c.ts,
            hosts: [nm, c.ip, om, ...c.otherIps.slice(0, 8)],
            evidence: `VLAN ${c.vlan}: ${c.ip} claimed alternately by ${mac(c.owner)} (owner) and ${mac(c.newcomer)}, which also claims ${c.otherIps.slice(0, 5).join(', ') || 'other conflicting addresses'}`,
            protocol: 'arp',
          },
        ];
      }
      return [
        {
          ruleId: id,
          key: `${c.vlan}|${c.ip}`,
          severity: ot ? 'high' : 'medium',
          title: `Duplicate IP address ${victim.label}: used by ${mac(c.owner)} and ${mac(c.newcomer)}`,
          remediation,
          attack: ['T0830'],
          ts: c.ts,
          hosts: [c.ip, om, nm],
          evidence: `VLAN ${c.vlan}: ${c.ip} claimed alternately by ${mac(c.owner)} and ${mac(c.newcomer)} within ${CONFLICT_WINDOW_US / 1e6} s`,
          protocol: 'arp',
        },
      ];
    },
  };
  return rule;
}

export const arpSpoofingRule: Rule = makeConflictRule(
  'net.arp-spoofing',
  'spoofing',
  'ARP spoofing: a device impersonates another on the network',
  SPOOF_REMEDIATION,
  'high',
);

export const duplicateIpRule: Rule = makeConflictRule(
  'net.duplicate-ip',
  'duplicate',
  'Duplicate IP address: two devices use one address',
  DUP_REMEDIATION,
  'medium',
);

interface GarpSender {
  start: number;
  n: number;
  ips: Set<string>;
  reported: number;
}

export const gratuitousArpFloodRule: Rule = {
  id: 'net.gratuitous-arp-flood',
  revision: 1,
  severity: 'medium',
  title: 'Gratuitous ARP flood',
  remediation: GARP_REMEDIATION,
  attack: ['T0830'],
  events: ['arp'],
  evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
    if (event.kind !== 'arp' || !event.arp.gratuitous) return null;
    const a = event.arp;
    let senders = ctx.state.get('garp') as Map<number, GarpSender> | undefined;
    if (senders === undefined) {
      senders = new Map();
      ctx.state.set('garp', senders);
    }
    const g = lruGet(senders, a.senderMac, MAX_GARP_SENDERS, () => ({
      start: a.ts,
      n: 0,
      ips: new Set<string>(),
      reported: Number.NEGATIVE_INFINITY,
    }));
    if (a.ts - g.start > GARP_WINDOW_US || a.ts < g.start) {
      g.start = a.ts;
      g.n = 0;
      g.ips.clear();
    }
    g.n++;
    if (g.ips.size < MAX_IPS_TRACKED_PER_MAC) g.ips.add(a.senderIp);
    if (g.n < GARP_FLOOD_THRESHOLD || a.ts - g.reported < GARP_WINDOW_US) return null;
    g.reported = a.ts;
    const m = `mac:${mac(a.senderMac)}`;
    const ips = [...g.ips];
    return [
      {
        ruleId: 'net.gratuitous-arp-flood',
        key: m,
        severity: 'medium',
        title: `Gratuitous ARP flood from ${mac(a.senderMac)} (${g.n} announcements in ${Math.max(1, Math.round((a.ts - g.start) / 1e6))} s)`,
        remediation: GARP_REMEDIATION,
        attack: ['T0830'],
        ts: a.ts,
        hosts: [m, ...ips.filter((ip) => ip !== '').slice(0, 8)],
        evidence: `VLAN ${a.vlan}: ${g.n} gratuitous ARPs from ${mac(a.senderMac)} within ${GARP_WINDOW_US / 1e6} s claiming ${ips.join(', ')}`,
        protocol: 'arp',
      },
    ];
  },
};

export const ARP_RULES: readonly Rule[] = [arpSpoofingRule, duplicateIpRule, gratuitousArpFloodRule];
