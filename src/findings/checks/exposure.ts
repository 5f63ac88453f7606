/**
 * Exposure checks: OT assets talking to or reached from public internet addresses, OT devices
 * resolving internet names, and remote-access tools reaching OT assets or used across the OT
 * VLAN boundary.
 *
 * "Public" follows `isPublicIp` (support.ts): the RFC 5737 documentation ranges count as
 * public, because they stand for the internet in tests and the demo.
 */
import { OT_PROTOCOLS } from '../../engine/services.js';
import type { AssetRecord, LinkRecord } from '../../inventory/model.js';
import type { Check, CheckContext } from '../check.js';
import type { FindingDraft, FindingEvidence, Severity } from '../model.js';
import { refs } from '../references.js';
import {
  assetIndex,
  assetLabel,
  assetShort,
  BASE_SCORE,
  bump,
  capitalise,
  clampScore,
  clean,
  isController,
  isOtAsset,
  isPublicAsset,
  linksByAsset,
  plural,
  protocolName,
  publicIpOf,
  span,
} from './support.js';

function linkEvidence(l: LinkRecord, assets: Map<string, AssetRecord>, text: string): FindingEvidence {
  return {
    text: `${text}: ${assetShort(assets.get(l.clientKey), l.clientKey)} -> ${assetShort(assets.get(l.serverKey), l.serverKey)} ${protocolName(l.protocol)} ${l.transport}/${l.port}, ${plural(l.flows, 'connection')}`,
    protocol: l.protocol,
    source: `link ${l.transport}/${l.port}`,
    firstSeenUs: l.firstSeenUs,
    lastSeenUs: l.lastSeenUs,
    count: l.flows,
  };
}

/** Remote-access tools by protocol name, and by TCP port when no dissector named them. */
const REMOTE_PROTOCOLS: Record<string, string> = { rdp: 'RDP', vnc: 'VNC' };
const REMOTE_PORTS: Record<number, string> = {
  3389: 'RDP',
  5500: 'VNC (reverse)',
  5800: 'VNC (web)',
  5900: 'VNC',
  5901: 'VNC',
  5902: 'VNC',
  5903: 'VNC',
  5938: 'TeamViewer',
  7070: 'AnyDesk',
  6568: 'AnyDesk',
  4899: 'Radmin',
  5631: 'pcAnywhere',
  5632: 'pcAnywhere',
  6129: 'DameWare',
  6783: 'Splashtop',
  21115: 'RustDesk',
  21116: 'RustDesk',
  21117: 'RustDesk',
  5650: 'UltraViewer',
};

export function remoteAccessTool(l: LinkRecord): string | null {
  const byName = REMOTE_PROTOCOLS[l.protocol];
  if (byName) return byName;
  if (l.transport !== 'tcp' && !(l.transport === 'udp' && (l.port === 5938 || l.port === 21116))) return null;
  return REMOTE_PORTS[l.port] ?? null;
}

