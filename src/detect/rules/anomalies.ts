import type { Severity } from '../../findings/model.js';
import { macToString } from '../../util/net.js';
import type { Rule } from '../contract.js';
import type { ObservationFilter } from '../engine.js';

/**
 * `protocol.malformed`: malformed-protocol anomalies from the dissectors, one alert per
 * (protocol, code, sender) with a count. Severity low (a broken or truncated packet is usually a
 * buggy device or a short snaplen); medium for codes that suggest an attack or fuzzing: the
 * dissector gave up on the flow (`*-protocol-violation`, `*-parser-error`), counts, lengths or
 * nesting beyond any sane limit, name loops; and every code of a sender that produced at least
 * FUZZ_DISTINCT_CODES different anomaly codes on one protocol (fuzzers vary their mutations).
 * Stream gaps (`tcp-stream-gap`) are capture loss, not protocol errors: ignored.
 *
 * State: distinct codes per (sender, protocol), at most MAX_SENDERS senders tracked.
 */

export const FUZZ_DISTINCT_CODES = 5;
const MAX_SENDERS = 10_000;
const MAX_CODES_PER_SENDER = 64;

const SUSPICIOUS =
  /(-protocol-violation|-parser-error|too-many|too-long|too-deep|nesting|loop|out-of-range|overflow|length-exceeds|monlist|bad-length|length-mismatch)$|-(too-many|too-long)-/;

/** Severity of one anomaly code on its own (without the fuzzing escalation). */
export function anomalySeverity(code: string): Severity {
  return SUSPICIOUS.test(code) ? 'medium' : 'low';
}

interface SenderState {
  codes: Set<string>;
}

export const malformedProtocolRule: Rule = {
  id: 'protocol.malformed',
  revision: 1,
  severity: 'medium',
  title: 'Malformed industrial or network protocol traffic',
  remediation:
    'Look at the sender: a device with buggy firmware, a misconfigured gateway, or someone fuzzing or exploiting the receiver. If the sender is not a known device, or the errors started recently, isolate it and check the receiver for crashes or restarts. Keep the capture for the vendor.',
  attack: ['T0866', 'T0814'],
  events: ['observation'],
  evaluate(event, ctx) {
    if (event.kind !== 'observation' || event.obs.kind !== 'anomaly') return null;
    const obs = event.obs;
    if (obs.code === 'tcp-stream-gap') return null;
    const f = event.flow;
    const client = f.clientIp !== '' ? f.clientIp : f.clientMac ? `mac:${macToString(f.clientMac)}` : '';
    const server = f.serverIp !== '' ? f.serverIp : f.serverMac ? `mac:${macToString(f.serverMac)}` : '';
    const sender = obs.dir === 1 ? server : obs.dir === 0 ? client : '';
    const receiver = obs.dir === 1 ? client : obs.dir === 0 ? server : '';
    let severity = anomalySeverity(obs.code);
    const stateKey = `${sender}\0${obs.protocol}`;
    let st = ctx.state.get(stateKey) as SenderState | undefined;
    if (st === undefined && ctx.state.size < MAX_SENDERS) {
      st = { codes: new Set() };
      ctx.state.set(stateKey, st);
    }
    if (st !== undefined && st.codes.size < MAX_CODES_PER_SENDER) st.codes.add(obs.code);
    const fuzzing = st !== undefined && st.codes.size >= FUZZ_DISTINCT_CODES;
    if (fuzzing) severity = 'medium';
    const from = sender !== '' ? ctx.host(sender).label : 'an unknown side';
    const hosts = [sender, receiver].filter((h) => h !== '');
    if (hosts.length === 0) hosts.push(client, server);
    return [
      {
        ruleId: this.id,
        key: `${obs.protocol}:${obs.code}:${sender || `${client}<>${server}`}`,
        severity,
        title: `Malformed ${obs.protocol} traffic from ${from}: ${obs.code}${fuzzing ? ' (many kinds of errors: possible fuzzing)' : ''}`,
        remediation: this.remediation,
        attack: severity === 'medium' ? ['T0866', 'T0814'] : ['T0866'],
        ts: obs.ts,
        hosts: hosts.filter((h) => h !== ''),
        evidence: `${obs.protocol} ${obs.code} ${client} -> ${server}${obs.dir === 1 ? ' (from server)' : ''}: ${obs.detail.slice(0, 200)}`,
        protocol: obs.protocol,
        flowId: f.id,
      },
    ];
  },
};

export const ANOMALY_RULES: readonly Rule[] = [malformedProtocolRule];

export const ANOMALY_FILTERS: Readonly<Record<string, ObservationFilter>> = {
  [malformedProtocolRule.id]: { kinds: ['anomaly'] },
};
