import { latin1 } from '../../bytes/reader.js';
import { KEX_LISTS, MAX_ALGS, MAX_IDENT_LINE, MAX_PACKET_LEN, Msg } from './ssh.consts.js';

/** Pure SSH parsers (RFC 4253 §4.2, §6, §7.1). Nothing throws; lengths are checked. */

export interface IdentLine {
  /** The line without CR LF (Latin-1, capped). */
  text: string;
  /** Bytes of the line including its LF. */
  length: number;
  /** It starts with "SSH-". */
  isIdent: boolean;
  /** protoversion ('2.0', '1.99'), softwareversion and comments of an identification. */
  proto: string;
  software: string;
  comments: string;
}

export function newIdentLine(): IdentLine {
  return { text: '', length: 0, isIdent: false, proto: '', software: '', comments: '' };
}

/**
 * One line at `off`: 0 = no LF yet (need more), -1 = no LF within 255 bytes
 * (`ssh-ident-too-long`), else the line's length (LF included) with `out` filled.
 */
export function parseIdentLine(buf: Uint8Array, off: number, len: number, out: IdentLine): number {
  const max = Math.min(len, MAX_IDENT_LINE);
  let lf = -1;
  for (let i = 0; i < max; i++) {
    if (buf[off + i] === 0x0a) {
      lf = i;
      break;
    }
  }
  if (lf < 0) return len >= MAX_IDENT_LINE ? -1 : 0;
  let end = lf;
  if (end > 0 && buf[off + end - 1] === 0x0d) end--;
  out.text = latin1(buf.subarray(off, off + end));
  out.length = lf + 1;
  out.isIdent =
    end >= 4 && buf[off] === 0x53 && buf[off + 1] === 0x53 && buf[off + 2] === 0x48 && buf[off + 3] === 0x2d;
  out.proto = '';
  out.software = '';
  out.comments = '';
  if (out.isIdent) {
    const rest = out.text.slice(4);
    const dash = rest.indexOf('-');
    out.proto = dash < 0 ? rest : rest.slice(0, dash);
    const sw = dash < 0 ? '' : rest.slice(dash + 1);
    const sp = sw.indexOf(' ');
    out.software = sp < 0 ? sw : sw.slice(0, sp);
    out.comments = sp < 0 ? '' : sw.slice(sp + 1);
  }
  return out.length;
}

export interface KexInit {
  /** Algorithm lists by KEX_LISTS name. */
  lists: string[][];
  firstKexFollows: boolean;
}

/**
 * Binary packet header at `off` (RFC 4253 §6): packet_length(4) padding_length(1). Returns the
 * total packet size (4 + packet_length), 0 when fewer than 5 bytes, or -1 when the lengths are
 * impossible (`ssh-bad-packet-length`).
 */
export function packetSize(buf: Uint8Array, off: number, len: number): number {
  if (len < 5) return 0;
  const plen =
    (buf[off] as number) * 0x1000000 +
    ((buf[off + 1] as number) << 16) +
    ((buf[off + 2] as number) << 8) +
    (buf[off + 3] as number);
  const pad = buf[off + 4] as number;
  if (plen < 5 || plen > MAX_PACKET_LEN || pad + 1 > plen || pad < 4) return -1;
  return 4 + plen;
}

/** Message type of the packet at `off` (0 if it has no payload). */
export function packetMsgType(buf: Uint8Array, off: number): number {
  const plen = ((buf[off + 1] as number) << 16) | ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
  const pad = buf[off + 4] as number;
  return plen - pad - 1 > 0 ? (buf[off + 5] as number) : 0;
}

/**
 * KEXINIT payload of the packet at `off` (size from packetSize): cookie(16), ten name-lists
 * (uint32 length + comma-separated ASCII), first_kex_packet_follows, reserved. Error:
 * `ssh-kexinit-malformed`.
 */
export function parseKexInit(
  buf: Uint8Array,
  off: number,
  size: number,
): { kex: KexInit | null; error: string | null } {
  const bad = { kex: null, error: 'ssh-kexinit-malformed' };
  const pad = buf[off + 4] as number;
  const payload = off + 5;
  const end = off + size - pad;
  if (buf[payload] !== Msg.KEXINIT) return bad;
  let p = payload + 1 + 16;
  const lists: string[][] = [];
  for (let i = 0; i < KEX_LISTS.length; i++) {
    if (p + 4 > end) return bad;
    const n =
      (buf[p] as number) * 0x1000000 +
      ((buf[p + 1] as number) << 16) +
      ((buf[p + 2] as number) << 8) +
      (buf[p + 3] as number);
    p += 4;
    if (p + n > end) return bad;
    const text = latin1(buf.subarray(p, p + n), 4096);
    lists.push(text === '' ? [] : text.split(',', MAX_ALGS));
    p += n;
  }
  if (p + 5 > end) return bad;
  return { kex: { lists, firstKexFollows: buf[p] !== 0 }, error: null };
}

/** RFC 4253 §7.1: the first algorithm of the client's list that the server also supports. */
export function negotiate(client: readonly string[], server: readonly string[]): string {
  for (const a of client) if (server.includes(a)) return a;
  return '';
}
