import { modbusDissector } from './modbus/modbus.dissector.js';
import { DissectorRegistry } from './registry.js';

/** The registry with every dissector plantwarden ships, in probing order. */
export function defaultRegistry(): DissectorRegistry {
  return new DissectorRegistry().register(modbusDissector);
}
