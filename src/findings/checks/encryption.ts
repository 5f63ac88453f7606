/**
 * Encryption checks: management protocols in the clear (per link), industrial protocols run
 * without the security they offer (OPC UA SecurityPolicy None, MQTT logins on 1883), old TLS,
 * weak TLS ciphers, expired and self-signed certificates, and per VLAN the share of OT
 * conversations in the clear.
 *
 * Facts used (from the dissectors): 'opcua_security' = '<policy>/<mode>', 'tls_version_max'
 * ('SSLv3', 'TLSv10'...), 'tls_cipher' (IANA cipher suite name, when a dissector reports it),
 * 'tls_cert_not_after' (ISO time), 'tls_cert_self_signed' ('true'/'false'), 'tls_cert_subject'.
 */
import { OT_PROTOCOLS } from '../../engine/services.js';
import type { AssetRecord, CredentialRecord, FactRecord, LinkRecord } from '../../inventory/model.js';
import type { Check, CheckContext } from '../check.js';
import type { FindingDraft, FindingEvidence, Severity } from '../model.js';
import { refs } from '../references.js';
import {
  assetIndex,
  assetLabel,
  assetShort,
  BASE_SCORE,
  clampScore,
  clean,
  isController,
  isOtAsset,
  plural,
  protocolName,
} from './support.js';

function linkEvidence(l: LinkRecord, assets: Map<string, AssetRecord>, text: string): FindingEvidence {
  return {
    text: `${text}: ${assetShort(assets.get(l.clientKey), l.clientKey)} -> ${assetShort(assets.get(l.serverKey), l.serverKey)} ${l.transport}/${l.port}, ${plural(l.flows, 'connection')}, ${plural(l.packets, 'packet')}`,
    protocol: l.protocol,
    source: `link ${l.transport}/${l.port}`,
    firstSeenUs: l.firstSeenUs,
    lastSeenUs: l.lastSeenUs,
    count: l.flows,
  };
}

function factEvidence(f: FactRecord, text: string): FindingEvidence {
  return {
    text: `${text} (${f.field} = ${clean(f.value, 80)})`,
    protocol: f.protocol,
    source: f.source,
    firstSeenUs: f.firstSeenUs,
    lastSeenUs: f.lastSeenUs,
    count: f.count,
  };
}

function credsByLink(creds: readonly CredentialRecord[]): Map<string, CredentialRecord[]> {
  const m = new Map<string, CredentialRecord[]>();
  for (const c of creds) {
    const k = `${c.clientKey ?? ''}|${c.serverKey ?? ''}|${c.protocol}`;
    const list = m.get(k);
    if (list) list.push(c);
    else m.set(k, [c]);
  }
  return m;
}

const linkScope = (l: LinkRecord) => `${l.clientKey}|${l.serverKey}|${l.protocol}|${l.transport}/${l.port}`;

const MANAGEMENT_FIX: Record<string, string> = {
  telnet: 'Disable Telnet on the device and manage it over SSH; block TCP/23 at the zone boundary.',
  ftp: 'Replace FTP with SFTP or FTPS, or turn the FTP server off when it is only needed for maintenance.',
  http: 'Serve the web interface over HTTPS only (install a certificate) and turn plain HTTP off or redirect it.',
  snmp: 'Configure SNMPv3 with authPriv and disable SNMPv1/v2c; until then restrict SNMP to the management station.',
};

