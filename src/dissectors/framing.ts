import type { Direction } from '../observations/observation.js';
import type { DissectContext } from './contract.js';

/**
 * Finding frames again in a TCP stream of length-prefixed frames (Modbus/TCP, DNP3, IEC 104,
 * EtherNet/IP, S7comm's TPKT) after a gap or a header that makes no sense.
 *
 * Each of those dissectors keeps one `FrameSync` in its flow state and describes its frames
 * once (`Framer`). FrameSync is an object of its own, one class for all five protocols, so these
 * helpers (called for every frame) always see the same shape. The rules are the same for all of them:
 * - a flow whose very first header is bad is not this protocol: it is given up at once;
 * - a bad header on a flow that already had good frames is an anomaly; the parser skips to the
 *   next offset where `find` sees a plausible frame start; after `maxBad` bad headers in a row,
 *   or more than `maxSkip` bytes skipped since the last good frame, the flow is given up;
 * - after a gap (or when no start was found) the direction is marked `resync`: the next bytes
 *   are searched for a frame start first, keeping the last `keep` bytes, which could still
 *   begin one.
 * Giving up is a violation (ctx.violation): the pipeline stops the flow's dissector.
 */
export class FrameSync {
  /** Whole frames seen with a good header (either direction). */
  frames = 0;
  /** Bad headers in a row, and bytes skipped since the last good frame. */
  badHeaders = 0;
  skipped = 0;
  /** Per direction: the next bytes may not start on a frame boundary. */
  readonly resync: [boolean, boolean] = [false, false];
  /** The flow was given up: its bytes are no longer parsed. */
  violated = false;
}

export interface Framer {
  /** Protocol name for the `<protocol>-resync-failed` violation. */
  readonly protocol: string;
  /** What a frame start is called in that message ("frame boundary", "APDU start"...). */
  readonly start: string;
  /** Bytes left unskipped at the end when no start is found (the finder needs one more). */
  readonly keep: number;
  readonly maxBad: number;
  readonly maxSkip: number;
  /** First offset in [from, end) where a plausible frame starts, or -1. */
  find(buf: Uint8Array, from: number, end: number, dir: Direction): number;
}

/** Counts skipped bytes; beyond `maxSkip` the flow is given up. True when it was. */
function skip(f: Framer, s: FrameSync, n: number, ctx: DissectContext): boolean {
  s.skipped += n;
  if (s.skipped <= f.maxSkip) return false;
  s.violated = true;
  ctx.violation(`${f.protocol}-resync-failed: no ${f.start} in ${s.skipped} bytes`);
  return true;
}

/**
 * Where parsing resumes at the start of a call (`pos`). In resync, skips to the next plausible
 * start. Afterwards: `s.violated` -> the flow was given up; `s.resync[dir]` still set -> no
 * start in these bytes: report the returned offset as consumed and wait for more.
 */
export function resume(
  f: Framer,
  s: FrameSync,
  buf: Uint8Array,
  pos: number,
  end: number,
  dir: Direction,
  ctx: DissectContext,
): number {
  if (!s.resync[dir]) return pos;
  const at = f.find(buf, pos, end, dir);
  const next = at < 0 ? Math.max(pos, end - f.keep) : at;
  if (skip(f, s, next - pos, ctx)) return end;
  if (at >= 0) s.resync[dir] = false;
  return next;
}

/**
 * A bad header at `pos` (`err`, described by `detail`): give the flow up, or report it and skip
 * to the next plausible start. Afterwards: `s.violated` -> given up; `s.resync[dir]` set -> no
 * start in the rest of these bytes (stop parsing them); else parse on at the returned offset.
 * A datagram (`scan` false) is not searched: the caller drops the rest of it.
 */
export function badHeader(
  f: Framer,
  s: FrameSync,
  err: string,
  detail: string,
  buf: Uint8Array,
  pos: number,
  end: number,
  dir: Direction,
  ctx: DissectContext,
  scan = true,
): number {
  if (s.frames === 0 || ++s.badHeaders >= f.maxBad) {
    s.violated = true;
    ctx.violation(`${err}: ${detail}`);
    return end;
  }
  ctx.anomaly(err, `${detail}, dir ${dir}`);
  if (!scan) return end;
  const at = f.find(buf, pos + 1, end, dir);
  const next = at < 0 ? Math.max(pos + 1, end - f.keep) : at;
  if (skip(f, s, next - pos, ctx)) return end;
  if (at < 0) s.resync[dir] = true;
  return next;
}

/** A frame with a good header: the counts of trouble start again. */
export function goodFrame(s: FrameSync): void {
  s.frames++;
  s.badHeaders = 0;
  s.skipped = 0;
}
