/**
 * DNS constants (RFC 1035 §3.2, §4.1.1; IANA "DNS Parameters" registry). Names as Zeek's
 * `base/protocols/dns/consts.zeek` spells them (qtype '*' for ANY, rcode NXDOMAIN...). Lookups are
 * total: an unknown code becomes `unknown-<n>`.
 */

export const HEADER_LEN = 12;
/** Longest name (RFC 1035 §2.3.4) and label. */
export const MAX_NAME = 255;
export const MAX_LABEL = 63;
/** Compression pointers followed per name before we call it a loop. */
export const MAX_POINTERS = 32;
/** Records walked per message (sum of the four sections); the rest are ignored. */
export const MAX_RECORDS = 256;
/** Identity facts per message (a DNS answer can hold hundreds of A records). */
export const MAX_FACTS_PER_MESSAGE = 16;

export const Type = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  ANY: 255,
} as const;

const TYPES: ReadonlyArray<readonly [number, string]> = [
  [1, 'A'],
  [2, 'NS'],
  [3, 'MD'],
  [4, 'MF'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [7, 'MB'],
  [8, 'MG'],
  [9, 'MR'],
  [10, 'NULL'],
  [11, 'WKS'],
  [12, 'PTR'],
  [13, 'HINFO'],
  [14, 'MINFO'],
  [15, 'MX'],
  [16, 'TXT'],
  [17, 'RP'],
  [18, 'AFSDB'],
  [24, 'SIG'],
  [25, 'KEY'],
  [28, 'AAAA'],
  [29, 'LOC'],
  [30, 'NXT'],
  [32, 'NB'],
  [33, 'SRV'],
  [35, 'NAPTR'],
  [36, 'KX'],
  [37, 'CERT'],
  [38, 'A6'],
  [39, 'DNAME'],
  [41, 'OPT'],
  [43, 'DS'],
  [44, 'SSHFP'],
  [46, 'RRSIG'],
  [47, 'NSEC'],
  [48, 'DNSKEY'],
  [49, 'DHCID'],
  [50, 'NSEC3'],
  [51, 'NSEC3PARAM'],
  [52, 'TLSA'],
  [55, 'HIP'],
  [59, 'CDS'],
  [60, 'CDNSKEY'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [99, 'SPF'],
  [249, 'TKEY'],
  [250, 'TSIG'],
  [251, 'IXFR'],
  [252, 'AXFR'],
  [253, 'MAILB'],
  [254, 'MAILA'],
  [255, '*'],
  [256, 'URI'],
  [257, 'CAA'],
];
const TYPE_NAME = new Map<number, string>(TYPES);

export function typeName(t: number): string {
  return TYPE_NAME.get(t) ?? `unknown-${t}`;
}

const RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
] as const;

export function rcodeName(r: number): string {
  return RCODES[r] ?? `unknown-${r}`;
}

const OPCODES = ['QUERY', 'IQUERY', 'STATUS', 'unknown-3', 'NOTIFY', 'UPDATE', 'DSO'] as const;

export function opcodeName(o: number): string {
  return OPCODES[o] ?? `unknown-${o}`;
}

/** mDNS TXT keys that name the device (DNS-SD conventions: _device-info, IPP/AirPrint, HomeKit). */
export const TXT_IDENTITY: Readonly<Record<string, string>> = {
  model: 'model',
  md: 'model',
  usb_mdl: 'model',
  ty: 'model',
  manufacturer: 'vendor',
  mfg: 'vendor',
  usb_mfg: 'vendor',
};
