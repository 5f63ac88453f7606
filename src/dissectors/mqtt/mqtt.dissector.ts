import { u16be as u16 } from '../../bytes/words.js';
import {
  type CredentialObservation,
  createTransaction,
  type Direction,
  type TransactionObservation,
} from '../../observations/observation.js';
import type { DissectContext, Dissector, FlowInfo } from '../contract.js';
import {
  afterProperties,
  connectCodeName,
  connectStatusText,
  type MqttPublish,
  newPublish,
  newVarint,
  PacketType,
  parseConnect,
  parsePublish,
  readVarint,
  reasonName,
  requiredFlags,
  text,
  typeName,
  type Varint,
  versionName,
} from './mqtt.parse.js';

/** Requests waiting for their answer per flow; beyond this the oldest becomes 'no-response'. */
export const MAX_PENDING = 64;
/** A packet larger than this is not buffered whole: its head is parsed and the rest skipped. */
export const MAX_BUFFERED_PACKET = 64 * 1024;
/** Bytes of a large packet's head that must be present before it is parsed. */
const HEAD_BYTES = 4096;
/** Topics listed per SUBSCRIBE/UNSUBSCRIBE. */
const MAX_TOPICS = 32;

interface Pending {
  /** Type of the request (PUBLISH, SUBSCRIBE, UNSUBSCRIBE, PINGREQ) and who sent it. */
  type: number;
  dir: Direction;
  packetId: number;
  tx: TransactionObservation;
}

export interface MqttState {
  /** Protocol level of the CONNECT (4 until one is seen): v5 packets carry properties. */
  level: number;
  connect: TransactionObservation | null;
  credential: CredentialObservation | null;
  readonly pending: Pending[];
  /** Bytes of a large packet still to be skipped, per direction. */
  readonly skip: [number, number];
  frames: number;
  violated: boolean;
}

const vi: Varint = newVarint();
const pub: MqttPublish = newPublish();

/**
 * MQTT over TCP 1883 (3.1, 3.1.1, 5.0). One `transaction` per CONNECT (op auth, paired with
 * CONNACK), PUBLISH (write from the client, other from the broker; QoS 1/2 paired with
 * PUBACK/PUBREC), SUBSCRIBE (read) / UNSUBSCRIBE (other) paired with their acks, PINGREQ,
 * DISCONNECT and AUTH; a `credential` for user name/password logins (the password only as a
 * fingerprint); the client id as an identity fact about the client. MQTT over TLS (8883) is
 * TLS's business.
 */
export const mqttDissector: Dissector<MqttState> = {
  name: 'mqtt',
  transports: ['tcp'],
  defaultPorts: [1883],

  newState(_flow: FlowInfo): MqttState {
    return { level: 4, connect: null, credential: null, pending: [], skip: [0, 0], frames: 0, violated: false };
  },

  parse(s, buf, off, len, ctx) {
    if (s.violated) return len;
    const dir = ctx.dir;
    const end = off + len;
    let pos = off;
    while (pos < end) {
      if (s.skip[dir] > 0) {
        const n = Math.min(s.skip[dir], end - pos);
        s.skip[dir] -= n;
        pos += n;
        continue;
      }
      if (end - pos < 2) break;
      const b0 = buf[pos] as number;
      const type = b0 >>> 4;
      const flags = b0 & 0x0f;
      readVarint(buf, pos + 1, end, vi);
      if (vi.size === 0) break;
      if (vi.size < 0 || type === 0 || (s.frames === 0 && dir === 0 && type !== PacketType.CONNECT)) {
        const why =
          vi.size < 0
            ? 'mqtt-remaining-length-malformed'
            : type === 0
              ? 'mqtt-bad-packet-type'
              : 'mqtt-first-packet-not-connect';
        s.violated = true;
        ctx.violation(`${why}: first byte 0x${b0.toString(16)} after ${s.frames} packet(s)`);
        return len;
      }
      const head = 1 + vi.size;
      const total = head + vi.value;
      const avail = end - pos;
      let bodyLen = vi.value;
      if (avail < total) {
        if (vi.value <= MAX_BUFFERED_PACKET || avail < head + HEAD_BYTES) break;
        // Too large to buffer: parse its head now and skip the rest as it arrives.
        bodyLen = avail - head;
        s.skip[dir] = total - avail;
      }
      s.frames++;
      const req = requiredFlags(type);
      if (req >= 0 && flags !== req) ctx.anomaly('mqtt-bad-flags', `${typeName(type)} flags 0x${flags.toString(16)}`);
      onPacket(s, type, flags, buf, pos + head, bodyLen, vi.value, ctx);
      pos += head + bodyLen;
    }
    return pos - off;
  },

  onGap(s, dir: Direction) {
    // We cannot find a packet boundary again in MQTT: stop rather than misparse.
    s.skip[dir] = 0;
    s.violated = true;
  },

  onEnd(s, ctx) {
    flushConnect(s, ctx, 'unknown');
    for (const p of s.pending) ctx.emit(p.tx);
    s.pending.length = 0;
  },
};

