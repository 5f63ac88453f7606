import type { Dissector } from './contract.js';
import { modbusDissector } from './modbus/modbus.dissector.js';
import { DissectorRegistry } from './registry.js';

/** Every dissector plantwarden ships, in probing order. */
export const DISSECTORS: readonly Dissector[] = [modbusDissector] as Dissector[];

/**
 * The registry with every dissector plantwarden ships. `extra` dissectors are registered
 * first, so they win their ports (tests of a dissector under development).
 */
export function defaultRegistry(extra: readonly Dissector[] = []): DissectorRegistry {
  const r = new DissectorRegistry();
  for (const d of extra) r.register(d);
  for (const d of DISSECTORS) if (!extra.includes(d)) r.register(d);
  return r;
}
