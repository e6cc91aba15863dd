import type { ClusterModel, Evidence, KubeProxyFlags, Pod, Protocol, Service, ServicePort } from '../../model';
import {
  DEFAULT_KUBE_PROXY_FLAGS,
  describeEvidence,
  isHeadless,
  joinHostPort,
  namespaceOf,
  servicePortName,
  sloppyCIDR,
  sloppyIP,
} from '../../model';

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
  /** Not ready but still serving while it terminates: used only when no ready endpoint is left. */
  terminating?: boolean;
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
  /** `loadBalancerSourceRanges` as kube-proxy reads them (trimmed, normalised CIDRs). */
  sourceRanges: string[];
  /** Health-check NodePort (LoadBalancer with externalTrafficPolicy Local only, as kube-proxy). */
  healthCheckNodePort?: number;
  /** ClientIP affinity timeout in seconds, when session affinity is on. */
  affinitySeconds?: number;
  externalLocal: boolean;
  internalLocal: boolean;
  /**
   * The endpoints cluster-wide traffic goes to, sorted as kube-proxy sorts them (by `ip:port`
   * text): the ready ones, else those serving while terminating.
   */
  endpoints: PlannedEndpoint[];
  /** Every usable endpoint (ready, or serving while terminating), for the local-policy choice. */
  usable: PlannedEndpoint[];
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
  /** kube-proxy's flags that change the rules. */
  flags: KubeProxyFlags;
}

export interface PlanOptions {
  clusterCIDR?: string;
  nodeName?: string;
  /** NodePort addresses; default: the InternalIP of the node named by nodeName. */
  nodeIPs?: string[];
  /** kube-proxy flags; the rest keep kube-proxy's defaults. */
  flags?: Partial<KubeProxyFlags>;
}

const DEFAULT_AFFINITY_SECONDS = 10800;

function sourceLabels(evidence: readonly Evidence[]): string[] {
  return evidence.slice(0, 2).map(describeEvidence);
}

function targetPortOf(sp: ServicePort, pod: Pod): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const container of pod.containers ?? [])
    for (const containerPort of container.ports)
      if (containerPort.name === tp && containerPort.protocol === sp.protocol) return containerPort.containerPort;
  return undefined;
}

