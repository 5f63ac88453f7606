import type { TransactionObservation } from '../../observations/observation.js';
import { macToString } from '../../util/net.js';
import type { Detection, Rule, RuleContext, RuleEvent } from '../contract.js';
import type { ObservationFilter } from '../engine.js';

/**
 * `net.rogue-dhcp`: a DHCP server answering (OFFER or ACK) that is not the legitimate one.
 *
 * The dhcp dissector reports a server message as a transaction: joined to the client's request
 * (fn 'DISCOVER'/'REQUEST', `detail.reply` 'OFFER'/'ACK') or on its own (fn 'OFFER'/'ACK',
 * status 'unsolicited', when the broadcast exchange spans two flows). A server is identified by
 * its server identifier (option 54, `detail.serverId`, which relayed answers keep), else by the
 * address that sent the answer (`detail.serverAddr`, or the flow side on port 67).
 *
 * Which server is legitimate, in order:
 * 1. a configured list (`createRogueDhcpRule({ trusted })`): any other server is rogue;
 * 2. otherwise, per VLAN, the first server seen answering; every later, different server on
 *    that VLAN is rogue (the evidence gives both servers' answer counts, so a capture that began
 *    with the rogue answering is visible as such);
 * 3. and, with a frozen baseline, a server whose asset the baseline does not know is rogue even
 *    when it is the first one (a new device handing out addresses).
 * A DHCP failover pair (two legitimate servers) therefore needs a trusted list or a suppression.
 * One detection per answer from a rogue server; key: VLAN and server.
 * ATT&CK for ICS: T0830 Adversary-in-the-Middle (a rogue server hands out itself as gateway/DNS).
 */

export interface RogueDhcpOptions {
  /** Server identifiers (IPs) that are legitimate; when non-empty, every other server is rogue. */
  trusted?: Iterable<string>;
}

const MAX_VLANS = 256;
const MAX_SERVERS_PER_VLAN = 16;

interface Server {
  id: string;
  mac: number;
  first: number;
  answers: number;
}

const REMEDIATION =
  "A device other than the plant's DHCP server is handing out addresses: clients that take its lease can be " +
  'sent to a false gateway or DNS server (traffic interception) or lose contact with their peers. Locate the ' +
  'server (MAC on the switch), shut it down if nobody owns it, renew the affected leases, and enable DHCP ' +
  'snooping on the OT switches. If it is a legitimate second server, add it to the trusted list.';

/** Server messages this rule counts (answers that hand out or confirm a lease). */
const ANSWERS: ReadonlySet<string> = new Set(['OFFER', 'ACK']);

function str(v: string | number | boolean | undefined): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function usable(ip: string | null): ip is string {
  return ip !== null && ip !== '0.0.0.0' && ip !== '255.255.255.255';
}

/** The answer's server identity and sending MAC, or null when the transaction is no server answer. */
export function dhcpAnswer(
  tx: TransactionObservation,
  flow: {
    clientIp: string;
    serverIp: string;
    clientPort: number;
    serverPort: number;
    clientMac: number;
    serverMac: number;
  },
): { server: string; mac: number; reply: string; assigned: string | null } | null {
  if (tx.protocol !== 'dhcp') return null;
  const d = tx.detail ?? {};
  const reply = str(d.reply) ?? tx.fn;
  if (!ANSWERS.has(reply)) return null;
  const clientSends = flow.clientPort === 67 && flow.serverPort !== 67;
  const sideIp = clientSends ? flow.clientIp : flow.serverIp;
  const mac = clientSends ? flow.clientMac : flow.serverMac;
  const candidates = [str(d.serverId), str(d.serverAddr), flow.serverPort === 67 || clientSends ? sideIp : null];
  const server = candidates.find(usable);
  if (server === undefined) return null;
  return { server, mac, reply, assigned: str(d.assignedAddr) };
}

export function createRogueDhcpRule(opts: RogueDhcpOptions = {}): Rule {
  const trusted = new Set(opts.trusted ?? []);
  const rule: Rule = {
    id: 'net.rogue-dhcp',
    revision: 1,
    severity: 'high',
    title: 'Rogue DHCP server: an unknown device hands out addresses',
    remediation: REMEDIATION,
    attack: ['T0830'],
    events: ['observation'],
    evaluate(event: RuleEvent, ctx: RuleContext): Detection[] | null {
      if (event.kind !== 'observation' || event.obs.kind !== 'transaction' || event.obs.protocol !== 'dhcp')
        return null;
      const ans = dhcpAnswer(event.obs, event.flow);
      if (ans === null) return null;
      const vlan = event.flow.vlan;
      let vlans = ctx.state.get('vlans') as Map<number, Server[]> | undefined;
      if (vlans === undefined) {
        vlans = new Map();
        ctx.state.set('vlans', vlans);
      }
      let servers = vlans.get(vlan);
      if (servers === undefined) {
        if (vlans.size >= MAX_VLANS) return null;
        servers = [];
        vlans.set(vlan, servers);
      }
      const ts = event.obs.ts;
      let me = servers.find((s) => s.id === ans.server);
      if (me === undefined) {
        me = { id: ans.server, mac: ans.mac, first: ts, answers: 0 };
        if (servers.length < MAX_SERVERS_PER_VLAN) servers.push(me);
      }
      me.answers++;

      let why: string | null = null;
      const first = servers[0] as Server;
      if (trusted.size > 0) {
        if (!trusted.has(ans.server))
          why = `not in the trusted DHCP server list (${[...trusted].slice(0, 4).join(', ')})`;
      } else {
        if (first !== me) why = `VLAN ${vlan} already has DHCP server ${first.id} (${first.answers} answers)`;
        const b = ctx.baseline;
        if (why === null && b !== null && !b.learning) {
          const key = ctx.host(ans.server).assetKey;
          if (key === null || !b.knownAsset(key)) why = 'a device not known from the learning period';
        }
      }
      if (why === null) return null;
      const host = ctx.host(ans.server);
      const macStr = ans.mac !== 0 ? macToString(ans.mac) : null;
      return [
        {
          ruleId: rule.id,
          key: `${vlan}|${ans.server}`,
          severity: 'high',
          title: `Rogue DHCP server ${host.label} answering on VLAN ${vlan}`,
          remediation: REMEDIATION,
          attack: ['T0830'],
          ts,
          hosts: macStr ? [ans.server, `mac:${macStr}`] : [ans.server],
          evidence: `DHCP ${ans.reply} from ${ans.server}${macStr ? ` (${macStr})` : ''}${ans.assigned ? ` assigning ${ans.assigned}` : ''}: ${why}; ${me.answers} answers from it so far`,
          protocol: 'dhcp',
          flowId: event.obs.flowId,
        },
      ];
    },
  };
  return rule;
}

/** The rule without a configured list (per-VLAN first server, frozen baseline). */
export const rogueDhcpRule: Rule = createRogueDhcpRule();

/** DHCP messages are 'discovery' transactions: the engine need not call the rule for others. */
export const DHCP_FILTERS: Readonly<Record<string, ObservationFilter>> = {
  'net.rogue-dhcp': { ops: ['discovery'] },
};
