/**
 * Unknown devices: assets that, after a full analysis, have no identity beyond their MAC's
 * vendor (OUI) and no role. Each one is a device nobody can vouch for; it belongs in the
 * inventory or off the network.
 */
import type { AssetRecord } from '../../inventory/model.js';
import type { Check, CheckContext } from '../check.js';
import type { FindingDraft, FindingEvidence } from '../model.js';
import { refs } from '../references.js';
import { BASE_SCORE, clean, plural } from './support.js';

/** Above this many unknown devices, one grouped finding replaces the individual ones. */
export const UNKNOWN_GROUP_THRESHOLD = 25;

/** No fact other than the OUI's vendor, and classified 'unknown'. */
export function isUnidentified(a: AssetRecord): boolean {
  if (a.isRouter || a.classification.role !== 'unknown') return false;
  return a.facts.every((f) => f.protocol === 'oui');
}

function describe(a: AssetRecord): string {
  const oui = a.facts.find((f) => f.protocol === 'oui');
  const addr = [a.ips.join(', '), a.mac ?? ''].filter((s) => s !== '').join(' / ') || a.key;
  return `${addr}${oui ? ` (network card by ${clean(oui.value, 60)})` : ''}`;
}

function evidenceOf(a: AssetRecord): FindingEvidence {
  return {
    text: `${describe(a)}: ${a.packetsSent} packets sent, ${a.packetsReceived} received, no identity in any protocol`,
    source: 'inventory',
    firstSeenUs: a.firstSeenUs,
    lastSeenUs: a.lastSeenUs,
    count: a.packetsSent + a.packetsReceived,
  };
}

const REFERENCES = refs('unknown-device');

export function unknownDevicesCheck(threshold = UNKNOWN_GROUP_THRESHOLD): Check {
  return {
    id: 'asset.unknown-device',
    revision: 1,
    summary: 'Devices without any identity after analysis (only a MAC vendor, no role)',
    run(ctx: CheckContext): FindingDraft[] {
      const unknown = ctx.assets.filter(isUnidentified).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (unknown.length === 0) return [];
      const remediation =
        'Find the device (switch port from its MAC address, then the cabinet), identify its owner and purpose, and ' +
        "add it to the plant's asset inventory with vendor, model and firmware. Disconnect it if nobody owns it.";
      if (unknown.length > threshold) {
        return [
          {
            ruleId: 'asset.unknown-device',
            ruleRevision: 1,
            scope: 'grouped',
            severity: 'low',
            title: `${plural(unknown.length, 'device')} on the network could not be identified`,
            description:
              'These devices sent traffic but said nothing about themselves in any protocol seen (no vendor, model, ' +
              'name or role beyond the maker of their network card). Unknown devices cannot be patched or assessed, ' +
              'and an intruder’s device looks exactly like this.',
            remediation: `${remediation} Importing the plant's own asset list (plantwarden assets import) identifies many at once.`,
            assetKeys: unknown.map((a) => a.key),
            evidence: unknown.slice(0, 50).map(evidenceOf),
            references: REFERENCES,
            score: BASE_SCORE.low,
          },
        ];
      }
      return unknown.map((a) => ({
        ruleId: 'asset.unknown-device',
        ruleRevision: 1,
        scope: a.key,
        severity: 'low' as const,
        title: `Unidentified device ${describe(a)}`,
        description:
          'This device sent traffic but said nothing about itself in any protocol seen (no vendor, model, name or ' +
          'role beyond the maker of its network card). An unknown device cannot be patched or assessed, and an ' +
          'intruder’s device looks exactly like this.',
        remediation,
        assetKeys: [a.key],
        evidence: [evidenceOf(a)],
        references: REFERENCES,
        score: BASE_SCORE.low - 1,
      }));
    },
  };
}

export const unknownDevices: Check = unknownDevicesCheck();