/** Cleartext management protocols, one finding per link. */
export const cleartextManagementCheck: Check = {
  id: 'enc.cleartext-management',
  revision: 1,
  summary: 'Telnet, FTP, HTTP (with logins or to OT devices) and SNMPv1/v2c links in the clear',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const creds = credsByLink(ctx.credentials);
    const out: FindingDraft[] = [];
    for (const l of ctx.links) {
      const proto = l.protocol === 'tcp/23' ? 'telnet' : l.protocol;
      if (!(proto in MANAGEMENT_FIX)) continue;
      const server = assets.get(l.serverKey);
      const onLink = creds.get(`${l.clientKey}|${l.serverKey}|${proto}`) ?? [];
      const ot = isOtAsset(server);
      const infra = server?.classification.role === 'network-device';
      let severity: Severity;
      let why: string;
      if (proto === 'telnet') {
        severity = ot || infra ? 'high' : 'medium';
        why =
          'Telnet sends the login and every command in the clear and offers no protection against hijacking the session.';
      } else if (proto === 'ftp') {
        severity = ot ? 'high' : 'medium';
        why =
          'FTP sends the login and the files (programs, configurations, firmware) in the clear; they can be read or replaced in transit.';
      } else if (proto === 'http') {
        const auth = onLink.some((c) => c.secretFingerprint !== null || c.user !== '');
        if (!auth && !ot && !infra) continue;
        severity = auth && (ot || infra) ? 'high' : 'medium';
        why = auth
          ? 'The web interface is used with a login over plain HTTP: the credentials and the session can be read and reused.'
          : 'The web interface of this device is used over plain HTTP: settings and session cookies cross the network readable and changeable.';
      } else {
        const v1v2 = onLink.filter((c) => c.mechanism === 'community');
        if (v1v2.length === 0) continue;
        severity = ot || infra ? 'medium' : 'low';
        why =
          'SNMPv1/v2c authenticates with a community string sent in the clear; whoever reads it can query (and with a write community, reconfigure) the device.';
      }
      const label = assetLabel(server, l.serverKey);
      const evidence = [linkEvidence(l, assets, `${protocolName(proto)} in the clear`)];
      for (const c of onLink.slice(0, 5)) {
        evidence.push({
          text: `${protocolName(proto)} ${c.mechanism}${c.user !== '' ? ` for user '${clean(c.user, 40)}'` : ''} seen on this link`,
          protocol: c.protocol,
          source: c.source,
          firstSeenUs: c.firstSeenUs,
          lastSeenUs: c.lastSeenUs,
          count: c.count,
        });
      }
      out.push({
        ruleId: 'enc.cleartext-management',
        ruleRevision: 1,
        scope: linkScope(l),
        severity,
        title: `${protocolName(proto)}${proto === 'snmp' ? 'v1/v2c' : ''} in the clear from ${assetShort(assets.get(l.clientKey), l.clientKey)} to ${label}`,
        description: `${why} Anyone with access to the network path between the two (or a mirror port) can do so.`,
        remediation: `On ${label}: ${MANAGEMENT_FIX[proto]}`,
        assetKeys: [l.serverKey, l.clientKey],
        evidence,
        references: refs('cleartext-protocol'),
        score: clampScore(BASE_SCORE[severity] + (isController(server) ? 1 : 0)),
      });
    }
    return out;
  },
};

