import type { FlowInfo } from '../../dissectors/contract.js';
import type { Severity } from '../../findings/model.js';
import type { TransactionObservation } from '../../observations/observation.js';
import { macToString } from '../../util/net.js';
import type { HostView, Rule, RuleContext, RuleEvent } from '../contract.js';
import type { ObservationFilter } from '../engine.js';

/**
 * Operation rules: what a command did to a controller, read from transactions' protocol-neutral
 * `op` and their protocol function names (`fn`, and `detail` where the function is generic):
 *
 * - `ops.mode-change`: controller STOP/START, restarts and resets, communication disabled
 *   (S7 PLC Stop / PI P_PROGRAM, CIP Start/Stop/Reset and PCCC change mode, DNP3 cold/warm
 *   restart and START/STOP_APPL, BACnet reinitialize-device and device-communication-control,
 *   Modbus diagnostics restart / force listen-only, UMAS START/STOP_PLC, IEC 104 reset process).
 * - `ops.program-transfer`: logic download, upload and delete.
 * - `ops.firmware`: firmware and device file transfers.
 * - `ops.unauthorized-command`: programming, control or firmware from a host that is not a known
 *   engineering workstation; writes from a host the inventory knows as none of engineering
 *   workstation, HMI or historian (HMIs write setpoints: that is normal; a host never seen before
 *   is left to the baseline's new-host and new-link rules).
 *
 * Severities depend on what happened and who did it: a STOP is critical unless a known
 * engineering workstation sent it. "Known" means the stored inventory (earlier analyses)
 * classified the host so, or the zone file lists it: a host first seen now is not known.
 * A request the device refused still alerts (an attempt), and the evidence says so.
 */

/** Industrial protocols whose control/program/firmware operations act on a process. */
export const OT_PROTOCOLS: ReadonlySet<string> = new Set([
  'modbus',
  's7comm',
  's7comm-plus',
  'enip',
  'dnp3',
  'bacnet',
  'iec104',
  'opcua',
  'profinet',
]);

type ModeAction = 'stop' | 'start' | 'restart' | 'comm-disable' | 'other';

interface Action<K extends string> {
  kind: K;
  /** Plain words: 'put into STOP', 'cold restart'. */
  what: string;
}

/** What a control transaction does, or null when it is not a mode change. */
export function modeAction(tx: TransactionObservation): Action<ModeAction> | null {
  if (tx.op !== 'control' || !OT_PROTOCOLS.has(tx.protocol)) return null;
  const fn = tx.fn;
  const d = tx.detail;
  switch (tx.protocol) {
    case 's7comm':
      if (fn === 'PLC Stop') return { kind: 'stop', what: 'put into STOP' };
      if (fn === 'PLC Control' && d?.piService === 'P_PROGRAM') return { kind: 'start', what: 'started (RUN)' };
      if (fn === 'PLC Control') {
        return {
          kind: 'other',
          what: d?.piService ? `PLC control service ${String(d.piService)}` : 'PLC control command',
        };
      }
      break;
    case 'enip':
      if (fn === 'STOP') return { kind: 'stop', what: 'stopped (CIP Stop)' };
      if (fn === 'START') return { kind: 'start', what: 'started (CIP Start)' };
      if (fn === 'RESET')
        return { kind: 'restart', what: `reset (CIP Reset${d?.className ? ` of ${d.className}` : ''})` };
      if (d?.pccc === 'PCCC_CHANGE_MODE') return { kind: 'stop', what: 'mode changed (PCCC change mode)' };
      break;
    case 'dnp3':
      if (fn === 'COLD_RESTART') return { kind: 'restart', what: 'cold restart' };
      if (fn === 'WARM_RESTART') return { kind: 'restart', what: 'warm restart' };
      if (fn === 'STOP_APPL') return { kind: 'stop', what: 'application stopped (STOP_APPL)' };
      if (fn === 'START_APPL') return { kind: 'start', what: 'application started (START_APPL)' };
      if (fn === 'INITIALIZE_APPL') return { kind: 'restart', what: 'application initialised (INITIALIZE_APPL)' };
      if (fn === 'INITIALIZE_DATA') return { kind: 'restart', what: 'data initialised (INITIALIZE_DATA)' };
      break;
    case 'bacnet':
      if (fn === 'reinitialize_device') {
        return { kind: 'restart', what: `reinitialised (${String(d?.state ?? 'reinitialize-device')})` };
      }
      if (fn === 'device_communication_control') {
        const st = String(d?.state ?? '');
        if (st === 'enable') return { kind: 'other', what: 'communication re-enabled' };
        return { kind: 'comm-disable', what: `communication disabled (${st || 'device-communication-control'})` };
      }
      break;
    case 'modbus':
      if (fn === 'DIAGNOSTICS') {
        const sub = String(d?.subFunctionName ?? '');
        if (sub === 'RESTART_COMMUNICATIONS_OPTION') return { kind: 'restart', what: 'communications restarted' };
        if (sub === 'FORCE_LISTEN_ONLY_MODE') return { kind: 'comm-disable', what: 'forced into listen-only mode' };
        return { kind: 'other', what: `diagnostics ${sub || 'control'}` };
      }
      if (fn === 'UMAS_STOP_PLC') return { kind: 'stop', what: 'put into STOP (UMAS)' };
      if (fn === 'UMAS_START_PLC') return { kind: 'start', what: 'started (UMAS)' };
      if (fn === 'RESET_COMM_LINK_884_U84') return { kind: 'restart', what: 'communication link reset' };
      break;
    case 'iec104':
      if (fn === 'C_RP_NA_1') return { kind: 'restart', what: 'process reset (C_RP_NA_1)' };
      break;
    case 'profinet':
      return { kind: 'restart', what: 'reset to factory settings (DCP)' };
  }
  return { kind: 'other', what: `control command ${fn}` };
}

