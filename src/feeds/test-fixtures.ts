/**
 * Small annotated feed files for the tests of src/feeds, the feeds store and the CLI (test
 * support only; nothing in the product imports this). Each is modelled on the real data in
 * ../shared/corpus: a CISA ICS CSAF advisory, the KEV catalogue, the three credential lists.
 */

import { deflateRawSync } from 'node:zlib';

/** A CSAF 2.0 advisory in CISA's shape, one line of comment per part that the reader uses. */
export function csafFixture(over: { id?: string; updated?: string; cve?: string } = {}): Record<string, unknown> {
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0', // -> recognised as CSAF
      title: 'Siemens SIMATIC S7-1500 and ACME Gateway', // -> title
      publisher: { category: 'coordinator', name: 'CISA', namespace: 'https://www.cisa.gov/' }, // -> publisher
      references: [
        { category: 'self', summary: 'JSON', url: 'https://example.invalid/csaf/icsa-99-001-01.json' },
        { category: 'self', summary: 'Web', url: 'https://www.cisa.gov/news-events/ics-advisories/icsa-99-001-01' }, // -> url (web page preferred)
        { category: 'external', summary: 'other', url: 'https://example.invalid/other' },
      ],
      tracking: {
        id: over.id ?? 'ICSA-99-001-01', // -> id
        initial_release_date: '2022-03-01T00:00:00.000000Z', // -> published
        current_release_date: over.updated ?? '2022-04-12T00:00:00.000000Z', // -> updated
        status: 'final',
        version: '2',
      },
    },
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: 'Siemens', // -> vendor of the products below
          branches: [
            {
              category: 'product_name',
              name: 'SIMATIC S7-1500 CPU 1511-1 PN (6ES7 511-1AK02-0AB0)', // -> product, model 6ES7511-1AK02-0AB0
              branches: [
                {
                  category: 'product_version_range',
                  name: 'vers:all/<V2.9.4', // -> range upper 2.9.4 (exclusive)
                  product: {
                    name: 'SIMATIC S7-1500 CPU 1511-1 PN (6ES7 511-1AK02-0AB0)',
                    product_id: 'CSAFPID-0001',
                    product_identification_helper: { model_numbers: ['6ES7511-1AK02-0AB0'] }, // -> models
                  },
                },
              ],
            },
            {
              category: 'product_name',
              name: 'SCALANCE X200', // free-text version below
              branches: [
                {
                  category: 'product_version_range',
                  name: 'All versions < V5.2.5', // -> range upper 5.2.5
                  product: { name: 'SCALANCE X200: All versions < V5.2.5', product_id: 'CSAFPID-0002' },
                },
              ],
            },
          ],
        },
        {
          category: 'vendor',
          name: 'ACME Automation',
          branches: [
            {
              category: 'product_name',
              name: 'ACME Gateway',
              branches: [
                {
                  category: 'product_version',
                  name: 'GW-100 | GW-200', // model codes, not versions -> models
                  product: { name: 'ACME Gateway: GW-100 GW-200', product_id: 'CSAFPID-0003' },
                },
                {
                  category: 'product_version',
                  name: 'the first 5 digits of serial number', // not a version -> unparsed
                  product: { name: 'ACME Gateway (legacy)', product_id: 'CSAFPID-0004' },
                },
              ],
            },
          ],
        },
      ],
      relationships: [{ category: 'installed_on', full_product_name: { name: 'x', product_id: 'REL-1' } }], // ignored
    },
    vulnerabilities: [
      {
        cve: over.cve ?? 'CVE-2022-0001', // -> cves
        cwe: { id: 'CWE-787', name: 'Out-of-bounds Write' }, // -> cwes
        scores: [
          {
            cvss_v3: {
              baseScore: 7.5,
              baseSeverity: 'HIGH',
              vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
              version: '3.1',
            },
            products: ['CSAFPID-0001', 'CSAFPID-0002'],
          },
        ],
        product_status: { known_affected: ['CSAFPID-0001', 'CSAFPID-0002', 'CSAFPID-0003'] }, // 0004 unlisted -> under_investigation
        remediations: [
          {
            category: 'vendor_fix',
            details: 'Update to V2.9.4 or later version',
            product_ids: ['CSAFPID-0001'],
            url: 'https://support.example.invalid/fix',
          }, // -> fixedVersion 2.9.4
          {
            category: 'mitigation',
            details: 'Restrict network access to affected devices.',
            product_ids: ['CSAFPID-0001', 'CSAFPID-0002'],
          },
        ],
      },
      {
        cve: 'CVE-2022-0002',
        cwe: { id: 'CWE-20', name: 'Improper Input Validation' },
        scores: [
          {
            cvss_v3: { baseScore: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }, // highest -> cvssScore
            products: ['CSAFPID-0003'],
          },
        ],
        product_status: { known_affected: ['CSAFPID-0003'] },
        remediations: [
          {
            category: 'vendor_fix',
            details: 'ACME has released firmware version 3.1 for GW-100 and GW-200.',
            product_ids: ['CSAFPID-0003'],
          }, // -> 3.1
        ],
      },
      { cve: 'not-a-cve', product_status: {} }, // -> warning at /vulnerabilities/2/cve
    ],
  };
}

