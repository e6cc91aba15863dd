import { parse as parseYaml } from 'yaml';
import type {
  ClusterDns,
  CniConfig,
  Container,
  Endpoint,
  EndpointPort,
  EndpointSlice,
  Evidence,
  Fact,
  K8sNode,
  KubeProxyConfig,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  ObjectRef,
  Pod,
  Service,
  ServicePort,
  ServiceType,
  Workload,
  WorkloadKind,
} from '../../model';
import { arr, bool, compact, int, isRec, protocol, rec, str, strMap, type Rec } from './values';

/**
 * Converts Kubernetes API objects (as plain values from a manifest, `kubectl -o json|yaml`
 * or the API) into model facts. Shared by the manifest and kubectl readers.
 */

export interface EvidenceSource {
  /** Evidence for the whole object (no path) or for the field at `path` (`spec.clusterIP`). */
  at(path?: string): Evidence;
  /** Evidence for the line of a multi-line string field (a Corefile) that contains `needle`. */
  inText(path: string, needle: string): Evidence | undefined;
}

export interface ObjectFacts {
  facts: Fact[];
  /** Why the object gave no facts, when it gave none (kind without network meaning…). */
  ignored?: string;
}

const WORKLOAD_KINDS = new Set<string>(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
/** Kinds this module turns into facts (others are understood as "not about networking"). */
export const NETWORK_KINDS = new Set<string>([
  ...WORKLOAD_KINDS,
  'Service',
  'Pod',
  'EndpointSlice',
  'Endpoints',
  'Node',
  'ConfigMap',
]);
const SERVICE_TYPES = new Set<string>(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);

function containersOf(podSpec: Rec): Container[] {
  return arr(podSpec.containers)
    .filter(isRec)
    .map((rec) =>
      compact({
        name: str(rec.name) ?? '',
        image: str(rec.image),
        ports: arr(rec.ports)
          .filter(isRec)
          .flatMap((port) => {
            const containerPort = int(port.containerPort);
            return containerPort === undefined
              ? []
              : [compact({ name: str(port.name), containerPort, protocol: protocol(port.protocol) })];
          }),
      }),
    );
}

function ownerOf(meta: Rec): ObjectRef | undefined {
  const refs = arr(meta.ownerReferences).filter(isRec);
  const owner = refs.find((rec) => rec.controller === true) ?? refs[0];
  if (!owner || !str(owner.kind) || !str(owner.name)) return undefined;
  return compact({ kind: str(owner.kind)!, name: str(owner.name)!, namespace: str(meta.namespace) });
}

function serviceFact(manifest: Rec, meta: Rec, ev: EvidenceSource): Service {
  const spec = rec(manifest.spec);
  const type = str(spec.type);
  const ports: ServicePort[] = arr(spec.ports)
    .filter(isRec)
    .flatMap((entry) => {
      const port = int(entry.port);
      if (port === undefined) return [];
      const tp = entry.targetPort;
      return [
        compact({
          name: str(entry.name),
          protocol: protocol(entry.protocol),
          port,
          targetPort: int(tp) ?? str(tp),
          nodePort: int(entry.nodePort),
          appProtocol: str(entry.appProtocol),
        }),
      ];
    });
  const affinity = str(spec.sessionAffinity);
  const lbIps = arr(rec(rec(manifest.status).loadBalancer).ingress)
    .filter(isRec)
    .map((ingress) => str(ingress.ip))
    .filter((value): value is string => !!value);
  return compact({
    kind: 'Service' as const,
    namespace: str(meta.namespace),
    name: str(meta.name)!,
    type: type && SERVICE_TYPES.has(type) ? (type as ServiceType) : undefined,
    clusterIP: str(spec.clusterIP),
    clusterIPs: Array.isArray(spec.clusterIPs)
      ? arr(spec.clusterIPs)
          .map(str)
          .filter((value): value is string => !!value)
      : undefined,
    ports,
    selector: strMap(spec.selector),
    sessionAffinity: affinity === 'ClientIP' || affinity === 'None' ? affinity : undefined,
    sessionAffinityTimeoutSeconds: int(rec(rec(spec.sessionAffinityConfig).clientIP).timeoutSeconds),
    externalName: str(spec.externalName),
    externalTrafficPolicy: oneOf(str(spec.externalTrafficPolicy), ['Cluster', 'Local'] as const),
    internalTrafficPolicy: oneOf(str(spec.internalTrafficPolicy), ['Cluster', 'Local'] as const),
    externalIPs: Array.isArray(spec.externalIPs)
      ? arr(spec.externalIPs)
          .map(str)
          .filter((value): value is string => !!value)
      : undefined,
    loadBalancerIPs: lbIps.length ? lbIps : undefined,
    loadBalancerSourceRanges: Array.isArray(spec.loadBalancerSourceRanges)
      ? arr(spec.loadBalancerSourceRanges)
          .map(str)
          .filter((value): value is string => !!value)
      : undefined,
    healthCheckNodePort: int(spec.healthCheckNodePort),
    publishNotReadyAddresses: bool(spec.publishNotReadyAddresses),
    labels: strMap(meta.labels),
    evidence: [ev.at()],
  });
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((option) => option === value);
}

function podFact(manifest: Rec, meta: Rec, ev: EvidenceSource): Pod {
  const spec = rec(manifest.spec);
  const status = rec(manifest.status);
  const ips = arr(status.podIPs)
    .filter(isRec)
    .map((podIp) => str(podIp.ip))
    .filter((value): value is string => !!value);
  const ready = arr(status.conditions)
    .filter(isRec)
    .find((condition) => condition.type === 'Ready');
  return compact({
    kind: 'Pod' as const,
    namespace: str(meta.namespace),
    name: str(meta.name)!,
    ip: str(status.podIP),
    ips: ips.length ? ips : undefined,
    nodeName: str(spec.nodeName),
    hostIP: str(status.hostIP),
    hostNetwork: bool(spec.hostNetwork),
    phase: str(status.phase),
    ready: ready ? ready.status === 'True' : undefined,
    labels: strMap(meta.labels),
    hostname: str(spec.hostname),
    subdomain: str(spec.subdomain),
    owner: ownerOf(meta),
    containers: isRec(manifest.spec) ? containersOf(spec) : undefined,
    evidence: [ev.at()],
  });
}

function workloadFact(kind: WorkloadKind, manifest: Rec, meta: Rec, ev: EvidenceSource): Workload {
  const spec = rec(manifest.spec);
  const template = rec(spec.template);
  const podSpec = rec(template.spec);
  return compact({
    kind,
    namespace: str(meta.namespace),
    name: str(meta.name)!,
    replicas: int(spec.replicas),
    serviceName: kind === 'StatefulSet' ? str(spec.serviceName) : undefined,
    selector: strMap(rec(spec.selector).matchLabels),
    podLabels: strMap(rec(template.metadata).labels),
    containers: isRec(template.spec) ? containersOf(podSpec) : undefined,
    hostNetwork: bool(podSpec.hostNetwork),
    evidence: [ev.at()],
  });
}

function endpointFrom(endpoint: Rec, ready: boolean | undefined): Endpoint {
  const target = rec(endpoint.targetRef);
  const cond = rec(endpoint.conditions);
  return compact({
    addresses: arr(endpoint.addresses)
      .map(str)
      .filter((value): value is string => !!value),
    ready: bool(cond.ready) ?? ready,
    serving: bool(cond.serving),
    terminating: bool(cond.terminating),
    hostname: str(endpoint.hostname),
    nodeName: str(endpoint.nodeName),
    zone: str(endpoint.zone),
    targetRef:
      str(target.kind) && str(target.name)
        ? compact({ kind: str(target.kind)!, name: str(target.name)!, namespace: str(target.namespace) })
        : undefined,
  });
}

function endpointPorts(ports: unknown): EndpointPort[] {
  return arr(ports)
    .filter(isRec)
    .flatMap((rec) => {
      const port = int(rec.port);
      return port === undefined ? [] : [compact({ name: str(rec.name), port, protocol: protocol(rec.protocol) })];
    });
}

function sliceFact(manifest: Rec, meta: Rec, ev: EvidenceSource): EndpointSlice {
  const labels = strMap(meta.labels) ?? {};
  const at = str(manifest.addressType);
  return compact({
    kind: 'EndpointSlice' as const,
    namespace: str(meta.namespace),
    name: str(meta.name)!,
    serviceName: labels['kubernetes.io/service-name'],
    addressType: oneOf(at, ['IPv4', 'IPv6', 'FQDN'] as const),
    ports: endpointPorts(manifest.ports),
    endpoints: arr(manifest.endpoints)
      .filter(isRec)
      .map((rec) => endpointFrom(rec, undefined)),
    evidence: [ev.at()],
  });
}

/**
 * core/v1 Endpoints in the EndpointSlice shape: one slice per subset (`name`, then
 * `name-subset-N` for further subsets, which are rare), `ready` from addresses vs notReadyAddresses.
 */
function endpointsFacts(manifest: Rec, meta: Rec, ev: EvidenceSource): EndpointSlice[] {
  const name = str(meta.name)!;
  const subsets = arr(manifest.subsets).filter(isRec);
  const toEndpoint = (address: unknown, ready: boolean): Endpoint | undefined => {
    if (!isRec(address) || !str(address.ip)) return undefined;
    return endpointFrom({ ...address, addresses: [address.ip] }, ready);
  };
  const slices = subsets.map((rec, i) =>
    compact({
      kind: 'EndpointSlice' as const,
      namespace: str(meta.namespace),
      name: i === 0 ? name : `${name}-subset-${i}`,
      serviceName: name,
      addressType: undefined,
      ports: endpointPorts(rec.ports),
      endpoints: [
        ...arr(rec.addresses).map((address) => toEndpoint(address, true)),
        ...arr(rec.notReadyAddresses).map((address) => toEndpoint(address, false)),
      ].filter((endpoint): endpoint is Endpoint => !!endpoint),
      evidence: [ev.at(`subsets[${i}]`)],
    }),
  );
  // An Endpoints object without subsets still says "this Service has no endpoints".
  return slices.length
    ? slices
    : [
        {
          kind: 'EndpointSlice',
          namespace: str(meta.namespace),
          name,
          serviceName: name,
          ports: [],
          endpoints: [],
          evidence: [ev.at()],
        },
      ];
}

function nodeFact(manifest: Rec, meta: Rec, ev: EvidenceSource): K8sNode {
  const spec = rec(manifest.spec);
  const addrs = arr(rec(manifest.status).addresses).filter(isRec);
  const addr = (type: string) => str(addrs.find((rec) => rec.type === type)?.address);
  const ann = strMap(meta.annotations) ?? {};
  let backendData: Rec;
  try {
    backendData = rec(JSON.parse(ann['flannel.alpha.coreos.com/backend-data'] ?? '{}'));
  } catch {
    backendData = {};
  }
  const flannel = compact({
    backendType: ann['flannel.alpha.coreos.com/backend-type'],
    vtepMAC: str(backendData.VtepMAC),
    publicIP: ann['flannel.alpha.coreos.com/public-ip'],
  });
  return compact({
    kind: 'Node' as const,
    name: str(meta.name)!,
    internalIP: addr('InternalIP'),
    externalIP: addr('ExternalIP'),
    podCIDR: str(spec.podCIDR),
    podCIDRs: Array.isArray(spec.podCIDRs)
      ? arr(spec.podCIDRs)
          .map(str)
          .filter((value): value is string => !!value)
      : undefined,
    flannel: Object.keys(flannel).length ? flannel : undefined,
    labels: strMap(meta.labels),
    evidence: [ev.at()],
  });
}

/** The ConfigMaps that shape networking: kube-proxy's mode, Flannel's net-conf.json, CoreDNS's Corefile. */
function configMapFacts(manifest: Rec, meta: Rec, ev: EvidenceSource): ObjectFacts {
  const data = strMap(manifest.data) ?? {};
  const facts: Fact[] = [];
  const withLine = (key: string, needle: string): Evidence[] => {
    const line = ev.inText(`data${/^[A-Za-z0-9_-]+$/.test(key) ? '.' + key : `[${JSON.stringify(key)}]`}`, needle);
    return line ? [line, ev.at()] : [ev.at()];
  };
  if (data['config.conf'] !== undefined) {
    let conf: Rec;
    try {
      conf = rec(parseYaml(data['config.conf'], { maxAliasCount: 10, logLevel: 'error' }));
    } catch {
      conf = {};
    }
    if (conf.kind === 'KubeProxyConfiguration' || conf.mode !== undefined) {
      const configured = str(conf.mode) ?? '';
      // An empty mode means the platform default, which is iptables on Linux.
      const mode =
        configured === 'ipvs' || configured === 'nftables'
          ? configured
          : configured === '' || configured === 'iptables'
            ? 'iptables'
            : undefined;
      if (mode) {
        const kp: KubeProxyConfig = compact({
          kind: 'KubeProxy' as const,
          mode,
          clusterCIDR: str(conf.clusterCIDR) || undefined,
          evidence: withLine('config.conf', 'mode:'),
        });
        if (configured === '')
          kp.evidence.push({ source: 'derived', uri: 'derived:', excerpt: 'mode "" is the Linux default: iptables' });
        facts.push(kp);
      }
    }
  }
  if (data['net-conf.json'] !== undefined) {
    let net: Rec;
    try {
      net = rec(JSON.parse(data['net-conf.json']));
    } catch {
      net = {};
    }
    const backend = rec(net.Backend);
    if (str(net.Network) || str(backend.Type)) {
      const cni: CniConfig = compact({
        kind: 'Cni' as const,
        plugin: 'flannel',
        network: str(net.Network),
        backend: str(backend.Type)?.toLowerCase(),
        vni: int(backend.VNI),
        port: int(backend.Port),
        evidence: withLine('net-conf.json', '"Network"'),
      });
      facts.push(cni);
    }
  }
  if (data.Corefile !== undefined) {
    const corefile = data.Corefile;
    const match = /^\s*kubernetes\s+(?<zones>[^{\n]*)/m.exec(corefile);
    // The plugin lists its zones: the cluster domain plus reverse zones (`in-addr.arpa`,
    // `ip6.arpa`), in any order, with or without a trailing dot.
    const domain = match?.groups?.zones
      .split(/\s+/)
      .map((zone) => zone.replace(/\.$/, ''))
      .find((zone) => zone && !zone.endsWith('.arpa'));
    if (match && domain) {
      const dns: ClusterDns = compact({
        kind: 'ClusterDns' as const,
        domain,
        loadbalance: /^\s*loadbalance\b/m.test(corefile),
        evidence: withLine('Corefile', match[0].trim()),
      });
      // Evidence order: the `kubernetes <domain>` line, the `loadbalance` line, then the ConfigMap.
      const lb = dns.loadbalance ? ev.inText('data.Corefile', 'loadbalance') : undefined;
      if (lb) dns.evidence.splice(dns.evidence.length - 1, 0, lb);
      facts.push(dns);
    }
  }
  return facts.length
    ? { facts }
    : { facts, ignored: `ConfigMap ${str(meta.name) ?? ''} holds no kube-proxy, Flannel or CoreDNS settings` };
}

const PEER_FIELDS = new Set(['podSelector', 'namespaceSelector', 'ipBlock']);

/** What a NetworkPolicy peer admits: pods by labels (of namespaces by labels), or an address block. */
function policyPeer(peer: Rec): NetworkPolicyPeer {
  const pods = peer.podSelector !== undefined ? rec(peer.podSelector) : undefined;
  const namespaces = peer.namespaceSelector !== undefined ? rec(peer.namespaceSelector) : undefined;
  const block = peer.ipBlock !== undefined ? rec(peer.ipBlock) : undefined;
  const evaluated =
    Object.keys(peer).every((key) => PEER_FIELDS.has(key)) &&
    pods?.matchExpressions === undefined &&
    namespaces?.matchExpressions === undefined &&
    (block === undefined || str(block.cidr) !== undefined);
  if (!evaluated) return { unevaluated: true };
  return compact({
    podSelector: pods ? (strMap(pods.matchLabels) ?? {}) : undefined,
    namespaceSelector: namespaces ? (strMap(namespaces.matchLabels) ?? {}) : undefined,
    ipBlock: block
      ? { cidr: str(block.cidr)!, except: arr(block.except).flatMap((cidr) => str(cidr) ?? []) }
      : undefined,
  });
}

/** The ports of a NetworkPolicy rule (protocol TCP unless given). */
function policyPorts(ports: unknown): NetworkPolicyPort[] {
  return arr(ports)
    .filter(isRec)
    .map((port) =>
      compact({
        protocol: str(port.protocol) ?? 'TCP',
        port: int(port.port) ?? str(port.port),
        endPort: int(port.endPort),
      }),
    );
}

function networkPolicyFact(manifest: Rec, meta: Rec, ev: EvidenceSource): NetworkPolicy {
  const spec = rec(manifest.spec);
  const selector = rec(spec.podSelector);
  const ingress = arr(spec.ingress)
    .filter(isRec)
    .map((rule) => arr(rule.from).filter(isRec).map(policyPeer));
  const egress =
    spec.egress !== undefined
      ? arr(spec.egress)
          .filter(isRec)
          .map((rule) => ({ to: arr(rule.to).filter(isRec).map(policyPeer), ports: policyPorts(rule.ports) }))
      : undefined;
  const declared = arr(spec.policyTypes).filter(
    (type): type is 'Ingress' | 'Egress' => type === 'Ingress' || type === 'Egress',
  );
  // Without policyTypes, Ingress always applies and Egress when egress rules are given.
  const policyTypes = declared.length
    ? declared
    : ([...['Ingress'], ...(spec.egress !== undefined ? ['Egress'] : [])] as ('Ingress' | 'Egress')[]);
  return compact({
    kind: 'NetworkPolicy' as const,
    namespace: str(meta.namespace),
    name: str(meta.name)!,
    podSelector: strMap(selector.matchLabels) ?? {},
    selectorUnevaluated: selector.matchExpressions !== undefined ? true : undefined,
    policyTypes,
    ingress,
    egress,
    evidence: [ev.at()],
  });
}

/** Facts for one object; `ignored` explains objects that carry no networking facts. */
export function objectToFacts(manifest: Rec, ev: EvidenceSource): ObjectFacts {
  const kind = str(manifest.kind);
  const meta = rec(manifest.metadata);
  if (!kind) return { facts: [], ignored: 'no kind' };
  if (!str(meta.name)) return { facts: [], ignored: `${kind} without metadata.name` };
  switch (kind) {
    case 'Service':
      return { facts: [serviceFact(manifest, meta, ev)] };
    case 'Pod':
      return { facts: [podFact(manifest, meta, ev)] };
    case 'EndpointSlice':
      return { facts: [sliceFact(manifest, meta, ev)] };
    case 'Endpoints':
      return { facts: endpointsFacts(manifest, meta, ev) };
    case 'Node':
      return { facts: [nodeFact(manifest, meta, ev)] };
    case 'ConfigMap':
      return configMapFacts(manifest, meta, ev);
    case 'NetworkPolicy':
      return { facts: [networkPolicyFact(manifest, meta, ev)] };
    default:
      if (WORKLOAD_KINDS.has(kind)) return { facts: [workloadFact(kind as WorkloadKind, manifest, meta, ev)] };
      return { facts: [], ignored: `${kind} carries no networking facts` };
  }
}