type ProgramAction = 'download' | 'upload' | 'delete' | 'other';

const DOWNLOAD_FNS = new Set([
  'Request Download',
  'Download Block',
  'Download Ended',
  'UMAS_INITIALIZE_DOWNLOAD',
  'UMAS_DOWNLOAD_BLOCK',
  'UMAS_END_STRATEGY_DOWNLOAD',
  'INITIATE_DOWNLOAD',
  'DOWNLOAD_TRANSFER',
  'INITIATE_PARTIAL_WRITE',
  'ACTIVATE_CONFIG',
]);
const UPLOAD_FNS = new Set([
  'Start Upload',
  'Upload',
  'End Upload',
  'UMAS_INITIALIZE_UPLOAD',
  'UMAS_UPLOAD_BLOCK',
  'UMAS_END_STRATEGY_UPLOAD',
  'INITIATE_UPLOAD',
  'UPLOAD_TRANSFER',
  'INITIATE_PARTIAL_READ',
  'atomic_read_file',
]);
const S7_PI_DOWNLOAD = new Set(['_INSE', '_INS2', '_MODU', '_N_F_COPY', '_N_F_RENA', '_N_F_XFER']);
const S7_PI_DELETE = new Set(['_DELE', '_N_F_DELE', '_N_F_DELR', '_N_DELVAR']);

/** What a program transaction does. */
export function programAction(tx: TransactionObservation): Action<ProgramAction> | null {
  if (tx.op !== 'program' || !OT_PROTOCOLS.has(tx.protocol)) return null;
  const fn = tx.fn;
  const pi = typeof tx.detail?.piService === 'string' ? tx.detail.piService : '';
  const block = tx.detail?.blockType ? ` ${String(tx.detail.blockType)} ${String(tx.detail.blockNumber ?? '')}` : '';
  if (pi !== '' && S7_PI_DELETE.has(pi)) return { kind: 'delete', what: `block deleted (${pi})` };
  if (pi !== '' && S7_PI_DOWNLOAD.has(pi)) return { kind: 'download', what: `block activated (${pi})` };
  if (fn === 'CLEAR_FILE') return { kind: 'delete', what: 'program file cleared' };
  if (DOWNLOAD_FNS.has(fn)) return { kind: 'download', what: `program download (${fn}${block.trimEnd()})` };
  if (UPLOAD_FNS.has(fn)) return { kind: 'upload', what: `program upload (${fn}${block.trimEnd()})` };
  if (tx.detail?.pccc !== undefined) return { kind: 'download', what: `program edit (${String(tx.detail.pccc)})` };
  if (/^PROGRAM_/.test(fn)) return { kind: 'download', what: `programming command (${fn})` };
  return { kind: 'other', what: `programming function ${fn}` };
}

/** True firmware replacement, as opposed to device file transfers that dissectors class with it. */
function isFirmwareReplacement(tx: TransactionObservation): boolean {
  return (
    tx.fn === 'FIRMWARE_REPLACEMENT' ||
    // Rockwell's NVS class (0xA1) carries firmware images (ITI's EIP-FirmwareChangeFailure trace).
    (tx.protocol === 'enip' && tx.detail?.classId === 0xa1)
  );
}