/** The KEV catalogue in its JSON form, two entries and one bad one. */
export function kevJsonFixture(): Record<string, unknown> {
  return {
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2025.08.25',
    dateReleased: '2025-08-25T17:04:19.9796Z', // -> documentDate
    count: 3,
    vulnerabilities: [
      {
        cveID: 'CVE-2022-0001',
        vendorProject: 'Siemens',
        product: 'SIMATIC S7-1500',
        vulnerabilityName: 'Siemens SIMATIC S7-1500 Out-of-Bounds Write',
        dateAdded: '2023-01-10',
        shortDescription: '...',
        requiredAction: 'Apply updates per vendor instructions.',
        dueDate: '2023-01-31',
        knownRansomwareCampaignUse: 'Known', // -> knownRansomware true
        notes: '',
        cwes: ['CWE-787'],
      },
      {
        cveID: 'CVE-2021-44228',
        vendorProject: 'Apache',
        product: 'Log4j2',
        vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability',
        dateAdded: '2021-12-10',
        requiredAction: 'Apply updates per vendor instructions.',
        dueDate: '2021-12-24',
        knownRansomwareCampaignUse: 'Unknown',
      },
      { cveID: 'CVE-BAD', dateAdded: '2021-12-10' }, // -> warning at /vulnerabilities/2/cveID
    ],
  };
}

/** The KEV CSV header and two rows (one field with a comma and quotes). */
export const KEV_CSV = [
  'cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes',
  'CVE-2024-8068,Citrix,"Session Recording","Citrix Session Recording ""Improper"" Privilege Management",2025-08-25,"a, b",Apply mitigations.,2025-09-15,Unknown,,CWE-269',
  'CVE-2023-0002,Acme,Gateway,Acme Gateway RCE,2023-02-01,desc,Patch.,,Known,,',
].join('\r\n');

/** SCADAPASS: comment lines, then its header; passwords as user:pass lists, labels, notes. */
export const SCADAPASS_CSV = [
  '#SCADA StrangeLove Default/Hardcoded Passwords List,,,,,,',
  ',,,,,,',
  'Vendor,Device,Default password,Port,Device type,Protocol,Source',
  'ABB,SREA-01,admin:admin,80/tcp,Ethernet Adapter Module,http,https://example.invalid/a', // one pair, protocol column
  'Alcatel-Lucent,OmniSwitch 6250,admin:switch,"80/tcp, 23/tcp",switch,"HTTP, Telnet",https://example.invalid/b', // two protocols
  'Advantech,ADAM-6050W,00000000,,I/O module,,https://example.invalid/c', // bare password
  'Rockwell Automation,9300-RADES,"HTTP: blank:ZYPCOM, FTP: uploader:ZYPCOM","80/tcp, 21/tcp",Modem,"HTTP, FTP",x', // labels
  'Emerson,AMS Suite,"admin:<blank>, sa:42Emerson42Eme (SQL Server)",,software,,x', // blank + note
  'Advantech,"SNMP-1000, MIC-3924",advantech:admin,serial port,module,,x', // access from port text
  'BinTec,any,"(##unknown - means any):, admin:1234",,Router,,x', // junk piece skipped
].join('\n');

/** ITI ICS default passwords (note the space in " Password"). */
export const ITI_CSV = [
  'Manufacturer,Model,Interface,Login, Password,Source,Comments',
  'Schneider,M340,FTP,sysdiag,factorycast@schneider,,',
  'Siemens,S7-1200,Web,admin,,,',
].join('\n');

/** DefaultCreds cheat sheet. */
export const CHEATSHEET_CSV = [
  'productvendor,username,password',
  '3COM,admin,<blank>',
  '3COM,<blank>,12345',
  'Siemens,admin,admin',
].join('\n');

/** The generic layout. */
export const GENERIC_CSV = [
  'vendor,product,username,password,protocol,access',
  'Acme,Gateway GW-100,admin,admin,http,web',
  'Acme,Gateway GW-100,,public,snmp,read',
  'Acme,short row',
].join('\n');

/** A ustar archive: per member a 512-byte header (name @0, size @124 octal, type @156, magic @257), data padded to 512. */
export function tar(members: { name: string; data: string | Uint8Array; type?: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = typeof m.data === 'string' ? Buffer.from(m.data) : Buffer.from(m.data);
    const h = Buffer.alloc(512);
    h.write(m.name, 0, 100, 'utf8');
    h.write(data.length.toString(8).padStart(11, '0'), 124, 'ascii');
    h.write(m.type ?? '0', 156, 'ascii');
    h.write('ustar\u000000', 257, 'ascii');
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A zip: local headers, central directory, end record (APPNOTE 4.3); CRCs left 0 (not checked). */
export function zip(members: { name: string; data: string; method?: 0 | 8; flags?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const raw = Buffer.from(m.data);
    const method = m.method ?? 8;
    const comp = method === 8 ? deflateRawSync(raw) : raw;
    const name = Buffer.from(m.name);
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(m.flags ?? 0, 6);
    l.writeUInt16LE(method, 8);
    l.writeUInt32LE(comp.length, 18);
    l.writeUInt32LE(raw.length, 22);
    l.writeUInt16LE(name.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(m.flags ?? 0, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(comp.length, 20);
    c.writeUInt32LE(raw.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(l, name, comp);
    central.push(c, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
