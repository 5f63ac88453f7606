import { gunzipSync, inflateRawSync } from 'node:zlib';
import type { FeedProblem } from './problems.js';

/**
 * Archives of feed files (a zip or tar.gz of CSAF advisories), behind one small interface so a
 * library reader (yauzl, tar) can replace these if preferred. Everything is in memory and
 * bounded: the archive size is checked by the caller, and here the member count, each member's
 * size and the total unpacked size (a zip or gzip bomb stops at the limit with a problem).
 *
 * - gzip (RFC 1952): unpacked with node:zlib; a tar inside is read as tar, anything else is one
 *   member named after the archive without `.gz`.
 * - tar (POSIX ustar, with GNU `L` long names and pax `path=` records): regular files only.
 * - zip (APPNOTE 6.3): the central directory, stored and deflated members; encrypted members and
 *   zip64 are reported and skipped.
 * Nested archives are members like any other (the importer does not open them).
 */
export interface ArchiveMember {
  /** Path inside the archive as written there (only a label: nothing is written to disk). */
  path: string;
  data: Uint8Array;
}

export interface ArchiveLimits {
  maxMembers: number;
  maxMemberBytes: number;
  maxTotalBytes: number;
}

export interface ArchiveContents {
  format: 'zip' | 'tar' | 'tar.gz' | 'gzip';
  members: ArchiveMember[];
  problems: FeedProblem[];
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxMembers: 100_000,
  maxMemberBytes: 64 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
};

/** What kind of archive these first bytes start, if any. */
export function archiveKind(head: Uint8Array): 'zip' | 'gzip' | 'tar' | null {
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x05 && head[3] === 0x06) return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 262 && ascii(head, 257, 5) === 'ustar') return 'tar';
  return null;
}

/** Open an archive; null if the bytes are not one. */
export function readArchive(
  data: Uint8Array,
  name: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): ArchiveContents | null {
  const kind = archiveKind(data);
  if (kind === null) return null;
  if (kind === 'zip') return readZip(data, limits);
  if (kind === 'tar') return { format: 'tar', ...readTar(data, limits) };
  let raw: Uint8Array;
  try {
    raw = gunzipSync(data, { maxOutputLength: limits.maxTotalBytes });
  } catch (e) {
    const why = e instanceof RangeError ? `unpacks to more than ${limits.maxTotalBytes} bytes` : 'corrupt gzip data';
    return { format: 'gzip', members: [], problems: [{ where: '', message: why }] };
  }
  if (archiveKind(raw) === 'tar') return { format: 'tar.gz', ...readTar(raw, limits) };
  const base = name.replace(/^.*[/\\]/, '').replace(/\.t?gz$/i, (m) => (m.toLowerCase() === '.tgz' ? '.tar' : ''));
  if (raw.length > limits.maxMemberBytes) {
    return {
      format: 'gzip',
      members: [],
      problems: [{ where: base, message: `larger than ${limits.maxMemberBytes} bytes` }],
    };
  }
  return { format: 'gzip', members: [{ path: base, data: raw }], problems: [] };
}

function ascii(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len && i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function utf8(b: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && end < b.length && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + off, end - off).toString('utf8');
}