/** Roles that write to controllers as part of normal operation. */
// Controllers write too: to their remote I/O and to peer controllers (produced/consumed data,
// Modbus I/O scanning). Programming or mode changes from a controller still alert.
const NORMAL_WRITERS = new Set(['engineering-workstation', 'hmi', 'historian', 'plc']);

function peers(flow: FlowInfo): { client: string; server: string } {
  const client = flow.clientIp !== '' ? flow.clientIp : `mac:${macToString(flow.clientMac)}`;
  const server =
    flow.serverIp !== '' ? flow.serverIp : flow.serverMac !== 0 ? `mac:${macToString(flow.serverMac)}` : '';
  return { client, server };
}

function label(ctx: RuleContext, host: string): HostView | null {
  return host === '' ? null : ctx.host(host);
}

function outcome(tx: TransactionObservation): string {
  if (tx.status === 'exception') return `, refused by the device (${tx.exception ?? 'error'})`;
  if (tx.status === 'no-response') return ', no answer seen';
  return '';
}

function evidenceLine(tx: TransactionObservation, client: string, server: string): string {
  const d = tx.detail;
  const extra: string[] = [];
  if (d) {
    for (const k of [
      'piService',
      'className',
      'pccc',
      'subFunctionName',
      'state',
      'blockType',
      'blockNumber',
      'filename',
    ]) {
      const v = d[k];
      if (v !== undefined) extra.push(`${k}=${String(v).slice(0, 64)}`);
    }
  }
  return `${tx.protocol} ${tx.fn} ${client} -> ${server || '?'}${extra.length ? ` [${extra.join(' ')}]` : ''} status=${tx.status}${tx.exception ? ` (${tx.exception})` : ''}`;
}

function lower(s: Severity): Severity {
  return s === 'critical' ? 'high' : s === 'high' ? 'medium' : s === 'medium' ? 'low' : 'info';
}

function isEngineering(h: HostView | null): boolean {
  return h !== null && (h.engineering || h.role === 'engineering-workstation');
}

function txOf(event: RuleEvent): { tx: TransactionObservation; flow: FlowInfo } | null {
  if (event.kind !== 'observation' || event.obs.kind !== 'transaction') return null;
  // Unsolicited responses carry the server's function code with the client still as originator:
  // they are evidence of an operation whose request the capture missed; keep them.
  return { tx: event.obs, flow: event.flow };
}

const MODE_SEVERITY: Record<ModeAction, Severity> = {
  stop: 'critical',
  start: 'high',
  restart: 'high',
  'comm-disable': 'high',
  other: 'medium',
};
const MODE_ATTACK: Record<ModeAction, string[]> = {
  stop: ['T0858', 'T0881', 'T0816'],
  start: ['T0858'],
  restart: ['T0816', 'T0858'],
  'comm-disable': ['T0814', 'T0803', 'T0804'],
  other: ['T0858'],
};

export const modeChangeRule: Rule = {
  id: 'ops.mode-change',
  revision: 1,
  severity: 'critical',
  title: 'Controller operating mode changed',
  remediation:
    'Confirm with the control room and the engineer on duty that this change was planned. If not, treat it as an incident: isolate the sending host, check the controller state and logic, and restore the process from a known-good state.',
  attack: ['T0858', 'T0816', 'T0881', 'T0814', 'T0803', 'T0804'],
  events: ['observation'],
  evaluate(event, ctx) {
    const e = txOf(event);
    if (e === null) return null;
    const act = modeAction(e.tx);
    if (act === null) return null;
    const { client, server } = peers(e.flow);
    const from = label(ctx, client);
    const to = label(ctx, server);
    const ews = isEngineering(from);
    const severity = ews ? lower(MODE_SEVERITY[act.kind]) : MODE_SEVERITY[act.kind];
    const target = to?.label ?? (server || 'a device');
    const who = from?.label ?? client;
    const attempted = e.tx.status === 'exception' ? 'Attempt: ' : '';
    const whyWho = ews
      ? `${who} is a known engineering workstation: check this was planned maintenance.`
      : `${who} is not a known engineering workstation.`;
    return [
      {
        ruleId: this.id,
        key: `${client}>${server}:${e.tx.protocol}:${act.kind}:${e.tx.fn}`,
        severity,
        title: `${attempted}${target} ${act.what} by ${who} (${e.tx.protocol})`,
        remediation: `A controller that stops, restarts or stops communicating stops controlling the process. ${whyWho} ${this.remediation}`,
        attack: MODE_ATTACK[act.kind],
        ts: e.tx.ts,
        hosts: server ? [client, server] : [client],
        evidence: `${evidenceLine(e.tx, client, server)}${outcome(e.tx)}`,
        protocol: e.tx.protocol,
        flowId: e.flow.id,
      },
    ];
  },
};

