import { hex } from '../../bytes/reader.js';
import {
  type CredentialObservation,
  createTransaction,
  type Direction,
  type IdentityFact,
  type IdentityObservation,
  type Op,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  abortReasonName,
  BACNET_PORT,
  Bvlc,
  bvlcName,
  bvlcResultName,
  Confirmed,
  confirmedName,
  confirmedOp,
  dccStateName,
  errorClassName,
  errorCodeName,
  IDENTITY_PROPERTIES,
  networkMessageName,
  networkMessageOp,
  OBJECT_DEVICE,
  objectTypeName,
  Pdu,
  propertyName,
  reinitStateName,
  rejectReasonName,
  segmentationName,
  Unconfirmed,
  unconfirmedName,
  unconfirmedOp,
  vendorName,
} from './bacnet.consts.js';
import {
  type Frame,
  newFrame,
  newServiceFields,
  type PropertyResult,
  parseAtomicFile,
  parseDeviceCommunicationControl,
  parseError,
  parseFrame,
  parseIAm,
  parseIHave,
  parsePropertyRef,
  parsePropertyValue,
  parseReinitialize,
  parseRpmAck,
  parseRpmRequest,
  parseSubscribeCov,
  parseTimeSync,
  parseWhoHas,
  parseWhoIs,
  plausibleBvlc,
  type ServiceFields,
} from './bacnet.parse.js';

/** Confirmed requests waiting for an answer per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 64;
/** Password-failure error code (BACnetErrorCode 26). */
const PASSWORD_FAILURE = 26;

interface Pending {
  /** requester direction * 256 + invoke id */
  key: number;
  tx: TransactionObservation;
  cred: CredentialObservation | null;
}

/** Per-flow state: confirmed requests waiting for their answer. */
export interface BacnetState {
  readonly pending: Pending[];
  /** Datagrams parsed with a valid BVLC header. */
  frames: number;
  violated: boolean;
}

const frame: Frame = newFrame();
const svc: ServiceFields = newServiceFields();

/**
 * BACnet/IP (UDP 47808): BVLC (Annex J) + NPDU (§6) + APDU (§20). One datagram per call.
 * Confirmed requests pair with their ACK/Error/Reject/Abort by requester and invoke id; every
 * unconfirmed request, network-layer message and BVLC control message is a transaction of its
 * own. I-Am, I-Have and device-object property reads become identity observations; passwords of
 * ReinitializeDevice and DeviceCommunicationControl become credential observations (fingerprint).
 */