function newTx(
  ctx: DissectContext,
  type: number,
  op: TransactionObservation['op'],
  status: TransactionObservation['status'],
): TransactionObservation {
  return createTransaction(ctx.tsUs, ctx.flow.id, 'mqtt', op, typeName(type), type, status);
}

function addPending(s: MqttState, p: Pending, ctx: DissectContext): void {
  s.pending.push(p);
  if (s.pending.length > MAX_PENDING) ctx.emit((s.pending.shift() as Pending).tx);
}

/** The oldest pending request of `type` sent in direction `dir` (with `packetId` when >= 0). */
function takePending(s: MqttState, type: number, dir: Direction, packetId: number): Pending | undefined {
  for (let i = 0; i < s.pending.length; i++) {
    const p = s.pending[i] as Pending;
    if (p.type === type && p.dir === dir && (packetId < 0 || p.packetId === packetId)) {
      s.pending.splice(i, 1);
      return p;
    }
  }
  return undefined;
}

function answer(tx: TransactionObservation, ctx: DissectContext, failed: string | null): void {
  tx.status = failed === null ? 'ok' : 'exception';
  if (failed !== null) tx.exception = failed;
  tx.rttUs = ctx.tsUs - tx.ts;
  ctx.emit(tx);
}

function onPacket(
  s: MqttState,
  type: number,
  flags: number,
  buf: Uint8Array,
  off: number,
  len: number,
  remaining: number,
  ctx: DissectContext,
): void {
  const dir = ctx.dir;
  switch (type) {
    case PacketType.CONNECT:
      onConnect(s, buf, off, len, ctx);
      return;
    case PacketType.CONNACK: {
      if (len < 2) {
        ctx.anomaly('mqtt-field-truncated', `CONNACK length ${len}`);
        return;
      }
      const code = buf[off + 1] as number;
      const tx = s.connect ?? newTx(ctx, PacketType.CONNECT, 'auth', 'unsolicited');
      const ok = code === 0;
      tx.detail = {
        ...(tx.detail ?? {}),
        connectStatus: connectStatusText(s.level, code),
        returnCode: code,
        sessionPresent: ((buf[off] as number) & 1) === 1,
      };
      if (s.connect === null) {
        if (!ok) tx.exception = connectCodeName(s.level, code);
        ctx.emit(tx);
      } else {
        s.connect = null;
        answer(tx, ctx, ok ? null : connectCodeName(s.level, code));
      }
      flushConnect(s, ctx, ok ? 'success' : 'failure');
      return;
    }
    case PacketType.PUBLISH: {
      const qos = (flags >> 1) & 3;
      if (qos === 3) ctx.anomaly('mqtt-bad-qos', `PUBLISH flags 0x${flags.toString(16)}`);
      const err = parsePublish(buf, off, len, remaining, qos, s.level, pub);
      if (err !== null) {
        ctx.anomaly(err, `PUBLISH remaining length ${remaining}`);
        return;
      }
      const tx = newTx(ctx, type, dir === 0 ? 'write' : 'other', qos === 0 ? 'ok' : 'no-response');
      tx.detail = {
        topic: text(buf, pub.topicOff, pub.topicLen),
        qos,
        retain: (flags & 1) === 1,
        dup: (flags & 8) === 8,
        payloadLen: pub.payloadLen,
        fromClient: dir === 0,
      };
      if (pub.packetId >= 0) tx.tid = pub.packetId;
      if (qos === 0) ctx.emit(tx);
      else addPending(s, { type, dir, packetId: pub.packetId, tx }, ctx);
      return;
    }
    case PacketType.PUBACK:
    case PacketType.PUBREC: {
      if (len < 2) {
        ctx.anomaly('mqtt-field-truncated', `${typeName(type)} length ${len}`);
        return;
      }
      const id = u16(buf, off);
      const p = takePending(s, PacketType.PUBLISH, (1 - dir) as Direction, id);
      if (p === undefined) return;
      const reason = s.level === 5 && len >= 3 ? (buf[off + 2] as number) : 0;
      answer(p.tx, ctx, reason >= 0x80 ? reasonName(reason) : null);
      return;
    }
    case PacketType.SUBSCRIBE:
    case PacketType.UNSUBSCRIBE:
      onSubscribe(s, type, buf, off, len, ctx);
      return;
    case PacketType.SUBACK:
    case PacketType.UNSUBACK: {
      if (len < 2) {
        ctx.anomaly('mqtt-field-truncated', `${typeName(type)} length ${len}`);
        return;
      }
      const reqType = type === PacketType.SUBACK ? PacketType.SUBSCRIBE : PacketType.UNSUBSCRIBE;
      const p = takePending(s, reqType, (1 - dir) as Direction, u16(buf, off));
      if (p === undefined) return;
      const q = afterProperties(buf, off + 2, off + len, s.level);
      let codes = '';
      let failures = 0;
      let n = 0;
      // 3.1.1 UNSUBACK has no codes; SUBACK and v5 UNSUBACK list one per topic.
      for (let i = q < 0 ? off + len : q; i < off + len && n < MAX_TOPICS; i++, n++) {
        const c = buf[i] as number;
        codes += (codes ? ',' : '') + c;
        if (c >= 0x80) failures++;
      }
      if (p.tx.detail && codes) p.tx.detail.grantedQos = codes;
      answer(p.tx, ctx, n > 0 && failures === n ? reasonName(buf[off + len - 1] as number) : null);
      return;
    }
    case PacketType.PINGREQ:
      addPending(s, { type, dir, packetId: -1, tx: newTx(ctx, type, 'other', 'no-response') }, ctx);
      return;
    case PacketType.PINGRESP: {
      const p = takePending(s, PacketType.PINGREQ, (1 - dir) as Direction, -1);
      if (p !== undefined) answer(p.tx, ctx, null);
      return;
    }
    case PacketType.DISCONNECT:
    case PacketType.AUTH: {
      const tx = newTx(ctx, type, type === PacketType.AUTH ? 'auth' : 'other', 'ok');
      if (len >= 1 && s.level === 5)
        tx.detail = { reasonCode: buf[off] as number, reason: reasonName(buf[off] as number) };
      ctx.emit(tx);
      return;
    }
    default:
      // PUBREL / PUBCOMP complete the QoS 2 exchange already answered by PUBREC.
      return;
  }
}

