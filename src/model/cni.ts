import type { Sourced } from './evidence';

/** Flannel's view of the pod network (net-conf.json, /run/flannel/subnet.env, node annotations). */
export interface CniConfig extends Sourced {
  kind: 'Cni';
  plugin: 'flannel' | string;
  /** Node this applies to (subnet.env is per node). */
  node?: string;
  /** FLANNEL_NETWORK / net-conf.json Network, e.g. 10.244.0.0/16. */
  network?: string;
  /** FLANNEL_SUBNET: this node's gateway/prefix, e.g. 10.244.0.1/24. */
  subnet?: string;
  backend?: 'vxlan' | 'host-gw' | 'udp' | 'wireguard' | string;
  vni?: number;
  /** VXLAN UDP port: Flannel defaults to 8472 (the Linux kernel's legacy port), not IANA 4789. */
  port?: number;
  /** FLANNEL_MTU: underlay MTU minus encapsulation overhead (50 bytes for VXLAN over IPv4). */
  mtu?: number;
  ipMasq?: boolean;
  /** Bridge the pods hang on (`cni0` for the flannel CNI plugin's bridge delegate). */
  bridge?: string;
}

/** VXLAN encapsulation overhead over IPv4: outer Ethernet 14 + IP 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD_IPV4 = 50;
/** Flannel's default VXLAN port (Linux's historical default; the IANA port is 4789). */
export const FLANNEL_VXLAN_PORT = 8472;
