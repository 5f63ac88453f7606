/**
 * Builders of Ethernet frames for tests: each function writes its header fields in wire order
 * (one line per field) so a test reads like an annotated capture. Checksums are left zero:
 * plantwarden does not verify them (captures often hold checksum-offloaded packets).
 */

export function mac(s: string): number[] {
  return s.split(':').map((h) => Number.parseInt(h, 16));
}
export function ip4(s: string): number[] {
  return s.split('.').map(Number);
}
function u16(n: number): number[] {
  return [(n >>> 8) & 255, n & 255];
}
function u32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

export function ethernet(dst: string, src: string, etherType: number, payload: number[], vlan = 0): number[] {
  return [
    ...mac(dst), // destination MAC
    ...mac(src), // source MAC
    ...(vlan ? [0x81, 0x00, ...u16(vlan & 0xfff)] : []), // 802.1Q tag: TPID, PCP/DEI/VID
    ...u16(etherType), // EtherType
    ...payload,
  ];
}

export function ipv4(src: string, dst: string, proto: number, payload: number[], ttl = 64): number[] {
  const total = 20 + payload.length;
  return [
    0x45, // version 4, IHL 5
    0x00, // DSCP/ECN
    ...u16(total), // total length
    0x00,
    0x01, // identification
    0x40,
    0x00, // flags DF, fragment offset 0
    ttl, // TTL
    proto, // protocol
    0x00,
    0x00, // header checksum (not verified)
    ...ip4(src), // source address
    ...ip4(dst), // destination address
    ...payload,
  ];
}

export const SYN = 0x02;
export const ACK = 0x10;
export const PSH = 0x08;
export const FIN = 0x01;

export function tcp(
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: number[] = [],
): number[] {
  return [
    ...u16(sport), // source port
    ...u16(dport), // destination port
    ...u32(seq), // sequence number
    ...u32(ack), // acknowledgement number
    0x50, // data offset 5 words
    flags, // flags
    ...u16(65535), // window
    0x00,
    0x00, // checksum (not verified)
    0x00,
    0x00, // urgent pointer
    ...payload,
  ];
}

export function udp(sport: number, dport: number, payload: number[]): number[] {
  return [
    ...u16(sport), // source port
    ...u16(dport), // destination port
    ...u16(8 + payload.length), // length
    0x00,
    0x00, // checksum (not verified)
    ...payload,
  ];
}

export function arp(op: number, senderMac: string, senderIp: string, targetMac: string, targetIp: string): number[] {
  return [
    0x00,
    0x01, // hardware type Ethernet
    0x08,
    0x00, // protocol type IPv4
    6, // hardware size
    4, // protocol size
    ...u16(op), // opcode 1 request, 2 reply
    ...mac(senderMac), // sender MAC
    ...ip4(senderIp), // sender IP
    ...mac(targetMac), // target MAC
    ...ip4(targetIp), // target IP
  ];
}

/**
 * A whole TCP conversation between two hosts on Ethernet: handshake, then each exchange as
 * client data + server data (each acknowledged by the next segment), then FIN/ACK both ways.
 */
export function tcpConversation(o: {
  clientMac: string;
  serverMac: string;
  clientIp: string;
  serverIp: string;
  clientPort: number;
  serverPort: number;
  exchanges: { request: number[]; response?: number[] }[];
  startUs: number;
  vlan?: number;
}): { tsUs: number; data: Uint8Array }[] {
  const out: { tsUs: number; data: Uint8Array }[] = [];
  let ts = o.startUs;
  let cseq = 1000;
  let sseq = 5000;
  const c2s = (flags: number, payload: number[] = []) => {
    out.push({
      tsUs: ts,
      data: Uint8Array.from(
        ethernet(
          o.serverMac,
          o.clientMac,
          0x0800,
          ipv4(o.clientIp, o.serverIp, 6, tcp(o.clientPort, o.serverPort, cseq, sseq, flags, payload)),
          o.vlan,
        ),
      ),
    });
    ts += 1000;
  };
  const s2c = (flags: number, payload: number[] = []) => {
    out.push({
      tsUs: ts,
      data: Uint8Array.from(
        ethernet(
          o.clientMac,
          o.serverMac,
          0x0800,
          ipv4(o.serverIp, o.clientIp, 6, tcp(o.serverPort, o.clientPort, sseq, cseq, flags, payload)),
          o.vlan,
        ),
      ),
    });
    ts += 1000;
  };
  c2s(SYN);
  cseq++;
  s2c(SYN | ACK);
  sseq++;
  c2s(ACK);
  for (const ex of o.exchanges) {
    c2s(PSH | ACK, ex.request);
    cseq += ex.request.length;
    if (ex.response) {
      s2c(PSH | ACK, ex.response);
      sseq += ex.response.length;
    }
  }
  c2s(FIN | ACK);
  cseq++;
  s2c(FIN | ACK);
  sseq++;
  c2s(ACK);
  return out;
}