function onConnect(s: MqttState, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const { c, error } = parseConnect(buf, off, len);
  if (error !== null) ctx.anomaly(error, `CONNECT protocol ${c.protoName} level ${c.level}`);
  if (c.level >= 3 && c.level <= 5) s.level = c.level;
  if (s.connect !== null) ctx.emit(s.connect);
  flushConnect(s, ctx, 'unknown');
  const tx = newTx(ctx, PacketType.CONNECT, 'auth', 'no-response');
  const detail: Record<string, string | number | boolean> = {
    protoName: c.protoName,
    protoVersion: versionName(c.level),
    clientId: c.clientId,
    cleanSession: (c.flags & 2) === 2,
    keepAlive: c.keepAlive,
    hasUsername: c.user !== null,
    hasPassword: c.passwordOff >= 0,
  };
  if (c.willTopic !== null) {
    detail.willTopic = c.willTopic;
    detail.willPayloadLen = c.willPayloadLen;
  }
  tx.detail = detail;
  s.connect = tx;
  if (c.clientId) {
    ctx.emit({
      kind: 'asset.identity',
      ts: ctx.tsUs,
      flowId: ctx.flow.id,
      protocol: 'mqtt',
      about: 'client',
      facts: [{ field: 'mqtt_client_id', value: c.clientId, source: 'mqtt.CONNECT.client_id' }],
    });
  }
  if (c.user !== null || c.passwordOff >= 0) {
    s.credential = {
      kind: 'credential',
      ts: ctx.tsUs,
      flowId: ctx.flow.id,
      protocol: 'mqtt',
      mechanism: 'password',
      user: c.user ?? '',
      secretFingerprint:
        c.passwordOff >= 0 ? ctx.fingerprint(buf.subarray(c.passwordOff, c.passwordOff + c.passwordLen)) : null,
      // TLS-wrapped MQTT (8883) never reaches this dissector: what we read crossed in the clear.
      cleartext: true,
      outcome: 'unknown',
      source: 'mqtt.CONNECT.username/password',
      by: 'client',
    };
  }
}

