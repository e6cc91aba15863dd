/**
 * Kubernetes API objects (wire-format JSON, as `kubectl get -o json` also prints them)
 * → model facts. Pure functions: no I/O, never throw, unknown fields are ignored.
 */
import type { Container, Endpoint, EndpointSlice, K8sNode, ObjectRef, Pod, Service, ServicePort, ServiceType, Workload, WorkloadKind } from '../../model';
import { clusterEvidence } from './evidence';
import { bool, compact, int, list, obj, protocol, str, strList, strMap, type Json } from './json';

const FLANNEL = 'flannel.alpha.coreos.com/';

function meta(o: Json): { name: string; namespace?: string; labels?: Record<string, string>; annotations: Json } {
  const m = obj(o.metadata);
  return { name: str(m.name) ?? '', namespace: str(m.namespace), labels: strMap(m.labels), annotations: obj(m.annotations) };
}

function containers(v: unknown): Container[] | undefined {
  const out = list(v).map((c) => {
    const co = obj(c);
    return compact<Container>({
      name: str(co.name) ?? '',
      image: str(co.image),
      ports: list(co.ports).flatMap((p) => {
        const po = obj(p);
        const containerPort = int(po.containerPort);
        return containerPort === undefined ? [] : [compact({ name: str(po.name), containerPort, protocol: protocol(po.protocol) })];
      }),
    });
  });
  return out.length ? out : undefined;
}

export function nodeFact(o: Json, context: string): K8sNode {
  const m = meta(o);
  const spec = obj(o.spec);
  const addresses = list(obj(o.status).addresses).map(obj);
  const address = (type: string) => str(addresses.find((a) => a.type === type)?.address);
  let vtepMAC: string | undefined;
  const backendData = str(m.annotations[`${FLANNEL}backend-data`]);
  if (backendData) {
    try { vtepMAC = str(obj(JSON.parse(backendData)).VtepMAC); } catch { /* not JSON: leave unknown */ }
  }
  const flannel = compact({
    backendType: str(m.annotations[`${FLANNEL}backend-type`]),
    vtepMAC,
    publicIP: str(m.annotations[`${FLANNEL}public-ip`]),
  });
  return compact<K8sNode>({
    kind: 'Node',
    name: m.name,
    internalIP: address('InternalIP'),
    externalIP: address('ExternalIP'),
    podCIDR: str(spec.podCIDR),
    podCIDRs: strList(spec.podCIDRs),
    flannel: Object.keys(flannel).length ? flannel : undefined,
    labels: m.labels,
    evidence: [clusterEvidence(context, 'Node', undefined, m.name)],
  });
}

function controllerOf(o: Json, namespace: string | undefined): ObjectRef | undefined {
  const refs = list(obj(o.metadata).ownerReferences).map(obj);
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  const name = ref && str(ref.name);
  const kind = ref && str(ref.kind);
  return name && kind ? compact<ObjectRef>({ kind, namespace, name }) : undefined;
}

export function podFact(o: Json, context: string): Pod {
  const m = meta(o);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const readyCondition = list(status.conditions).map(obj).find((c) => c.type === 'Ready');
  const ips = list(status.podIPs).map((p) => str(obj(p).ip)).filter((x): x is string => !!x);
  return compact<Pod>({
    kind: 'Pod',
    namespace: m.namespace,
    name: m.name,
    ip: str(status.podIP),
    ips: ips.length ? ips : undefined,
    nodeName: str(spec.nodeName),
    hostIP: str(status.hostIP),
    hostNetwork: bool(spec.hostNetwork),
    phase: str(status.phase),
    ready: readyCondition ? readyCondition.status === 'True' : undefined,
    labels: m.labels,
    hostname: str(spec.hostname),
    subdomain: str(spec.subdomain),
    owner: controllerOf(o, m.namespace),
    containers: containers(spec.containers),
    evidence: [clusterEvidence(context, 'Pod', m.namespace, m.name, str(status.podIP) && `podIP: ${String(status.podIP)}`)],
  });
}

const SERVICE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);

