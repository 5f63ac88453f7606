import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync, constants as zc } from 'node:zlib';
import { type CaptureParser, createCaptureParser } from './parser.js';
import { type CaptureStats, NotACaptureError, type PacketSink } from './types.js';

export interface ReadProgress {
  /** Bytes read from the file or stream (compressed bytes for gzip input). */
  bytesRead: number;
  /** Size of the file when known (null for stdin and pipes). */
  totalBytes: number | null;
}

export interface ReadCaptureOptions {
  /** Called after every chunk read. */
  onProgress?: (p: ReadProgress) => void;
  /** Read size in bytes (default 1 MiB; with `pool`, the size of its buffers). */
  chunkSize?: number;
  /** Where chunks of a plain capture file are read into (default: two private buffers). */
  pool?: ChunkPool;
}

/**
 * Buffers for the chunks of a capture file, from their owner: the two-thread pipeline reads into
 * shared memory so that the other thread can see packet bytes where they were read (engine/ring.ts).
 * At most two buffers are out at a time: the chunk being parsed and the one being read.
 */
export interface ChunkPool {
  /** A buffer to read the next chunk into (may block until the owner frees one). */
  next(): Uint8Array;
  /** Every packet of the chunk in `buf` has been given to the sink. */
  parsed(buf: Uint8Array): void;
}

const DEFAULT_CHUNK = 1 << 20;

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function explainFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error';
    default:
      return (err as Error | null)?.message?.split('\n')[0] ?? String(err);
  }
}

function withPath(path: string, err: unknown): Error {
  if (err instanceof NotACaptureError) return new NotACaptureError(`'${path}': ${err.message}`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Read a capture file (pcap or pcapng, optionally gzip-compressed, detected by content) and feed
 * every packet to `sink`. `path === '-'` reads standard input. Resolves with the final stats;
 * a damaged file resolves with `stats.stop` set. Rejects with one clear line when the file
 * cannot be opened, and with NotACaptureError when it is not a capture.
 */
export async function readCapture(
  path: string,
  sink: PacketSink,
  opts: ReadCaptureOptions = {},
): Promise<CaptureStats> {
  if (path === '-') return readCaptureStream(process.stdin, sink, opts);
  const pool = opts.pool;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new Error(`cannot open capture '${path}': ${explainFsError(err)}`);
  }
  let handedOff = false;
  try {
    let totalBytes: number | null = null;
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      totalBytes = st.isFile() ? st.size : null;
    } catch (err) {
      throw new Error(`cannot open capture '${path}': ${explainFsError(err)}`);
    }
    // Two buffers: the next read runs while the current chunk is parsed.
    const chunkSize = Math.max(opts.chunkSize ?? DEFAULT_CHUNK, 64);
    const take = pool ? () => pool.next() : () => Buffer.allocUnsafe(chunkSize);
    let cur = take();
    let nxt = take();
    const readInto = (b: Uint8Array) =>
      fh.read(b, 0, b.length, null).catch((err: unknown) => {
        throw new Error(`cannot read capture '${path}': ${explainFsError(err)}`);
      });
    let n = (await readInto(cur)).bytesRead;
    if (isGzip(cur.subarray(0, n))) {
      // Compressed: zlib needs chunks it may keep, so switch to a stream from the start of the file.
      handedOff = true;
      const raw = fh.createReadStream({ start: 0, highWaterMark: chunkSize, autoClose: true });
      return await readCaptureStream(raw, sink, { ...opts, totalBytes }).catch((err: unknown) => {
        throw withPath(path, err);
      });
    }
    const parser = createCaptureParser(sink);
    let bytesRead = 0;
    try {
      while (n > 0) {
        bytesRead += n;
        const pending = readInto(nxt);
        // Keep the pending read from becoming an unhandled rejection if parsing throws first.
        pending.catch(() => {});
        parser.push(cur.subarray(0, n));
        pool?.parsed(cur);
        opts.onProgress?.({ bytesRead, totalBytes });
        if (parser.stats.stop !== null) {
          await pending;
          break;
        }
        n = (await pending).bytesRead;
        const t = cur;
        cur = nxt;
        nxt = pool && n > 0 ? pool.next() : t;
      }
      return parser.end();
    } catch (err) {
      throw withPath(path, err);
    }
  } finally {
    if (!handedOff) await fh.close().catch(() => {});
  }
}