export const bacnetDissector: Dissector<BacnetState> = {
  name: 'bacnet',
  transports: ['udp'],
  defaultPorts: [BACNET_PORT],

  probe(buf, off, len) {
    return plausibleBvlc(buf, off, len) ? 'match' : 'no-match';
  },

  newState(_flow: FlowInfo): BacnetState {
    return { pending: [], frames: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const err = parseFrame(buf, off, len, frame);
    if (err !== null) {
      if (s.frames === 0 && err === 'bacnet-bvlc-bad-type') {
        s.violated = true;
        ctx.violation(`${err}: type ${frame.bvlcType}, function ${frame.bvlcFunction}, length ${len}`);
        return len;
      }
      ctx.anomaly(
        err,
        `${bvlcName(frame.bvlcFunction)} BVLC length ${frame.bvlcLength}, datagram ${len}, dir ${ctx.dir}`,
      );
      // A length mismatch leaves every field parsed; other errors stop here.
      if (err !== 'bacnet-bvlc-length-mismatch') return len;
    }
    s.frames++;
    if (!frame.hasNpdu) {
      onBvlc(buf, ctx);
      return len;
    }
    if (frame.networkMessage >= 0) {
      const tx = newTx(
        buf,
        ctx,
        networkMessageOp(frame.networkMessage),
        networkMessageName(frame.networkMessage),
        'ok',
      );
      tx.fnCode = frame.networkMessage;
      (tx.detail as Record<string, string | number | boolean>).pduType = 'NPDU';
      ctx.emit(tx);
      return len;
    }
    switch (frame.pduType) {
      case Pdu.CONFIRMED_REQUEST:
        onConfirmed(s, buf, ctx);
        break;
      case Pdu.UNCONFIRMED_REQUEST:
        onUnconfirmed(buf, ctx);
        break;
      case Pdu.SIMPLE_ACK:
      case Pdu.COMPLEX_ACK:
      case Pdu.ERROR:
      case Pdu.REJECT:
      case Pdu.ABORT:
        onAnswer(s, buf, ctx);
        break;
      default:
        // Segment-ACKs only steer segmentation; nothing to report.
        break;
    }
    return len;
  },

  onEnd(s, ctx) {
    for (const p of s.pending) flush(p, ctx);
    s.pending.length = 0;
  },
};

function flush(p: Pending, ctx: DissectContext): void {
  ctx.emit(p.tx);
  if (p.cred) ctx.emit(p.cred);
}

/** The side that sent the current datagram, as identity `about`. */
function sender(ctx: DissectContext): IdentityObservation['about'] {
  if (frame.fwdIp !== '') return { ip: frame.fwdIp };
  return ctx.dir === 0 ? 'client' : 'server';
}

function newTx(
  buf: Uint8Array,
  ctx: DissectContext,
  op: Op,
  fn: string,
  status: TransactionObservation['status'],
): TransactionObservation {
  const detail: Record<string, string | number | boolean> = { bvlc: bvlcName(frame.bvlcFunction) };
  if (frame.fwdIp !== '') detail.forwardedFrom = `${frame.fwdIp}:${frame.fwdPort}`;
  if (frame.snet >= 0) {
    detail.snet = frame.snet;
    detail.sadr = hex(buf.subarray(frame.sadrOff, frame.sadrOff + frame.slen));
  }
  if (frame.dnet >= 0) detail.dnet = frame.dnet;
  const tx = createTransaction(ctx.tsUs, ctx.flow.id, 'bacnet', op, fn, frame.service, status);
  tx.tid = frame.invokeId >= 0 ? frame.invokeId : undefined;
  tx.detail = detail;
  return tx;
}

/** BVLC control messages (Annex J.2): results, BDT/FDT reads and writes, foreign registration. */
function onBvlc(buf: Uint8Array, ctx: DissectContext): void {
  const fn = frame.bvlcFunction;
  const op: Op =
    fn === Bvlc.WRITE_BDT || fn === Bvlc.REGISTER_FOREIGN_DEVICE || fn === Bvlc.DELETE_FDT_ENTRY
      ? 'write'
      : fn === Bvlc.RESULT || fn === Bvlc.SECURE_BVLL
        ? 'other'
        : 'read';
  const tx = newTx(buf, ctx, op, bvlcName(fn), 'ok');
  tx.fnCode = fn;
  const d = tx.detail as Record<string, string | number | boolean>;
  if (fn === Bvlc.RESULT && frame.bvlcValue >= 0) {
    d.result = bvlcResultName(frame.bvlcValue);
    if (frame.bvlcValue !== 0) {
      tx.status = 'exception';
      tx.exception = d.result;
    }
  } else if (fn === Bvlc.REGISTER_FOREIGN_DEVICE && frame.bvlcValue >= 0) d.ttl = frame.bvlcValue;
  else if (frame.bvlcValue >= 0) d.entries = frame.bvlcValue;
  ctx.emit(tx);
}

function describeObject(d: Record<string, string | number | boolean>): void {
  if (svc.objectType >= 0) {
    d.objectType = objectTypeName(svc.objectType);
    d.instance = svc.instance;
  }
  if (svc.property >= 0) d.property = propertyName(svc.property);
  if (svc.arrayIndex >= 0) d.arrayIndex = svc.arrayIndex;
}

function onConfirmed(s: BacnetState, buf: Uint8Array, ctx: DissectContext): void {
  if (frame.sequence > 0) return; // a later segment: the request was reported with segment 0
  const service = frame.service;
  const tx = newTx(buf, ctx, confirmedOp(service), confirmedName(service), 'no-response');
  const d = tx.detail as Record<string, string | number | boolean>;
  if (frame.sequence === 0) d.segmented = true;
  svc.properties.length = 0;
  resetSvc();
  const off = frame.dataOff;
  const end = frame.dataEnd;
  let bad = false;
  let cred: CredentialObservation | null = null;
  switch (service) {
    case Confirmed.READ_PROPERTY:
      bad = parsePropertyRef(buf, off, end, svc) !== end && frame.sequence < 0;
      describeObject(d);
      break;
    case Confirmed.WRITE_PROPERTY: {
      const p = parsePropertyRef(buf, off, end, svc);
      bad = p < 0;
      describeObject(d);
      if (p >= 0) {
        const v = parsePropertyValue(buf, p, end);
        if (v !== null && v.text !== '') d.value = v.text;
      }
      break;
    }
    case Confirmed.READ_PROPERTY_MULTIPLE: {
      const n = parseRpmRequest(buf, off, end, svc);
      bad = n < 0 && frame.sequence < 0;
      describeObject(d);
      if (svc.properties.length > 0) d.properties = svc.properties.map(propertyName).join(',');
      if (n >= 0) d.propertyCount = n;
      break;
    }
    case Confirmed.REINITIALIZE_DEVICE:
      bad = parseReinitialize(buf, off, end, svc) !== null;
      if (svc.state >= 0) d.state = reinitStateName(svc.state);
      cred = passwordCredential(buf, ctx, 'bacnet.reinitialize_device.password');
      d.password = cred !== null;
      break;
    case Confirmed.DEVICE_COMMUNICATION_CONTROL:
      bad = parseDeviceCommunicationControl(buf, off, end, svc) !== null;
      if (svc.state >= 0) d.state = dccStateName(svc.state);
      if (svc.duration >= 0) d.duration = svc.duration;
      cred = passwordCredential(buf, ctx, 'bacnet.device_communication_control.password');
      d.password = cred !== null;
      break;
    case Confirmed.ATOMIC_READ_FILE:
    case Confirmed.ATOMIC_WRITE_FILE:
      bad = parseAtomicFile(buf, off, end, service === Confirmed.ATOMIC_WRITE_FILE, svc) !== null;
      describeObject(d);
      if (svc.fileAccess >= 0) {
        d.fileAccess = svc.fileAccess === 0 ? 'stream' : 'record';
        d.fileStart = svc.fileStart;
        if (svc.fileCount >= 0) d.fileCount = svc.fileCount;
      }
      break;
    case Confirmed.SUBSCRIBE_COV:
      bad = parseSubscribeCov(buf, off, end, svc) !== null;
      describeObject(d);
      if (svc.lifetime >= 0) d.lifetime = svc.lifetime;
      break;
  }
  if (bad && frame.sequence < 0) ctx.anomaly('bacnet-service-malformed', `${tx.fn} invoke ${frame.invokeId}`);
  const key = ctx.dir * 256 + frame.invokeId;
  const at = indexOfKey(s.pending, key);
  if (at >= 0) flush(s.pending.splice(at, 1)[0] as Pending, ctx);
  s.pending.push({ key, tx, cred });
  if (s.pending.length > MAX_PENDING) flush(s.pending.shift() as Pending, ctx);
}

function resetSvc(): void {
  svc.objectType = -1;
  svc.instance = -1;
  svc.property = -1;
  svc.arrayIndex = -1;
  svc.low = -1;
  svc.high = -1;
  svc.maxApdu = -1;
  svc.segmentation = -1;
  svc.vendorId = -1;
  svc.deviceInstance = -1;
  svc.objectName = null;
  svc.state = -1;
  svc.duration = -1;
  svc.passwordOff = -1;
  svc.passwordLen = 0;
  svc.errorClass = -1;
  svc.errorCode = -1;
  svc.fileAccess = -1;
  svc.fileStart = -1;
  svc.fileCount = -1;
  svc.processId = -1;
  svc.lifetime = -1;
  svc.properties.length = 0;
}

/** A device password (ReinitializeDevice / DCC) as a credential: fingerprint only. */
function passwordCredential(buf: Uint8Array, ctx: DissectContext, source: string): CredentialObservation | null {
  if (svc.passwordOff < 0) return null;
  const secret = buf.subarray(svc.passwordOff, svc.passwordOff + svc.passwordLen);
  return {
    kind: 'credential',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'bacnet',
    mechanism: 'device-password',
    user: '',
    secretFingerprint: ctx.fingerprint(secret),
    cleartext: true,
    outcome: 'unknown',
    source,
    by: ctx.dir === 0 ? 'client' : 'server',
  };
}

function onUnconfirmed(buf: Uint8Array, ctx: DissectContext): void {
  const service = frame.service;
  const tx = newTx(buf, ctx, unconfirmedOp(service), unconfirmedName(service), 'ok');
  const d = tx.detail as Record<string, string | number | boolean>;
  resetSvc();
  const off = frame.dataOff;
  const end = frame.dataEnd;
  let err: string | null = null;
  let facts: IdentityFact[] | null = null;
  switch (service) {
    case Unconfirmed.WHO_IS:
      err = parseWhoIs(buf, off, end, svc);
      d.range = svc.low >= 0 && svc.high >= 0 ? `${svc.low}-${svc.high}` : 'All';
      break;
    case Unconfirmed.I_AM:
      err = parseIAm(buf, off, end, svc);
      if (err === null) {
        describeObject(d);
        d.maxApdu = svc.maxApdu;
        d.segmentation = segmentationName(svc.segmentation);
        d.vendorId = svc.vendorId;
        d.vendor = vendorName(svc.vendorId);
        facts = [
          { field: 'bacnet_device_instance', value: String(svc.instance), source: 'bacnet.i_am.device_instance' },
          { field: 'vendor_id', value: String(svc.vendorId), source: 'bacnet.i_am.vendor_id' },
        ];
        if (!d.vendor.startsWith('unknown-'))
          facts.push({ field: 'vendor', value: d.vendor, source: 'bacnet.i_am.vendor_id' });
        if (svc.objectType !== OBJECT_DEVICE) err = 'bacnet-i-am-not-device';
      }
      break;
    case Unconfirmed.WHO_HAS:
      err = parseWhoHas(buf, off, end, svc);
      d.range = svc.low >= 0 && svc.high >= 0 ? `${svc.low}-${svc.high}` : 'All';
      describeObject(d);
      if (svc.objectName !== null) d.objectName = svc.objectName;
      break;
    case Unconfirmed.I_HAVE:
      err = parseIHave(buf, off, end, svc);
      if (err === null) {
        d.deviceInstance = svc.deviceInstance;
        describeObject(d);
        d.objectName = svc.objectName ?? '';
        facts = [
          { field: 'bacnet_device_instance', value: String(svc.deviceInstance), source: 'bacnet.i_have.device' },
        ];
        if (svc.objectType === OBJECT_DEVICE && svc.objectName) {
          facts.push({ field: 'device_name', value: svc.objectName, source: 'bacnet.i_have.object_name' });
        }
      }
      break;
    case Unconfirmed.TIME_SYNCHRONIZATION:
    case Unconfirmed.UTC_TIME_SYNCHRONIZATION: {
      const t = parseTimeSync(buf, off, end);
      if (t === null) err = 'bacnet-service-malformed';
      else d.time = t;
      break;
    }
  }
  if (err !== null) ctx.anomaly(err, `${tx.fn}: ${end - off} byte(s) of service data`);
  ctx.emit(tx);
  // Devices behind a BACnet router (SNET present) are not the IP sender: no identity for it.
  if (facts !== null && frame.snet < 0) emitIdentity(ctx, facts);
}

function emitIdentity(ctx: DissectContext, facts: IdentityFact[]): void {
  if (facts.length === 0) return;
  const obs: IdentityObservation = {
    kind: 'asset.identity',
    ts: ctx.tsUs,
    flowId: ctx.flow.id,
    protocol: 'bacnet',
    about: sender(ctx),
    facts,
  };
  ctx.emit(obs);
}

function indexOfKey(pending: Pending[], key: number): number {
  for (let i = 0; i < pending.length; i++) if ((pending[i] as Pending).key === key) return i;
  return -1;
}

function takePending(s: BacnetState, dir: Direction): Pending | undefined {
  const id = frame.invokeId;
  // Answers come from the other side; an Abort may also come from the requester itself.
  let at = indexOfKey(s.pending, (dir === 0 ? 1 : 0) * 256 + id);
  if (at < 0 && frame.pduType === Pdu.ABORT) at = indexOfKey(s.pending, dir * 256 + id);
  if (at < 0) return undefined;
  const p = s.pending[at] as Pending;
  // An ACK or Error names its service: it must be the request's.
  if (
    frame.service >= 0 &&
    frame.pduType !== Pdu.REJECT &&
    frame.pduType !== Pdu.ABORT &&
    p.tx.fnCode !== frame.service
  ) {
    mismatch = `invoke ${id}: request ${p.tx.fn}, answer ${confirmedName(frame.service)}`;
    return undefined;
  }
  s.pending.splice(at, 1);
  return p;
}
/** Why the last takePending refused a pending request (anomaly detail), or ''. */
let mismatch = '';

function onAnswer(s: BacnetState, buf: Uint8Array, ctx: DissectContext): void {
  if (frame.pduType === Pdu.COMPLEX_ACK && frame.sequence > 0) return; // later segment
  mismatch = '';
  const p = takePending(s, ctx.dir);
  if (mismatch !== '') ctx.anomaly('bacnet-service-mismatch', mismatch);
  let tx: TransactionObservation;
  const type = frame.pduType;
  if (p !== undefined) {
    tx = p.tx;
    tx.status = 'ok';
    tx.rttUs = ctx.tsUs - tx.ts;
  } else {
    const fn = type === Pdu.REJECT ? 'reject' : type === Pdu.ABORT ? 'abort' : confirmedName(frame.service);
    tx = newTx(
      buf,
      ctx,
      type === Pdu.REJECT || type === Pdu.ABORT ? 'other' : confirmedOp(frame.service),
      fn,
      'unsolicited',
    );
    if (type === Pdu.REJECT || type === Pdu.ABORT) tx.fnCode = -1;
  }
  const d = tx.detail as Record<string, string | number | boolean>;
  if (frame.snet >= 0 && d.snet === undefined) {
    // The answer comes from a device behind a BACnet router.
    d.snet = frame.snet;
    d.sadr = hex(buf.subarray(frame.sadrOff, frame.sadrOff + frame.slen));
  }
  resetSvc();
  if (type === Pdu.ERROR) {
    if (parseError(buf, frame.dataOff, frame.dataEnd, svc) !== null) {
      ctx.anomaly('bacnet-service-malformed', `error PDU invoke ${frame.invokeId}`);
    }
    if (p !== undefined) tx.status = 'exception';
    tx.exception = svc.errorCode >= 0 ? errorCodeName(svc.errorCode) : 'unknown';
    if (svc.errorClass >= 0) d.errorClass = errorClassName(svc.errorClass);
    d.answer = 'ERROR_PDU';
  } else if (type === Pdu.REJECT || type === Pdu.ABORT) {
    if (p !== undefined) tx.status = 'exception';
    tx.exception = type === Pdu.REJECT ? rejectReasonName(frame.reason) : abortReasonName(frame.reason);
    d.answer = type === Pdu.REJECT ? 'REJECT_PDU' : 'ABORT_PDU';
    if (type === Pdu.ABORT) d.abortBy = frame.pduFlags & 1 ? 'server' : 'client';
  } else {
    d.answer = type === Pdu.SIMPLE_ACK ? 'SIMPLE_ACK' : 'COMPLEX_ACK';
    if (frame.sequence === 0) d.segmentedAnswer = true;
  }
  if (p?.cred) {
    p.cred.outcome =
      type === Pdu.SIMPLE_ACK
        ? 'success'
        : type === Pdu.ERROR && svc.errorCode === PASSWORD_FAILURE
          ? 'failure'
          : 'unknown';
  }
  ctx.emit(tx);
  if (p?.cred) ctx.emit(p.cred);
  if (type === Pdu.COMPLEX_ACK) onComplexAck(buf, tx, ctx);
}

/** ReadProperty / ReadPropertyMultiple ACKs about the device object -> identity facts. */
function onComplexAck(buf: Uint8Array, tx: TransactionObservation, ctx: DissectContext): void {
  const off = frame.dataOff;
  const end = frame.dataEnd;
  const partial = frame.moreFollows;
  let facts: IdentityFact[] | null = null;
  const add = (r: PropertyResult, service: string) => {
    const field = IDENTITY_PROPERTIES.get(r.property);
    if (field === undefined || r.objectType !== OBJECT_DEVICE) return;
    if (r.value.text === '' || r.value.text === '-1') return;
    facts ??= [];
    if (facts.length >= 32) return;
    facts.push({ field, value: r.value.text, source: `bacnet.${service}.${propertyName(r.property)}` });
    if (field === 'vendor_id') {
      const v = vendorName(r.value.num);
      if (!v.startsWith('unknown-'))
        facts.push({ field: 'vendor', value: v, source: 'bacnet.read_property.vendor-identifier', precedence: 90 });
    }
  };
  if (frame.service === Confirmed.READ_PROPERTY) {
    resetSvc();
    const p = parsePropertyRef(buf, off, end, svc);
    const d = tx.detail as Record<string, string | number | boolean>;
    if (d.property === undefined) describeObject(d);
    if (p < 0) {
      if (!partial) ctx.anomaly('bacnet-service-malformed', `read_property ack invoke ${frame.invokeId}`);
      return;
    }
    const v = parsePropertyValue(buf, p, end);
    if (v !== null) {
      if (IDENTITY_PROPERTIES.has(svc.property) && v.text !== '') d.value = v.text;
      add({ objectType: svc.objectType, instance: svc.instance, property: svc.property, value: v }, 'read_property');
    }
  } else if (frame.service === Confirmed.READ_PROPERTY_MULTIPLE) {
    const ok = parseRpmAck(
      buf,
      off,
      end,
      (t, prop) => t === OBJECT_DEVICE && IDENTITY_PROPERTIES.has(prop),
      (r) => add(r, 'read_property_multiple'),
    );
    if (!ok && !partial) ctx.anomaly('bacnet-service-malformed', `read_property_multiple ack invoke ${frame.invokeId}`);
  } else if (frame.service === Confirmed.ATOMIC_READ_FILE) {
    const d = tx.detail as Record<string, string | number | boolean>;
    // AtomicReadFile-ACK (§14.1.1.3): end-of-file boolean, then [0] { start, octet string } or [1] {...}.
    if (frame.dataEnd > frame.dataOff && ((buf[frame.dataOff] as number) & 0xf8) === 0x10) {
      d.endOfFile = ((buf[frame.dataOff] as number) & 0x07) === 1;
    }
  }
  if (facts !== null && frame.snet < 0) emitIdentity(ctx, facts);
}
