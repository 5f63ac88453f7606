/**
 * Credential checks: passwords crossing the wire in the clear, factory-default passwords that
 * devices accept, and one password used on several devices or by several users.
 *
 * Secrets are never in a finding. The inventory holds only keyed fingerprints of what was seen;
 * defaults are compared by fingerprinting the published default with the same key
 * (`ctx.fingerprint`). A finding names the list and product whose default matched, never the
 * value.
 */
import type { DefaultCredential } from '../../feeds/model.js';
import type { AssetRecord, CredentialRecord } from '../../inventory/model.js';
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

/** Evidence lines kept per finding (each line carries its own count). */
const MAX_EVIDENCE = 20;

/** Mechanisms whose fingerprint is of a reusable secret (not of a per-session challenge response). */
const SECRET_MECHANISMS = new Set(['password', 'community', 'device-password', 'token']);

function isAnonymous(c: CredentialRecord): boolean {
  return c.source.endsWith('.anonymous') || /^(anonymous|ftp)$/i.test(c.user);
}

/** Evidence line for one credential record; the user name is shown, the secret never. */
function credEvidence(c: CredentialRecord, assets: Map<string, AssetRecord>, what: string): FindingEvidence {
  const client = assetShort(c.clientKey ? assets.get(c.clientKey) : undefined, c.clientKey);
  const server = assetShort(c.serverKey ? assets.get(c.serverKey) : undefined, c.serverKey);
  const user = c.user !== '' ? ` for user '${clean(c.user, 40)}'` : '';
  const outcome =
    c.successes > 0 || c.failures > 0 ? `, ${c.successes} accepted, ${c.failures} rejected` : ', outcome not seen';
  return {
    text: `${protocolName(c.protocol)} ${what}${user} from ${client} to ${server}${outcome}`,
    protocol: c.protocol,
    source: c.source,
    firstSeenUs: c.firstSeenUs,
    lastSeenUs: c.lastSeenUs,
    count: c.count,
  };
}

/** How to stop sending this protocol's secrets in the clear. */
function encryptedAlternative(protocol: string): string {
  switch (protocol) {
    case 'ftp':
      return 'replace FTP with SFTP or FTPS (or disable the FTP server if it is not needed)';
    case 'telnet':
      return 'disable Telnet and manage the device over SSH';
    case 'http':
      return 'serve the web interface over HTTPS only and turn off plain HTTP';
    case 'snmp':
      return 'move to SNMPv3 with authPriv (authentication and encryption) and disable SNMPv1/v2c';
    case 'mqtt':
      return 'require MQTT over TLS (port 8883) on the broker and close port 1883';
    case 'opcua':
      return 'configure the OPC UA endpoint with SecurityPolicy Basic256Sha256 (or newer) and mode SignAndEncrypt';
    default:
      return `use the encrypted variant of ${protocolName(protocol)}, or tunnel it (VPN, TLS)`;
  }
}

