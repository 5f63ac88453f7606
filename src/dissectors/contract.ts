import type { Direction, Observation, ProtocolName } from '../observations/observation.js';

/**
 * What a dissector knows about the flow it parses. Client is the originator (TCP SYN sender,
 * or the side talking to the well-known port); server the responder.
 *
 * For L2 dissectors (transport 'l2') there is one "flow" per (dissector, source MAC): clientMac
 * is the sender of the frames, serverMac 0, IPs '' and ports 0; `about: 'client'` in an
 * identity observation means the sender's MAC.
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
  /** L2 dissectors: the destination MAC of the frame being parsed (a DCP Set names its target only there). */
  readonly l2DstMac?: number;
  emit(obs: Observation): void;
  /** A named anomaly (malformed input) tied to this flow and packet time. */
  anomaly(code: string, detail: string): void;
  /**
   * Keyed fingerprint of a secret (password, community string): HMAC-SHA-256 under the
   * inventory's key, hex, truncated to 32 characters. Call it and drop the secret: plaintext
   * secrets are never emitted, logged or stored.
   */
  fingerprint(secret: Uint8Array | string): string;
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
  /**
   * Server ports (TCP/UDP) this dissector claims. For 'l2' dissectors: EtherTypes (LLDP
   * 0x88cc, PROFINET 0x8892), or for 802.3 SNAP frames with a non-zero OUI the key
   * `oui * 0x10000 + pid` (Cisco CDP: 0x00000c * 0x10000 + 0x2000 = 0xc2000), or for plain LLC
   * frames `0x1000000 + DSAP` (STP: 0x1000042). See `l2Key` in src/dissectors/registry.ts.
   */
  readonly defaultPorts: readonly number[];
  /** Decide from the first payload bytes of a flow on a non-default port. */
  probe?(buf: Uint8Array, off: number, len: number, dir: Direction): 'match' | 'no-match' | 'need-more';
  newState(flow: FlowInfo): S;
  parse(state: S, buf: Uint8Array, off: number, len: number, ctx: DissectContext): number;
  // L2: `parse` gets the frame's payload after the Ethernet/VLAN/LLC(/SNAP) headers, one frame per call.
  /** `bytes` of the stream in direction `dir` were lost (capture loss or a window we never saw). */
  onGap?(state: S, dir: Direction, bytes: number, ctx: DissectContext): void;
  /** The flow ended or was evicted: flush pending state (unanswered requests...). */
  onEnd?(state: S, ctx: DissectContext): void;
}