function byAddress(first: PlannedEndpoint, second: PlannedEndpoint): number {
  const left = joinHostPort(first.ip, first.port);
  const right = joinHostPort(second.ip, second.port);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Ready endpoints, and those serving while terminating (kube-proxy's two tiers), sorted. */
function usableEndpoints(model: ClusterModel, svc: Service, sp: ServicePort, sources: string[]): PlannedEndpoint[] {
  const out: PlannedEndpoint[] = [];
  const seen = new Set<string>();
  const add = (endpoint: PlannedEndpoint) => {
    const key = joinHostPort(endpoint.ip, endpoint.port);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(endpoint);
  };
  const slices = model.endpointsOf(svc);
  if (slices.length > 0 || model.slicesOf(svc).length > 0) {
    for (const { slice, endpoint } of slices) {
      const port = slice.ports.find(
        (endpointPort) => (endpointPort.name ?? '') === (sp.name ?? '') && endpointPort.protocol === sp.protocol,
      );
      if (!port) continue;
      const ready = endpoint.ready !== false;
      const terminating = !ready && endpoint.serving === true && endpoint.terminating === true;
      if (!ready && !terminating) continue;
      for (const address of endpoint.addresses) {
        const ip = sloppyIP(address);
        if (!ip) continue;
        add({
          ip,
          port: port.port,
          ...(endpoint.nodeName ? { nodeName: endpoint.nodeName } : {}),
          ...(terminating ? { terminating } : {}),
        });
      }
      sources.push(...sourceLabels(slice.evidence));
    }
  } else {
    for (const pod of model.podsSelectedBy(svc)) {
      if (!pod.ip || pod.ready === false || (pod.phase && pod.phase !== 'Running')) continue;
      const port = targetPortOf(sp, pod);
      const ip = sloppyIP(pod.ip);
      if (port === undefined || !ip) continue;
      add(pod.nodeName ? { ip, port, nodeName: pod.nodeName } : { ip, port });
      sources.push(...sourceLabels(pod.evidence));
    }
  }
  return out.sort(byAddress);
}

/** kube-proxy's fallback: the ready endpoints, else the ones serving while they terminate. */
function preferReady(endpoints: PlannedEndpoint[]): PlannedEndpoint[] {
  const ready = endpoints.filter((endpoint) => !endpoint.terminating);
  return ready.length > 0 ? ready : endpoints;
}

function sloppyList(values: readonly string[] | undefined, parse: (text: string) => string | undefined): string[] {
  return (values ?? []).map(parse).filter((value): value is string => value !== undefined);
}

/** The Service ports kube-proxy programs: not headless, not ExternalName, with a cluster IP. */
export function planServicePorts(model: ClusterModel, options: PlanOptions = {}): RulePlan {
  const notes: string[] = [];
  let clusterCIDR = options.clusterCIDR;
  if (clusterCIDR) notes.push(`cluster CIDR ${clusterCIDR} (given)`);
  else {
    const kp = model.all('KubeProxy').find((config) => config.clusterCIDR);
    const cni = model.all('Cni').find((config) => config.network);
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
  const node = nodeName ? model.nodes.find((known) => known.name === nodeName) : undefined;
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
      const usable = usableEndpoints(model, svc, sp, sources);
      const clusterIP = sloppyIP(svc.clusterIP);
      if (!clusterIP) {
        notes.push(
          `${namespace}/${svc.name}: cluster IP '${svc.clusterIP}' is not an address; skipped, as kube-proxy does`,
        );
        continue;
      }
      const externalLocal = svc.externalTrafficPolicy === 'Local';
      const plan: ServicePortPlan = {
        namespace,
        name: svc.name,
        portName: sp.name ?? '',
        spn: servicePortName(namespace, svc.name, sp.name),
        protocol: sp.protocol,
        port: sp.port,
        clusterIP,
        externalIPs: sloppyList(svc.externalIPs, sloppyIP),
        loadBalancerIPs: svc.type === 'LoadBalancer' ? sloppyList(svc.loadBalancerIPs, sloppyIP) : [],
        sourceRanges: sloppyList(svc.loadBalancerSourceRanges, sloppyCIDR),
        externalLocal,
        internalLocal: svc.internalTrafficPolicy === 'Local',
        endpoints: preferReady(usable),
        usable,
        sources: [...new Set(sources)],
      };
      if (sp.nodePort && (svc.type === 'NodePort' || svc.type === 'LoadBalancer')) plan.nodePort = sp.nodePort;
      if (svc.type === 'LoadBalancer' && externalLocal && svc.healthCheckNodePort)
        plan.healthCheckNodePort = svc.healthCheckNodePort;
      if (svc.sessionAffinity === 'ClientIP')
        plan.affinitySeconds = svc.sessionAffinityTimeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
      ports.push(plan);
    }
  }
  ports.sort((left, right) =>
    left.spn + left.protocol < right.spn + right.protocol
      ? -1
      : left.spn + left.protocol > right.spn + right.protocol
        ? 1
        : 0,
  );
  const flags = { ...DEFAULT_KUBE_PROXY_FLAGS, ...options.flags };
  flags.nodePortAddresses = sloppyList(flags.nodePortAddresses, sloppyCIDR);
  flags.serviceCIDRs = sloppyList(flags.serviceCIDRs, sloppyCIDR);
  return { ports, clusterCIDR, nodeName, nodeIPs, notes, flags };
}

/**
 * True when the port has external destinations (NodePort, external IPs, load-balancer IPs): it gets
 * a KUBE-EXT chain.
 */
export function hasExternal(servicePort: ServicePortPlan): boolean {
  return (
    servicePort.nodePort !== undefined || servicePort.externalIPs.length > 0 || servicePort.loadBalancerIPs.length > 0
  );
}

/** Endpoints on this node, for a Local policy: the ready ones, else those serving while terminating. */
export function localEndpoints(servicePort: ServicePortPlan, nodeName: string | undefined): PlannedEndpoint[] {
  return nodeName ? preferReady(servicePort.usable.filter((endpoint) => endpoint.nodeName === nodeName)) : [];
}

/** True when some policy of the port sends traffic to endpoints on any node (kube-proxy's UsesClusterEndpoints). */
export function usesClusterEndpoints(servicePort: ServicePortPlan): boolean {
  return !servicePort.internalLocal || (hasExternal(servicePort) && !servicePort.externalLocal);
}
