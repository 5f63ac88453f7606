import type { Rule } from '../contract.js';
import type { ObservationFilter } from '../engine.js';
import { ANOMALY_FILTERS, ANOMALY_RULES } from './anomalies.js';
import { ARP_RULES } from './arp.js';
import { BASELINE_FILTERS, BASELINE_RULES } from './baseline.js';
import { DHCP_FILTERS, rogueDhcpRule } from './dhcp.js';
import { OPERATION_FILTERS, OPERATION_RULES } from './operations.js';
import { scanRule } from './scan.js';
import { ZONE_FILTERS, ZONE_RULES } from './zones.js';

/** Every detection rule, in a stable order (the engine dispatches by event kind). */
export const ALL_RULES: readonly Rule[] = [
  ...OPERATION_RULES,
  ...ANOMALY_RULES,
  ...BASELINE_RULES,
  ...ZONE_RULES,
  scanRule,
  ...ARP_RULES,
  rogueDhcpRule,
];

/**
 * Which observations a rule wants, by rule id (engine-side; see ObservationFilter): a rule that
 * only cares about control or program transactions is never called for reads. Rules not listed
 * get every observation they asked for with `events: ['observation']`.
 */
export const RULE_FILTERS: Readonly<Record<string, ObservationFilter>> = {
  ...OPERATION_FILTERS,
  ...ANOMALY_FILTERS,
  ...BASELINE_FILTERS,
  ...ZONE_FILTERS,
  ...DHCP_FILTERS,
};
