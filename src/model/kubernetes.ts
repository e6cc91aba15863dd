import type { Sourced } from './evidence';

/**
 * Kubernetes objects as far as networking needs them. Every field except the
 * identity is optional: a `kubectl get pods` table knows a pod's IP and node but
 * not its labels, a manifest knows labels but not the IP. The ClusterModel merges
 * the partial views and reports where they disagree.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export interface Container {
  name: string;
  image?: string;
  ports: ContainerPort[];
}

export interface K8sNode extends Sourced {
  kind: 'Node';
  name: string;
  internalIP?: string;
  externalIP?: string;
  podCIDR?: string;
  podCIDRs?: string[];
  /** From Flannel's node annotations (`flannel.alpha.coreos.com/*`). */
  flannel?: { backendType?: string; vtepMAC?: string; publicIP?: string };
  labels?: Record<string, string>;
}

export interface Pod extends Sourced {
  kind: 'Pod';
  namespace?: string;
  name: string;
  ip?: string;
  ips?: string[];
  nodeName?: string;
  hostIP?: string;
  hostNetwork?: boolean;
  phase?: string;
  /**
   * Why it is not simply running, as `kubectl get pods` prints it in STATUS when that is not a phase:
   * `CrashLoopBackOff`, `Error`, `ContainerCreating`, `Init:CrashLoopBackOff`, `ImagePullBackOff` …
   */
  reason?: string;
  /** RESTARTS column: how many times its containers were restarted. */
  restarts?: number;
  /** `READY` column or the Ready condition. */
  ready?: boolean;
  labels?: Record<string, string>;
  /** spec.hostname / spec.subdomain: what makes `{hostname}.{subdomain}.{ns}.svc` resolve. */
  hostname?: string;
  subdomain?: string;
  owner?: ObjectRef;
  containers?: Container[];
  /** True when the product inferred this pod (StatefulSet ordinal, Deployment replica) rather than saw it. */
  predicted?: boolean;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePort {
  /** Port name; required by Kubernetes when a Service has several ports. */
  name?: string;
  protocol: Protocol;
  port: number;
  /** A number or the name of a container port. Defaults to `port`. */
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface Service extends Sourced {
  kind: 'Service';
  namespace?: string;
  name: string;
  type?: ServiceType;
  /** `None` for a headless Service. */
  clusterIP?: string;
  clusterIPs?: string[];
  ports: ServicePort[];
  selector?: Record<string, string>;
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityTimeoutSeconds?: number;
  externalName?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  externalIPs?: string[];
  loadBalancerIPs?: string[];
  /** `spec.loadBalancerSourceRanges`: only these sources may reach the load-balancer IPs. */
  loadBalancerSourceRanges?: string[];
  /** `spec.healthCheckNodePort` (LoadBalancer with externalTrafficPolicy Local). */
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  labels?: Record<string, string>;
}

export interface Endpoint {
  addresses: string[];
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectRef;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

export interface EndpointSlice extends Sourced {
  kind: 'EndpointSlice';
  namespace?: string;
  name: string;
  /** The `kubernetes.io/service-name` label. */
  serviceName?: string;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet';

export interface Workload extends Sourced {
  kind: WorkloadKind;
  namespace?: string;
  name: string;
  replicas?: number;
  /** StatefulSet only: the governing (should be headless) Service. */
  serviceName?: string;
  selector?: Record<string, string>;
  podLabels?: Record<string, string>;
  containers?: Container[];
  hostNetwork?: boolean;
}

/** An object's namespace, or the one kubectl assumes when none is given. */
export function namespaceOf(object: { namespace?: string }): string {
  return object.namespace ?? 'default';
}

/** `namespace/name`, with the namespace kubectl assumes when none is given. */
export function namespacedName(object: { namespace?: string; name: string }): string {
  return `${namespaceOf(object)}/${object.name}`;
}

export function isHeadless(service: Service): boolean {
  return service.clusterIP === 'None';
}

/** True when every key/value of `selector` is among `labels` (an empty selector selects nothing, as for Services). */
export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0 || !labels) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** A peer of a NetworkPolicy ingress rule: the pods it admits, when only a podSelector says so. */
export interface NetworkPolicyPeer {
  /**
   * podSelector.matchLabels of a peer: pods of the policy's namespace, or of the namespaces
   * `namespaceSelector` selects when it is given too; `{}` admits every pod there.
   */
  podSelector?: Record<string, string>;
  /** namespaceSelector.matchLabels: the namespaces whose pods it admits (`{}`: every namespace). */
  namespaceSelector?: Record<string, string>;
  /** ipBlock: addresses in `cidr` but in none of `except`. */
  ipBlock?: { cidr: string; except: string[] };
  /** The peer uses what this reader does not evaluate (matchExpressions, a field it does not know). */
  unevaluated?: boolean;
}

/** One port of a NetworkPolicy rule: a number (up to `endPort`) or a named port; no port: every port. */
export interface NetworkPolicyPort {
  protocol: string;
  port?: number | string;
  endPort?: number;
}

/** One egress rule: where it lets the isolated pods send (no peer: anywhere) and on which ports (none: all). */
export interface NetworkPolicyEgressRule {
  to: NetworkPolicyPeer[];
  ports: NetworkPolicyPort[];
}

/** networking.k8s.io/v1 NetworkPolicy: which pods it isolates, whom their ingress admits, where their egress may go. */
export interface NetworkPolicy extends Sourced {
  kind: 'NetworkPolicy';
  namespace?: string;
  name: string;
  /** spec.podSelector.matchLabels: the pods it isolates (`{}`: every pod of the namespace). */
  podSelector: Record<string, string>;
  /** spec.podSelector has matchExpressions: which pods it selects is not computed. */
  selectorUnevaluated?: boolean;
  policyTypes: ('Ingress' | 'Egress')[];
  /** Ingress rules, each the list of its `from` peers (an empty list admits everyone). */
  ingress: NetworkPolicyPeer[][];
  /** Egress rules (only where the object has them). */
  egress?: NetworkPolicyEgressRule[];
}