/** Emits the pending login's credential with the broker's verdict. */
function flushConnect(s: MqttState, ctx: DissectContext, outcome: CredentialObservation['outcome']): void {
  const cred = s.credential;
  if (cred === null) return;
  s.credential = null;
  cred.outcome = outcome;
  ctx.emit(cred);
}

/**
 * SUBSCRIBE (v5 §3.8): packet id u16, v5 properties, then (topic filter string, options u8)*.
 * UNSUBSCRIBE (v5 §3.10): packet id u16, v5 properties, then topic filter strings.
 */
function onSubscribe(s: MqttState, type: number, buf: Uint8Array, off: number, len: number, ctx: DissectContext): void {
  const end = off + len;
  if (len < 2) {
    ctx.anomaly('mqtt-field-truncated', `${typeName(type)} length ${len}`);
    return;
  }
  const id = u16(buf, off);
  let p = afterProperties(buf, off + 2, end, s.level);
  const sub = type === PacketType.SUBSCRIBE;
  let topics = '';
  let qos = '';
  let n = 0;
  while (p >= 0 && p < end && n < MAX_TOPICS) {
    if (end - p < 2 || end - p - 2 < u16(buf, p) + (sub ? 1 : 0)) {
      ctx.anomaly('mqtt-field-truncated', `${typeName(type)} topic ${n}`);
      break;
    }
    const tl = u16(buf, p);
    topics += (topics ? ',' : '') + text(buf, p + 2, tl);
    p += 2 + tl;
    if (sub) {
      qos += (qos ? ',' : '') + ((buf[p] as number) & 3);
      p++;
    }
    n++;
  }
  if (p < 0) ctx.anomaly('mqtt-field-truncated', `${typeName(type)} properties`);
  const tx = newTx(ctx, type, sub ? 'read' : 'other', 'no-response');
  tx.tid = id;
  tx.quantity = n;
  tx.detail = sub ? { topics, qosLevels: qos } : { topics };
  addPending(s, { type, dir: ctx.dir, packetId: id, tx }, ctx);
}
