import type { Op } from '../../observations/observation.js';

/**
 * OPC UA binary (UA TCP / UA Secure Conversation) constants: message types (OPC 10000-6 §7.1.2),
 * service request/response binary encoding ids (the standard NodeIds of `<Service>Request_Encoding_DefaultBinary`,
 * OPC 10000-6 Annex A / NodeIds.csv), security policies, modes and identity tokens (OPC 10000-4
 * §7). ICSNPP's opcua_binary.log spells services as `<Service>Request` / `<Service>Response`.
 * Every lookup is total: an unknown code becomes `unknown-<n>`.
 */

export const OPCUA_PORT = 4840;
export const HEADER_LEN = 8;
/** Smallest and largest chunk we accept (the spec's minimum buffer is 8192; 16 MiB is generous). */
export const MIN_CHUNK = 8;
export const MAX_CHUNK = 16 << 20;
/** Nesting of DiagnosticInfo / Variant arrays we follow. */
export const MAX_DEPTH = 8;

/** Message types as the three ASCII bytes read as a little-endian u24. */
export const Msg = {
  HEL: 0x4c4548,
  ACK: 0x4b4341,
  ERR: 0x525245,
  RHE: 0x454852,
  OPN: 0x4e504f,
  MSG: 0x47534d,
  CLO: 0x4f4c43,
} as const;

export function msgTypeName(t: number): string {
  switch (t) {
    case Msg.HEL:
      return 'HEL';
    case Msg.ACK:
      return 'ACK';
    case Msg.ERR:
      return 'ERR';
    case Msg.RHE:
      return 'RHE';
    case Msg.OPN:
      return 'OPN';
    case Msg.MSG:
      return 'MSG';
    case Msg.CLO:
      return 'CLO';
    default:
      return `unknown-${t}`;
  }
}
export function isMsgType(t: number): boolean {
  return !msgTypeName(t).startsWith('unknown-');
}

/** Service name (OPC 10000-4 §5), request encoding id, response encoding id, op. */
const SERVICES: ReadonlyArray<readonly [string, number, number, Op]> = [
  ['FindServers', 422, 425, 'discovery'],
  ['FindServersOnNetwork', 12208, 12209, 'discovery'],
  ['GetEndpoints', 428, 431, 'discovery'],
  ['RegisterServer', 437, 440, 'discovery'],
  ['RegisterServer2', 12211, 12212, 'discovery'],
  ['OpenSecureChannel', 446, 449, 'auth'],
  ['CloseSecureChannel', 452, 455, 'auth'],
  ['CreateSession', 461, 464, 'auth'],
  ['ActivateSession', 467, 470, 'auth'],
  ['CloseSession', 473, 476, 'auth'],
  ['Cancel', 479, 482, 'other'],
  ['AddNodes', 488, 491, 'write'],
  ['AddReferences', 494, 497, 'write'],
  ['DeleteNodes', 500, 503, 'write'],
  ['DeleteReferences', 506, 509, 'write'],
  ['Browse', 527, 530, 'read'],
  ['BrowseNext', 533, 536, 'read'],
  ['TranslateBrowsePathsToNodeIds', 554, 557, 'read'],
  ['RegisterNodes', 560, 563, 'read'],
  ['UnregisterNodes', 566, 569, 'read'],
  ['QueryFirst', 615, 618, 'read'],
  ['QueryNext', 621, 624, 'read'],
  ['Read', 631, 634, 'read'],
  ['HistoryRead', 664, 667, 'read'],
  ['Write', 673, 676, 'write'],
  ['HistoryUpdate', 700, 703, 'write'],
  ['Call', 712, 715, 'other'],
  ['CreateMonitoredItems', 751, 754, 'read'],
  ['ModifyMonitoredItems', 763, 766, 'read'],
  ['SetMonitoringMode', 769, 772, 'read'],
  ['SetTriggering', 775, 778, 'read'],
  ['DeleteMonitoredItems', 781, 784, 'read'],
  ['CreateSubscription', 787, 790, 'read'],
  ['ModifySubscription', 793, 796, 'read'],
  ['SetPublishingMode', 799, 802, 'read'],
  ['Publish', 826, 829, 'read'],
  ['Republish', 832, 835, 'read'],
  ['TransferSubscriptions', 841, 844, 'read'],
  ['DeleteSubscriptions', 847, 850, 'read'],
];

/** ServiceFault (OPC 10000-4 §7.30): the response of any failed service. */
export const SERVICE_FAULT = 397;

interface ServiceInfo {
  name: string;
  request: boolean;
  op: Op;
  /** The request's encoding id (the transaction's fnCode). */
  requestId: number;
}
const BY_ID = new Map<number, ServiceInfo>();
for (const [name, req, res, op] of SERVICES) {
  BY_ID.set(req, { name, request: true, op, requestId: req });
  BY_ID.set(res, { name, request: false, op, requestId: req });
}
BY_ID.set(SERVICE_FAULT, { name: 'ServiceFault', request: false, op: 'other', requestId: SERVICE_FAULT });

export function serviceInfo(encodingId: number): ServiceInfo | undefined {
  return BY_ID.get(encodingId);
}
/** ICSNPP's spelling of an encoding id: `GetEndpointsRequest`, `ServiceFault`, or `unknown-<n>`. */
export function encodingName(encodingId: number): string {
  const s = BY_ID.get(encodingId);
  if (!s) return `unknown-${encodingId}`;
  if (s.name === 'ServiceFault') return 'ServiceFault';
  return `${s.name}${s.request ? 'Request' : 'Response'}`;
}

