import { bacnetDissector } from './bacnet/bacnet.dissector.js';
import { cdpDissector } from './cdp/cdp.dissector.js';
import type { Dissector } from './contract.js';
import { dhcpDissector } from './dhcp/dhcp.dissector.js';
import { dnp3Dissector } from './dnp3/dnp3.dissector.js';
import { dnsDissector, llmnrDissector, mdnsDissector } from './dns/dns.dissector.js';
import { enipDissector } from './enip/enip.dissector.js';
import { enipIoDissector } from './enip/enip-io.dissector.js';
import { ftpDissector } from './ftp/ftp.dissector.js';
import { httpDissector } from './http/http.dissector.js';
import { iec104Dissector } from './iec104/iec104.dissector.js';
import { lldpDissector } from './lldp/lldp.dissector.js';
import { modbusDissector } from './modbus/modbus.dissector.js';
import { mqttDissector } from './mqtt/mqtt.dissector.js';
import { nbnsDissector } from './nbns/nbns.dissector.js';
import { netbiosDgmDissector } from './nbns/netbios-dgm.dissector.js';
import { ntpDissector } from './ntp/ntp.dissector.js';
import { opcuaDissector } from './opcua/opcua.dissector.js';
import { profinetDissector } from './profinet/profinet.dissector.js';
import { rdpDissector } from './rdp/rdp.dissector.js';
import { DissectorRegistry } from './registry.js';
import { s7commDissector } from './s7comm/s7comm.dissector.js';
import { smbDissector } from './smb/smb.dissector.js';
import { snmpDissector } from './snmp/snmp.dissector.js';
import { sshDissector } from './ssh/ssh.dissector.js';
import { syslogDissector } from './syslog/syslog.dissector.js';
import { telnetDissector } from './telnet/telnet.dissector.js';
import { tlsDissector } from './tls/tls.dissector.js';
import { vncDissector } from './vnc/vnc.dissector.js';

/** Every dissector plantwarden ships, in probing order. */
export const DISSECTORS: readonly Dissector[] = [
  modbusDissector,
  s7commDissector,
  enipDissector,
  enipIoDissector,
  dnp3Dissector,
  iec104Dissector,
  mqttDissector,
  profinetDissector,
  lldpDissector,
  cdpDissector,
  dhcpDissector,
  dnsDissector,
  mdnsDissector,
  llmnrDissector,
  nbnsDissector,
  netbiosDgmDissector,
  ntpDissector,
  syslogDissector,
  snmpDissector,
  httpDissector,
  ftpDissector,
  telnetDissector,
  bacnetDissector,
  opcuaDissector,
  tlsDissector,
  sshDissector,
  smbDissector,
  rdpDissector,
  vncDissector,
] as Dissector[];

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
