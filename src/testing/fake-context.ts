import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { DissectContext, Dissector, FlowInfo } from '../dissectors/contract.js';
import type {
  AnomalyObservation,
  CredentialObservation,
  Direction,
  IdentityObservation,
  Observation,
  TransactionObservation,
} from '../observations/observation.js';

/** A flow for dissector unit tests (override what the test needs). */
export function testFlow(over: Partial<FlowInfo> = {}): FlowInfo {
  return {
    id: 7,
    transport: 'tcp',
    clientIp: '10.0.0.2',
    serverIp: '10.0.0.1',
    clientPort: 49152,
    serverPort: 0,
    clientMac: 0x000c29aabbcc,
    serverMac: 0x001b1b010203,
    vlan: 0,
    ...over,
  };
}

/** The fixed key fingerprints use in tests (the product uses the inventory's random key). */
export const TEST_CREDENTIAL_KEY = Buffer.from('plantwarden-test-key-0123456789ab');

/**
 * A DissectContext that records everything a dissector reports, for unit tests that drive a
 * dissector directly: set `tsUs` and `dir` before each `parse` call (or use `feed`).
 */
export class FakeContext implements DissectContext {
  tsUs = 1_000_000;
  dir: Direction = 0;
  readonly out: Observation[] = [];
  readonly anomalies: { code: string; detail: string }[] = [];
  readonly violations: string[] = [];

  constructor(readonly flow: FlowInfo = testFlow()) {}

  emit(obs: Observation): void {
    this.out.push(obs);
  }
  anomaly(code: string, detail: string): void {
    this.anomalies.push({ code, detail });
  }
  violation(reason: string): void {
    this.violations.push(reason);
  }
  fingerprint(secret: Uint8Array | string): string {
    return createHmac('sha256', TEST_CREDENTIAL_KEY).update(secret).digest('hex').slice(0, 32);
  }

  get transactions(): TransactionObservation[] {
    return this.out.filter((o): o is TransactionObservation => o.kind === 'transaction');
  }
  get identities(): IdentityObservation[] {
    return this.out.filter((o): o is IdentityObservation => o.kind === 'asset.identity');
  }
  get credentials(): CredentialObservation[] {
    return this.out.filter((o): o is CredentialObservation => o.kind === 'credential');
  }
  get anomalyObservations(): AnomalyObservation[] {
    return this.out.filter((o): o is AnomalyObservation => o.kind === 'anomaly');
  }
  /** All identity facts as `field=value` strings, handy for assertions. */
  get facts(): string[] {
    return this.identities.flatMap((i) => i.facts.map((f) => `${f.field}=${f.value}`));
  }
}

/** Bytes one side sends: numbers, or text taken as Latin-1. `ts` defaults to the previous time + 100 µs. */
export interface FeedChunk {
  dir: Direction;
  bytes: ArrayLike<number> | string;
  ts?: number;
}

/**
 * Feed chunks to a dissector the way the pipeline does, then end the flow. On TCP, the bytes a
 * call did not consume come back, per direction, in front of the next chunk; UDP and L2 get one
 * datagram per call. `step` > 0 splits every chunk into pieces of that size. Each piece sits at
 * offset 3 of a larger buffer, so (buf, off, len) handling is exercised, and every call must
 * return 0 <= consumed <= len.
 */
export function feedChunks<S>(
  d: Dissector<S>,
  state: S,
  ctx: DissectContext & { dir: Direction; tsUs: number },
  chunks: readonly FeedChunk[],
  step = 0,
): void {
  const stream = ctx.flow.transport === 'tcp';
  const held: [number[], number[]] = [[], []];
  for (const c of chunks) {
    const all = typeof c.bytes === 'string' ? [...Buffer.from(c.bytes, 'latin1')] : Array.from(c.bytes);
    const pieces: number[][] = [];
    if (step <= 0) pieces.push(all);
    else for (let i = 0; i < all.length; i += step) pieces.push(all.slice(i, i + step));
    for (const piece of pieces) {
      const data = stream ? [...held[c.dir], ...piece] : piece;
      ctx.dir = c.dir;
      ctx.tsUs = c.ts ?? ctx.tsUs + 100;
      const buf = new Uint8Array(data.length + 5);
      buf.set(data, 3);
      const used = d.parse(state, buf, 3, data.length, ctx);
      assert.ok(used >= 0 && used <= data.length, `consumed ${used} of ${data.length}`);
      held[c.dir] = stream ? data.slice(used) : [];
    }
  }
  d.onEnd?.(state, ctx);
}
