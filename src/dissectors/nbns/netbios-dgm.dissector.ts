import { createTransaction, type IdentityFact } from '../../observations/observation.js';
import { ip4ToString } from '../../util/net.js';
import type { Dissector, FlowInfo } from '../contract.js';
import {
  browserOpName,
  DOMAIN_ANNOUNCEMENT,
  dgmTypeName,
  HOST_ANNOUNCEMENT,
  LOCAL_MASTER_ANNOUNCEMENT,
  osFromVersion,
  serverTypeNames,
} from './nbns.consts.js';
import { type Datagram, newDatagram, parseBrowser, parseDatagram } from './nbns.parse.js';

/** Identity keys remembered per flow (announcements repeat every few minutes). */
const MAX_SEEN = 64;

export interface NetbiosDgmState {
  readonly seen: Set<string>;
  datagrams: number;
  violated: boolean;
}

const dg: Datagram = newDatagram();

/**
 * NetBIOS datagram service (UDP 138, RFC 1002 §4.4) carrying the browser protocol
 * ([MS-BRWS]) over SMB mailslots. Each browser frame is one transaction (fn = the browser
 * opcode: HOST_ANNOUNCEMENT, LOCAL_MASTER_ANNOUNCEMENT, DOMAIN_ANNOUNCEMENT, ANNOUNCEMENT_REQUEST,
 * REQUEST_ELECTION...; op 'discovery'; status 'ok': these are one-way messages); other datagrams
 * are named by their datagram type. Announcements name the sender: 'hostname' (precedence 50),
 * the OS version as an 'os' guess and 'os_version' (precedence 30), the server type flags
 * ('netbios_server_type'), the comment ('description', 30); a domain announcement names the
 * workgroup ('netbios_domain').
 */
export const netbiosDgmDissector: Dissector<NetbiosDgmState> = {
  name: 'netbios-dgm',
  transports: ['udp'],
  defaultPorts: [138],

  newState(_flow: FlowInfo): NetbiosDgmState {
    return { seen: new Set(), datagrams: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const err = parseDatagram(buf, off, len, dg);
    if (err !== null) {
      if (s.datagrams === 0) {
        s.violated = true;
        ctx.violation(`${err}: type ${dg.type}, ${len} bytes`);
      } else ctx.anomaly(err, `type ${dg.type}, ${len} bytes`);
      return len;
    }
    s.datagrams++;
    const a = dg.userOff >= 0 ? parseBrowser(buf, dg.userOff, dg.userLen) : null;
    const detail: Record<string, string | number | boolean> = {
      datagramType: dgmTypeName(dg.type),
      sourceIp: ip4ToString(dg.sourceIp),
    };
    const tx = createTransaction(
      ctx.tsUs,
      ctx.flow.id,
      'netbios-dgm',
      a ? 'discovery' : 'other',
      a ? browserOpName(a.opcode) : dgmTypeName(dg.type),
      a ? a.opcode : dg.type,
      'ok',
    );
    tx.detail = detail;
    if (a === null || a.osMajor < 0) {
      if (a?.serverName) detail.serverName = a.serverName;
      ctx.emit(tx);
      return len;
    }
    detail.serverName = a.serverName;
    detail.osVersion = `${a.osMajor}.${a.osMinor}`;
    detail.serverType = a.serverType;
    ctx.emit(tx);
    const src = `netbios-dgm.${tx.fn.toLowerCase()}`;
    const facts: IdentityFact[] = [];
    if (a.opcode === DOMAIN_ANNOUNCEMENT) {
      if (a.serverName)
        facts.push({ field: 'netbios_domain', value: a.serverName, source: `${src}.server_name`, precedence: 50 });
    } else if (a.opcode === HOST_ANNOUNCEMENT || a.opcode === LOCAL_MASTER_ANNOUNCEMENT) {
      if (a.serverName)
        facts.push({ field: 'hostname', value: a.serverName, source: `${src}.server_name`, precedence: 50 });
      facts.push({
        field: 'os',
        value: osFromVersion(a.osMajor, a.osMinor, a.serverType),
        source: `${src}.os_version`,
        precedence: 30,
      });
      facts.push({
        field: 'os_version',
        value: `${a.osMajor}.${a.osMinor}`,
        source: `${src}.os_version`,
        precedence: 30,
      });
      const types = serverTypeNames(a.serverType);
      if (types)
        facts.push({ field: 'netbios_server_type', value: types, source: `${src}.server_type`, precedence: 50 });
      if (a.comment) facts.push({ field: 'description', value: a.comment, source: `${src}.comment`, precedence: 30 });
    }
    const fresh = facts.filter((f) => {
      const key = `${f.field}|${f.value}`;
      if (s.seen.has(key)) return false;
      if (s.seen.size < MAX_SEEN) s.seen.add(key);
      return true;
    });
    if (fresh.length > 0) {
      ctx.emit({
        kind: 'asset.identity',
        ts: ctx.tsUs,
        flowId: ctx.flow.id,
        protocol: 'netbios-dgm',
        about: ctx.dir === 0 ? 'client' : 'server',
        facts: fresh,
      });
    }
    return len;
  },
};
