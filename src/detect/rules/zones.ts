import type { FlowInfo } from '../../dissectors/contract.js';
import type { Severity } from '../../findings/model.js';
import type { TransactionObservation } from '../../observations/observation.js';
import { flowProtocol, isGroupAddress, isPublicAddress, parseIp } from '../../policy/net.js';
import { operationAllowed, requiredOperations } from '../../policy/policy.js';
import type { Detection, FlowEvent, Rule, RuleContext, RuleEvent } from '../contract.js';
import type { ObservationFilter } from '../engine.js';
import { OT_PROTOCOLS } from './operations.js';

/**
 * Zone rules: traffic that breaks the plant's zone file (src/policy). They need a zone file
 * (`ctx.policy`); without one they stay silent.
 *
 * - `zone.no-conduit`: an ended flow between two zones that no conduit allows (key: zone pair,
 *   protocol and port; unanswered attempts aggregate per zone pair, so a scan is one alert).
 * - `zone.it-to-control`: a host in an IT zone (level 4-5) talking straight to level 0-1, which
 *   the Purdue model routes through the DMZ (critical on an industrial protocol), even when a
 *   conduit allows it.
 * - `zone.operation-beyond-conduit`: a write, program, control (mode change) or firmware
 *   operation over a conduit that allows less (read-only, or read-write for programming).
 * - `zone.ot-to-internet`: a host in an OT zone (level 0-3) talking to a public address, or
 *   a public address reaching one (RFC 5737 documentation ranges count as public).
 *
 * Hosts in no zone are not checked by the conduit rules: only zoned traffic has a design to break.
 */

interface Placed {
  ip: string;
  name: string;
  level: number;
  criticality: string;
  label: string;
}

function place(ctx: RuleContext, ip: string, vlan: number): Placed | null {
  const policy = ctx.policy;
  if (policy === null || ip === '') return null;
  const h = ctx.host(ip);
  const z = policy.zoneOf(ip, vlan, h.assetKey);
  return z === null ? null : { ip, name: z.name, level: z.level, criticality: z.criticality, label: h.label };
}

function answered(f: FlowEvent): boolean {
  return f.packetsToClient > 0;
}

function service(f: FlowEvent): { proto: string; where: string } {
  const proto = flowProtocol(f.transport, f.protocol, f.serverPort);
  const where = f.transport === 'tcp' || f.transport === 'udp' ? `${f.transport}/${f.serverPort}` : f.transport;
  return { proto, where };
}

const STATE_OPS = ['write', 'program', 'control', 'firmware'] as const;

/** '3 write, 1 program' for the state-changing operations on a flow, '' when none. */
function stateOps(f: FlowEvent): string {
  return STATE_OPS.filter((o) => (f.ops[o] ?? 0) > 0)
    .map((o) => `${f.ops[o]} ${o}`)
    .join(', ');
}

function levelText(level: number): string {
  return level === 3.5 ? 'DMZ (3.5)' : `level ${level}`;
}

const RANK: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
function max(a: Severity, b: Severity): Severity {
  return RANK.indexOf(a) >= RANK.indexOf(b) ? a : b;
}

export const noConduitRule: Rule = {
  id: 'zone.no-conduit',
  revision: 1,
  severity: 'high',
  title: 'Traffic between zones that no conduit allows',
  remediation:
    'The zone file allows no conduit for this traffic. If the plant needs it, add a conduit to the zone file (and open it in the firewall between the zones); if not, block it and find out why the host tried.',
  attack: ['T0886'],
  events: ['flow'],
  evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
    if (event.kind !== 'flow' || ctx.policy === null) return null;
    const f = event.flow;
    if (f.transport === 'other') return null;
    const dst = parseIp(f.serverIp);
    if (dst === null || isGroupAddress(dst)) return null;
    const from = place(ctx, f.clientIp, f.vlan);
    if (from === null) return null;
    const to = place(ctx, f.serverIp, f.vlan);
    if (to === null || to.name === from.name) return null;
    const { proto, where } = service(f);
    if (ctx.policy.conduit(from.name, to.name, proto, f.serverPort) !== null) return null;
    const ok = answered(f);
    const ops = stateOps(f);
    let severity: Severity =
      to.level <= 1 || to.criticality === 'critical' || to.criticality === 'high' ? 'high' : 'medium';
    if (ops !== '') severity = max(severity, to.level <= 1 ? 'critical' : 'high');
    if (!ok) severity = 'medium';
    const key = ok ? `${from.name}>${to.name}:${proto}/${where}` : `${from.name}>${to.name}:unanswered`;
    const what = ok ? `${proto} (${where})` : 'connection attempts';
    return [
      {
        ruleId: this.id,
        key,
        severity,
        title: `${ok ? 'Traffic' : 'Unanswered connection attempts'} from zone '${from.name}' to zone '${to.name}' without a conduit: ${proto} ${where}`,
        remediation: `No conduit in the zone file allows ${what} from zone '${from.name}' (${levelText(from.level)}) to zone '${to.name}' (${levelText(to.level)}, ${to.criticality} criticality). If the plant needs it, add a conduit for it to the zone file and the firewall; if not, block it between the zones and find out why ${from.label} ${ok ? 'used' : 'tried'} it.`,
        attack: ops !== '' ? ['T0886', 'T0855'] : ['T0886'],
        ts: f.lastUs,
        hosts: [f.clientIp, f.serverIp],
        evidence: `${from.label} [${from.name}] -> ${to.label} [${to.name}] ${proto} ${where}: ${f.packetsToServer + f.packetsToClient} packets, ${f.bytesToServer + f.bytesToClient} bytes${ok ? '' : ', no answer'}${ops ? `; operations: ${ops}` : ''}`,
        protocol: proto,
        flowId: f.id,
      },
    ];
  },
};

