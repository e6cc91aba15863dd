import type { Sourced } from './evidence';

/**
 * One packet as a capture printed it. tcpdump `-i any` (LINUX_SLL2) adds the
 * interface and a direction: `In` (received by this host), `Out` (sent), `P`
 * (PACKET_OTHERHOST: seen on a port but addressed to another host — typical on a
 * pod's host-side veth, whose frames go to the bridge), `B` broadcast, `M` multicast.
 */
export type CaptureDirection = 'In' | 'Out' | 'P' | 'B' | 'M';

export interface Endpoint4 {
  ip: string;
  port?: number;
  /** The text as printed when tcpdump resolved a name (`a-app.default.svc.cluster.local.http`). */
  name?: string;
}

export interface TcpInfo {
  /** tcpdump's flag string: `S`, `S.`, `.`, `P.`, `F.`, `R`, `R.` ... */
  flags: string;
  seq?: number;
  seqEnd?: number;
  ack?: number;
  win?: number;
  mss?: number;
  options?: string;
  /** HTTP request/response line when tcpdump printed one. */
  http?: string;
}

export interface DnsInfo {
  id: number;
  /** true for a response. */
  response: boolean;
  /** Question type and name (`A`, `a-app.default.svc.cluster.local.`). */
  qtype?: string;
  qname?: string;
  /** `NXDomain`, `ServFail`, `Refused`... when printed. */
  rcode?: string;
  /** Answer/authority/additional counts as `3/0/0`. */
  counts?: [number, number, number];
  answers?: { type: string; data: string }[];
  /**
   * Marker characters tcpdump prints: `*` authoritative, `+` recursion desired, `-` recursion not available, `|`
   * truncated.
   */
  flags?: string;
}

export interface IcmpInfo {
  type: string;
  id?: number;
  seq?: number;
  /** For unreachable / time exceeded: the quoted original packet as text. */
  detail?: string;
}

export interface ArpInfo {
  op: 'request' | 'reply' | 'other';
  /** `who-has X tell Y` / `X is-at MAC`. */
  targetIp?: string;
  senderIp?: string;
  mac?: string;
}

export interface Packet extends Sourced {
  kind: 'Packet';
  /** Time of day as printed (`14:03:27.123456`) or absolute epoch text. */
  time?: string;
  /** Seconds (since midnight for time-of-day captures) for ordering and per-hop timing. */
  t?: number;
  interface?: string;
  direction?: CaptureDirection;
  /** Link-layer addresses when printed (`-e`). */
  srcMac?: string;
  dstMac?: string;
  network: 'ip' | 'ip6' | 'arp' | 'other';
  protocol: 'tcp' | 'udp' | 'icmp' | 'icmp6' | 'arp' | 'other';
  src?: Endpoint4;
  dst?: Endpoint4;
  /** Payload length tcpdump printed (`length 0`). */
  length?: number;
  ipId?: number;
  ttl?: number;
  tcp?: TcpInfo;
  dns?: DnsInfo;
  icmp?: IcmpInfo;
  arp?: ArpInfo;
  /** VXLAN/OTV: network identifier and the inner packet. */
  vni?: number;
  inner?: Packet;
  /** The rest of the line that was not structured. */
  info?: string;
}
