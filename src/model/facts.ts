import type { K8sNode, Pod, Service, EndpointSlice, Workload, NetworkPolicy } from './kubernetes';
import type { DnsConfig, ClusterDns, DnsLookup, HostsEntry } from './dns';
import type { KubeProxyConfig, NatRule, NatChain, IpvsVirtualServer, NftMapElement, NftRule } from './kubeProxy';
import type { CniConfig } from './cni';
import type { HostInterface, Route, Neighbor, FdbEntry, ConntrackEntry, TracerouteResult, HttpAccess } from './host';
import type { Packet } from './packet';
import type {
  KernelSetting,
  BridgePort,
  ChainPolicy,
  ListeningSocket,
  ConntrackStats,
  IptablesBackend,
  ClientResult,
  ComponentLog,
} from './nodeState';
import type { Capture } from './capture';
import type { KubeEvent } from './kubeEvent';

/**
 * Everything a source (parser, manifest reader, cluster reader) can tell the model.
 * A discriminated union on `kind`; each member carries its evidence.
 */
export type Fact =
  | K8sNode
  | Pod
  | Service
  | EndpointSlice
  | Workload
  | NetworkPolicy
  | DnsConfig
  | ClusterDns
  | DnsLookup
  | HostsEntry
  | KubeProxyConfig
  | NatRule
  | NatChain
  | IpvsVirtualServer
  | NftMapElement
  | NftRule
  | CniConfig
  | HostInterface
  | Route
  | Neighbor
  | FdbEntry
  | ConntrackEntry
  | TracerouteResult
  | HttpAccess
  | Packet
  | Capture
  | KernelSetting
  | BridgePort
  | ChainPolicy
  | ListeningSocket
  | ConntrackStats
  | IptablesBackend
  | ClientResult
  | ComponentLog
  | KubeEvent;

export type FactKind = Fact['kind'];

/** The fact type(s) of one kind; distributive, so `FactOf<'Deployment'>` is a Workload (whose kind is a union). */
export type FactOf<K extends FactKind> = Fact extends infer F
  ? F extends { kind: infer FK }
    ? K extends FK
      ? F
      : never
    : never
  : never;

/** A line a parser could not understand, kept so nothing the user pasted is silently lost. */
export interface Unparsed {
  /** 1-based line in the source as given. */
  line: number;
  reason: string;
  text?: string;
}
