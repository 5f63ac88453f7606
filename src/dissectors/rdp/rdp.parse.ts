import { latin1 } from '../../bytes/reader.js';
import { CS_CORE, CS_CORE_MIN_LEN, MAX_MCS_SCAN, NegType, TPKT_VERSION, X224 } from './rdp.consts.js';

/** Pure RDP connection-sequence parsers. Bytes in, struct and error code out; nothing throws. */

/**
 * TPKT header (RFC 1006 §6): version 3, reserved, length (header included). Returns the
 * packet length, 0 when fewer than 4 bytes, -1 when not a TPKT (`rdp-bad-tpkt`).
 */
export function tpktLength(buf: Uint8Array, off: number, len: number): number {
  if (len < 4) return 0;
  if (buf[off] !== TPKT_VERSION || buf[off + 1] !== 0) return -1;
  const n = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
  return n < 7 ? -1 : n;
}

export interface X224Connect {
  /** TPDU code (0xE0 request, 0xD0 confirm). */
  code: number;
  /** 'Cookie: mstshash=<user>' value, or '' (routing tokens are not user names). */
  cookie: string;
  /** Routing token ('Cookie: msts=...') present. */
  routingToken: boolean;
  /** RDP_NEG_REQ requestedProtocols, RDP_NEG_RSP selectedProtocol, RDP_NEG_FAILURE code; -1 if absent. */
  negType: number;
  negValue: number;
}

export function newConnect(): X224Connect {
  return { code: 0, cookie: '', routingToken: false, negType: 0, negValue: -1 };
}

/**
 * X.224 Connection Request / Confirm inside a TPKT at [off, off+len) ([MS-RDPBCGR]
 * §2.2.1.1-2.2.1.2): LI, code, dst-ref, src-ref, class, then a cookie line and/or an 8-byte
 * negotiation structure. Errors: `rdp-bad-x224`, `rdp-bad-negotiation`.
 */
export function parseConnect(buf: Uint8Array, off: number, len: number, out: X224Connect): string | null {
  out.cookie = '';
  out.routingToken = false;
  out.negType = 0;
  out.negValue = -1;
  const end = off + len;
  if (len < 4 + 7) return 'rdp-bad-x224';
  const li = buf[off + 4] as number;
  out.code = (buf[off + 5] as number) & 0xf0;
  if (li < 6 || off + 5 + li > end) return 'rdp-bad-x224';
  let p = off + 11;
  const tEnd = off + 5 + li;
  if (out.code === X224.CONNECTION_REQUEST && p + 8 <= tEnd && buf[p] === 0x43 /* 'C' */) {
    // "Cookie: mstshash=IDENTIFIER\r\n" or a routing token "Cookie: msts=...\r\n".
    let q = p;
    while (q + 1 < tEnd && !(buf[q] === 0x0d && buf[q + 1] === 0x0a)) q++;
    const line = latin1(buf.subarray(p, q));
    if (line.startsWith('Cookie: mstshash=')) out.cookie = line.slice('Cookie: mstshash='.length);
    else if (line.startsWith('Cookie: msts=')) out.routingToken = true;
    p = q + 2;
  }
  if (p + 8 <= tEnd) {
    const t = buf[p] as number;
    const l = (buf[p + 2] as number) | ((buf[p + 3] as number) << 8);
    if (l !== 8 || (t !== NegType.REQUEST && t !== NegType.RESPONSE && t !== NegType.FAILURE))
      return 'rdp-bad-negotiation';
    out.negType = t;
    out.negValue =
      ((buf[p + 4] as number) | ((buf[p + 5] as number) << 8) | ((buf[p + 6] as number) << 16)) +
      (buf[p + 7] as number) * 0x1000000;
  }
  return null;
}

export interface ClientCore {
  clientName: string;
  clientBuild: number;
  keyboardLayout: number;
  width: number;
  height: number;
}

/**
 * Client Core Data (TS_UD_CS_CORE, [MS-RDPBCGR] §2.2.1.3.2) inside a clear-text MCS
 * Connect-Initial (standard RDP security only): found by its header (type 0xC001, length >= 132,
 * version 0x0008xxxx) in the first 2 KiB; null when absent.
 */
export function findClientCore(buf: Uint8Array, off: number, len: number): ClientCore | null {
  const end = Math.min(off + len, off + MAX_MCS_SCAN);
  for (let p = off; p + CS_CORE_MIN_LEN <= off + len && p + 4 <= end; p++) {
    if (((buf[p] as number) | ((buf[p + 1] as number) << 8)) !== CS_CORE) continue;
    const l = (buf[p + 2] as number) | ((buf[p + 3] as number) << 8);
    if (l < CS_CORE_MIN_LEN || p + l > off + len || buf[p + 6] !== 0x08 || buf[p + 7] !== 0x00) continue;
    const u16 = (q: number) => (buf[q] as number) | ((buf[q + 1] as number) << 8);
    const u32 = (q: number) => u16(q) + u16(q + 2) * 0x10000;
    let name = '';
    for (let q = p + 24; q < p + 24 + 32; q += 2) {
      const c = u16(q);
      if (c === 0) break;
      name += c < 0x20 || c === 0x7f ? '.' : String.fromCharCode(c);
    }
    return {
      clientName: name.trim(),
      clientBuild: u32(p + 20),
      keyboardLayout: u32(p + 16),
      width: u16(p + 8),
      height: u16(p + 10),
    };
  }
  return null;
}