export const itToControlRule: Rule = {
  id: 'zone.it-to-control',
  revision: 1,
  severity: 'critical',
  title: 'IT host talking directly to the control level',
  remediation:
    'Hosts in IT zones (Purdue level 4-5) must reach controllers (level 0-1) only through the DMZ and the supervisory level. Block the direct path, route the need through a jump host or historian in the DMZ, and check the IT host for compromise.',
  attack: ['T0886', 'T0855'],
  events: ['flow'],
  evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
    if (event.kind !== 'flow' || ctx.policy === null) return null;
    const f = event.flow;
    if (f.transport === 'other' || !answered(f)) return null;
    const from = place(ctx, f.clientIp, f.vlan);
    if (from === null || from.level < 4) return null;
    const to = place(ctx, f.serverIp, f.vlan);
    if (to === null || to.level > 1) return null;
    const { proto, where } = service(f);
    const industrial = OT_PROTOCOLS.has(proto);
    const conduit = ctx.policy.conduit(from.name, to.name, proto, f.serverPort);
    const ops = stateOps(f);
    return [
      {
        ruleId: this.id,
        key: `${f.clientIp}>${f.serverIp}:${proto}`,
        severity: industrial ? 'critical' : 'high',
        title: `IT host ${from.label} (zone '${from.name}', ${levelText(from.level)}) reached ${to.label} (zone '${to.name}', ${levelText(to.level)}) directly over ${proto}`,
        remediation: `${from.label} sits in an IT zone and talked straight to ${to.label} on the control level${conduit ? ` (conduit '${conduit.name}' allows it: the design itself skips the DMZ)` : ''}. Block the direct path; route what is needed through the DMZ (jump host, historian mirror); check ${from.label} for compromise${industrial ? ', and verify the controller program and mode' : ''}.`,
        attack: industrial ? ['T0886', 'T0855'] : ['T0886'],
        ts: f.lastUs,
        hosts: [f.clientIp, f.serverIp],
        evidence: `${from.label} [${from.name}] -> ${to.label} [${to.name}] ${proto} ${where}: ${f.packetsToServer + f.packetsToClient} packets${ops ? `; operations: ${ops}` : ''}${conduit ? `; conduit '${conduit.name}'` : '; no conduit'}`,
        protocol: proto,
        flowId: f.id,
      },
    ];
  },
};

const OP_WORDS: Record<string, string> = {
  write: 'Write',
  program: 'Program transfer',
  control: 'Mode change',
  firmware: 'Firmware operation',
};
const OP_ATTACK: Record<string, string[]> = {
  write: ['T0855', 'T0836'],
  program: ['T0843', 'T0889'],
  control: ['T0858'],
  firmware: ['T0857'],
};

export const operationBeyondConduitRule: Rule = {
  id: 'zone.operation-beyond-conduit',
  revision: 1,
  severity: 'high',
  title: 'Operation beyond what the conduit allows',
  remediation:
    'The conduit allows less than was done over it (a write on a read-only conduit, a program download or mode change on a read-write one). Find who sent it and why; if it was a planned change, make it from an allowed path or widen the conduit on purpose.',
  attack: ['T0855', 'T0836', 'T0843', 'T0889', 'T0858', 'T0857'],
  events: ['observation'],
  evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
    if (event.kind !== 'observation' || ctx.policy === null || event.obs.kind !== 'transaction') return null;
    const tx: TransactionObservation = event.obs;
    if (tx.status === 'unsolicited' || requiredOperations(tx.op) === null) return null;
    const flow: FlowInfo = event.flow;
    const from = place(ctx, flow.clientIp, flow.vlan);
    if (from === null) return null;
    const to = place(ctx, flow.serverIp, flow.vlan);
    if (to === null || to.name === from.name) return null;
    const conduit = ctx.policy.conduit(from.name, to.name, tx.protocol, flow.serverPort);
    // No conduit at all: zone.no-conduit reports the flow, with its operations, when it ends.
    if (conduit === null || operationAllowed(conduit.operations, tx.op)) return null;
    const heavy = tx.op !== 'write';
    const severity: Severity = heavy ? (to.level <= 1 ? 'critical' : 'high') : to.level <= 1 ? 'high' : 'medium';
    const refused = tx.status === 'exception' ? ` (refused: ${tx.exception ?? 'exception'})` : '';
    return [
      {
        ruleId: this.id,
        key: `${conduit.name}:${flow.clientIp}>${flow.serverIp}:${tx.op}`,
        severity,
        title: `${OP_WORDS[tx.op] ?? tx.op} ${tx.fn} from ${from.label} to ${to.label} on ${conduit.operations} conduit '${conduit.name}'`,
        remediation: `Conduit '${conduit.name}' (zone '${from.name}' to '${to.name}') allows ${conduit.operations} operations, but ${from.label} sent ${tx.protocol} ${tx.fn} (${tx.op}) to ${to.label}. Confirm with the plant whether this was a planned change; if not, treat it as an intrusion: check the controller's program and mode, and the sending host. If it was planned, make such changes from an allowed path or widen the conduit deliberately.`,
        attack: OP_ATTACK[tx.op] ?? [],
        ts: tx.ts,
        hosts: [flow.clientIp, flow.serverIp],
        evidence: `${tx.protocol} ${tx.fn} (${tx.op})${refused} ${flow.clientIp} [${from.name}] -> ${flow.serverIp} [${to.name}] port ${flow.serverPort}; conduit '${conduit.name}' allows ${conduit.operations}`,
        protocol: tx.protocol,
        flowId: flow.id,
      },
    ];
  },
};

