import type { Sourced } from './evidence';

/**
 * What the node's (or a pod's) network stack looks like: interfaces, routes,
 * neighbours, bridge forwarding entries and conntrack. `host` says which network
 * namespace the fact was read in (`node1`, `pod:a-pod`), when known.
 */

export type InterfaceType =
  'veth' | 'bridge' | 'vxlan' | 'loopback' | 'ether' | 'tun' | 'dummy' | 'ipip' | 'wireguard' | 'other';

export interface InterfaceAddress {
  cidr: string;
  family: 4 | 6;
  scope?: string;
}

export interface HostInterface extends Sourced {
  kind: 'HostInterface';
  host?: string;
  name: string;
  ifindex?: number;
  /** `@ifN`: the peer's ifindex (in another namespace when `linkNetns` is set). */
  peerIfindex?: number;
  /** `@peername` when the peer is in the same namespace. */
  peerName?: string;
  linkNetns?: string;
  linkNetnsId?: number;
  type?: InterfaceType;
  mtu?: number;
  /** Bridge this port belongs to (`master cni0`). */
  master?: string;
  mac?: string;
  state?: string;
  flags?: string[];
  addresses?: InterfaceAddress[];
  vxlan?: { vni?: number; port?: number; local?: string; dev?: string; learning?: boolean };
  /** The pod this veth leads to, when proven (from traffic, ifindex pairing or the CNI). */
  podRef?: string;
}

export interface Route extends Sourced {
  kind: 'Route';
  host?: string;
  /** `default` or a CIDR/address. */
  destination: string;
  via?: string;
  dev?: string;
  src?: string;
  proto?: string;
  scope?: string;
  metric?: number;
  onlink?: boolean;
  table?: string;
}

export interface Neighbor extends Sourced {
  kind: 'Neighbor';
  host?: string;
  ip: string;
  dev?: string;
  lladdr?: string;
  state?: string;
}

export interface FdbEntry extends Sourced {
  kind: 'FdbEntry';
  host?: string;
  mac: string;
  dev: string;
  /** VXLAN: remote VTEP IP (`dst 172.30.1.49`). */
  dst?: string;
  master?: string;
  vlan?: number;
  flags: string[];
}

export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

/** One `conntrack -L` entry: the original direction and the (reverse-NATed) reply. */
export interface ConntrackEntry extends Sourced {
  kind: 'ConntrackEntry';
  host?: string;
  protocol: string;
  timeout?: number;
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  flags: string[];
  mark?: number;
}

/** A traceroute run and its hops. */
export interface TracerouteResult extends Sourced {
  kind: 'Traceroute';
  client?: string;
  target: string;
  targetIp?: string;
  maxHops?: number;
  hops: { ttl: number; probes: { ip?: string; name?: string; rttMs?: number; note?: string }[]; line?: number }[];
}

/** An nginx (combined format) access log line from `kubectl logs`: who served which request. */
export interface HttpAccess extends Sourced {
  kind: 'HttpAccess';
  /** Pod whose log this is, when the command shows it. */
  server?: string;
  client: string;
  time?: string;
  method?: string;
  path?: string;
  status?: number;
  bytes?: number;
  userAgent?: string;
}