function readTar(b: Uint8Array, limits: ArchiveLimits): { members: ArchiveMember[]; problems: FeedProblem[] } {
  const members: ArchiveMember[] = [];
  const problems: FeedProblem[] = [];
  let off = 0;
  let total = 0;
  let longName: string | null = null;
  while (off + 512 <= b.length) {
    if (b.subarray(off, off + 512).every((x) => x === 0)) break;
    const sizeText = ascii(b, off + 124, 12).trim();
    if (!/^[0-7]*$/.test(sizeText)) {
      problems.push({ where: `offset ${off}`, message: 'tar header with an invalid size; the rest is not read' });
      break;
    }
    const size = sizeText === '' ? 0 : Number.parseInt(sizeText, 8);
    const type = String.fromCharCode(b[off + 156] ?? 0);
    const prefix = ascii(b, off + 257, 5) === 'ustar' ? utf8(b, off + 345, 155) : '';
    let name = longName ?? (prefix !== '' ? `${prefix}/${utf8(b, off, 100)}` : utf8(b, off, 100));
    longName = null;
    const start = off + 512;
    const end = start + size;
    if (end > b.length) {
      problems.push({ where: name, message: 'tar member runs past the end of the archive' });
      break;
    }
    off = start + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = utf8(b, start, Math.min(size, 4096));
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(utf8(b, start, Math.min(size, 65536)));
      if (m) longName = m[1] as string;
      continue;
    }
    if (type !== '0' && type !== '\0' && type !== '7') continue;
    if (members.length >= limits.maxMembers) {
      problems.push({ where: name, message: `more than ${limits.maxMembers} members; the rest are not read` });
      break;
    }
    if (size > limits.maxMemberBytes) {
      problems.push({ where: name, message: `larger than ${limits.maxMemberBytes} bytes` });
      continue;
    }
    total += size;
    if (total > limits.maxTotalBytes) {
      problems.push({
        where: name,
        message: `archive unpacks to more than ${limits.maxTotalBytes} bytes; the rest is not read`,
      });
      break;
    }
    name = name.replace(/^\.\//, '');
    members.push({ path: name, data: b.subarray(start, end) });
  }
  return { members, problems };
}

function readZip(b: Uint8Array, limits: ArchiveLimits): ArchiveContents {
  const members: ArchiveMember[] = [];
  const problems: FeedProblem[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number) => (o + 2 <= b.length ? view.getUint16(o, true) : -1);
  const u32 = (o: number) => (o + 4 <= b.length ? view.getUint32(o, true) : -1);
  let eocd = -1;
  for (let o = b.length - 22; o >= Math.max(0, b.length - 22 - 65535); o--) {
    if (u32(o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0)
    return {
      format: 'zip',
      members,
      problems: [{ where: '', message: 'zip without a central directory (truncated?)' }],
    };
  const count = u16(eocd + 10);
  let p = u32(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) {
    return { format: 'zip', members, problems: [{ where: '', message: 'zip64 archives are not supported' }] };
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (u32(p) !== 0x02014b50) {
      problems.push({ where: `entry ${i}`, message: 'corrupt central directory; the rest is not read' });
      break;
    }
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const compSize = u32(p + 20);
    const size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    const local = u32(p + 42);
    const name = utf8(b, p + 46, nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (members.length >= limits.maxMembers) {
      problems.push({ where: name, message: `more than ${limits.maxMembers} members; the rest are not read` });
      break;
    }
    if (flags & 1) {
      problems.push({ where: name, message: 'encrypted member skipped' });
      continue;
    }
    if (size > limits.maxMemberBytes || compSize === 0xffffffff) {
      problems.push({ where: name, message: `larger than ${limits.maxMemberBytes} bytes` });
      continue;
    }
    if (u32(local) !== 0x04034b50) {
      problems.push({ where: name, message: 'local header missing' });
      continue;
    }
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    if (dataStart + compSize > b.length) {
      problems.push({ where: name, message: 'member runs past the end of the archive' });
      continue;
    }
    const comp = b.subarray(dataStart, dataStart + compSize);
    let data: Uint8Array;
    if (method === 0) data = comp;
    else if (method === 8) {
      try {
        data = inflateRawSync(comp, { maxOutputLength: Math.max(1, Math.min(limits.maxMemberBytes, size + 1)) });
      } catch (e) {
        problems.push({
          where: name,
          message: e instanceof RangeError ? 'unpacks to more than its stated size' : 'corrupt deflate data',
        });
        continue;
      }
    } else {
      problems.push({ where: name, message: `compression method ${method} not supported` });
      continue;
    }
    total += data.length;
    if (total > limits.maxTotalBytes) {
      problems.push({
        where: name,
        message: `archive unpacks to more than ${limits.maxTotalBytes} bytes; the rest is not read`,
      });
      break;
    }
    members.push({ path: name, data });
  }
  return { format: 'zip', members, problems };
}