/**
 * Read a capture from a byte stream (stdin, a pipe, a compressed file stream). gzip is detected
 * from the first two bytes and decompressed as a stream; a truncated or corrupt gzip stream keeps
 * what was decoded and sets `stats.stop`.
 */
export function readCaptureStream(
  input: Readable,
  sink: PacketSink,
  opts: ReadCaptureOptions & { totalBytes?: number | null } = {},
): Promise<CaptureStats> {
  const parser = createCaptureParser(sink);
  const totalBytes = opts.totalBytes ?? null;
  return new Promise<CaptureStats>((resolve, reject) => {
    let bytesRead = 0;
    let mode: 'detect' | 'plain' | 'gzip' = 'detect';
    let first: Buffer | null = null;
    let gunzip: ReturnType<typeof createGunzip> | null = null;
    let done = false;

    const finish = (err: unknown, stats?: CaptureStats): void => {
      if (done) return;
      done = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      if (err) {
        input.destroy();
        gunzip?.destroy();
        reject(err);
      } else {
        if (input === process.stdin) input.pause();
        else if (!input.destroyed) input.destroy();
        resolve(stats!);
      }
    };
    const feed = (chunk: Uint8Array): void => {
      try {
        parser.push(chunk);
      } catch (err) {
        finish(err);
      }
    };
    const finalize = (): void => {
      try {
        finish(null, parser.end());
      } catch (err) {
        finish(err);
      }
    };
    const startGunzip = (): void => {
      parser.stats.gzip = true;
      const z = createGunzip({ chunkSize: 1 << 16 });
      gunzip = z;
      z.on('data', (c: Buffer) => {
        if (done) return;
        feed(c);
        if (!done && parser.stats.stop !== null) finalize();
      });
      z.on('end', finalize);
      z.on('error', (err: Error) => {
        if (done) return;
        parser.fail(`gzip stream truncated/corrupt: ${err.message}`);
        finalize();
      });
      z.on('drain', () => input.resume());
    };
    const route = (chunk: Buffer): void => {
      if (mode === 'plain') feed(chunk);
      else if (gunzip !== null && !gunzip.write(chunk)) input.pause();
    };
    const onData = (chunk: Buffer): void => {
      if (done) return;
      bytesRead += chunk.length;
      if (mode === 'detect') {
        first = first === null ? chunk : Buffer.concat([first, chunk]);
        if (first.length < 2) return;
        mode = isGzip(first) ? 'gzip' : 'plain';
        if (mode === 'gzip') startGunzip();
        chunk = first;
        first = null;
      }
      route(chunk);
      opts.onProgress?.({ bytesRead, totalBytes });
      if (mode === 'plain' && !done && parser.stats.stop !== null) finalize();
    };
    const onEnd = (): void => {
      if (done) return;
      if (mode === 'detect') {
        mode = 'plain';
        if (first !== null) feed(first);
        if (done) return;
      }
      if (gunzip !== null) gunzip.end();
      else finalize();
    };
    const onError = (err: Error): void => {
      finish(new Error(`cannot read capture: ${err.message.split('\n')[0]}`));
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
  });
}

/**
 * Read a capture held in memory (tests, small inputs). gzip is decompressed with gunzipSync; a
 * truncated gzip keeps what decompressed and sets `stats.stop`.
 */
export function readCaptureBuffer(bytes: Uint8Array, sink: PacketSink): CaptureStats {
  const parser: CaptureParser = createCaptureParser(sink);
  if (!isGzip(bytes)) {
    parser.push(bytes);
    return parser.end();
  }
  parser.stats.gzip = true;
  let data: Buffer;
  let gzError: string | null = null;
  try {
    data = gunzipSync(bytes);
  } catch (err) {
    gzError = (err as Error).message;
    try {
      data = gunzipSync(bytes, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch {
      data = Buffer.alloc(0);
    }
  }
  parser.push(data);
  if (gzError !== null) {
    parser.fail(`gzip stream truncated/corrupt: ${gzError}`);
    return parser.stats;
  }
  return parser.end();
}
