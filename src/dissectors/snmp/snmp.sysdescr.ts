import type { IdentityFact } from '../../observations/observation.js';

/**
 * Guesses from a sysDescr string (precedence 30: free text, formats vary by vendor and
 * version). Only patterns that are specific enough to be right more often than wrong:
 * - `Linux <host> <release> ...` (net-snmp on Linux) -> os `Linux <release>`
 * - `... Software: Windows Version 6.1 (Build 7601 ...)` -> os `Windows 6.1 (Build 7601)`
 * - `Cisco IOS Software, ... Version 15.2(4)M1, ...` / `Cisco Internetwork Operating System`
 *   -> os `Cisco IOS`, firmware `15.2(4)M1`; `Cisco NX-OS`, `Cisco Adaptive Security Appliance`
 * - `Juniper Networks ... JUNOS 12.3R6.6` -> os `Junos`, firmware
 * - `Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA10-2AA3, HW: 4, FW: V4.0.0` -> vendor,
 *   product_name (third comma field), order_number (Siemens MLFB `6xx...`), firmware
 * - any `FW: V1.2.3` / `Firmware: 1.2` / `firmware version 1.2` -> firmware
 */
const SOURCE = 'snmp.response.sysDescr';
const P = 30;

export function sysDescrHints(d: string): IdentityFact[] {
  const out: IdentityFact[] = [];
  const add = (field: string, value: string) => {
    if (value !== '' && !out.some((f) => f.field === field)) out.push({ field, value, source: SOURCE, precedence: P });
  };
  let m = /^Linux \S+ (\d[\w.+-]*)/.exec(d);
  if (m) add('os', `Linux ${m[1]}`);
  m = /Windows Version ([\d.]+)(?: \(Build (\d+))?/.exec(d);
  if (m) add('os', `Windows ${m[1]}${m[2] ? ` (Build ${m[2]})` : ''}`);
  if (/Cisco IOS|Cisco Internetwork Operating System/.test(d)) {
    add('vendor', 'Cisco');
    add('os', /IOS[ -]XE/.test(d) ? 'Cisco IOS XE' : 'Cisco IOS');
  } else if (/Cisco NX-OS/.test(d)) {
    add('vendor', 'Cisco');
    add('os', 'Cisco NX-OS');
  } else if (/Cisco Adaptive Security Appliance/.test(d)) {
    add('vendor', 'Cisco');
    add('os', 'Cisco ASA');
  }
  if (out.some((f) => f.value.startsWith('Cisco'))) {
    m = /Version ([\w.()]+)/.exec(d);
    if (m) add('firmware', m[1] as string);
  }
  m = /JUNOS ([\w.-]+)/.exec(d);
  if (m) {
    add('vendor', 'Juniper Networks');
    add('os', 'Junos');
    add('firmware', m[1] as string);
  }
  if (/^Siemens\b/i.test(d) || /SIMATIC|SCALANCE|RUGGEDCOM/.test(d)) {
    add('vendor', 'Siemens');
    const parts = d.split(',').map((x) => x.trim());
    const product = parts.find((x) => /^(SCALANCE|SIMATIC|RUGGEDCOM|CP|IM|CPU)\b/.test(x) && x !== 'SIMATIC NET');
    if (product) add('product_name', product);
  }
  m = /\b(6[A-Z]{2}\d ?\d{3}-\d[A-Z0-9]{4}-\d[A-Z0-9]{3})\b/.exec(d);
  if (m) add('order_number', m[1] as string);
  m = /\b(?:FW|[Ff]irmware(?: [Vv]ersion)?)\s*[:=]?\s*[Vv]?(\d[\w.-]*)/.exec(d);
  if (m) add('firmware', m[1] as string);
  return out;
}