/** (a) Secrets seen in the clear, one finding per (client, server, protocol, user). */
export const cleartextCredentialsCheck: Check = {
  id: 'cred.cleartext',
  revision: 1,
  summary: 'Passwords and community strings that crossed the network in the clear',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const groups = new Map<string, CredentialRecord[]>();
    for (const c of ctx.credentials) {
      if (!c.cleartext || c.secretFingerprint === null) continue;
      const scope = [c.clientKey ?? '?', c.serverKey ?? '?', c.protocol, c.user].join('|');
      const g = groups.get(scope);
      if (g) g.push(c);
      else groups.set(scope, [c]);
    }
    const out: FindingDraft[] = [];
    for (const [scope, creds] of groups) {
      const c = creds[0] as CredentialRecord;
      const server = c.serverKey ? assets.get(c.serverKey) : undefined;
      const client = c.clientKey ? assets.get(c.clientKey) : undefined;
      const anonymous = creds.every(isAnonymous);
      const community = creds.every((x) => x.mechanism === 'community');
      const accepted = creds.some((x) => x.successes > 0);
      let severity: Severity =
        isOtAsset(server) || server?.classification.role === 'network-device' ? 'high' : 'medium';
      if (anonymous) severity = 'low';
      const proto = protocolName(c.protocol);
      const secretWord = community ? 'community string' : anonymous ? 'anonymous login' : 'password';
      const user = c.user !== '' && !community ? ` for user '${clean(c.user, 40)}'` : '';
      const title = anonymous
        ? `Anonymous ${proto} login in the clear to ${assetLabel(server, c.serverKey)}`
        : `${proto} ${secretWord}${user} sent in the clear from ${assetShort(client, c.clientKey)} to ${assetLabel(server, c.serverKey)}`;
      out.push({
        ruleId: 'cred.cleartext',
        ruleRevision: 1,
        scope,
        severity,
        title,
        description:
          `${proto} carries the ${secretWord} unencrypted: anyone who can see this traffic (a compromised ` +
          'laptop on the same network, a mirror port, malware on a switch path) can read it and ' +
          `${community ? 'query the device with it' : 'log in as this user'}` +
          `${accepted ? '. The server accepted it, so it works' : ''}. ` +
          (anonymous
            ? 'Anonymous access also means the server lets anyone read (and possibly write) its files.'
            : 'Passwords seen in the clear must be treated as known to an attacker.'),
        remediation:
          `On ${assetLabel(server, c.serverKey)}: ${encryptedAlternative(c.protocol)}. ` +
          (anonymous
            ? 'Disable anonymous access unless it is required, and then make it read-only.'
            : `Then change the ${secretWord} that was exposed, here and anywhere else it is used.`),
        assetKeys: [...new Set([c.serverKey, c.clientKey].filter((k): k is string => k !== null))],
        evidence: creds.slice(0, MAX_EVIDENCE).map((x) => credEvidence(x, assets, `${secretWord} in the clear`)),
        references: refs('cleartext-credentials'),
        score: clampScore(BASE_SCORE[severity] + (accepted ? 0.5 : 0)),
      });
    }
    return out;
  },
};

/** First word of a vendor/product name, lower-case ("Siemens AG" -> "siemens", "SIEMENS" -> "siemens"). */
export function normaliseName(s: string): string {
  const w = s
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, ' ')
    .trim()
    .split(/[\s-]+/)[0];
  return w ?? '';
}

/**
 * Pairs that are defaults on so many products that they count for any device, whichever list
 * has them (user, password; user '*' for any user).
 */
export const UNIVERSAL_DEFAULTS: readonly (readonly [string, string])[] = [
  ['admin', 'admin'],
  ['admin', 'password'],
  ['admin', '1234'],
  ['admin', '12345'],
  ['admin', '123456'],
  ['admin', 'default'],
  ['administrator', 'administrator'],
  ['administrator', 'password'],
  ['root', 'root'],
  ['root', 'toor'],
  ['root', 'admin'],
  ['root', 'password'],
  ['user', 'user'],
  ['guest', 'guest'],
  ['operator', 'operator'],
  ['supervisor', 'supervisor'],
];
/** SNMP communities that are defaults everywhere. */
const DEFAULT_COMMUNITIES = ['public', 'private'];

interface DefaultHit {
  vendorMatch: boolean;
  /** "Siemens SIMATIC S7-1200 from scadapass", or "well-known universal default". */
  what: string;
}

/** Fingerprints of the candidate defaults, computed once per run (one HMAC per distinct password). */
class DefaultIndex {
  private readonly byFp = new Map<string, DefaultCredential[]>();
  private readonly universalFp = new Map<string, Set<string>>();
  private readonly communityFp = new Set<string>();

  constructor(ctx: CheckContext) {
    const fpCache = new Map<string, string>();
    const fp = (p: string) => {
      let v = fpCache.get(p);
      if (v === undefined) {
        v = ctx.fingerprint(p);
        fpCache.set(p, v);
      }
      return v;
    };
    for (const d of ctx.defaultCredentials) {
      if (d.password === '') continue;
      const k = fp(d.password);
      const list = this.byFp.get(k);
      if (list) list.push(d);
      else this.byFp.set(k, [d]);
    }
    for (const [user, password] of UNIVERSAL_DEFAULTS) {
      const k = fp(password);
      const users = this.universalFp.get(k) ?? new Set<string>();
      users.add(user);
      this.universalFp.set(k, users);
    }
    for (const c of DEFAULT_COMMUNITIES) this.communityFp.add(fp(c));
  }

