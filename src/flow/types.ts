import type { Evidence, RoledEvidence, StepStatus } from '../model';

export type { StepStatus };

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
  /**
   * The proof, each with the role that says what it can prove (see DESIGN.md, "Evidence semantics");
   * the flow builder always sets the role (`evidenceRole` computes it for hand-made steps).
   */
  evidence: (Evidence & Partial<Pick<RoledEvidence, 'role'>>)[];
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
/** Every finding's stable id; src/flow/findings/index.ts (FLOW_FINDINGS) says which check reports each. */
export type FindingId =
  | 'service-no-endpoints'
  | 'selector-matches-no-pod'
  | 'targetport-name-missing'
  | 'statefulset-service-not-headless'
  | 'clusterip-traceroute'
  | 'clusterip-ping'
  | 'headless-dns-spread'
  | 'bridge-flooding'
  | 'dns-search-amplification'
  | 'nothing-listening'
  | 'endpoint-silent'
  | 'service-port-missing'
  | 'forward-policy-drop'
  | 'ip-forward-off'
  | 'bridge-nf-call-iptables-off'
  | 'hairpin-off'
  | 'stale-endpoint'
  | 'dns-nxdomain'
  | 'dns-no-answer'
  | 'dns-port-unreachable'
  | 'dns-wrong-namespace'
  | 'mtu-blackhole'
  | 'vxlan-blocked'
  | 'vtep-mac-stale'
  | 'egress-not-masqueraded'
  | 'external-no-answer'
  | 'mtu-mss'
  | 'kube-proxy-no-rules'
  | 'iptables-backend-mismatch'
  | 'network-policy-unenforced'
  | 'network-policy-deny'
  | 'network-policy-egress-deny'
  | 'external-traffic-local-no-endpoint'
  | 'source-ip-masqueraded'
  | 'system-pod-failing'
  | 'kube-proxy-sync-failing'
  | 'conntrack-insert-failed'
  | 'pod-event-warning';

/**
 * How a flow's path is walked. FAMILY_ROUTES (src/flow/families/registry.ts) chooses one per trace;
 * `dns` is the flow of a name that resolves to nothing (src/flow/nameTrace.ts).
 */
export type FlowFamily =
  | 'nodeport'
  | 'pod-to-pod'
  | 'pod-to-pod-vxlan'
  | 'pod-to-pod-host-gw'
  | 'host-network'
  | 'external-name'
  | 'pod-to-headless'
  | 'pod-to-service'
  | 'pod-to-external'
  | 'dns';

export interface Finding {
  /** Stable id, e.g. `clusterip-traceroute`, `headless-dns-spread`, `bridge-flooding`. */
  id: FindingId;
  severity: FindingSeverity;
  title: string;
  message: string;
  evidence: Evidence[];
  /** The hop this finding breaks (`cni0 → vetha2e3a94e`), when it explains where the flow stops. */
  hop?: string;
  /** Where that hop is drawn: the phase's name and the step's index in it. */
  step?: { phase: string; index: number };
  /** What to change so the flow works. */
  fix?: string;
}

export interface Flow {
  title: string;
  family: FlowFamily;
  actors: Actor[];
  phases: FlowPhase[];
  findings: Finding[];
  /** What is missing to make the flow complete, each with the command that would provide it. */
  unresolved: string[];
  /**
   * Every connection between SRC and DST the captures hold (the same list in each flow of a trace),
   * empty when no capture shows one; the flow walks `connections[connection]`.
   */
  connections?: ConnectionSummary[];
  /** Index into `connections` of the connection this flow walks; undefined for a flow no capture shows. */
  connection?: number;
}

/** How a connection ended, as its packets tell. */
export type ConnectionOutcome =
  | 'established' // handshake complete, no teardown seen
  | 'closed' // FIN both ways
  | 'reset' // RST after the handshake
  | 'refused' // RST in answer to the SYN
  | 'no-reply' // SYN (or request) without any answer
  | 'unreachable' // an ICMP error answered it
  | 'answered' // UDP/ICMP request with a reply
  | 'unknown';

/** One connection as the captures show it: its addresses before and after NAT, where it was seen, how it ended. */
export interface ConnectionSummary {
  /** 1-based, in order of the first packet. */
  number: number;
  protocol: 'tcp' | 'udp' | 'icmp';
  /** `ip:port` of the client as it sent the first packet. */
  client: string;
  /** `ip:port` the client sent to (a ClusterIP, a NodePort, a pod). */
  original: string;
  /** `ip:port` after DNAT, when a capture shows the translated packet. */
  translated?: string;
  /** `ip:port` of the client after SNAT/MASQUERADE, when a capture shows it. */
  masqueraded?: string;
  /**
   * Every form of the connection the captures show, in order of their first packet, as
   * `ip:port → ip:port` from the client's side (a pod calling another node's NodePort is
   * masqueraded twice: four forms).
   */
  forms: string[];
  /** The pod and kube-proxy chain the translated address belongs to, when known. */
  endpoint?: { pod?: string; node?: string; chain?: string };
  /** Nodes whose captures saw a packet of the connection. */
  nodes: string[];
  outcome: ConnectionOutcome;
  /** Capture clock (seconds) of the first and last packet. */
  start?: number;
  end?: number;
  /** Number of capture lines (all interfaces, all NAT versions) that belong to the connection. */
  packets: number;
  /** The first line of each NAT version of the connection. */
  evidence: RoledEvidence[];
}

export interface TraceResult {
  flows: Flow[];
  /** Problems resolving SRC/DST or the model as a whole. */
  unresolved: string[];
}
