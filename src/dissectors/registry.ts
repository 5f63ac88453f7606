import type { PacketInfo } from '../decode/packet-info.js';
import type { Dissector } from './contract.js';

/**
 * The registry key of a non-IP frame: its EtherType; for 802.3 SNAP frames with a non-zero OUI
 * `oui * 0x10000 + pid` (Cisco CDP = 0xc2000); for other LLC frames `0x1000000 + DSAP`
 * (STP = 0x1000042). 0 when the frame has neither.
 */
export function l2Key(p: PacketInfo): number {
  if (p.etherType !== 0) return p.etherType;
  if (p.snapOui !== 0) return p.snapOui * 0x10000 + p.snapPid;
  if (p.llcDsap !== 0) return 0x1000000 + p.llcDsap;
  return 0;
}

/**
 * Maps transports and ports (or EtherTypes) to dissectors, and keeps the dissectors that can
 * probe flows on non-standard ports. One registry per analysis; the order of registration is
 * the order of probing.
 */
export class DissectorRegistry {
  private readonly tcp = new Map<number, Dissector>();
  private readonly udp = new Map<number, Dissector>();
  private readonly l2 = new Map<number, Dissector>();
  readonly all: Dissector[] = [];
  readonly tcpProbers: Dissector[] = [];
  readonly udpProbers: Dissector[] = [];

  register(d: Dissector): this {
    this.all.push(d);
    for (const t of d.transports) {
      const map = t === 'tcp' ? this.tcp : t === 'udp' ? this.udp : this.l2;
      for (const port of d.defaultPorts) if (!map.has(port)) map.set(port, d);
      if (d.probe && t === 'tcp') this.tcpProbers.push(d);
      if (d.probe && t === 'udp') this.udpProbers.push(d);
    }
    return this;
  }

  forTcpPort(port: number): Dissector | undefined {
    return this.tcp.get(port);
  }
  forUdpPort(port: number): Dissector | undefined {
    return this.udp.get(port);
  }
  forEtherType(type: number): Dissector | undefined {
    return this.l2.get(type);
  }
  get hasL2(): boolean {
    return this.l2.size > 0;
  }
}
