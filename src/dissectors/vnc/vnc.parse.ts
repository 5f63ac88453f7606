import { latin1 } from '../../bytes/reader.js';
import { u32be } from '../../bytes/words.js';
import { MAX_REASON, VERSION_LEN } from './vnc.consts.js';

/** Pure RFB parsers (RFC 6143 §7.1-7.3). Nothing throws; lengths are checked. */

/**
 * ProtocolVersion (§7.1.1) "RFB xxx.yyy\n": returns the minor version (3.3 -> 3, 3.8 -> 8,
 * Apple's 3.889 -> 889), 0 when fewer than 12 bytes, -1 when not a version string.
 */
export function parseVersion(buf: Uint8Array, off: number, len: number): number {
  const sig = [0x52, 0x46, 0x42, 0x20]; // "RFB "
  for (let i = 0; i < Math.min(len, 4); i++) if (buf[off + i] !== sig[i]) return -1;
  if (len < VERSION_LEN) return 0;
  if (buf[off + 7] !== 0x2e || buf[off + 11] !== 0x0a) return -1;
  let minor = 0;
  for (let i = 4; i < 11; i++) {
    if (i === 7) continue;
    const c = (buf[off + i] as number) - 0x30;
    if (c < 0 || c > 9) return -1;
    if (i > 7) minor = minor * 10 + c;
  }
  return minor;
}

export function versionText(buf: Uint8Array, off: number): string {
  return latin1(buf.subarray(off, off + VERSION_LEN - 1));
}

/**
 * A reason string: u32 length + text (§7.1.2, §7.1.3). Returns the bytes used, 0 when
 * incomplete, -1 when longer than MAX_REASON. Sets `reason.text`.
 */
export const reason = { text: '' };
export function parseReason(buf: Uint8Array, off: number, len: number): number {
  if (len < 4) return 0;
  const n = u32be(buf, off);
  if (n > MAX_REASON) return -1;
  if (len < 4 + n) return 0;
  reason.text = latin1(buf.subarray(off + 4, off + 4 + n));
  return 4 + n;
}

export interface ServerInit {
  width: number;
  height: number;
  name: string;
  /** Bytes used. */
  length: number;
}

/**
 * ServerInit (§7.3.2): width(2) height(2) pixel-format(16) name-length(4) name. Returns null
 * when incomplete; `length` -1 when the name is implausibly long (`vnc-bad-server-init`).
 */
export function parseServerInit(buf: Uint8Array, off: number, len: number): ServerInit | null {
  if (len < 24) return null;
  const n = u32be(buf, off + 20);
  if (n > MAX_REASON) return { width: 0, height: 0, name: '', length: -1 };
  if (len < 24 + n) return null;
  return {
    width: ((buf[off] as number) << 8) | (buf[off + 1] as number),
    height: ((buf[off + 2] as number) << 8) | (buf[off + 3] as number),
    name: latin1(buf.subarray(off + 24, off + 24 + n)),
    length: 24 + n,
  };
}
