import { ByteBuilder, concat, ipBytes, macBytes } from './bytes.js';

/**
 * DHCP message (RFC 2131 §2): op(1) htype(1)=1 hlen(1)=6 hops(1) xid(4) secs(2) flags(2) ciaddr(4)
 * yiaddr(4) siaddr(4) giaddr(4) chaddr(16) sname(64) file(128) magic(4)=63825363 options (RFC 2132).
 */
export function dhcp(
  op: 1 | 2,
  xid: number,
  chaddr: string,
  yiaddr: string,
  siaddr: string,
  options: readonly [number, Uint8Array][],
): Uint8Array {
  const b = new ByteBuilder()
    .u8(op) // op: 1 BOOTREQUEST, 2 BOOTREPLY
    .u8(1) // htype: Ethernet
    .u8(6) // hlen
    .u8(0) // hops
    .u32(xid) // transaction id
    .u16(0) // secs
    .u16(0x8000) // flags: broadcast
    .bytes(ipBytes('0.0.0.0')) // ciaddr
    .bytes(ipBytes(yiaddr)) // yiaddr
    .bytes(ipBytes(siaddr)) // siaddr
    .bytes(ipBytes('0.0.0.0')) // giaddr
    .bytes(macBytes(chaddr)) // chaddr
    .zeros(10) // chaddr padding
    .zeros(64) // sname
    .zeros(128) // file
    .u32(0x63825363); // magic cookie
  for (const [code, value] of options) {
    b.u8(code) // option code
      .u8(value.length) // option length
      .bytes(value); // option value
  }
  b.u8(255); // end option
  return b.done();
}

export function asciiBytes(s: string): Uint8Array {
  return new ByteBuilder().ascii(s).done();
}

function dnsName(b: ByteBuilder, name: string): void {
  for (const label of name.split('.')) {
    b.u8(label.length) // label length
      .ascii(label); // label
  }
  b.u8(0); // root
}

/**
 * DNS message (RFC 1035 §4.1): id(2) flags(2) qdcount(2) ancount(2) nscount(2) arcount(2),
 * question: name type(2) class(2); answers: name (pointer 0xC00C) type(2) class(2) ttl(4) rdlength(2) rdata.
 */
export function dns(id: number, response: boolean, name: string, answers: readonly string[]): Uint8Array {
  const b = new ByteBuilder()
    .u16(id) // transaction id
    .u16(response ? 0x8180 : 0x0100) // flags: response+RD+RA / query+RD
    .u16(1) // questions
    .u16(answers.length) // answer RRs
    .u16(0) // authority RRs
    .u16(0); // additional RRs
  dnsName(b, name);
  b.u16(1) // type A
    .u16(1); // class IN
  for (const ip of answers) {
    b.u16(0xc00c) // name: pointer to the question
      .u16(1) // type A
      .u16(1) // class IN
      .u32(300) // TTL
      .u16(4) // rdlength
      .bytes(ipBytes(ip)); // address
  }
  return b.done();
}

/**
 * NTPv4 packet (RFC 5905 §7.3), 48 bytes: LI/VN/mode(1) stratum(1) poll(1) precision(1) root delay(4)
 * root dispersion(4) reference id(4) reference ts(8) origin ts(8) receive ts(8) transmit ts(8).
 */
export function ntp(mode: 3 | 4, stratum: number, refId: string, ntpSeconds: number): Uint8Array {
  const b = new ByteBuilder()
    .u8((0 << 6) | (4 << 3) | mode) // LI 0, version 4, mode 3 client / 4 server
    .u8(stratum) // stratum
    .u8(6) // poll: 64 s
    .u8(0xec) // precision: -20
    .u32(mode === 4 ? 0x00000010 : 0) // root delay
    .u32(mode === 4 ? 0x00000020 : 0) // root dispersion
    .ascii(refId.padEnd(4, '\0').slice(0, 4)); // reference id
  const srv = mode === 4 ? ntpSeconds : 0;
  b.u32(srv ? srv - 16 : 0) // reference timestamp: seconds
    .u32(0) // reference timestamp: fraction
    .u32(srv) // origin timestamp: seconds (client's transmit time)
    .u32(0) // origin timestamp: fraction
    .u32(srv) // receive timestamp: seconds
    .u32(srv ? 0x10000000 : 0) // receive timestamp: fraction
    .u32(ntpSeconds) // transmit timestamp: seconds
    .u32(0x20000000); // transmit timestamp: fraction
  return b.done();
}

/**
 * TLS 1.3 ClientHello in a TLS record (RFC 8446 §4.1.2):
 *   record: type(1)=0x16 version(2)=0x0301 length(2); handshake: type(1)=1 length(3) version(2)=0x0303
 *   random(32) session id(1+32) cipher suites(2+n) compression(1+1) extensions(2+n):
 *   server_name (0x0000), supported_versions (0x002b), supported_groups (0x000a)
 */
