import { createTransaction, type TransactionObservation } from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import { failureName, NegType, protocolsName, selectedName, X224 } from './rdp.consts.js';
import { findClientCore, newConnect, parseConnect, tpktLength } from './rdp.parse.js';

export interface RdpState {
  /** Client: waiting for the Connection Request, then (standard security) the Connect-Initial. */
  client: 'cr' | 'mcs' | 'done';
  server: 'cc' | 'done';
  violated: boolean;
  tx: TransactionObservation | null;
  emitted: boolean;
}

const cx = newConnect();

/**
 * RDP (MS-RDPBCGR) on TCP 3389: TPKT + X.224 Connection Request (cookie, requested security
 * protocols) and Confirm (selected protocol or failure); with standard RDP security the clear
 * Client Core Data (client name and build). Then TLS/CredSSP or encrypted traffic: not parsed.
 * One `RDP_SESSION` transaction, the cookie as a credential user, `rdp_security` about the server.
 */
export const rdpDissector: Dissector<RdpState> = {
  name: 'rdp',
  transports: ['tcp'],
  defaultPorts: [3389],

  probe(buf, off, len, dir) {
    if (dir !== 0) return 'no-match';
    if (len < 6) return len >= 1 && buf[off] !== 3 ? 'no-match' : 'need-more';
    return buf[off] === 3 && buf[off + 1] === 0 && ((buf[off + 5] as number) & 0xf0) === X224.CONNECTION_REQUEST
      ? 'match'
      : 'no-match';
  },

  newState(_flow: FlowInfo): RdpState {
    return { client: 'cr', server: 'cc', violated: false, tx: null, emitted: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const dir = ctx.dir;
    if (dir === 0 ? s.client === 'done' : s.server === 'done') return len;
    const n = tpktLength(buf, off, len);
    if (n === 0) return 0;
    if (n < 0) {
      if (s.tx === null) {
        s.violated = true;
        ctx.violation(`rdp-bad-tpkt: first bytes ${buf[off]} ${buf[off + 1]}`);
        return len;
      }
      // After the connection request, non-TPKT bytes are TLS or fast-path: stop this side.
      stop(s, dir);
      return len;
    }
    if (len < n) return 0;
    if (dir === 0 && s.client === 'cr') onRequest(s, buf, off, n, ctx);
    else if (dir === 0) onConnectInitial(s, buf, off, n, ctx);
    else onConfirm(s, buf, off, n, ctx);
    return n;
  },

  onGap(s, dir) {
    stop(s, dir);
  },

  onEnd(s, ctx) {
    if (s.tx && !s.emitted) {
      s.emitted = true;
      ctx.emit(s.tx);
    }
  },
};

function stop(s: RdpState, dir: 0 | 1): void {
  if (dir === 0) s.client = 'done';
  else s.server = 'done';
}

function onRequest(s: RdpState, buf: Uint8Array, off: number, n: number, ctx: DissectContext): void {
  const err = parseConnect(buf, off, n, cx);
  if (cx.code !== X224.CONNECTION_REQUEST || (err === 'rdp-bad-x224' && s.tx === null)) {
    s.violated = true;
    ctx.violation(`rdp-not-connection-request: ${err ?? `X.224 code 0x${cx.code.toString(16)}`}`);
    return;
  }
  if (err !== null) ctx.anomaly(err, `connection request of ${n} bytes`);
  const detail: Record<string, string | number | boolean> = {};
  if (cx.cookie !== '') detail.cookie = cx.cookie;
  if (cx.routingToken) detail.routingToken = true;
  detail.requested = cx.negType === NegType.REQUEST ? protocolsName(cx.negValue) : 'RDP';
  s.tx = createTransaction(ctx.tsUs, ctx.flow.id, 'rdp', 'auth', 'RDP_SESSION', X224.CONNECTION_REQUEST, 'no-response');
  s.tx.detail = detail;
  s.client = 'mcs';
  if (cx.cookie !== '') {
    ctx.emit({
      kind: 'credential',
      ts: ctx.tsUs,
      flowId: ctx.flow.id,
      protocol: 'rdp',
      mechanism: 'rdp-cookie',
      user: cx.cookie,
      secretFingerprint: null,
      cleartext: false,
      outcome: 'unknown',
      source: 'rdp.x224.cookie.mstshash',
      by: 'client',
    });
  }
}

function onConfirm(s: RdpState, buf: Uint8Array, off: number, n: number, ctx: DissectContext): void {
  s.server = 'done';
  const err = parseConnect(buf, off, n, cx);
  if (err !== null || cx.code !== X224.CONNECTION_CONFIRM) {
    ctx.anomaly(err ?? 'rdp-unexpected-tpdu', `server TPDU code 0x${cx.code.toString(16)}, ${n} bytes`);
    return;
  }
  const tx = s.tx;
  if (tx === null || s.emitted) return;
  const detail = tx.detail as Record<string, string | number | boolean>;
  tx.rttUs = ctx.tsUs - tx.ts;
  if (cx.negType === NegType.FAILURE) {
    tx.status = 'exception';
    tx.exception = failureName(cx.negValue);
    s.client = 'done';
  } else {
    tx.status = 'ok';
    const selected = cx.negType === NegType.RESPONSE ? selectedName(cx.negValue) : 'RDP';
    detail.selected = selected;
    ctx.emit({
      kind: 'asset.identity',
      ts: ctx.tsUs,
      flowId: ctx.flow.id,
      protocol: 'rdp',
      about: 'server',
      facts: [{ field: 'rdp_security', value: selected, source: 'rdp.x224.negotiation_response.selected_protocol' }],
    });
    // Only standard RDP security sends the Connect-Initial in the clear.
    if (selected !== 'RDP') s.client = 'done';
  }
  s.emitted = true;
  ctx.emit(tx);
}

function onConnectInitial(s: RdpState, buf: Uint8Array, off: number, n: number, ctx: DissectContext): void {
  s.client = 'done';
  const core = findClientCore(buf, off, n);
  if (core === null) return;
  const facts = [
    { field: 'rdp_client_build', value: String(core.clientBuild), source: 'rdp.client_core_data.client_build' },
  ];
  if (core.clientName !== '')
    facts.unshift({ field: 'hostname', value: core.clientName, source: 'rdp.client_core_data.client_name' });
  ctx.emit({ kind: 'asset.identity', ts: ctx.tsUs, flowId: ctx.flow.id, protocol: 'rdp', about: 'client', facts });
}
