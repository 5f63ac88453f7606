import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/**
 * Byte transports under the forwarders. `send` resolves when the bytes were handed to the
 * operating system (UDP: the datagram was sent; TCP/TLS: the socket accepted them; file: written)
 * and rejects with a DeliveryError otherwise. Connections are made lazily and remade after a
 * failure: the forwarder's queue retries with backoff, so reconnecting needs no loop here.
 */
export interface Transport {
  send(data: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** A failed delivery. `permanent`: retrying cannot help (the receiver refused this message). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
    /** The receiver asked to wait this long before retrying (HTTP Retry-After). */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

function why(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return e.message || String(code ?? e.name);
  }
  return String(e);
}

/** One datagram per message (RFC 5426). UDP cannot tell a message was lost: best effort. */
export class UdpTransport implements Transport {
  private socket: DgramSocket | null = null;
  private address: Promise<string> | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async send(data: Buffer): Promise<void> {
    let addr: string;
    try {
      this.address ??= isIP(this.host) ? Promise.resolve(this.host) : lookup(this.host).then((a) => a.address);
      addr = await this.address;
    } catch (e) {
      this.address = null;
      throw new DeliveryError(`cannot resolve '${this.host}': ${why(e)}`);
    }
    if (this.socket === null) {
      const s = createSocket(isIP(addr) === 6 ? 'udp6' : 'udp4');
      s.on('error', () => {
        s.close();
        if (this.socket === s) this.socket = null;
      });
      s.unref();
      this.socket = s;
    }
    const s = this.socket;
    await new Promise<void>((res, rej) =>
      s.send(data, this.port, addr, (err) => {
        if (!err) return res();
        const code = (err as { code?: string }).code;
        rej(new DeliveryError(`udp send to ${addr}:${this.port}: ${why(err)}`, code === 'EMSGSIZE'));
      }),
    );
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((res) => s.close(() => res()));
  }
}

export interface StreamOptions {
  /** TLS settings; absent = plain TCP. */
  tls?: ConnectionOptions;
  /** Connect (and TLS handshake) timeout, ms (default 5,000). */
  connectTimeoutMs?: number;
  /** A write the socket has not accepted after this long fails and the connection is dropped (default 10,000). */
  writeTimeoutMs?: number;
}

/**
 * A TCP or TLS stream. A connection the receiver closes is dropped at once (its 'end'), so the
 * next message reconnects instead of being written into a dead socket. Bytes the kernel
 * accepted in the instant the receiver died can still be lost: syslog has no acknowledgements.
 */
export class StreamTransport implements Transport {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly opts: StreamOptions = {},
  ) {}

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((res, rej) => {
      const tls = this.opts.tls;
      const s = tls
        ? tlsConnect({ ...tls, host: this.host, port: this.port })
        : netConnect({ host: this.host, port: this.port });
      const ready = tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => s.destroy(new Error('connect timed out')), this.opts.connectTimeoutMs ?? 5000);
      const onError = (e: Error) => {
        clearTimeout(timer);
        s.destroy();
        rej(new DeliveryError(`${tls ? 'tls' : 'tcp'} connect to ${this.host}:${this.port}: ${why(e)}`));
      };
      s.once('error', onError);
      s.once(ready, () => {
        clearTimeout(timer);
        s.off('error', onError);
        if (this.closed) {
          s.destroy();
          rej(new DeliveryError('transport closed'));
          return;
        }
        s.setNoDelay(true);
        s.setKeepAlive(true, 30_000);
        s.on('error', () => s.destroy());
        s.on('end', () => s.destroy());
        s.on('close', () => {
          if (this.socket === s) this.socket = null;
        });
        // Receivers do not talk back; whatever they send is read and discarded.
        s.on('data', () => {});
        this.socket = s;
        res(s);
      });
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async send(data: Buffer): Promise<void> {
    if (this.closed) throw new DeliveryError('transport closed');
    const s = await this.connect();
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => {
        s.destroy();
        rej(new DeliveryError(`write to ${this.host}:${this.port} timed out`));
      }, this.opts.writeTimeoutMs ?? 10_000);
      const onClose = () => {
        clearTimeout(timer);
        rej(new DeliveryError(`connection to ${this.host}:${this.port} closed`));
      };
      s.once('close', onClose);
      s.write(data, (err) => {
        clearTimeout(timer);
        s.off('close', onClose);
        if (err) rej(new DeliveryError(`write to ${this.host}:${this.port}: ${why(err)}`));
        else res();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.socket;
    this.socket = null;
    if (!s || s.destroyed) return;
    await new Promise<void>((res) => {
      const t = setTimeout(() => {
        s.destroy();
        res();
      }, 1000);
      s.end(() => {
        clearTimeout(t);
        s.destroy();
        res();
      });
    });
  }
}

/**
 * Appends to a file (created with its folder if missing). Each `send` is one write(2) of whole
 * lines on a file opened with O_APPEND, so lines from several writers never interleave
 * mid-line (no fsync: the operating system flushes).
 */
export class FileTransport implements Transport {
  private fh: FileHandle | null = null;

  constructor(private readonly path: string) {}

  async send(data: Buffer): Promise<void> {
    try {
      if (this.fh === null) {
        await mkdir(dirname(this.path), { recursive: true });
        this.fh = await open(this.path, 'a', 0o640);
      }
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await this.fh.write(data, off, data.length - off);
        off += bytesWritten;
      }
    } catch (e) {
      const fh = this.fh;
      this.fh = null;
      await fh?.close().catch(() => {});
      throw new DeliveryError(`cannot append to '${this.path}': ${why(e)}`);
    }
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }
}