export function tlsClientHello(sni: string, seed: number): Uint8Array {
  const ext = new ByteBuilder()
    .u16(0x0000) // extension: server_name
    .u16(sni.length + 5) // extension length
    .u16(sni.length + 3) // server name list length
    .u8(0) // name type: host_name
    .u16(sni.length) // name length
    .ascii(sni) // host name
    .u16(0x002b) // extension: supported_versions
    .u16(3) // extension length
    .u8(2) // versions length
    .u16(0x0304) // TLS 1.3
    .u16(0x000a) // extension: supported_groups
    .u16(4) // extension length
    .u16(2) // list length
    .u16(0x001d) // x25519
    .done();
  const hello = new ByteBuilder()
    .u16(0x0303) // legacy version: TLS 1.2
    .bytes(pseudoRandom(32, seed)) // random
    .u8(32) // session id length
    .bytes(pseudoRandom(32, seed + 1)) // session id
    .u16(6) // cipher suites length
    .u16(0x1301) // TLS_AES_128_GCM_SHA256
    .u16(0x1302) // TLS_AES_256_GCM_SHA384
    .u16(0x1303) // TLS_CHACHA20_POLY1305_SHA256
    .u8(1) // compression methods length
    .u8(0) // null compression
    .u16(ext.length) // extensions length
    .bytes(ext)
    .done();
  return tlsRecord(0x16, 0x0301, concat(new ByteBuilder().u8(1).u24(hello.length).done(), hello));
}

/** TLS 1.3 ServerHello (handshake type 2) with supported_versions = TLS 1.3, in a handshake record. */
export function tlsServerHello(seed: number): Uint8Array {
  const hello = new ByteBuilder()
    .u16(0x0303) // legacy version
    .bytes(pseudoRandom(32, seed)) // random
    .u8(32) // session id length
    .bytes(pseudoRandom(32, seed + 1)) // echoed session id
    .u16(0x1301) // cipher suite
    .u8(0) // compression
    .u16(6) // extensions length
    .u16(0x002b) // extension: supported_versions
    .u16(2) // extension length
    .u16(0x0304) // TLS 1.3
    .done();
  return tlsRecord(0x16, 0x0303, concat(new ByteBuilder().u8(2).u24(hello.length).done(), hello));
}

/** TLS record: content type(1) version(2) length(2) fragment. */
export function tlsRecord(type: number, version: number, fragment: Uint8Array): Uint8Array {
  return concat(
    new ByteBuilder()
      .u8(type) // content type: 0x14 CCS, 0x16 handshake, 0x17 application data
      .u16(version) // record version
      .u16(fragment.length) // length
      .done(),
    fragment,
  );
}

/** Deterministic filler bytes (stand-in for random values and ciphertext). */
export function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * RDP connection request / confirm over TPKT (MS-RDPBCGR §2.2.1.1/2.2.1.2):
 *   X.224 length indicator(1) type(1)=0xE0/0xD0 dst ref(2) src ref(2) class(1) [cookie "Cookie: mstshash=..\r\n"]
 *   RDP_NEG_REQ/RSP: type(1)=1/2 flags(1) length(2 LE)=8 protocols(4 LE)
 */
export function rdpX224(confirm: boolean, cookieUser: string): Uint8Array {
  const body = new ByteBuilder()
    .u8(confirm ? 0xd0 : 0xe0) // X.224 CR / CC
    .u16(0) // destination reference
    .u16(confirm ? 0x1234 : 0) // source reference
    .u8(0); // class 0
  if (!confirm) body.ascii(`Cookie: mstshash=${cookieUser}\r\n`); // routing cookie
  body
    .u8(confirm ? 2 : 1) // RDP_NEG_REQ (1) / RDP_NEG_RSP (2)
    .u8(0) // flags
    .u16le(8) // length
    .u32le(confirm ? 2 : 3); // requested: TLS|CredSSP / selected: CredSSP
  const x = body.done();
  const li = new ByteBuilder().u8(x.length).done(); // X.224 length indicator
  const payload = concat(li, x);
  return concat(
    new ByteBuilder()
      .u8(3) // TPKT version
      .u8(0) // reserved
      .u16(4 + payload.length) // length
      .done(),
    payload,
  );
}

/** Telnet commands (RFC 854 §"TELNET COMMAND STRUCTURE") and the options the demo negotiates. */
export const Telnet = {
  IAC: 255,
  WILL: 251,
  WONT: 252,
  DO: 253,
  DONT: 254,
  /** RFC 857 */
  ECHO: 1,
  /** RFC 858, suppress go-ahead */
  SGA: 3,
  /** RFC 1091, terminal type */
  TTYPE: 24,
  /** RFC 1073, window size */
  NAWS: 31,
} as const;

/**
 * Telnet option negotiation followed by text: each command is IAC(1)=0xFF verb(1) option(1)
 * (RFC 854/855); the text is NVT ASCII with CR LF line ends. A literal 0xFF in the text would need
 * doubling: the demo's texts are plain ASCII.
 */
export function telnetMessage(commands: readonly (readonly [number, number])[], text = ''): Uint8Array {
  const b = new ByteBuilder();
  for (const [verb, option] of commands) {
    b.u8(Telnet.IAC) // interpret as command
      .u8(verb) // WILL / WONT / DO / DONT
      .u8(option); // option code
  }
  return b.ascii(text).done();
}

/** An HTTP/1.1 message head (request or status line, headers, empty line) and an optional body (RFC 9112). */
export function httpMessage(startLine: string, headers: readonly (readonly [string, string])[], body = ''): Uint8Array {
  const head = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return asciiBytes(`${startLine}\r\n${head}\r\n${body}`);
}

/** The value of an `Authorization: Basic` header (RFC 7617): base64 of "user:password". */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'latin1').toString('base64')}`;
}
