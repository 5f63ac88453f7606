import type { Direction, Observation, ProtocolName } from '../observations/observation.js';

/**
 * What a dissector knows about the flow it parses. Client is the originator (TCP SYN sender,
 * or the side talking to the well-known port); server the responder.
 */
export interface FlowInfo {
  readonly id: number;
  readonly transport: 'tcp' | 'udp' | 'l2';
  readonly clientIp: string;
  readonly serverIp: string;
  readonly clientPort: number;
  readonly serverPort: number;
  readonly clientMac: number;
  readonly serverMac: number;
  readonly vlan: number;
}

/**
 * Handed to `parse`. One object per flow, updated in place for each call (no per-packet
 * allocation): read `tsUs` and `dir` during the call, do not keep the context's fields.
 */
export interface DissectContext {
  readonly flow: FlowInfo;
  /** Time of the packet whose bytes are being parsed (µs since epoch). */
  readonly tsUs: number;
  /** Direction of the bytes being parsed. */
  readonly dir: Direction;
  emit(obs: Observation): void;
  /** A named anomaly (malformed input) tied to this flow and packet time. */
  anomaly(code: string, detail: string): void;
  /**
   * The stream is not this protocol after all (or is beyond repair): the pipeline stops
   * handing this flow to the dissector and records the reason as an anomaly.
   */
  violation(reason: string): void;
}

/**
 * A protocol dissector (in the spirit of Zeek analyzers / Suricata app-layer parsers).
 *
 * `parse` receives bytes as (buf, off, len) views that are valid only during the call.
 * - TCP: bytes arrive in stream order per direction. `parse` returns how many bytes it
 *   consumed; the unconsumed tail is kept and handed back, followed by new bytes, on the next
 *   call for that direction (bounded by LIMITS.maxStreamBuffer, after which the stream is cut).
 * - UDP / L2: one datagram per call; the return value is ignored.
 * Parsers must never throw (the pipeline catches and records `<name>-parser-error` if they do,
 * and stops dissecting the flow), never loop without progress, and cap counts and lengths.
 */
export interface Dissector<S = unknown> {
  readonly name: ProtocolName;
  readonly transports: readonly ('tcp' | 'udp' | 'l2')[];
  /** Server ports (TCP/UDP) or EtherTypes (l2) this dissector claims. */
  readonly defaultPorts: readonly number[];
  /** Decide from the first payload bytes of a flow on a non-default port. */
  probe?(buf: Uint8Array, off: number, len: number, dir: Direction): 'match' | 'no-match' | 'need-more';
  newState(flow: FlowInfo): S;
  parse(state: S, buf: Uint8Array, off: number, len: number, ctx: DissectContext): number;
  /** `bytes` of the stream in direction `dir` were lost (capture loss or a window we never saw). */
  onGap?(state: S, dir: Direction, bytes: number, ctx: DissectContext): void;
  /** The flow ended or was evicted: flush pending state (unanswered requests...). */
  onEnd?(state: S, ctx: DissectContext): void;
}
