import type { Evidence } from '../model';

/**
 * The flow engine's output: who talks to whom, in which order, and how we know.
 * Rendered by src/render (Mermaid, Markdown), serialised by the CLI (`--format json`)
 * and shown by the webview. Pure data: no functions, safe to post to a webview.
 */

export type ActorKind =
  | 'pod' // a pod's network namespace (its eth0)
  | 'veth' // host-side end of a pod's veth pair
  | 'bridge' // cni0
  | 'netfilter' // iptables/nftables hooks (PREROUTING/OUTPUT, KUBE-SERVICES …)
  | 'ipvs' // kube-ipvs0 / IPVS virtual server
  | 'conntrack'
  | 'routing' // the node's routing decision
  | 'vxlan' // flannel.1
  | 'underlay' // node NIC / the network between nodes
  | 'node' // a node's root namespace as a whole (hostNetwork pods, NodePort)
  | 'dns' // CoreDNS pod acting as the cluster DNS server
  | 'service' // a Service as a virtual address (ClusterIP), never a real hop
  | 'gateway' // default gateway outside the cluster
  | 'external'; // anything outside the cluster (ExternalName target, internet)

export interface Actor {
  /** Stable id used by steps (`pod:default/b-pod`, `veth:node1/vethded7ef9f`). */
  id: string;
  kind: ActorKind;
  /** What a person reads: `b-pod`, `vethded7ef9f`, `cni0`, `KUBE-SVC-CHTNYTLOWMWCGZWR`. */
  name: string;
  /** Grouping box: the network namespace or node it lives in (`Pod b-pod netns`, `node1 root netns`). */
  group?: string;
  addresses?: string[];
  interfaces?: string[];
}

export type StepStatus = 'observed' | 'predicted' | 'contradicted';

export type StepKind =
  'packet' | 'dns-query' | 'dns-answer' | 'nat' | 'arp' | 'route' | 'encap' | 'decap' | 'reply' | 'reject' | 'note';

/** One of several things that could happen, e.g. kube-proxy's random endpoint choice. */
export interface Alternative {
  label: string;
  /** Chance this branch is taken, as the rule states it (0..1). */
  probability?: number;
  /** True when a log shows this branch was the one taken. */
  chosen?: boolean;
  evidence: Evidence[];
}

export interface FlowStep {
  from: string;
  to: string;
  /** Short arrow label (`SYN 10.244.0.147:43712 → 10.103.129.86:80`). */
  label: string;
  /** One or two sentences: why this hop happens. */
  explanation: string;
  status: StepStatus;
  kind: StepKind;
  evidence: Evidence[];
  /** Address rewrite done at this step (DNAT, SNAT/masquerade, reverse NAT by conntrack). */
  nat?: { type: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'un-DNAT'; before: string; after: string };
  /** DNS answer carried by this step. */
  dns?: { question: string; answers: string[]; rcode?: string };
  alternatives?: Alternative[];
  /** Seconds (capture clock) when observed, for per-hop timing. */
  time?: number;
}

export interface FlowPhase {
  /** `DNS`, `connect`, `data`, `reply`, `ARP` … */
  name: string;
  steps: FlowStep[];
}

export type FindingSeverity = 'info' | 'warning' | 'error';

/** An explanation of something that puzzles people, with the evidence that triggered it. */
export interface Finding {
  /** Stable id, e.g. `clusterip-traceroute`, `headless-dns-spread`, `bridge-flooding`. */
  id: string;
  severity: FindingSeverity;
  title: string;
  message: string;
  evidence: Evidence[];
}

export interface Flow {
  title: string;
  /** `pod-to-pod`, `pod-to-pod-vxlan`, `pod-to-pod-host-gw`, `pod-to-service`, `pod-to-headless`, `nodeport`, `external-name`, `host-network`. */
  family: string;
  actors: Actor[];
  phases: FlowPhase[];
  findings: Finding[];
  /** What is missing to make the flow complete, each with the command that would provide it. */
  unresolved: string[];
}

export interface TraceResult {
  flows: Flow[];
  /** Problems resolving SRC/DST or the model as a whole. */
  unresolved: string[];
}