export const otToInternetRule: Rule = {
  id: 'zone.ot-to-internet',
  revision: 1,
  severity: 'high',
  title: 'OT zone talking to the internet',
  remediation:
    'Hosts in OT zones (Purdue level 0-3) must not talk to the internet in either direction. Block it at the plant firewall; remote access goes through a DMZ jump host with strong authentication, updates through a DMZ mirror.',
  attack: ['T0883', 'T0822', 'T0869'],
  events: ['flow'],
  evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
    if (event.kind !== 'flow' || ctx.policy === null) return null;
    const f = event.flow;
    if (f.transport === 'other') return null;
    const from = place(ctx, f.clientIp, f.vlan);
    const to = place(ctx, f.serverIp, f.vlan);
    const { proto, where } = service(f);
    const ok = answered(f);
    const packets = f.packetsToServer + f.packetsToClient;
    const bytes = `${f.bytesToServer} bytes out, ${f.bytesToClient} bytes back`;
    if (from !== null && from.level <= 3 && to === null) {
      const ip = parseIp(f.serverIp);
      if (ip === null || !isPublicAddress(ip)) return null;
      const severity: Severity = ok ? (from.level <= 1 ? 'critical' : 'high') : 'medium';
      return [
        {
          ruleId: this.id,
          key: `out:${f.clientIp}:${proto}${ok ? '' : ':unanswered'}`,
          severity,
          title: `${from.label} in OT zone '${from.name}' (${levelText(from.level)}) ${ok ? 'talks to' : 'tries to reach'} the internet over ${proto}`,
          remediation: `${from.label} opened ${proto} to public address ${f.serverIp}. OT hosts must not reach the internet: block it at the plant firewall, find out what on the host made the connection (malware beacons look like this, so do vendor update checks), and route needed updates through a DMZ mirror.`,
          attack: ['T0869'],
          ts: f.lastUs,
          hosts: [f.clientIp, f.serverIp],
          evidence: `${from.label} [${from.name}] -> ${f.serverIp} ${proto} ${where}: ${packets} packets, ${bytes}${ok ? '' : ', no answer'}`,
          protocol: proto,
          flowId: f.id,
        },
      ];
    }
    if (to !== null && to.level <= 3 && from === null && ok) {
      const ip = parseIp(f.clientIp);
      if (ip === null || !isPublicAddress(ip)) return null;
      return [
        {
          ruleId: this.id,
          key: `in:${f.serverIp}:${proto}/${where}`,
          severity: to.level <= 1 ? 'critical' : 'high',
          title: `${to.label} in OT zone '${to.name}' (${levelText(to.level)}) answered ${proto} from the internet`,
          remediation: `Public address ${f.clientIp} reached ${to.label} on ${proto} ${where} and got an answer: the device is reachable from the internet. Close the path at the plant firewall now, put remote access behind a DMZ jump host or VPN with multi-factor authentication, and check the device for unauthorised changes.`,
          attack: ['T0883', 'T0822'],
          ts: f.lastUs,
          hosts: [f.clientIp, f.serverIp],
          evidence: `${f.clientIp} -> ${to.label} [${to.name}] ${proto} ${where}: ${packets} packets, ${bytes}`,
          protocol: proto,
          flowId: f.id,
        },
      ];
    }
    return null;
  },
};

/** The zone rules, in a stable order. */
export const ZONE_RULES: readonly Rule[] = [
  noConduitRule,
  itToControlRule,
  operationBeyondConduitRule,
  otToInternetRule,
];

/** Only state-changing transactions reach the conduit-operations rule. */
export const ZONE_FILTERS: Readonly<Record<string, ObservationFilter>> = {
  'zone.operation-beyond-conduit': { ops: ['write', 'program', 'control', 'firmware'] },
};