  /** Why this credential is a default, or null. `vendors`/`models` are normalised first words. */
  match(c: CredentialRecord, vendors: Set<string>, models: string[]): DefaultHit | null {
    const fp = c.secretFingerprint;
    if (fp === null) return null;
    const user = c.user.toLowerCase();
    const listed = this.byFp.get(fp) ?? [];
    if (c.mechanism === 'community' && this.communityFp.has(fp)) {
      const d = listed.find((x) => x.user === '' || /snmp|161/i.test(x.protocol));
      return {
        vendorMatch: false,
        what: `a factory-default SNMP community${d ? ` listed in ${clean(d.list, 40)}` : ''}`,
      };
    }
    if (vendors.size > 0) {
      const ofVendor = listed.filter((d) => vendors.has(normaliseName(d.vendor)));
      if (ofVendor.length > 0) {
        // The most specific entry: same product and same user first.
        const score = (d: DefaultCredential) =>
          (models.some((m) => m !== '' && normaliseName(d.product) !== '' && m.includes(normaliseName(d.product)))
            ? 2
            : 0) + (d.user !== '' && d.user.toLowerCase() === user ? 1 : 0);
        const best = [...ofVendor].sort((a, b) => score(b) - score(a))[0] as DefaultCredential;
        const product = clean(`${best.vendor} ${best.product}`.trim(), 80);
        return { vendorMatch: true, what: `the default password of ${product} from ${clean(best.list, 40)}` };
      }
    }
    const universal = this.universalFp.get(fp);
    if (universal?.has(user)) {
      const d = listed.find((x) => x.user.toLowerCase() === user);
      return {
        vendorMatch: false,
        what: d
          ? `a well-known default login (also the default of ${clean(`${d.vendor} ${d.product}`.trim(), 60)} in ${clean(d.list, 40)})`
          : 'a well-known default login used by many products',
      };
    }
    return null;
  }
}

/** (b) Credentials a device accepts that match a published or universal default. */
export const defaultCredentialsCheck: Check = {
  id: 'cred.default',
  revision: 1,
  summary: 'Devices that accept a factory-default password or SNMP community',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const index = new DefaultIndex(ctx);
    const groups = new Map<string, { creds: CredentialRecord[]; hit: DefaultHit }>();
    for (const c of ctx.credentials) {
      if (c.secretFingerprint === null || !SECRET_MECHANISMS.has(c.mechanism) || isAnonymous(c)) continue;
      // Rejected every time: the device does not use this default (someone tried it).
      if (c.successes === 0 && c.failures > 0) continue;
      const server = c.serverKey ? assets.get(c.serverKey) : undefined;
      const vendors = new Set<string>();
      const models: string[] = [];
      for (const f of server?.facts ?? []) {
        if (f.field === 'vendor') vendors.add(normaliseName(f.value));
        if (f.field === 'model' || f.field === 'product_name' || f.field === 'order_number')
          models.push(f.value.toLowerCase());
      }
      vendors.delete('');
      const hit = index.match(c, vendors, models);
      if (!hit) continue;
      const scope = [c.serverKey ?? '?', c.protocol, c.user].join('|');
      const g = groups.get(scope);
      if (g) {
        g.creds.push(c);
        if (hit.vendorMatch && !g.hit.vendorMatch) g.hit = hit;
      } else groups.set(scope, { creds: [c], hit });
    }
    const out: FindingDraft[] = [];
    for (const [scope, { creds, hit }] of groups) {
      const c = creds[0] as CredentialRecord;
      const server = c.serverKey ? assets.get(c.serverKey) : undefined;
      const severity: Severity = isController(server)
        ? 'critical'
        : isOtAsset(server) || server?.classification.role === 'network-device'
          ? 'high'
          : 'medium';
      const proto = protocolName(c.protocol);
      const community = c.mechanism === 'community';
      const label = assetLabel(server, c.serverKey);
      const user = c.user !== '' && !community ? ` for user '${clean(c.user, 40)}'` : '';
      const accepted = creds.some((x) => x.successes > 0);
      out.push({
        ruleId: 'cred.default',
        ruleRevision: 1,
        scope,
        severity,
        title: community ? `Default SNMP community in use on ${label}` : `Default ${proto} password${user} on ${label}`,
        description:
          `The ${community ? 'community string' : 'password'} presented to this ${proto} service matches ${hit.what}. ` +
          'Default passwords are published in manuals and public lists: anyone who reaches the device can ' +
          `log in${community ? ' and read (or with a write community, change) its configuration' : ''}` +
          `${accepted ? '; the device accepted it' : ''}.`,
        remediation:
          `Change the ${community ? 'SNMP community (better: move to SNMPv3 with authPriv)' : `password${user}`} ` +
          `on ${label} to a unique, strong value kept in the plant's password vault, and update the clients ` +
          'that use it. If the account is not needed, disable it.',
        assetKeys: [...new Set([c.serverKey, ...creds.map((x) => x.clientKey)].filter((k): k is string => !!k))],
        evidence: creds
          .slice(0, MAX_EVIDENCE)
          .map((x) => credEvidence(x, assets, `${community ? 'community' : 'password'} matching ${hit.what}`)),
        references: refs('default-credentials'),
        score: clampScore(BASE_SCORE[severity] + (accepted ? 1 : 0) + (hit.vendorMatch ? 0.5 : 0)),
      });
    }
    return out;
  },
};