/** OT assets talking to (outbound) or reached from (inbound) public addresses. */
export const internetExposureCheck: Check = {
  id: 'exp.internet',
  revision: 1,
  summary: 'OT assets talking to or reached from public internet addresses',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const byAsset = linksByAsset(ctx.links);
    const out: FindingDraft[] = [];
    for (const a of ctx.assets) {
      if (!isOtAsset(a) || isPublicAsset(a)) continue;
      const inbound: LinkRecord[] = [];
      const outbound: LinkRecord[] = [];
      for (const l of byAsset.get(a.key) ?? []) {
        // DNS to a public resolver is the name-resolution finding's evidence, not exposure.
        if (l.port === 53) continue;
        if (l.serverKey === a.key && isPublicAsset(assets.get(l.clientKey))) inbound.push(l);
        else if (l.clientKey === a.key && isPublicAsset(assets.get(l.serverKey))) outbound.push(l);
      }
      const label = assetLabel(a, a.key);
      if (inbound.length > 0) {
        const sensitive = inbound.some((l) => OT_PROTOCOLS.has(l.protocol) || remoteAccessTool(l) !== null);
        const severity: Severity = isController(a) || sensitive ? 'critical' : 'high';
        const peers = [...new Set(inbound.map((l) => publicIpOf(assets.get(l.clientKey)) ?? l.clientKey))];
        const services = [...new Set(inbound.map((l) => `${protocolName(l.protocol)} (${l.transport}/${l.port})`))];
        out.push({
          ruleId: 'exp.internet',
          ruleRevision: 1,
          scope: `${a.key}|inbound`,
          severity,
          title: `${capitalise(label)} is reached from the internet (${plural(peers.length, 'public address', 'public addresses')})`,
          description:
            `Public internet addresses opened connections to this ${isController(a) ? 'controller' : 'OT device'} ` +
            `over ${services.slice(0, 6).join(', ')}. OT devices reachable from the internet are found by ` +
            'scanners within hours and are attacked with public exploits and default passwords.',
          remediation:
            `Block inbound internet traffic to ${label} at the site firewall (no port forwarding to OT). If remote ` +
            'access is needed, provide it through a VPN or a remote-access gateway in a DMZ with multi-factor ' +
            'authentication, and log it.',
          assetKeys: [a.key, ...new Set(inbound.map((l) => l.clientKey))],
          evidence: inbound.slice(0, 10).map((l) => linkEvidence(l, assets, 'Connection from the internet')),
          references: refs('internet-exposure'),
          score: clampScore(BASE_SCORE[severity] + (sensitive ? 0.5 : 0)),
        });
      }
      if (outbound.length > 0) {
        const role = a.classification.role;
        const severity: Severity = role === 'plc' || role === 'hmi' ? 'high' : 'medium';
        const peers = [...new Set(outbound.map((l) => publicIpOf(assets.get(l.serverKey)) ?? l.serverKey))];
        const names = outbound
          .map((l) => assetShort(assets.get(l.serverKey), l.serverKey))
          .filter((v, i, arr) => arr.indexOf(v) === i)
          .slice(0, 5);
        out.push({
          ruleId: 'exp.internet',
          ruleRevision: 1,
          scope: `${a.key}|outbound`,
          severity,
          title: `${capitalise(label)} talks to the internet (${names.join(', ')}${peers.length > 5 ? ', ...' : ''})`,
          description:
            `This OT device opened connections to ${plural(peers.length, 'public internet address', 'public internet addresses')}. ` +
            'A control-system device with a path to the internet can fetch malware, be controlled from outside ' +
            '(reverse connections pass most firewalls) and leak process data.',
          remediation:
            `Block outbound internet access from ${label} at the zone boundary. If it needs updates or cloud ` +
            'services, route them through a proxy or update server in the DMZ, with an explicit allow-list.',
          assetKeys: [a.key, ...new Set(outbound.map((l) => l.serverKey))],
          evidence: outbound.slice(0, 10).map((l) => linkEvidence(l, assets, 'Connection to the internet')),
          references: refs('internet-exposure'),
          score: clampScore(BASE_SCORE[severity]),
        });
      }
    }
    return out;
  },
};

const NAME_FIELDS = new Set(['hostname', 'fqdn', 'tls_sni']);

/**
 * OT assets that use DNS and reach internet names: DNS transactions are not stored, so the
 * evidence is a link to port 53 plus names (DNS answers, TLS SNI) known for the public peers
 * it talked to, or DNS sent straight to a public resolver.
 */
export const internetNamesCheck: Check = {
  id: 'exp.internet-names',
  revision: 1,
  summary: 'OT devices resolving internet names',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const byAsset = linksByAsset(ctx.links);
    const out: FindingDraft[] = [];
    for (const a of ctx.assets) {
      if (!isOtAsset(a) || isPublicAsset(a)) continue;
      const mine = byAsset.get(a.key) ?? [];
      const dns = mine.filter((l) => l.clientKey === a.key && l.port === 53);
      if (dns.length === 0) continue;
      const publicResolvers = dns.filter((l) => isPublicAsset(assets.get(l.serverKey)));
      const named: { link: LinkRecord; name: string }[] = [];
      for (const l of mine) {
        if (l.clientKey !== a.key || l.port === 53) continue;
        const peer = assets.get(l.serverKey);
        if (!isPublicAsset(peer)) continue;
        const f = peer?.facts.find((x) => NAME_FIELDS.has(x.field));
        if (f) named.push({ link: l, name: clean(f.value, 80) });
      }
      if (named.length === 0 && publicResolvers.length === 0) continue;
      const names = [...new Set(named.map((n) => n.name))];
      const label = assetLabel(a, a.key);
      const severity: Severity = isController(a) || a.classification.role === 'hmi' ? 'medium' : 'low';
      const sp = span(dns);
      out.push({
        ruleId: 'exp.internet-names',
        ruleRevision: 1,
        scope: a.key,
        severity: publicResolvers.length > 0 ? bump(severity) : severity,
        title:
          names.length > 0
            ? `${capitalise(label)} resolves internet names (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`
            : `${capitalise(label)} sends DNS queries to an internet resolver`,
        description:
          'This OT device uses DNS and reaches hosts on the internet by name. Control-system devices should not ' +
          'need internet names; when they do it is usually a vendor cloud, an update check or remote-support ' +
          'software, and DNS itself is a common channel for malware command and control and data exfiltration.',
        remediation:
          `Point ${label} at a plant-internal DNS server that does not forward internet names (or remove its DNS ` +
          'configuration if it needs none), block DNS to the internet from the OT zone, and review which software ' +
          `on it looks up ${names.length > 0 ? names.slice(0, 3).join(', ') : 'internet names'}.`,
        assetKeys: [a.key],
        evidence: [
          {
            text: `DNS queries from ${assetShort(a, a.key)} to ${dns.map((l) => assetShort(assets.get(l.serverKey), l.serverKey)).join(', ')}`,
            protocol: 'dns',
            source: 'link udp/53',
            firstSeenUs: sp.firstSeenUs,
            lastSeenUs: sp.lastSeenUs,
            count: dns.reduce((n, l) => n + l.flows, 0),
          },
          ...named.slice(0, 8).map(({ link, name }) => linkEvidence(link, assets, `Connection to ${name}`)),
        ],
        references: refs('internet-names'),
        score: clampScore(BASE_SCORE[publicResolvers.length > 0 ? bump(severity) : severity]),
      });
    }
    return out;
  },
};