/** OPC UA servers accepting SecurityPolicy None, MQTT logins on the unencrypted port. */
export const otWithoutSecurityCheck: Check = {
  id: 'enc.ot-without-security',
  revision: 1,
  summary: 'Industrial protocols used without the security they offer (OPC UA policy None, MQTT without TLS)',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const creds = credsByLink(ctx.credentials);
    const opcuaClients = new Map<string, LinkRecord[]>();
    for (const l of ctx.links) {
      if (l.protocol !== 'opcua') continue;
      const list = opcuaClients.get(l.serverKey);
      if (list) list.push(l);
      else opcuaClients.set(l.serverKey, [l]);
    }
    const out: FindingDraft[] = [];
    for (const a of ctx.assets) {
      const none = a.facts.filter((f) => f.field === 'opcua_security' && /^None\/|\/None$/.test(f.value));
      if (none.length === 0) continue;
      const clients = opcuaClients.get(a.key) ?? [];
      const severity: Severity = isController(a) ? 'high' : 'medium';
      const label = assetLabel(a, a.key);
      out.push({
        ruleId: 'enc.ot-without-security',
        ruleRevision: 1,
        scope: `${a.key}|opcua`,
        severity,
        title: `OPC UA without security (SecurityPolicy None) on ${label}`,
        description:
          'The OPC UA server accepts secure channels with SecurityPolicy None: messages are neither signed nor ' +
          'encrypted, so values and commands can be read and altered on the way, and the client and server do not ' +
          `authenticate each other.${clients.length > 0 ? ` ${plural(clients.length, 'client')} used it.` : ''}`,
        remediation:
          `On ${label}: disable the None endpoint and offer only Basic256Sha256 (or Aes128_Sha256_RsaOaep/` +
          'Aes256_Sha256_RsaPss) with mode SignAndEncrypt; trust only the client certificates you expect, then ' +
          'configure the clients for the secure endpoint.',
        assetKeys: [a.key, ...new Set(clients.map((l) => l.clientKey))],
        evidence: [
          ...none.map((f) => factEvidence(f, 'Secure channel opened without security')),
          ...clients.slice(0, 5).map((l) => linkEvidence(l, assets, 'OPC UA client')),
        ],
        references: refs('insecure-industrial-protocol'),
        score: clampScore(BASE_SCORE[severity]),
      });
    }
    for (const l of ctx.links) {
      if (l.protocol !== 'mqtt' || l.port !== 1883) continue;
      const logins = (creds.get(`${l.clientKey}|${l.serverKey}|mqtt`) ?? []).filter(
        (c) => c.user !== '' || c.secretFingerprint !== null,
      );
      if (logins.length === 0) continue;
      const server = assets.get(l.serverKey);
      const label = assetLabel(server, l.serverKey);
      const severity: Severity = 'medium';
      out.push({
        ruleId: 'enc.ot-without-security',
        ruleRevision: 1,
        scope: linkScope(l),
        severity,
        title: `MQTT login without TLS from ${assetShort(assets.get(l.clientKey), l.clientKey)} to broker ${label}`,
        description:
          'The MQTT client logs in to the broker on port 1883, without TLS: the user name, password and every ' +
          'published value cross the network in the clear and can be read or injected.',
        remediation: `On broker ${label}: enable MQTT over TLS on port 8883, move the clients to it, and close port 1883.`,
        assetKeys: [l.serverKey, l.clientKey],
        evidence: [
          linkEvidence(l, assets, 'MQTT on 1883'),
          ...logins.map((c) => ({
            text: `MQTT CONNECT${c.user !== '' ? ` as '${clean(c.user, 40)}'` : ''}${c.secretFingerprint !== null ? ' with a password' : ''}`,
            protocol: c.protocol,
            source: c.source,
            firstSeenUs: c.firstSeenUs,
            lastSeenUs: c.lastSeenUs,
            count: c.count,
          })),
        ],
        references: refs('insecure-industrial-protocol'),
        score: clampScore(BASE_SCORE[severity]),
      });
    }
    return out;
  },
};

const OLD_TLS: Record<string, { name: string; severity: Severity }> = {
  SSLv2: { name: 'SSL 2.0', severity: 'high' },
  SSLv3: { name: 'SSL 3.0', severity: 'high' },
  TLSv10: { name: 'TLS 1.0', severity: 'medium' },
  TLSv11: { name: 'TLS 1.1', severity: 'medium' },
};

/** Servers that negotiated a protocol older than TLS 1.2. */
export const oldTlsCheck: Check = {
  id: 'enc.tls-old-version',
  revision: 1,
  summary: 'TLS servers negotiating SSL or TLS older than 1.2',
  run(ctx: CheckContext): FindingDraft[] {
    const out: FindingDraft[] = [];
    for (const a of ctx.assets) {
      for (const f of a.facts) {
        if (f.field !== 'tls_version_max') continue;
        const old = OLD_TLS[f.value];
        if (!old) continue;
        const label = assetLabel(a, a.key);
        out.push({
          ruleId: 'enc.tls-old-version',
          ruleRevision: 1,
          scope: `${a.key}|${f.value}`,
          severity: old.severity,
          title: `${old.name} in use on ${label}`,
          description:
            `This device negotiated ${old.name}, which is deprecated (RFC 8996) and has known attacks ` +
            '(POODLE, BEAST, weak hashes). Encrypted sessions to it can be downgraded or decrypted.',
          remediation: `On ${label}: enable TLS 1.2 or 1.3 and disable ${old.name} and older; if the firmware cannot, update it or put the device behind a TLS-terminating gateway.`,
          assetKeys: [a.key],
          evidence: [factEvidence(f, `TLS handshake negotiated ${old.name}`)],
          references: refs('weak-tls'),
          score: clampScore(BASE_SCORE[old.severity]),
        });
      }
    }
    return out;
  },
};