const PROGRAM_SEVERITY: Record<ProgramAction, [Severity, Severity, Severity]> = {
  // [from a known engineering workstation, from a host of unknown role (new: nothing known
  // about it yet), from a host known to be something else (an IT host, an HMI...)]
  download: ['medium', 'high', 'critical'],
  delete: ['high', 'high', 'critical'],
  upload: ['low', 'medium', 'high'],
  other: ['info', 'low', 'medium'],
};
const PROGRAM_ATTACK: Record<ProgramAction, string[]> = {
  download: ['T0843', 'T0821'],
  delete: ['T0809', 'T0843'],
  upload: ['T0845'],
  other: ['T0843'],
};

export const programTransferRule: Rule = {
  id: 'ops.program-transfer',
  revision: 1,
  severity: 'critical',
  title: 'Controller logic downloaded, uploaded or deleted',
  remediation:
    'Compare the controller program with the approved version (checksum or project compare) and ask who changed it and why. Changes outside a change window or from an unknown host: isolate the host and restore the approved logic. Put the controller key switch in RUN/protected mode and enable CPU write protection.',
  attack: ['T0843', 'T0845', 'T0809', 'T0821'],
  events: ['observation'],
  evaluate(event, ctx) {
    const e = txOf(event);
    if (e === null) return null;
    const act = programAction(e.tx);
    if (act === null) return null;
    const { client, server } = peers(e.flow);
    const from = label(ctx, client);
    const to = label(ctx, server);
    const ews = isEngineering(from);
    const severity = PROGRAM_SEVERITY[act.kind][ews ? 0 : from === null || from.role === 'unknown' ? 1 : 2];
    const who = from?.label ?? client;
    const target = to?.label ?? (server || 'a device');
    const why =
      act.kind === 'upload'
        ? 'Reading a controller program gives an attacker the process logic to plan an attack.'
        : 'Changed or deleted logic changes what the process does, and can hide malicious logic.';
    return [
      {
        ruleId: this.id,
        key: `${client}>${server}:${e.tx.protocol}:${act.kind}`,
        severity,
        title: `${e.tx.status === 'exception' ? 'Attempt: ' : ''}${act.kind === 'upload' ? 'Program read from' : act.kind === 'delete' ? 'Program deleted on' : 'Program changed on'} ${target} by ${who} (${e.tx.protocol})`,
        remediation: `${why} ${ews ? `${who} is a known engineering workstation.` : `${who} is not a known engineering workstation.`} ${this.remediation}`,
        attack: PROGRAM_ATTACK[act.kind],
        ts: e.tx.ts,
        hosts: server ? [client, server] : [client],
        evidence: `${act.what}: ${evidenceLine(e.tx, client, server)}${outcome(e.tx)}`,
        protocol: e.tx.protocol,
        flowId: e.flow.id,
      },
    ];
  },
};

export const firmwareRule: Rule = {
  id: 'ops.firmware',
  revision: 1,
  severity: 'high',
  title: 'Firmware or device file transfer',
  remediation:
    'Check that a firmware update was planned, that the image came from the vendor (verify its signature or hash) and that it went through a change process. An unplanned update: isolate the sender, keep the capture, and verify the device firmware against the vendor image.',
  attack: ['T0857', 'T0839'],
  events: ['observation'],
  evaluate(event, ctx) {
    const e = txOf(event);
    if (e === null || e.tx.op !== 'firmware' || !OT_PROTOCOLS.has(e.tx.protocol)) return null;
    const { client, server } = peers(e.flow);
    const from = label(ctx, client);
    const to = label(ctx, server);
    const ews = isEngineering(from);
    const real = isFirmwareReplacement(e.tx);
    const severity: Severity = real ? (ews ? 'medium' : 'critical') : ews ? 'low' : 'medium';
    const who = from?.label ?? client;
    const target = to?.label ?? (server || 'a device');
    return [
      {
        ruleId: this.id,
        key: `${client}>${server}:${e.tx.protocol}:${real ? 'firmware' : 'file'}`,
        severity,
        title: real
          ? `Firmware update on ${target} from ${who} (${e.tx.protocol})`
          : `Device file transfer with ${target} by ${who} (${e.tx.protocol} ${e.tx.fn})`,
        remediation: `Malicious firmware survives restarts and reinstalls, and can disable safety functions. ${this.remediation}`,
        attack: real ? ['T0857', 'T0839'] : ['T0857'],
        ts: e.tx.ts,
        hosts: server ? [client, server] : [client],
        evidence: `${evidenceLine(e.tx, client, server)}${outcome(e.tx)}`,
        protocol: e.tx.protocol,
        flowId: e.flow.id,
      },
    ];
  },
};

