import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildPcap, buildPcapng, recordingSink } from './pcap-builder.js';
import { readCapture, readCaptureBuffer, readCaptureStream } from './source.js';
import { NotACaptureError } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-capture-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** 300 packets of varying sizes: records cross every small chunk size used below. */
function sample(): Uint8Array {
  const pk = Array.from({ length: 300 }, (_, i) => ({
    tsUs: 1_700_000_000_000_000 + i * 1000,
    data: new Uint8Array(20 + ((i * 37) % 200)).fill(i & 0xff),
  }));
  return buildPcap({ linkType: 1 }, pk);
}

test('readCapture reads a file in chunks and reports progress', async () => {
  const bytes = sample();
  const path = file('a.pcap', bytes);
  const expected = recordingSink();
  const ref = readCaptureBuffer(bytes, expected);
  for (const chunkSize of [64, 1000, 1 << 20]) {
    const sink = recordingSink();
    const progress: number[] = [];
    const stats = await readCapture(path, sink, {
      chunkSize,
      onProgress: (p) => {
        assert.equal(p.totalBytes, bytes.length);
        progress.push(p.bytesRead);
      },
    });
    assert.deepEqual(stats, ref);
    assert.deepEqual(sink.packets, expected.packets);
    assert.equal(progress.at(-1), bytes.length);
    assert.deepEqual(
      progress,
      [...progress].sort((a, b) => a - b),
    );
  }
  assert.equal(ref.packets, 300);
  assert.equal(ref.gzip, false);
});

test('gzip is detected by content, and a truncated gzip keeps what was decoded', async () => {
  const bytes = sample();
  const gz = gzipSync(bytes);
  const path = file('no-gz-suffix.pcap', gz);
  const progress: number[] = [];
  const sink = recordingSink();
  const stats = await readCapture(path, sink, { chunkSize: 512, onProgress: (p) => progress.push(p.bytesRead) });
  assert.equal(stats.gzip, true);
  assert.equal(stats.packets, 300);
  assert.equal(stats.stop, null);
  assert.equal(stats.bytes, bytes.length);
  assert.equal(progress.at(-1), gz.length);

  const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
  const cutPath = file('cut.pcap.gz', cut);
  const s2 = await readCapture(cutPath, recordingSink());
  assert.equal(s2.gzip, true);
  assert.ok(s2.packets > 50 && s2.packets < 300, `decoded ${s2.packets} packets before the cut`);
  assert.match(s2.stop?.reason ?? '', /^gzip stream truncated\/corrupt: unexpected end of file$/);

  const s3 = readCaptureBuffer(cut, recordingSink());
  assert.equal(s3.gzip, true);
  assert.ok(s3.packets > 50 && s3.packets < 300);
  assert.match(s3.stop?.reason ?? '', /^gzip stream truncated\/corrupt: /);
  assert.equal(readCaptureBuffer(gz, recordingSink()).packets, 300);
});

test('gzip pcapng through a stream', async () => {
  const bytes = buildPcapng([
    { type: 'idb', linkType: 101, tsresol: 9 },
    { type: 'epb', tsUs: 5_000_000, data: Uint8Array.from([0x45, 0, 0, 20]) },
  ]);
  const gz = gzipSync(bytes);
  const chunks = Array.from(gz, (b) => Buffer.from([b]));
  const stats = await readCaptureStream(Readable.from(chunks), recordingSink());
  assert.equal(stats.format, 'pcapng');
  assert.equal(stats.gzip, true);
  assert.deepEqual(stats.linkTypes, { 101: 1 });
});

test('a damaged plain file resolves with a stop', async () => {
  const bytes = sample();
  const path = file('cut.pcap', bytes.subarray(0, bytes.length - 7));
  const stats = await readCapture(path, recordingSink(), { chunkSize: 100 });
  assert.equal(stats.packets, 299);
  assert.match(stats.stop?.reason ?? '', /^file ends inside a packet record \(needs \d+ bytes, has \d+\)$/);
});

test('missing, directory and non-capture files reject with one clear line', async () => {
  await assert.rejects(readCapture(join(dir, 'nope.pcap'), recordingSink()), {
    message: `cannot open capture '${join(dir, 'nope.pcap')}': no such file`,
  });
  await assert.rejects(readCapture(dir, recordingSink()), { message: `cannot open capture '${dir}': is a directory` });
  const txt = file('notes.pcap', new TextEncoder().encode('hello, this is text\n'));
  await assert.rejects(readCapture(txt, recordingSink()), (e: unknown) => {
    assert.ok(e instanceof NotACaptureError);
    assert.equal(e.message, `'${txt}': not a capture file: looks like text ('hello, this is text.')`);
    return true;
  });
  const empty = file('empty.pcap', new Uint8Array(0));
  await assert.rejects(readCapture(empty, recordingSink()), NotACaptureError);
  const gzText = file('text.gz', gzipSync(new TextEncoder().encode('plain words in a gzip')));
  await assert.rejects(readCapture(gzText, recordingSink()), /looks like text/);
});

test("readCapture('-') reads standard input", async () => {
  const bytes = sample();
  const source = fileURLToPath(new URL('./source.js', import.meta.url));
  const script = `import { readCapture } from ${JSON.stringify(source)};
const s = await readCapture('-', { packet() {} });
process.stdout.write(JSON.stringify(s));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stdin.end(gzipSync(bytes));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  assert.equal(code, 0);
  const stats = JSON.parse(out);
  assert.equal(stats.packets, 300);
  assert.equal(stats.gzip, true);
  assert.equal(stats.stop, null);
});