/** Remote-access tools reaching OT assets, run by OT assets, or crossing into the OT VLANs. */
export const remoteAccessCheck: Check = {
  id: 'exp.remote-access',
  revision: 1,
  summary: 'Remote-access tools (RDP, VNC, TeamViewer, AnyDesk...) reaching OT assets or crossing into OT VLANs',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const otVlans = new Set<number>();
    for (const a of ctx.assets) if (isOtAsset(a)) for (const v of a.vlans) if (v > 0) otVlans.add(v);
    const inOtVlan = (a: AssetRecord | undefined) => !!a && a.vlans.some((v) => otVlans.has(v));
    const out: FindingDraft[] = [];
    for (const l of ctx.links) {
      const tool = remoteAccessTool(l);
      if (!tool) continue;
      const client = assets.get(l.clientKey);
      const server = assets.get(l.serverKey);
      const toOt = isOtAsset(server);
      const fromOt = isOtAsset(client);
      const crossing = otVlans.size > 0 && inOtVlan(server) && !inOtVlan(client);
      if (!toOt && !fromOt && !crossing) continue;
      const fromInternet = isPublicAsset(client);
      const toInternet = isPublicAsset(server);
      let severity: Severity = toOt ? 'high' : 'medium';
      if (fromInternet && (toOt || crossing)) severity = 'critical';
      else if (fromOt && toInternet) severity = 'high';
      const sl = assetLabel(server, l.serverKey);
      const cl = assetLabel(client, l.clientKey);
      let title: string;
      let why: string;
      if (toOt) {
        title = `${tool} to ${sl} from ${fromInternet ? 'the internet, ' : ''}${assetShort(client, l.clientKey)}`;
        why = `${tool} gives whoever holds the session full control of this OT device's screen and keyboard.`;
      } else if (fromOt) {
        title = `${tool} used by ${cl} to ${toInternet ? 'the internet, ' : ''}${assetShort(server, l.serverKey)}`;
        why = `${tool} on an OT device connects it to a remote-support service: a session started from outside can take control of it.`;
      } else {
        title = `${tool} into the OT network: ${assetShort(client, l.clientKey)} to ${sl}`;
        why = `${tool} from outside the OT VLANs reaches a host inside them, bypassing the zone boundary.`;
      }
      out.push({
        ruleId: 'exp.remote-access',
        ruleRevision: 1,
        scope: `${l.clientKey}|${l.serverKey}|${tool}|${l.port}`,
        severity,
        title,
        description:
          `${why} Remote-access tools are the most common way attackers enter industrial networks ` +
          '(stolen or reused passwords, unpatched gateways, unattended vendor sessions).',
        remediation:
          'Remove remote-access tools from OT devices that do not need them. Route the remote access that is needed ' +
          'through one jump host or remote-access gateway in the DMZ with multi-factor authentication, session ' +
          'approval and recording, and allow it only from there at the OT zone boundary.',
        assetKeys: [l.serverKey, l.clientKey],
        evidence: [linkEvidence(l, assets, `${tool} session`)],
        references: refs('remote-access'),
        score: clampScore(BASE_SCORE[severity] + (fromInternet ? 0.5 : 0)),
      });
    }
    return out;
  },
};

export const EXPOSURE_CHECKS: readonly Check[] = [internetExposureCheck, internetNamesCheck, remoteAccessCheck];