/** Why a cipher suite is weak, or null. CBC counts only with TLS 1.0 and older (BEAST). */
export function weakCipherReason(cipher: string, oldProtocol: boolean): string | null {
  const c = cipher.toUpperCase();
  if (/_NULL_|_WITH_NULL|NULL_WITH/.test(c) || c.endsWith('_NULL')) return 'no encryption (NULL cipher)';
  if (c.includes('EXPORT')) return 'export-grade key length';
  if (c.includes('_ANON_')) return 'no server authentication (anonymous key exchange)';
  if (c.includes('RC4')) return 'RC4, broken';
  if (c.includes('3DES') || c.includes('DES_CBC') || c.includes('DES40')) return '3DES/DES, 64-bit block (Sweet32)';
  if (oldProtocol && c.includes('CBC')) return 'CBC mode with TLS 1.0 or older (BEAST, Lucky13)';
  return null;
}

/** Weak cipher suites negotiated (needs the 'tls_cipher' fact). */
export const weakCipherCheck: Check = {
  id: 'enc.tls-weak-cipher',
  revision: 1,
  summary: 'TLS sessions using NULL, EXPORT, anonymous, RC4 or 3DES ciphers, or CBC with TLS 1.0',
  run(ctx: CheckContext): FindingDraft[] {
    const out: FindingDraft[] = [];
    for (const a of ctx.assets) {
      const oldProtocol = a.facts.some(
        (f) => f.field === 'tls_version_max' && ['SSLv2', 'SSLv3', 'TLSv10'].includes(f.value),
      );
      for (const f of a.facts) {
        if (f.field !== 'tls_cipher') continue;
        const reason = weakCipherReason(f.value, oldProtocol);
        if (!reason) continue;
        const label = assetLabel(a, a.key);
        const severity: Severity = /NULL|EXPORT|anonymous/.test(reason) ? 'high' : 'medium';
        out.push({
          ruleId: 'enc.tls-weak-cipher',
          ruleRevision: 1,
          scope: `${a.key}|${f.value}`,
          severity,
          title: `Weak TLS cipher ${clean(f.value, 60)} on ${label}`,
          description: `TLS sessions with this device use ${clean(f.value, 60)}: ${reason}. The protection of the traffic is weaker than it looks.`,
          remediation: `On ${label}: allow only AEAD suites (AES-GCM, ChaCha20-Poly1305) with TLS 1.2 or 1.3; update the firmware if it offers no such suite.`,
          assetKeys: [a.key],
          evidence: [factEvidence(f, 'Cipher suite negotiated')],
          references: refs('weak-tls'),
          score: clampScore(BASE_SCORE[severity]),
        });
      }
    }
    return out;
  },
};

/** Expired certificates (not_after before the run's clock) and self-signed ones. */
export const certificateCheck: Check = {
  id: 'enc.tls-certificate',
  revision: 1,
  summary: 'Expired or self-signed TLS certificates',
  run(ctx: CheckContext): FindingDraft[] {
    const now = Date.parse(ctx.now);
    const out: FindingDraft[] = [];
    for (const a of ctx.assets) {
      const label = assetLabel(a, a.key);
      for (const f of a.facts) {
        if (f.field === 'tls_cert_not_after') {
          const t = Date.parse(f.value);
          if (!Number.isFinite(t) || !Number.isFinite(now) || t >= now) continue;
          out.push({
            ruleId: 'enc.tls-certificate',
            ruleRevision: 1,
            scope: `${a.key}|expired|${f.value}`,
            severity: 'medium',
            title: `Expired TLS certificate (since ${f.value.slice(0, 10)}) on ${label}`,
            description:
              'The device presents a certificate that has expired. Clients must either reject it or be set to ' +
              'ignore certificate errors, which also lets an attacker in the middle present any certificate.',
            remediation: `Issue a new certificate for ${label} (from the plant's CA where there is one), install it, and make sure clients validate certificates again.`,
            assetKeys: [a.key],
            evidence: [factEvidence(f, 'Certificate validity ended')],
            references: refs('certificate'),
            score: clampScore(BASE_SCORE.medium),
          });
        } else if (f.field === 'tls_cert_self_signed' && f.value === 'true') {
          const subject = a.facts.find((x) => x.field === 'tls_cert_subject');
          out.push({
            ruleId: 'enc.tls-certificate',
            ruleRevision: 1,
            scope: `${a.key}|self-signed`,
            severity: 'low',
            title: `Self-signed TLS certificate on ${label}`,
            description:
              'The device proves its identity with a certificate it signed itself. Clients cannot tell it from an ' +
              'impostor unless the exact certificate is pinned, so they are usually told to accept any certificate.',
            remediation: `Replace the certificate of ${label} with one issued by the plant's CA, or pin this certificate's fingerprint in every client that connects to it.`,
            assetKeys: [a.key],
            evidence: [
              factEvidence(f, 'Certificate issuer equals its subject'),
              ...(subject ? [factEvidence(subject, 'Certificate subject')] : []),
            ],
            references: refs('certificate'),
            score: clampScore(BASE_SCORE.low - 1),
          });
        }
      }
    }
    return out;
  },
};

