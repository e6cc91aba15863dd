import type { Sourced } from './evidence';

/**
 * What a node (or pod) says about itself when something fails: kernel settings, bridge ports,
 * chain policies with their counters, listening sockets, conntrack statistics, the iptables
 * backend, and what a client command reported. Each fact is one printed line or record, with
 * `host` the prompt's host or netns when the transcript shows it.
 */

/** A kernel setting from `sysctl`, `sysctl -a` or `cat /proc/sys/…`: `net.bridge.bridge-nf-call-iptables = 0`. */
export interface KernelSetting extends Sourced {
  kind: 'KernelSetting';
  host?: string;
  /** Dotted name: `net.ipv4.ip_forward` (a /proc/sys path is turned into it). */
  name: string;
  /** As printed (`1`, `0`, `4096	131072	6291456`). */
  value: string;
  /** `sysctl` said the setting does not exist (`cannot stat /proc/sys/…`): e.g. br_netfilter not loaded. */
  missing?: boolean;
}

/** A bridge port as `bridge link` / `bridge -d link` prints it; `hairpin` only with `-d`. */
export interface BridgePort extends Sourced {
  kind: 'BridgePort';
  host?: string;
  name: string;
  ifindex?: number;
  /** `veth…@eth0`: the peer's name as printed after `@`. */
  peer?: string;
  master?: string;
  /** STP state: `forwarding`, `blocking`, `disabled` … */
  state?: string;
  mtu?: number;
  hairpin?: boolean;
  learning?: boolean;
  flood?: boolean;
}

/**
 * A built-in chain's policy and what it has done: `Chain FORWARD (policy DROP 5 packets, 396 bytes)`,
 * `:FORWARD DROP [2:216]` (iptables-save -c), `-P FORWARD DROP` (iptables -S). The counters count
 * packets the policy itself decided, i.e. that no rule of the chain accepted or dropped.
 */
export interface ChainPolicy extends Sourced {
  kind: 'ChainPolicy';
  host?: string;
  table: string;
  chain: string;
  policy: string;
  packets?: number;
  bytes?: number;
}

/** A listening (or, for UDP, bound) socket from `ss -l…` or `netstat -l…`. */
export interface ListeningSocket extends Sourced {
  kind: 'ListeningSocket';
  host?: string;
  protocol: 'tcp' | 'udp';
  /** The local address as printed without its port: `0.0.0.0`, `*`, `::`, `127.0.0.1`. */
  address: string;
  port: number;
  /** `users:(("busybox",pid=15077,fd=4))` or `24750/busybox`. */
  process?: string;
  pid?: number;
}

/** One line of `conntrack -S`: a CPU's counters (`insert_failed`, `drop`, `early_drop`, …). */
export interface ConntrackStats extends Sourced {
  kind: 'ConntrackStats';
  host?: string;
  cpu?: number;
  counters: Record<string, number>;
}

/** Which iptables backend a node uses (`iptables -V`), and whether the other one holds tables too. */
export interface IptablesBackend extends Sourced {
  kind: 'IptablesBackend';
  host?: string;
  backend?: 'nf_tables' | 'legacy';
  version?: string;
  /** iptables-nft printed `# Warning: iptables-legacy tables present, use iptables-legacy to see them`. */
  legacyTablesPresent?: boolean;
}

/** What went wrong (or right) for a client, in its own words. */
export type ClientOutcome =
  | 'refused' // connection refused: an RST came back
  | 'connect-failed' // the connection failed and the tool does not say why (curl 7.88: "Couldn't connect to server")
  | 'timeout' // nothing came back in time
  | 'unresolved' // the name did not resolve (NXDOMAIN or no answer)
  | 'no-route' // No route to host (ARP unanswered, ICMP host unreachable)
  | 'network-unreachable'
  | 'no-server' // DNS: no server could be reached
  | 'http-error' // an HTTP error status
  | 'packet-loss' // ping: some or all replies missing
  | 'ok';

/** One result line of curl, wget, ping, dig or nslookup. */
export interface ClientResult extends Sourced {
  kind: 'ClientResult';
  host?: string;
  tool: 'curl' | 'wget' | 'ping' | 'dig' | 'nslookup';
  outcome: ClientOutcome;
  /** Host, address or name the line names (`10.0.0.2`, `web`, `10.0.0.9#53`). */
  target?: string;
  port?: number;
  /** curl's error number, an HTTP status, or ping's loss in percent. */
  code?: number;
  message: string;
}

/**
 * One record of a Kubernetes component's own log (klog: `E0809 05:37:21.484590 1 proxier.go:1507] …`),
 * as `kubectl logs` or `journalctl` prints it; continuation lines (an error's text on the next lines)
 * belong to the record above them.
 */
export interface ComponentLog extends Sourced {
  kind: 'ComponentLog';
  host?: string;
  component: 'kube-proxy';
  /** klog's severity letter: Info, Warning, Error, Fatal. */
  level: 'info' | 'warning' | 'error' | 'fatal';
  /** `proxier.go:1507` */
  location?: string;
  message: string;
  /** What the record says happened, when it is one the findings use. */
  event?: 'iptables-restore-failed' | 'sync-failed';
}
