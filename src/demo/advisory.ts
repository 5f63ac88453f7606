import { writeFileSync } from 'node:fs';
import { DEMO_S7_FIRMWARE, DEMO_S7_ORDER_NUMBER } from './plant.js';

/**
 * The feeds `plantwarden demo` imports: a CSAF 2.0 advisory and a default-credential list the
 * project writes itself. Both are made up for the demo plant and say so: the advisory has no CVE
 * (its id lives in `ids` under the system name 'plantwarden-demo'), the list is named as a demo
 * list. Neither is ever fetched; real feeds come from `plantwarden feeds import`.
 */

export const DEMO_ADVISORY_ID = 'PWDEMO-2026-0001';
/** The id of the advisory's one vulnerability, in `ids` (there is no CVE). */
export const DEMO_VULNERABILITY_ID = 'PWDEMO-2026-0001-1';
export const DEMO_ADVISORY_TITLE = 'Demo advisory: SIMATIC S7-1500 CPU firmware before V2.9.4';
export const DEMO_FIXED_VERSION = 'V2.9.4';
/** CVSS v3.1 base 8.1: network, high complexity, no privileges, no interaction, C/I/A high. */
export const DEMO_CVSS_VECTOR = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H';
export const DEMO_CVSS_SCORE = 8.1;

/** Fixed dates keep the demo deterministic. */
const RELEASED = '2026-01-13T09:00:00.000Z';

/**
 * The demo advisory as a CSAF 2.0 document (OASIS CSAF 2.0, profile "Security Advisory", §4.5).
 *
 * Product tree (§3.1.3): vendor "Siemens" -> product_name "SIMATIC S7-1500 CPU family" ->
 *   product_version_range "vers:intdot/<2.9.4" -> CSAFPID-0001 (known_affected), model number = the
 *     demo CPU's order number;
 *   product_version "V2.9.4" -> CSAFPID-0002 (fixed).
 * One vulnerability: `ids` [{system_name 'plantwarden-demo'}] instead of a CVE, CWE-400, CVSS v3.1
 * 8.1 with its vector, a vendor_fix remediation "Update to V2.9.4 or later" and a mitigation.
 * The demo plant's S7-1500 reports `DEMO_S7_FIRMWARE` (V2.8.3), inside the affected range.
 */
export function demoAdvisory(): Record<string, unknown> {
  const affected = 'CSAFPID-0001';
  const fixed = 'CSAFPID-0002';
  const family = 'SIMATIC S7-1500 CPU family';
  const notDemo =
    'This advisory is made up for the plantwarden demo plant. It describes no real vulnerability, ' +
    'was not published by Siemens or CISA, and must not be used outside the demo.';
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      title: DEMO_ADVISORY_TITLE,
      lang: 'en-US',
      publisher: {
        category: 'other',
        name: 'plantwarden demo',
        namespace: 'https://plantwarden.example/demo',
        contact_details: 'none: demo data',
      },
      distribution: { tlp: { label: 'WHITE' } },
      notes: [
        { category: 'legal_disclaimer', title: 'Demo data', text: notDemo },
        {
          category: 'summary',
          title: 'Summary',
          text:
            `${family} firmware before ${DEMO_FIXED_VERSION} (in the demo: ${DEMO_S7_ORDER_NUMBER} with ` +
            `${DEMO_S7_FIRMWARE}) lets an unauthenticated attacker on the network stop the CPU or change its program.`,
        },
      ],
      tracking: {
        id: DEMO_ADVISORY_ID,
        status: 'final',
        version: '1',
        initial_release_date: RELEASED,
        current_release_date: RELEASED,
        revision_history: [{ number: '1', date: RELEASED, summary: 'Initial demo release' }],
        generator: { engine: { name: 'plantwarden demo' } },
      },
    },
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: 'Siemens',
          branches: [
            {
              category: 'product_name',
              name: family,
              branches: [
                {
                  category: 'product_version_range',
                  name: 'vers:intdot/<2.9.4',
                  product: {
                    name: `${family} < ${DEMO_FIXED_VERSION}`,
                    product_id: affected,
                    product_identification_helper: { model_numbers: [DEMO_S7_ORDER_NUMBER] },
                  },
                },
                {
                  category: 'product_version',
                  name: DEMO_FIXED_VERSION,
                  product: {
                    name: `${family} ${DEMO_FIXED_VERSION}`,
                    product_id: fixed,
                    product_identification_helper: { model_numbers: [DEMO_S7_ORDER_NUMBER] },
                  },
                },
              ],
            },
          ],
        },
      ],
    },
    vulnerabilities: [
      {
        ids: [{ system_name: 'plantwarden-demo', text: DEMO_VULNERABILITY_ID }],
        title: 'Uncontrolled resource consumption in the S7 communication stack (demo)',
        cwe: { id: 'CWE-400', name: 'Uncontrolled Resource Consumption' },
        notes: [
          {
            category: 'description',
            title: 'Description',
            text: `Demo only. Specially crafted S7 packets to port 102/tcp of ${family} before ${DEMO_FIXED_VERSION} stop the CPU.`,
          },
        ],
        product_status: { known_affected: [affected], fixed: [fixed] },
        remediations: [
          { category: 'vendor_fix', details: `Update to ${DEMO_FIXED_VERSION} or later`, product_ids: [affected] },
          {
            category: 'mitigation',
            details:
              'Restrict access to port 102/tcp to the HMI and the engineering workstation (cell firewall or switch ACL).',
            product_ids: [affected],
          },
        ],
        scores: [
          {
            products: [affected],
            cvss_v3: {
              version: '3.1',
              vectorString: DEMO_CVSS_VECTOR,
              baseScore: DEMO_CVSS_SCORE,
              baseSeverity: 'HIGH',
            },
          },
        ],
      },
    ],
  };
}

/** Writes the demo advisory as JSON to `path` (overwritten). */
export function writeDemoAdvisory(path: string): void {
  writeFileSync(path, `${JSON.stringify(demoAdvisory(), null, 2)}\n`);
}

/**
 * The demo's default-credential list, in the generic layout of the feeds importer
 * (`vendor,product,username,password,protocol,access`, one header row, RFC 4180 quoting).
 * Made up for the demo plant: the M340's web page and the core switch's console.
 */
export const DEMO_DEFAULT_CREDENTIALS: readonly (readonly [string, string, string, string, string, string])[] = [
  ['Schneider Electric', 'Modicon M340', 'admin', 'admin', 'http', 'web'],
  ['Cisco', 'IE-4000', 'admin', 'cisco', 'telnet', 'console'],
];

/** Writes the demo default-credential list as CSV to `path` (overwritten). */
export function writeDemoDefaultCredentials(path: string): void {
  const rows = [['vendor', 'product', 'username', 'password', 'protocol', 'access'], ...DEMO_DEFAULT_CREDENTIALS];
  writeFileSync(path, `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`);
}
