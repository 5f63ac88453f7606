/**
 * Well-known service names by transport and server port, for links whose protocol no
 * dissector confirmed. A name from this table is a guess from the port, and the analysis
 * summary says so; a dissector's name always wins.
 */
const TCP: Record<number, string> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'dns',
  80: 'http',
  88: 'kerberos',
  102: 's7comm',
  110: 'pop3',
  135: 'msrpc',
  139: 'netbios-ssn',
  143: 'imap',
  389: 'ldap',
  443: 'tls',
  445: 'smb',
  502: 'modbus',
  636: 'ldaps',
  789: 'redlion-crimson',
  1089: 'ff-hse',
  1433: 'mssql',
  1883: 'mqtt',
  1911: 'niagara-fox',
  2222: 'enip-io',
  2404: 'iec104',
  3306: 'mysql',
  3389: 'rdp',
  4840: 'opcua',
  4843: 'opcua-tls',
  5007: 'melsec',
  5432: 'postgresql',
  5450: 'osisoft-pi',
  5900: 'vnc',
  8080: 'http',
  8443: 'tls',
  8883: 'mqtt-tls',
  9600: 'omron-fins',
  18245: 'ge-srtp',
  20000: 'dnp3',
  44818: 'enip',
  48898: 'ads',
};

const UDP: Record<number, string> = {
  53: 'dns',
  67: 'dhcp',
  68: 'dhcp',
  69: 'tftp',
  123: 'ntp',
  137: 'nbns',
  138: 'netbios-dgm',
  161: 'snmp',
  162: 'snmp-trap',
  514: 'syslog',
  546: 'dhcpv6',
  547: 'dhcpv6',
  1900: 'ssdp',
  2222: 'enip-io',
  5353: 'mdns',
  5355: 'llmnr',
  9600: 'omron-fins',
  20000: 'dnp3',
  34962: 'profinet-rt',
  34963: 'profinet-rt',
  34964: 'profinet-cm',
  44818: 'enip',
  47808: 'bacnet',
};

/** EtherTypes of L2 protocols that identify the sender's role. */
const ETHER: Record<number, string> = {
  2054: 'arp',
  35020: 'lldp',
  34962: 'profinet',
  35000: 'iec61850-goose',
  35002: 'iec61850-sv',
  34980: 'ethercat',
  33284: 'qnx',
  35043: 'mrp',
  35063: 'ptp',
  35085: 'ieee802.11r',
  34958: 'eapol',
  34525: 'ipv6',
  2048: 'ipv4',
};

export function tcpServiceName(port: number): string | undefined {
  return TCP[port];
}
export function udpServiceName(port: number): string | undefined {
  return UDP[port];
}
export function etherTypeName(type: number): string {
  return ETHER[type] ?? `ethertype-0x${type.toString(16).padStart(4, '0')}`;
}
/** Ports that are "server" ports for flow orientation: any port we have a name for. */
export function isKnownServerPort(proto: number, port: number): boolean {
  return proto === 6 ? TCP[port] !== undefined : proto === 17 ? UDP[port] !== undefined : false;
}

/** Industrial protocols: serving one is what controllers do; using one is what HMIs and EWSs do. */
export const OT_PROTOCOLS = new Set([
  'modbus',
  's7comm',
  's7comm-plus',
  'enip',
  'cip',
  'enip-io',
  'dnp3',
  'iec104',
  'opcua',
  'bacnet',
  'profinet',
  'profinet-rt',
  'profinet-cm',
  'melsec',
  'omron-fins',
  'ads',
  'ge-srtp',
  'niagara-fox',
  'ff-hse',
  'iec61850-goose',
  'iec61850-sv',
  'ethercat',
  'redlion-crimson',
]);

/** Protocols a historian typically serves to the IT side. */
export const HISTORIAN_SERVICES = new Set(['osisoft-pi', 'mssql', 'mysql', 'postgresql']);

/** L2 protocols that network infrastructure speaks. */
export const NETWORK_DEVICE_PROTOCOLS = new Set(['lldp', 'cdp', 'stp', 'mrp', 'lacp']);