/** True when an OT link's protocol is encrypted (OPC UA SignAndEncrypt is the only such case today). */
function otLinkEncrypted(l: LinkRecord, assets: Map<string, AssetRecord>): boolean {
  if (l.protocol !== 'opcua') return false;
  const facts = assets.get(l.serverKey)?.facts.filter((f) => f.field === 'opcua_security') ?? [];
  return facts.length > 0 && facts.every((f) => f.value.endsWith('/SignAndEncrypt'));
}

/** Info: per VLAN (or 'site'), the share of OT conversations in the clear. */
export const otCleartextShareCheck: Check = {
  id: 'enc.ot-cleartext-share',
  revision: 1,
  summary: 'Share of OT conversations in the clear, per VLAN or for the site',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const zones = new Map<
      string,
      { total: number; clear: number; protocols: Map<string, number>; links: LinkRecord[] }
    >();
    for (const l of ctx.links) {
      if (!OT_PROTOCOLS.has(l.protocol)) continue;
      const vlan = assets.get(l.serverKey)?.vlans[0] ?? assets.get(l.clientKey)?.vlans[0];
      const zone = vlan ? `vlan:${vlan}` : 'site';
      let z = zones.get(zone);
      if (!z) {
        z = { total: 0, clear: 0, protocols: new Map(), links: [] };
        zones.set(zone, z);
      }
      z.total++;
      z.links.push(l);
      if (!otLinkEncrypted(l, assets)) {
        z.clear++;
        z.protocols.set(l.protocol, (z.protocols.get(l.protocol) ?? 0) + 1);
      }
    }
    const out: FindingDraft[] = [];
    for (const [zone, z] of [...zones].sort()) {
      const pct = Math.round((z.clear / z.total) * 100);
      const where = zone === 'site' ? 'Site' : `VLAN ${zone.slice(5)}`;
      const byProto = [...z.protocols]
        .sort((a, b) => b[1] - a[1])
        .map(([p, n]) => `${protocolName(p)} ${n}`)
        .join(', ');
      let first = Number.POSITIVE_INFINITY;
      let last = 0;
      for (const l of z.links) {
        first = Math.min(first, l.firstSeenUs);
        last = Math.max(last, l.lastSeenUs);
      }
      out.push({
        ruleId: 'enc.ot-cleartext-share',
        ruleRevision: 1,
        scope: zone,
        severity: 'info',
        title: `${where}: ${z.clear} of ${plural(z.total, 'OT conversation')} in the clear (${pct}%)`,
        description:
          'Share of client-server pairs speaking an industrial protocol whose traffic is not encrypted. Most ' +
          'industrial protocols (Modbus/TCP, S7comm, EtherNet/IP, DNP3, PROFINET) have no encryption; the ' +
          'figure shows how much of this zone depends on network segmentation alone.',
        remediation:
          'Protect the zone at its boundary (IEC 62443 zones and conduits: only the listed conduits in and out), and ' +
          'where the devices support it, use the secure variants (OPC UA SignAndEncrypt, DNP3 Secure Authentication, ' +
          'CIP Security, S7comm-plus with TLS).',
        assetKeys: [],
        evidence: [
          {
            text: `${z.clear} of ${z.total} OT client-server pairs unencrypted${byProto ? ` (${byProto})` : ''}`,
            source: 'links',
            firstSeenUs: Number.isFinite(first) ? first : 0,
            lastSeenUs: last,
            count: z.total,
          },
        ],
        references: refs('cleartext-share'),
        score: 0,
      });
    }
    return out;
  },
};

export const ENCRYPTION_CHECKS: readonly Check[] = [
  cleartextManagementCheck,
  otWithoutSecurityCheck,
  oldTlsCheck,
  weakCipherCheck,
  certificateCheck,
  otCleartextShareCheck,
];
