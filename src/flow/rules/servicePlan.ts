import type { ClusterModel, Evidence, Pod, Protocol, Service, ServicePort } from '../../model';
import { describeEvidence, isHeadless, joinHostPort, namespaceOf, servicePortName } from '../../model';

/**
 * What kube-proxy needs to know about one Service port to program it: its
 * addresses, its ready endpoints (from EndpointSlices, else from the pods the
 * selector picks) and the policies. Built from a ClusterModel; every field comes
 * from a fact, and `sources` says which.
 */
export interface PlannedEndpoint {
  ip: string;
  port: number;
  nodeName?: string;
}

export interface ServicePortPlan {
  namespace: string;
  name: string;
  /** The port's name ('' when unnamed). */
  portName: string;
  /** `ns/svc:port` as kube-proxy prints it. */
  spn: string;
  protocol: Protocol;
  port: number;
  clusterIP: string;
  nodePort?: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** ClientIP affinity timeout in seconds, when session affinity is on. */
  affinitySeconds?: number;
  externalLocal: boolean;
  internalLocal: boolean;
  /** Ready endpoints, sorted as kube-proxy sorts them (by `ip:port` text). */
  endpoints: PlannedEndpoint[];
  /** Where the Service and its endpoints were read, for the predicted rules' evidence. */
  sources: string[];
}

export interface RulePlan {
  ports: ServicePortPlan[];
  clusterCIDR?: string;
  nodeName?: string;
  /** Addresses that accept NodePort traffic (nftables `nodeport-ips`, IPVS NodePort virtual servers). */
  nodeIPs: string[];
  /** Why the cluster CIDR / node are what they are. */
  notes: string[];
}

export interface PlanOptions {
  clusterCIDR?: string;
  nodeName?: string;
  /** NodePort addresses; default: the InternalIP of the node named by nodeName. */
  nodeIPs?: string[];
}

const DEFAULT_AFFINITY_SECONDS = 10800;

function sourceLabels(evidence: readonly Evidence[]): string[] {
  return evidence.slice(0, 2).map(describeEvidence);
}

function targetPortOf(sp: ServicePort, pod: Pod): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const c of pod.containers ?? [])
    for (const p of c.ports) if (p.name === tp && p.protocol === sp.protocol) return p.containerPort;
  return undefined;
}

function endpointsFor(model: ClusterModel, svc: Service, sp: ServicePort, sources: string[]): PlannedEndpoint[] {
  const out: PlannedEndpoint[] = [];
  const seen = new Set<string>();
  const add = (ip: string, port: number, nodeName?: string) => {
    const key = joinHostPort(ip, port);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(nodeName ? { ip, port, nodeName } : { ip, port });
  };
  const slices = model.endpointsOf(svc);
  if (slices.length > 0 || model.slicesOf(svc).length > 0) {
    for (const { slice, endpoint } of slices) {
      const port = slice.ports.find((p) => (p.name ?? '') === (sp.name ?? '') && p.protocol === sp.protocol);
      if (!port || endpoint.ready === false) continue;
      for (const ip of endpoint.addresses) add(ip, port.port, endpoint.nodeName);
      sources.push(...sourceLabels(slice.evidence));
    }
  } else {
    for (const pod of model.podsSelectedBy(svc)) {
      if (!pod.ip || pod.ready === false || (pod.phase && pod.phase !== 'Running')) continue;
      const port = targetPortOf(sp, pod);
      if (port === undefined) continue;
      add(pod.ip, port, pod.nodeName);
      sources.push(...sourceLabels(pod.evidence));
    }
  }
  return out.sort((a, b) => (joinHostPort(a.ip, a.port) < joinHostPort(b.ip, b.port) ? -1 : 1));
}

/** The Service ports kube-proxy programs: not headless, not ExternalName, with a cluster IP. */
export function planServicePorts(model: ClusterModel, options: PlanOptions = {}): RulePlan {
  const notes: string[] = [];
  let clusterCIDR = options.clusterCIDR;
  if (clusterCIDR) notes.push(`cluster CIDR ${clusterCIDR} (given)`);
  else {
    const kp = model.all('KubeProxy').find((k) => k.clusterCIDR);
    const cni = model.all('Cni').find((c) => c.network);
    clusterCIDR = kp?.clusterCIDR ?? cni?.network;
    const from = kp?.clusterCIDR ? kp.evidence : cni?.evidence;
    if (clusterCIDR) notes.push(`cluster CIDR ${clusterCIDR} from ${sourceLabels(from ?? []).join(', ')}`);
    else
      notes.push('cluster CIDR unknown: no "! -s CIDR -j KUBE-MARK-MASQ" rules (as kube-proxy without --cluster-cidr)');
  }
  let nodeName = options.nodeName;
  if (!nodeName && model.nodes.length === 1) {
    nodeName = model.nodes[0].name;
    notes.push(`node ${nodeName} (the only node)`);
  }
  const node = nodeName ? model.nodes.find((n) => n.name === nodeName) : undefined;
  const nodeIPs = options.nodeIPs ?? (node?.internalIP ? [node.internalIP] : []);
  if (nodeIPs.length)
    notes.push(
      `NodePort addresses ${nodeIPs.join(', ')}${options.nodeIPs ? ' (given)' : ` (InternalIP of ${nodeName})`}`,
    );
  const ports: ServicePortPlan[] = [];
  for (const svc of model.services) {
    if (svc.type === 'ExternalName' || isHeadless(svc) || !svc.clusterIP) continue;
    const namespace = namespaceOf(svc);
    for (const sp of svc.ports) {
      const sources = sourceLabels(svc.evidence);
      const endpoints = endpointsFor(model, svc, sp, sources);
      const plan: ServicePortPlan = {
        namespace,
        name: svc.name,
        portName: sp.name ?? '',
        spn: servicePortName(namespace, svc.name, sp.name),
        protocol: sp.protocol,
        port: sp.port,
        clusterIP: svc.clusterIP,
        externalIPs: svc.externalIPs ?? [],
        loadBalancerIPs: svc.loadBalancerIPs ?? [],
        externalLocal: svc.externalTrafficPolicy === 'Local',
        internalLocal: svc.internalTrafficPolicy === 'Local',
        endpoints,
        sources: [...new Set(sources)],
      };
      if (sp.nodePort && (svc.type === 'NodePort' || svc.type === 'LoadBalancer')) plan.nodePort = sp.nodePort;
      if (svc.sessionAffinity === 'ClientIP')
        plan.affinitySeconds = svc.sessionAffinityTimeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
      ports.push(plan);
    }
  }
  ports.sort((a, b) =>
    a.spn + a.protocol < b.spn + b.protocol ? -1 : a.spn + a.protocol > b.spn + b.protocol ? 1 : 0,
  );
  return { ports, clusterCIDR, nodeName, nodeIPs, notes };
}

/** True when the port has external destinations (NodePort, external IPs, load-balancer IPs): it gets a KUBE-EXT chain. */
export function hasExternal(p: ServicePortPlan): boolean {
  return p.nodePort !== undefined || p.externalIPs.length > 0 || p.loadBalancerIPs.length > 0;
}

/** Endpoints on this node, for `externalTrafficPolicy: Local`. */
export function localEndpoints(p: ServicePortPlan, nodeName: string | undefined): PlannedEndpoint[] {
  return nodeName ? p.endpoints.filter((e) => e.nodeName === nodeName) : [];
}