export function serviceFact(o: Json, context: string): Service {
  const m = meta(o);
  const spec = obj(o.spec);
  const ports: ServicePort[] = list(spec.ports).flatMap((p) => {
    const po = obj(p);
    const port = int(po.port);
    if (port === undefined) return [];
    const target = po.targetPort;
    return [compact<ServicePort>({
      name: str(po.name),
      protocol: protocol(po.protocol),
      port,
      targetPort: typeof target === 'number' ? target : str(target),
      nodePort: int(po.nodePort),
      appProtocol: str(po.appProtocol),
    })];
  });
  const lbIPs = list(obj(obj(o.status).loadBalancer).ingress).map((i) => str(obj(i).ip)).filter((x): x is string => !!x);
  const type = str(spec.type);
  const policy = (v: unknown) => (v === 'Cluster' || v === 'Local' ? v : undefined);
  return compact<Service>({
    kind: 'Service',
    namespace: m.namespace,
    name: m.name,
    type: type && SERVICE_TYPES.has(type) ? (type as ServiceType) : undefined,
    clusterIP: str(spec.clusterIP),
    clusterIPs: strList(spec.clusterIPs),
    ports,
    selector: strMap(spec.selector),
    sessionAffinity: spec.sessionAffinity === 'ClientIP' || spec.sessionAffinity === 'None' ? spec.sessionAffinity : undefined,
    sessionAffinityTimeoutSeconds: int(obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds),
    externalName: str(spec.externalName),
    externalTrafficPolicy: policy(spec.externalTrafficPolicy),
    internalTrafficPolicy: policy(spec.internalTrafficPolicy),
    externalIPs: strList(spec.externalIPs),
    loadBalancerIPs: lbIPs.length ? lbIPs : undefined,
    publishNotReadyAddresses: bool(spec.publishNotReadyAddresses),
    labels: m.labels,
    evidence: [clusterEvidence(context, 'Service', m.namespace, m.name, str(spec.clusterIP) && `clusterIP: ${String(spec.clusterIP)}`)],
  });
}

export function endpointSliceFact(o: Json, context: string): EndpointSlice {
  const m = meta(o);
  const addressType = o.addressType === 'IPv4' || o.addressType === 'IPv6' || o.addressType === 'FQDN' ? o.addressType : undefined;
  const endpoints: Endpoint[] = list(o.endpoints).map((e) => {
    const eo = obj(e);
    const cond = obj(eo.conditions);
    const ref = obj(eo.targetRef);
    const refName = str(ref.name);
    return compact<Endpoint>({
      addresses: strList(eo.addresses) ?? [],
      ready: bool(cond.ready),
      serving: bool(cond.serving),
      terminating: bool(cond.terminating),
      hostname: str(eo.hostname),
      nodeName: str(eo.nodeName),
      zone: str(eo.zone),
      targetRef: refName ? compact<ObjectRef>({ kind: str(ref.kind) ?? 'Pod', namespace: str(ref.namespace), name: refName }) : undefined,
    });
  });
  return compact<EndpointSlice>({
    kind: 'EndpointSlice',
    namespace: m.namespace,
    name: m.name,
    serviceName: m.labels?.['kubernetes.io/service-name'],
    addressType,
    // A slice port without a number means "all ports" (rare); it cannot be traced, so it is left out.
    ports: list(o.ports).flatMap((p) => {
      const po = obj(p);
      const port = int(po.port);
      return port === undefined ? [] : [compact({ name: str(po.name), port, protocol: protocol(po.protocol) })];
    }),
    endpoints,
    evidence: [clusterEvidence(context, 'EndpointSlice', m.namespace, m.name)],
  });
}

export function workloadFact(kind: Exclude<WorkloadKind, 'ReplicaSet'>, o: Json, context: string): Workload {
  const m = meta(o);
  const spec = obj(o.spec);
  const template = obj(spec.template);
  const podSpec = obj(template.spec);
  return compact<Workload>({
    kind,
    namespace: m.namespace,
    name: m.name,
    replicas: int(spec.replicas),
    serviceName: str(spec.serviceName),
    selector: strMap(obj(spec.selector).matchLabels),
    podLabels: strMap(obj(template.metadata).labels),
    containers: containers(podSpec.containers),
    hostNetwork: bool(podSpec.hostNetwork),
    evidence: [clusterEvidence(context, kind, m.namespace, m.name)],
  });
}
