/**
 * Typed decode errors. Parsers throw `DecodeError` only inside their own module boundary;
 * dissectors catch it and turn it into a named anomaly. Nothing throws past a dissector.
 */
export class DecodeError extends Error {
  constructor(
    /** Stable, kebab-case anomaly code, e.g. `modbus-length-mismatch`. */
    readonly code: string,
    message: string,
    /** Byte offset inside the buffer being parsed, when known. */
    readonly offset = -1,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Hard limits shared by all parsers: counts, lengths and depth are capped, never trusted. */
export const LIMITS = {
  /** Largest frame we decode; anything above is a snaplen/corruption problem. */
  maxFrame: 262_144,
  /** Bytes buffered per TCP direction waiting for a complete PDU. */
  maxStreamBuffer: 1 << 20,
  /** Out-of-order segments held per TCP direction before declaring a gap. */
  maxOutOfOrderSegments: 64,
  /** Bytes of out-of-order data held per TCP direction. */
  maxOutOfOrderBytes: 256 * 1024,
  /** IPv4/IPv6 fragments: concurrent datagrams being reassembled, and bytes held in total. */
  maxFragmentDatagrams: 4096,
  maxFragmentBytes: 16 << 20,
  /** Longest string taken from the wire (names, identity values). */
  maxString: 256,
  /** Objects/items decoded from one message (identification objects, registers...). */
  maxItems: 256,
} as const;