/** (c) One secret accepted by several devices, or used by several user names. */
export const passwordReuseCheck: Check = {
  id: 'cred.reuse',
  revision: 1,
  summary: 'The same password (by fingerprint) used on several devices or by several users',
  run(ctx: CheckContext): FindingDraft[] {
    const assets = assetIndex(ctx.assets);
    const byFp = new Map<string, CredentialRecord[]>();
    for (const c of ctx.credentials) {
      if (c.secretFingerprint === null || !SECRET_MECHANISMS.has(c.mechanism) || isAnonymous(c)) continue;
      if (c.successes === 0 && c.failures > 0) continue;
      const g = byFp.get(c.secretFingerprint);
      if (g) g.push(c);
      else byFp.set(c.secretFingerprint, [c]);
    }
    const out: FindingDraft[] = [];
    for (const [fp, creds] of byFp) {
      const servers = [...new Set(creds.map((c) => c.serverKey).filter((k): k is string => k !== null))].sort();
      const users = [...new Set(creds.map((c) => c.user).filter((u) => u !== ''))].sort();
      if (servers.length < 2 && users.length < 2) continue;
      const serverAssets = servers.map((k) => assets.get(k));
      const community = creds.every((c) => c.mechanism === 'community');
      const ot = serverAssets.some((a) => isOtAsset(a));
      const severity: Severity = ot ? 'high' : 'medium';
      const word = community ? 'SNMP community' : 'password';
      const names = servers.slice(0, 8).map((k) => assetShort(assets.get(k), k));
      const more = servers.length > 8 ? ` and ${servers.length - 8} more` : '';
      const title =
        servers.length >= 2
          ? `The same ${word} is used on ${plural(servers.length, 'device')}: ${names.join(', ')}${more}`
          : `The same ${word} is used by ${plural(users.length, 'user')} on ${assetShort(serverAssets[0], servers[0] ?? null)}`;
      const protocols = [...new Set(creds.map((c) => protocolName(c.protocol)))].join(', ');
      out.push({
        ruleId: 'cred.reuse',
        ruleRevision: 1,
        scope: `fp:${fp}`,
        severity,
        title,
        description:
          `One ${word} (recognised by its keyed fingerprint; the value itself is never stored) is accepted by ` +
          `${plural(servers.length, 'device')}${users.length > 1 ? ` and used by ${plural(users.length, 'user name')}` : ''} ` +
          `over ${protocols}. Whoever learns it once (from one device, a backup, or the wire) can log in to all of them, ` +
          'and one compromised account cannot be told apart from the others.',
        remediation:
          `Give each device${users.length > 1 ? ' and each user' : ''} its own ${word}: change it on ${names.join(', ')}${more}` +
          `${
            users.length > 1
              ? ` (users ${users
                  .slice(0, 6)
                  .map((u) => `'${clean(u, 30)}'`)
                  .join(', ')})`
              : ''
          }, ` +
          'keep the new values in a password vault, and update the clients that use them.',
        assetKeys: servers,
        evidence: creds
          .slice(0, MAX_EVIDENCE)
          .map((c) => credEvidence(c, assets, `${word} with the shared fingerprint`)),
        references: refs('password-reuse'),
        score: clampScore(BASE_SCORE[severity] + Math.min(1.5, (servers.length - 1) * 0.25)),
      });
    }
    return out;
  },
};

export const CREDENTIAL_CHECKS: readonly Check[] = [
  cleartextCredentialsCheck,
  defaultCredentialsCheck,
  passwordReuseCheck,
];
