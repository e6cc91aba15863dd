import type { Evidence, Packet } from '../../model';

/** One packet as seen on every interface it crossed, in capture order. */
export interface PacketGroup {
  key: string;
  packets: Packet[];
  /** Capture time of the first sighting (seconds), when known. */
  start?: number;
}

/** "This host-side interface leads to the pod with this IP", with the proof. */
export interface VethClaim {
  ip: string;
  iface: string;
  host?: string;
  /**
   * `sent`: the pod's own packet arrived here (`P`); `arp`: the pod answered/asked ARP here;
   * `delivered`: the only veth a unicast left on.
   */
  how: 'sent' | 'arp' | 'delivered' | 'ifindex' | 'declared';
  evidence: Evidence[];
}

/** The same connection before and after DNAT (or the reply before and after un-DNAT). */
export interface NatPair {
  direction: 'forward' | 'reply';
  /** Packet with the original address (dst = ClusterIP for forward, src = pod IP for reply). */
  before: Packet;
  after: Packet;
  /** `10.103.129.86:80`. */
  original: string;
  /** `10.244.0.144:80`. */
  translated: string;
}

/** A unicast frame the bridge sent out of several ports: it did not know the destination MAC yet. */
export interface Flood {
  group: PacketGroup;
  dst: string;
  interfaces: string[];
}

export interface ArpExchange {
  /** The address asked for and who asked. */
  targetIp: string;
  senderIp?: string;
  request?: PacketGroup;
  reply?: PacketGroup;
  mac?: string;
}

export interface TcpConnection {
  key: string;
  client?: string;
  server?: string;
  packets: Packet[];
  syn?: Packet;
  synAck?: Packet;
  ack?: Packet;
  fins: Packet[];
  rsts: Packet[];
  retransmissions: Packet[];
  /** Bytes of payload each way as printed (`length N`). */
  dataPackets: number;
}

export interface IcmpError {
  packet: Packet;
  type: string;
}

/** Everything the captures tell, computed in one linear pass. */
export interface Correlation {
  groups: PacketGroup[];
  /** The flood a packet was part of, for packets of flooded groups only. */
  floodOf: Map<Packet, Flood>;
  vethClaims: VethClaim[];
  natPairs: NatPair[];
  floods: Flood[];
  arp: ArpExchange[];
  connections: TcpConnection[];
  icmpErrors: IcmpError[];
}