export const unauthorizedCommandRule: Rule = {
  id: 'ops.unauthorized-command',
  revision: 1,
  severity: 'high',
  title: 'Commands to a controller from a host that should not send them',
  remediation:
    'Find out who uses this host and why it commands the controller. If it is a new engineering station, list it under engineering_stations in the zone file (or suppress this alert for it with a reason); if not, block it at the conduit and investigate. Restrict controller access to the engineering and HMI hosts (IEC 62443 SR 2.1, least privilege).',
  attack: ['T0855', 'T0836', 'T0843', 'T0858'],
  events: ['observation'],
  evaluate(event, ctx) {
    const e = txOf(event);
    if (e === null || !OT_PROTOCOLS.has(e.tx.protocol)) return null;
    const op = e.tx.op;
    const { client, server } = peers(e.flow);
    const from = ctx.host(client);
    if (isEngineering(from)) return null;
    let severity: Severity;
    let what: string;
    let attack: string[];
    if (op === 'write') {
      // A host the inventory has never seen proves nothing on its own (on a first analysis every
      // HMI is new; new hosts and links are the baseline rules' job): writes alert only from
      // hosts the inventory knows as something that should not write, an IT host above all.
      if (from.assetKey === null || NORMAL_WRITERS.has(from.role)) return null;
      severity = from.role === 'it-host' ? 'high' : from.role === 'unknown' ? 'low' : 'medium';
      what = 'writes to';
      attack = ['T0855', 'T0836'];
    } else if (op === 'program' || op === 'control' || op === 'firmware') {
      // PLCs exchange control with each other (peer messaging), and the mode/program rules
      // already rate the act itself; this one says the sender is not an engineering station,
      // most loudly when the inventory knows it as something else.
      severity = from.role === 'plc' || from.role === 'unknown' ? 'medium' : 'high';
      what =
        op === 'program' ? 'programs' : op === 'firmware' ? 'transfers firmware/files to' : 'sends control commands to';
      attack = op === 'program' ? ['T0855', 'T0843'] : op === 'control' ? ['T0855', 'T0858'] : ['T0855', 'T0857'];
    } else {
      return null;
    }
    if (e.tx.status === 'exception' && severity !== 'high') severity = lower(severity);
    const to = label(ctx, server);
    const target = to?.label ?? (server || 'a device');
    const role = from.role === 'unknown' ? 'a host of unknown role' : `a host classified ${from.role}`;
    return [
      {
        ruleId: this.id,
        key: `${client}>${server}:${e.tx.protocol}:${op}`,
        severity,
        title: `${from.label} (${role}, not an engineering workstation) ${what} ${target} over ${e.tx.protocol}`,
        remediation: `Only engineering workstations should program or control controllers, and only engineering workstations, HMIs and historians should write to them: any other host doing so is either misconfigured or an attacker. ${this.remediation}`,
        attack,
        ts: e.tx.ts,
        hosts: server ? [client, server] : [client],
        evidence: `${evidenceLine(e.tx, client, server)}${outcome(e.tx)}`,
        protocol: e.tx.protocol,
        flowId: e.flow.id,
      },
    ];
  },
};

export const OPERATION_RULES: readonly Rule[] = [
  modeChangeRule,
  programTransferRule,
  firmwareRule,
  unauthorizedCommandRule,
];

/** Observation filters for the engine: these rules never look at reads. */
export const OPERATION_FILTERS: Readonly<Record<string, ObservationFilter>> = {
  [modeChangeRule.id]: { ops: ['control'] },
  [programTransferRule.id]: { ops: ['program'] },
  [firmwareRule.id]: { ops: ['firmware'] },
  [unauthorizedCommandRule.id]: { ops: ['write', 'program', 'control', 'firmware'] },
};
