import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeContext, testFlow } from '../../testing/fake-context.js';
import { xorshift } from '../../testing/fuzz.js';
import { syslogDissector } from './syslog.dissector.js';
import { newSyslogHeader, parseSyslog } from './syslog.parse.js';

const enc = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

function header(s: string) {
  const h = newSyslogHeader();
  const b = enc(s);
  const err = parseSyslog(b, 0, b.length, h);
  const str = (o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));
  return { err, pri: h.pri, format: h.format, host: str(h.hostOff, h.hostLen), app: str(h.appOff, h.appLen) };
}

function run(transport: 'udp' | 'tcp', chunks: string[]): FakeContext {
  const ctx = new FakeContext(testFlow({ transport, serverPort: 514 }));
  const s = syslogDissector.newState(ctx.flow);
  let held = new Uint8Array(0);
  for (const c of chunks) {
    const b = transport === 'tcp' ? Uint8Array.from([...held, ...enc(c)]) : enc(c);
    const n = syslogDissector.parse(s, b, 0, b.length, ctx);
    held = transport === 'tcp' ? b.slice(n) : held;
  }
  syslogDissector.onEnd?.(s, ctx);
  return ctx;
}

describe('syslog parse', () => {
  it('RFC 3164 with and without a host name', () => {
    // <PRI 34 = auth.crit> TIMESTAMP HOSTNAME TAG: MSG
    assert.deepEqual(header("<34>Oct 11 22:14:15 mymachine su: 'su root' failed"), {
      err: null,
      pri: 34,
      format: 3164,
      host: 'mymachine',
      app: 'su',
    });
    // The word after the timestamp ends with ':': it is the TAG, there is no HOSTNAME.
    assert.deepEqual(header('<133>Apr  5 12:56:51 robin: Hello, syslog!'), {
      err: null,
      pri: 133,
      format: 3164,
      host: '',
      app: 'robin',
    });
  });
  it('RFC 5424 (nil host name is "-")', () => {
    assert.deepEqual(header('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - hi'), {
      err: null,
      pri: 165,
      format: 5424,
      host: 'mymachine.example.com',
      app: 'evntslog',
    });
    assert.equal(header('<165>1 2003-10-11T22:14:15.003Z - app - - -').host, '');
  });
  it('flags a missing or bad PRI', () => {
    assert.equal(header('This is not really a syslog message').err, 'syslog-missing-pri');
    assert.equal(header('<192>Oct 11 22:14:15 x y').err, 'syslog-bad-pri');
    assert.equal(header('<1a>x').err, 'syslog-bad-pri');
  });
});

describe('syslog dissector', () => {
  it('one summary transaction per flow; the host name once', () => {
    const ctx = run('udp', [
      '<34>Oct 11 22:14:15 plc1 su: a',
      '<34>Oct 11 22:14:16 plc1 su: b',
      '<13>Oct 11 22:14:17 plc1 cron: c',
    ]);
    assert.equal(ctx.transactions.length, 1);
    const d = ctx.transactions[0]?.detail;
    assert.deepEqual(d, { messages: 3, 'USER.NOTICE': 1, 'AUTH.CRIT': 2, apps: 'su,cron' });
    assert.deepEqual(ctx.facts, ['hostname=plc1']);
    assert.equal(ctx.identities[0]?.facts[0]?.precedence, 50);
  });
  it('TCP: octet counting and LF framing, split across segments', () => {
    const ctx = run('tcp', ['28 <14>Oct 11 22:14:15 h app: x', '<11>Oct 11 22:14:16 h ap', 'p: y\n']);
    assert.deepEqual(ctx.transactions[0]?.detail, { messages: 2, 'USER.ERR': 1, 'USER.INFO': 1, apps: 'app' });
  });
  it('TCP that is not syslog is a violation', () => {
    assert.equal(run('tcp', ['\u0000\u0001hello']).violations.length, 1);
  });
  it('survives random input (deterministic fuzz)', () => {
    const rnd = xorshift(99).unit;
    for (let i = 0; i < 2000; i++) {
      const b = enc('<34>Oct 11 22:14:15 mymachine su: x\n12 <1>1 - - - -\n').slice(0, Math.floor(rnd() * 60));
      for (let k = 0; k < 4; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      for (const transport of ['udp', 'tcp'] as const) {
        const ctx = new FakeContext(testFlow({ transport, serverPort: 514 }));
        const s = syslogDissector.newState(ctx.flow);
        const n = syslogDissector.parse(s, b, 0, b.length, ctx);
        assert.ok(n >= 0 && n <= b.length);
        syslogDissector.onEnd?.(s, ctx);
      }
    }
  });
});
