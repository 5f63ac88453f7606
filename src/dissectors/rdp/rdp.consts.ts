/** RDP connection-sequence constants ([MS-RDPBCGR] §2.2.1.1-2.2.1.3, ITU-T X.224, RFC 1006). */

export const TPKT_VERSION = 3;
export const X224 = {
  CONNECTION_REQUEST: 0xe0,
  CONNECTION_CONFIRM: 0xd0,
  DATA: 0xf0,
} as const;

export const NegType = {
  REQUEST: 0x01,
  RESPONSE: 0x02,
  FAILURE: 0x03,
} as const;

/** Security protocol flags (§2.2.1.1.1), Zeek's rdp.log spelling. */
const PROTOCOLS: readonly [number, string][] = [
  [0x01, 'SSL'],
  [0x02, 'HYBRID'],
  [0x04, 'RDSTLS'],
  [0x08, 'HYBRID_EX'],
  [0x10, 'RDSAAD'],
];

/** A requested-protocols mask as names ('RDP' = standard RDP security when 0). */
export function protocolsName(mask: number): string {
  if (mask === 0) return 'RDP';
  const names: string[] = [];
  let rest = mask >>> 0;
  for (const [bit, name] of PROTOCOLS) {
    if (rest & bit) names.push(name);
    rest &= ~bit;
  }
  if (rest !== 0) names.push(`unknown-0x${rest.toString(16)}`);
  return names.join(',');
}

/** The single selected protocol of a negotiation response. */
export function selectedName(p: number): string {
  if (p === 0) return 'RDP';
  for (const [bit, name] of PROTOCOLS) if (p === bit) return name;
  return `unknown-${p}`;
}

/** RDP_NEG_FAILURE codes (§2.2.1.2.2). */
export function failureName(code: number): string {
  switch (code) {
    case 1:
      return 'SSL_REQUIRED_BY_SERVER';
    case 2:
      return 'SSL_NOT_ALLOWED_BY_SERVER';
    case 3:
      return 'SSL_CERT_NOT_ON_SERVER';
    case 4:
      return 'INCONSISTENT_FLAGS';
    case 5:
      return 'HYBRID_REQUIRED_BY_SERVER';
    case 6:
      return 'SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER';
  }
  return `unknown-${code}`;
}

/** Client Core Data block type (§2.2.1.3.2) and its smallest valid length. */
export const CS_CORE = 0xc001;
export const CS_CORE_MIN_LEN = 132;
/** Bytes of a Connect-Initial searched for the Client Core Data. */
export const MAX_MCS_SCAN = 2048;