export const Service = {
  GET_ENDPOINTS_REQ: 428,
  GET_ENDPOINTS_RES: 431,
  FIND_SERVERS_RES: 425,
  OPEN_REQ: 446,
  OPEN_RES: 449,
  CREATE_SESSION_REQ: 461,
  CREATE_SESSION_RES: 464,
  ACTIVATE_SESSION_REQ: 467,
  ACTIVATE_SESSION_RES: 470,
  READ_REQ: 631,
  READ_RES: 634,
} as const;

const POLICY_PREFIX = 'http://opcfoundation.org/UA/SecurityPolicy#';
/** Security policy URI -> short name (`None`, `Basic256Sha256`, `Aes128_Sha256_RsaOaep`...). */
export function policyName(uri: string | null): string {
  if (uri === null || uri === '') return 'unknown';
  return uri.startsWith(POLICY_PREFIX) ? uri.slice(POLICY_PREFIX.length) : uri;
}

/** MessageSecurityMode (OPC 10000-4 §7.20). */
const MODES = ['Invalid', 'None', 'Sign', 'SignAndEncrypt'];
export function securityModeName(m: number): string {
  return MODES[m] ?? `unknown-${m}`;
}

/** SecurityTokenRequestType (§5.5.2.2). */
export function requestTypeName(t: number): string {
  return t === 0 ? 'Issue' : t === 1 ? 'Renew' : `unknown-${t}`;
}

/** UserTokenType (§7.42). */
const TOKEN_TYPES = ['Anonymous', 'UserName', 'Certificate', 'IssuedToken'];
export function userTokenTypeName(t: number): string {
  return TOKEN_TYPES[t] ?? `unknown-${t}`;
}

/** ApplicationType (§7.2). */
const APP_TYPES = ['Server', 'Client', 'ClientAndServer', 'DiscoveryServer'];
export function applicationTypeName(t: number): string {
  return APP_TYPES[t] ?? `unknown-${t}`;
}

/** Identity token binary encoding ids -> ICSNPP's type name. */
export const Token = {
  ANONYMOUS: 321,
  USER_NAME: 324,
  X509: 327,
  ISSUED: 940,
} as const;
export function tokenTypeName(encodingId: number): string {
  switch (encodingId) {
    case Token.ANONYMOUS:
      return 'AnonymousIdentityToken';
    case Token.USER_NAME:
      return 'UserNameIdentityToken';
    case Token.X509:
      return 'X509IdentityToken';
    case Token.ISSUED:
      return 'IssuedIdentityToken';
    default:
      return `unknown-${encodingId}`;
  }
}

/** Common StatusCodes (OPC 10000-4 §7.34, StatusCode.csv). */
const STATUS: Record<number, string> = {
  0: 'Good',
  2147549184: 'BadUnexpectedError',
  2147614720: 'BadInternalError',
  2147680256: 'BadOutOfMemory',
  2147811328: 'BadCommunicationError',
  2147942400: 'BadEncodingLimitsExceeded',
  2148139008: 'BadTimeout',
  2148204544: 'BadServiceUnsupported',
  2148401152: 'BadServerHalted',
  2148532224: 'BadSecurityChecksFailed',
  2148728832: 'BadSecurityPolicyRejected',
  2149515264: 'BadIdentityTokenInvalid',
  2149580800: 'BadIdentityTokenRejected',
  2149646336: 'BadSecureChannelIdInvalid',
  2149711872: 'BadInvalidTimestamp',
  2149777408: 'BadNonceInvalid',
  2149842944: 'BadSessionIdInvalid',
  2149908480: 'BadSessionClosed',
  2149974016: 'BadSessionNotActivated',
  2150105088: 'BadRequestCancelledByClient',
  2150891520: 'BadNodeIdUnknown',
  2150957056: 'BadAttributeIdInvalid',
  2151350272: 'BadNotWritable',
  2151677952: 'BadUserAccessDenied',
  2155085824: 'BadTypeMismatch',
  2155610112: 'BadTcpServerTooBusy',
  2155741184: 'BadTcpMessageTypeInvalid',
  2155806720: 'BadTcpSecureChannelUnknown',
  2155872256: 'BadTcpMessageTooLarge',
  2156003328: 'BadTcpNotEnoughResources',
  2156068864: 'BadTcpInternalError',
  2156134400: 'BadTcpEndpointUrlInvalid',
  2156265472: 'BadSecureChannelClosed',
  2156331008: 'BadSecureChannelTokenUnknown',
  2158690304: 'BadConnectionRejected',
  2158755840: 'BadDisconnect',
  2158821376: 'BadConnectionClosed',
  2159935488: 'BadProtocolVersionUnsupported',
  2159542272: 'BadUserSignatureInvalid',
  2160132096: 'BadCertificateInvalid',
};
export function statusName(code: number): string {
  return STATUS[code >>> 0] ?? `0x${(code >>> 0).toString(16).padStart(8, '0')}`;
}

/** Server.ServerStatus.BuildInfo variables (ns=0) -> identity field. */
export const BUILD_INFO: ReadonlyMap<number, string> = new Map([
  [2261, 'product_name'], // ProductName
  [2262, 'product_uri'], // ProductUri
  [2263, 'vendor'], // ManufacturerName
  [2264, 'firmware'], // SoftwareVersion
  [2265, 'build_number'], // BuildNumber
]);
export const BUILD_INFO_NAMES: ReadonlyMap<number, string> = new Map([
  [2261, 'ProductName'],
  [2262, 'ProductUri'],
  [2263, 'ManufacturerName'],
  [2264, 'SoftwareVersion'],
  [2265, 'BuildNumber'],
]);
/** AttributeId Value (§5.9 / OPC 10000-6 Attribute ids). */
export const ATTRIBUTE_VALUE = 13;
