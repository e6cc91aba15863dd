import type { Sourced } from './evidence';

export type KubeProxyMode = 'iptables' | 'ipvs' | 'nftables';

/** How Services are implemented on the nodes (from the kube-proxy ConfigMap, or inferred from rules seen). */
export interface KubeProxyConfig extends Sourced {
  kind: 'KubeProxy';
  mode: KubeProxyMode;
  clusterCIDR?: string;
}

export interface AddressMatch {
  cidr: string;
  negated: boolean;
}

/** What a rule means to kube-proxy, decoded from its chain name and `/* comment *\/`. */
export interface KubeProxyMeaning {
  /** `ns/svc:port` (or `ns/svc`) from the comment. */
  servicePortName?: string;
  role:
    | 'service-portal' // KUBE-SERVICES → KUBE-SVC-… for a cluster IP
    | 'external-portal' // external IP / load-balancer IP / NodePort jump
    | 'endpoint-choice' // KUBE-SVC-… → KUBE-SEP-… (maybe with a probability)
    | 'endpoint-dnat' // KUBE-SEP-… DNAT to ip:port
    | 'masquerade-mark' // jump to KUBE-MARK-MASQ
    | 'masquerade' // KUBE-POSTROUTING MASQUERADE
    | 'no-endpoints' // REJECT/DROP for a Service without endpoints
    | 'nodeports' // jump to KUBE-NODEPORTS
    | 'other';
  /** `ip:port` for endpoint rules. */
  endpoint?: string;
}

/** One iptables rule, structured (from `iptables -L`, `iptables-save`, or predicted). */
export interface NatRule extends Sourced {
  kind: 'NatRule';
  table: string;
  chain: string;
  /** 1-based position within its chain as listed. */
  position?: number;
  target: string;
  protocol?: string;
  source?: AddressMatch;
  destination?: AddressMatch;
  inInterface?: string;
  outInterface?: string;
  sport?: number;
  dport?: number;
  comment?: string;
  /** `statistic mode random probability P` as printed. */
  probability?: number;
  mark?: string;
  /** `-m recent` options as text (session affinity). */
  recent?: string;
  dnatTo?: { ip: string; port?: number };
  packets?: number;
  bytes?: number;
  /** The rule as printed, for excerpts and unparsed leftovers. */
  text: string;
  kubeProxy?: KubeProxyMeaning;
  /** The hosts whose prompts showed the rule (one rule pasted from several nodes is merged into one fact). */
  hosts?: string[];
}

export interface NatChain extends Sourced {
  kind: 'NatChain';
  table: string;
  name: string;
  policy?: string;
  references?: number;
  /** `-X CHAIN` in iptables-restore input: the chain is deleted, not declared. */
  deleted?: boolean;
}

/** IPVS mode: a virtual server and its real servers (`ipvsadm -Ln`). */
export interface IpvsVirtualServer extends Sourced {
  kind: 'IpvsVirtualServer';
  protocol: 'TCP' | 'UDP' | 'SCTP';
  address: string;
  port: number;
  scheduler: string;
  persistentSeconds?: number;
  realServers: {
    address: string;
    port: number;
    forward: string;
    weight: number;
    activeConn?: number;
    inactConn?: number;
  }[];
}

/** nftables mode: one element of a kube-proxy map (e.g. `service-ips`: `10.96.0.10 . udp . 53 : goto service-…`). */
export interface NftMapElement extends Sourced {
  kind: 'NftMapElement';
  table: string;
  map: string;
  key: string[];
  verdict: string;
}

/** nftables mode: one rule line inside a chain. */
export interface NftRule extends Sourced {
  kind: 'NftRule';
  table: string;
  family: string;
  chain: string;
  text: string;
  /** `numgen random mod N vmap { 0 : goto endpoint-…, … }` endpoint choices. */
  endpointChains?: string[];
  dnatTo?: { ip: string; port?: number };
  comment?: string;
}

/**
 * The kube-proxy flags that change which rules it writes (beyond Services and endpoints),
 * with kube-proxy's own defaults.
 */
export interface KubeProxyFlags {
  /** `--masquerade-all`: SNAT every packet to a cluster IP (default false). */
  masqueradeAll: boolean;
  /** `--iptables-localhost-nodeports` (default true): NodePorts answer on 127.0.0.0/8 (iptables, IPv4). */
  localhostNodePorts: boolean;
  /** `--nodeport-addresses` CIDRs; empty means every local address (the default). */
  nodePortAddresses: string[];
  /** MASQUERADE with `--random-fully` (kube-proxy adds it when iptables supports it). */
  randomFully: boolean;
  /** The nfacct counters kube-proxy ≥ 1.30 uses when the kernel has them (off when absent). */
  nfacct: boolean;
  /** `--conntrack-tcp-be-liberal`: out-of-window TCP packets are not dropped as INVALID. */
  conntrackTCPLiberal: boolean;
  /** `--service-cluster-ip-range` CIDRs (nftables mode drops traffic to unallocated cluster IPs). */
  serviceCIDRs: string[];
}

export const DEFAULT_KUBE_PROXY_FLAGS: KubeProxyFlags = {
  masqueradeAll: false,
  localhostNodePorts: true,
  nodePortAddresses: [],
  randomFully: true,
  nfacct: false,
  conntrackTCPLiberal: false,
  serviceCIDRs: [],
};
