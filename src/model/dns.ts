import type { Sourced } from './evidence';

/** A resolver configuration (`/etc/resolv.conf` of a pod or node). */
export interface DnsConfig extends Sourced {
  kind: 'DnsConfig';
  /** Whose resolv.conf this is (pod name, `node:<name>`), when known. */
  owner?: string;
  nameservers: string[];
  search: string[];
  /** glibc and musl default to 1; kubelet writes 5 for ClusterFirst pods. */
  ndots?: number;
  options: string[];
}

/** Cluster-wide DNS settings: the domain and where kube-dns/CoreDNS listens. */
export interface ClusterDns extends Sourced {
  kind: 'ClusterDns';
  domain: string;
  /** ClusterIP of `kube-system/kube-dns`. */
  serviceIP?: string;
  /** CoreDNS `loadbalance` plugin: answers are rotated round-robin. */
  loadbalance?: boolean;
}

export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'SRV' | 'PTR' | 'TXT' | 'NS' | 'SOA' | 'MX' | 'ANY' | string;

export interface DnsAnswer {
  name: string;
  type: DnsRecordType;
  ttl?: number;
  data: string;
}

/** One question asked with nslookup/dig/host and what came back. */
export interface DnsLookup extends Sourced {
  kind: 'DnsLookup';
  tool: 'nslookup' | 'dig' | 'host';
  server?: string;
  serverPort?: number;
  question: { name: string; type: DnsRecordType };
  /** `NOERROR`, `NXDOMAIN`, `SERVFAIL`, `REFUSED`, or `timeout`. */
  status?: string;
  answers: DnsAnswer[];
  /** Who asked, when the transcript shows it (e.g. `kubectl exec b-pod -- nslookup`). */
  client?: string;
}

/** A line of `/etc/hosts`. */
export interface HostsEntry extends Sourced {
  kind: 'HostsEntry';
  owner?: string;
  ip: string;
  names: string[];
}
