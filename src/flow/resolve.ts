import {
  namespacedName,
  namespaceOf,
  cidrContains,
  ipFamily,
  isHeadless,
  podSearchList,
  searchExpansion,
  type ClusterModel,
  type DnsConfig,
  type Evidence,
  type K8sNode,
  type Packet,
  type Pod,
  type Protocol,
  type Service,
  type ServicePort,
} from '../model';
import { closeMatches } from './closeMatches';
import { dnsQuestions } from './correlate/dnsQuestions';
import { nodeOfPodIp } from './correlate/sites';

/** What SRC or DST named, once resolved against the model. */
export type Target =
  | { kind: 'pod'; pod: Pod; text: string; dnsName?: string }
  | { kind: 'service'; service: Service; text: string; dnsName?: string; byIp?: string }
  | { kind: 'node'; node: K8sNode; ip?: string; text: string }
  | { kind: 'ip'; ip: string; text: string; dnsName?: string };

export interface DstSpec {
  text: string;
  port?: number;
  protocol?: Protocol;
}

/** A SRC/DST nobody in the model answers to; `suggestions` are the closest known names. */
export class UnknownTargetError extends Error {
  constructor(
    readonly role: 'source' | 'destination',
    readonly text: string,
    readonly suggestions: string[],
  ) {
    const hint = suggestions.length
      ? ` Close matches: ${suggestions.join(', ')}`
      : ' Nothing similar is known: add manifests or logs that mention it.';
    super(`unknown ${role} '${text}'.${hint}`);
    this.name = 'UnknownTargetError';
  }
}

/** Splits `a-app:80/TCP`, `10.96.0.10:53/udp`, `[fd00::1]:80` into the name and port. */
export function parseDst(text: string): DstSpec {
  const match = /^(?<host>\[[^\]]+\]|[^:]+):(?<port>\d+)(?:\/(?<protocol>tcp|udp|sctp))?$/i.exec(text.trim());
  if (!match?.groups) return { text: text.trim().replace(/^\[|\]$/g, '') };
  const { host, port, protocol } = match.groups;
  return {
    text: host.replace(/^\[|\]$/g, ''),
    port: Number(port),
    protocol: protocol?.toUpperCase() as Protocol | undefined,
  };
}

/** The resolv.conf a pod uses: pasted for it, else what kubelet writes for a ClusterFirst pod. */
export function resolverOf(
  model: ClusterModel,
  pod: Pod | undefined,
): { config: DnsConfig | undefined; search: string[]; ndots: number; nameserver?: string } {
  const config = pod
    ? (model
        .all('DnsConfig')
        .find((dnsConfig) => dnsConfig.owner === pod.name || dnsConfig.owner === namespacedName(pod)) ??
      (model.all('DnsConfig').length === 1 && !model.all('DnsConfig')[0].owner ? model.all('DnsConfig')[0] : undefined))
    : undefined;
  if (config) return { config, search: config.search, ndots: config.ndots ?? 1, nameserver: config.nameservers[0] };
  // Without resolv.conf, the server nslookup/dig reported is the cluster DNS the pods use.
  return {
    config: undefined,
    search: podSearchList(pod ? namespaceOf(pod) : 'default', model.clusterDomain),
    ndots: 5,
    nameserver: model.kubeDnsIP ?? model.all('DnsLookup').find((dnsLookup) => dnsLookup.server)?.server,
  };
}

/** Resolves SRC or DST text: IP, `ns/name`, pod or Service name, cluster DNS name (with the client's search list). */
export function resolveTarget(model: ClusterModel, text: string, role: 'source' | 'destination', client?: Pod): Target {
  const trimmed = text.trim();
  if (ipFamily(trimmed)) return resolveIp(model, trimmed, role);
  const slash = trimmed.split('/');
  if (slash.length === 2) {
    const [namespace, name] = slash;
    const pod = model.findPod(name, namespace);
    const svc = model.findService(name, namespace);
    const pick = role === 'source' ? (pod ?? undefined) : (svc ?? pod);
    if (pick?.kind === 'Pod') return { kind: 'pod', pod: pick, text: trimmed };
    if (pick?.kind === 'Service') return { kind: 'service', service: pick, text: trimmed };
    throw new UnknownTargetError(role, trimmed, closeMatches(model, trimmed));
  }
  if (trimmed.includes('.')) {
    const byDns = resolveDnsName(model, trimmed, client);
    if (byDns) return byDns;
  }
  const pod = model.findPod(trimmed);
  const svc = model.findService(trimmed, client ? namespaceOf(client) : undefined) ?? model.findService(trimmed);
  if (role === 'destination' && svc) return { kind: 'service', service: svc, text: trimmed };
  if (pod) return { kind: 'pod', pod, text: trimmed };
  if (svc) return { kind: 'service', service: svc, text: trimmed };
  const node = model.nodes.find((candidate) => candidate.name === trimmed);
  if (node) return { kind: 'node', node, ip: node.internalIP, text: trimmed };
  const answered = role === 'destination' ? answeredInCaptures(model, trimmed, client) : undefined;
  if (answered) return answered;
  throw new UnknownTargetError(role, trimmed, closeMatches(model, trimmed));
}

function resolveDnsName(model: ClusterModel, typed: string, client?: Pod): Target | undefined {
  const { search, ndots } = resolverOf(model, client);
  for (const name of searchExpansion(typed, search, ndots)) {
    const hit = model.byDnsName(name);
    if (hit?.pod && hit.service && isHeadless(hit.service) && name.split('.').length > 5)
      return { kind: 'pod', pod: hit.pod, text: typed, dnsName: name };
    if (hit?.service) return { kind: 'service', service: hit.service, text: typed, dnsName: name };
    if (hit?.pod) return { kind: 'pod', pod: hit.pod, text: typed, dnsName: name };
  }
  return undefined;
}

/** The cluster's pod networks: Flannel's network, kube-proxy's clusterCIDR, the nodes' pod CIDRs. */
function podNetworks(model: ClusterModel): string[] {
  const cidrs = [
    ...model.all('Cni').map((cniConfig) => cniConfig.network),
    ...model.all('KubeProxy').map((config) => config.clusterCIDR),
    ...model.nodes.flatMap((node) => [node.podCIDR, ...(node.podCIDRs ?? [])]),
  ];
  return cidrs.filter((cidr): cidr is string => !!cidr);
}

/**
 * A name nothing declares that a DNS answer in the captures (or a lookup by hand) gave an address
 * for, through the search list as the client's resolver tries it: the address the answer names,
 * resolved as the captures show it (a Service its rules name, a pod …), with the name kept.
 */
function answeredInCaptures(model: ClusterModel, name: string, client?: Pod): Target | undefined {
  const { search, ndots } = resolverOf(model, client);
  const tried = searchExpansion(name, search, ndots).map((candidate) => candidate.replace(/\.$/, '').toLowerCase());
  const wanted = new Set(tried);
  for (const lookup of model.all('DnsLookup')) {
    const asked = lookup.question.name.replace(/\.$/, '').toLowerCase();
    const address = lookup.answers.find((dnsAnswer) => dnsAnswer.type === 'A')?.data;
    if (wanted.has(asked) && address)
      return withName(answeredAddress(model, asked, address, lookup.evidence), name, asked);
  }
  // The client's own answers: every capture line touching its address, its DNS answers among them.
  const own = client?.ip ? model.packetsTouching(new Set([client.ip])) : [];
  const answers = own.filter(
    (packet) => packet.dns?.response && packet.dns.answers?.some((answer) => answer.type === 'A'),
  );
  const question = dnsQuestions(own);
  for (const packet of answers) {
    const asked = question(packet)?.name.replace(/\.$/, '').toLowerCase();
    const address = packet.dns!.answers!.find((answer) => answer.type === 'A')?.data;
    if (asked && wanted.has(asked) && address)
      return withName(answeredAddress(model, asked, address, packet.evidence), name, asked);
  }
  return undefined;
}

/** The ports the captures show clients sending to (or answered from) an address, as a Service's ports. */
function portsSentTo(model: ClusterModel, address: string): ServicePort[] {
  const ports = new Map<string, ServicePort>();
  for (const packet of model.packetsTouching(new Set([address]))) {
    const frame = packet.inner?.network === 'ip' ? packet.inner : packet;
    const end = frame.dst?.ip === address ? frame.dst : frame.src?.ip === address ? frame.src : undefined;
    const protocol = frame.protocol === 'tcp' ? 'TCP' : frame.protocol === 'udp' ? 'UDP' : undefined;
    if (end?.port === undefined || protocol === undefined) continue;
    ports.set(`${protocol}/${end.port}`, { protocol, port: end.port });
  }
  return [...ports.values()];
}

/** `<service>.<namespace>.svc.<zone>`: the name cluster DNS gives a Service (the zone is the cluster's domain). */
const SERVICE_NAME =
  /^(?<service>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.(?<namespace>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.svc\./;

/**
 * The address a DNS answer gave for a name: what the model knows it as; else, for a Service's cluster
 * name answered with an address nothing else claims, that Service (its ClusterIP is the answer; its
 * ports are unknown), so the trace follows kube-proxy's DNAT instead of the default route.
 */
function answeredAddress(model: ClusterModel, asked: string, address: string, evidence: Evidence[]): Target {
  const known = resolveIp(model, address, 'destination');
  const named = SERVICE_NAME.exec(asked)?.groups;
  if (known.kind !== 'ip' || !named) return known;
  const service: Service = {
    kind: 'Service',
    namespace: named.namespace,
    name: named.service,
    clusterIP: address,
    ports: portsSentTo(model, address),
    evidence,
  };
  return { kind: 'service', service, text: address, byIp: address };
}

function withName(target: Target, text: string, dnsName: string): Target {
  // Reached by its name: the DNS phase is part of the flow (not a trace to the bare address).
  if (target.kind === 'service') return { kind: 'service', service: target.service, text, dnsName };
  if (target.kind === 'pod') return { ...target, text, dnsName };
  // An address outside the cluster a name resolved to (CoreDNS forwarded the name).
  if (target.kind === 'ip') return { ...target, text, dnsName };
  return target;
}

/**
 * Whether a capture shows the address inside an overlay frame (Flannel's VXLAN carries pod addresses
 * between nodes, and node addresses outside): then it is in the pod network, though nothing declares it.
 */
function carriedByOverlay(seen: readonly Packet[], ip: string): boolean {
  return seen.some((packet) => packet.inner?.src?.ip === ip || packet.inner?.dst?.ip === ip);
}

/** The pod subnet (/24, Flannel's default) of a node named by its pods' addresses. */
function nodeNameOfPodIp(model: ClusterModel, ip: string): string {
  return nodeOfPodIp(model, ip) ?? `node(${ip.split('.').slice(0, 3).join('.')}.0/24)`;
}

/**
 * An address nothing names, told from what the captures and rules show (issue: traces from captures
 * alone): a ClusterIP that kube-proxy's rules name is that Service; the first two addresses of a pod
 * subnet (flannel.1's .0, cni0's .1) are that node; any other address a capture shows leaving a pod's
 * veth, or inside a pod network, is a pod whose name is unknown.
 */
function resolveFromCaptures(model: ClusterModel, ip: string): Target | undefined {
  const portal = model
    .all('NatRule')
    .find(
      (natRule) =>
        (natRule.chain === 'KUBE-SERVICES' || natRule.kubeProxy?.role === 'service-portal') &&
        natRule.destination?.cidr.replace(/\/32$/, '') === ip &&
        /^[\w.-]+\/[\w.-]+/.test(natRule.comment ?? ''),
    );
  if (portal) {
    const named = /^(?<namespace>[\w.-]+)\/(?<name>[\w.-]+?)(?::(?<portName>[\w-]+))?(?: |$)/.exec(
      portal.comment ?? '',
    )?.groups;
    if (named) {
      const ports = model
        .all('NatRule')
        .filter(
          (natRule) =>
            natRule.destination?.cidr.replace(/\/32$/, '') === ip &&
            natRule.dport !== undefined &&
            natRule.chain === portal.chain,
        )
        .map((natRule) => ({
          name: /:(?<portName>[\w-]+) /.exec(natRule.comment ?? '')?.groups?.portName,
          protocol: natRule.protocol?.toUpperCase() === 'UDP' ? ('UDP' as const) : ('TCP' as const),
          port: natRule.dport!,
        }));
      const service: Service = {
        kind: 'Service',
        namespace: named.namespace,
        name: named.name,
        clusterIP: ip,
        ports,
        evidence: portal.evidence,
      };
      return { kind: 'service', service, text: ip, byIp: ip };
    }
  }
  const seen = model.packetsTouching(new Set([ip]));
  const inPodNetwork = podNetworks(model).some((cidr) => cidrContains(cidr, ip)) || carriedByOverlay(seen, ip);
  const leftPod = seen.find(
    (packet) => packet.src?.ip === ip && packet.interface?.startsWith('veth') && packet.direction !== 'Out',
  );
  if (!inPodNetwork && !leftPod) return undefined;
  const last = Number(ip.split('.').at(-1));
  const nodeName = nodeNameOfPodIp(model, ip);
  if (!leftPod && (last === 0 || last === 1)) {
    const node = model.nodes.find((candidate) => candidate.name === nodeName) ?? {
      kind: 'Node' as const,
      name: nodeName,
      evidence: seen.slice(0, 1).flatMap((packet) => packet.evidence),
    };
    return { kind: 'node', node, ip, text: ip };
  }
  return { kind: 'pod', pod: unnamedPod(model, ip), text: ip };
}

/**
 * A pod known only by its address (a capture shows it, nothing names it): `pod 10.244.1.20`, on
 * the node whose pod CIDR holds the address when the model knows one.
 */
export function unnamedPod(model: ClusterModel, ip: string): Pod {
  const nodeName = nodeNameOfPodIp(model, ip);
  const seen = model.packetsTouching(new Set([ip]));
  const leftPod = seen.find(
    (packet) => packet.src?.ip === ip && packet.interface?.startsWith('veth') && packet.direction !== 'Out',
  );
  return {
    kind: 'Pod',
    name: `pod ${ip}`,
    ip,
    nodeName: model.nodes.some((node) => node.name === nodeName) ? nodeName : undefined,
    evidence: (leftPod ? [leftPod] : seen.slice(0, 1)).flatMap((packet) => packet.evidence),
  };
}

function resolveIp(model: ClusterModel, ip: string, role: 'source' | 'destination'): Target {
  const owners = model.byIp(ip);
  const pod = owners.find((owner) => owner.role === 'pod');
  const svc = owners.find((owner) => owner.role === 'service');
  const node = owners.find((owner) => owner.role === 'node');
  if (pod?.role === 'pod') return { kind: 'pod', pod: pod.pod, text: ip };
  if (svc?.role === 'service') return { kind: 'service', service: svc.service, text: ip, byIp: ip };
  if (node?.role === 'node') return { kind: 'node', node: node.node, ip, text: ip };
  const ep = owners.find((owner) => owner.role === 'endpoint');
  if (ep?.role === 'endpoint' && ep.endpoint.targetRef?.kind === 'Pod') {
    const pod = model.findPod(ep.endpoint.targetRef.name, ep.endpoint.targetRef.namespace ?? ep.slice.namespace);
    if (pod) return { kind: 'pod', pod: pod, text: ip };
  }
  if (ep?.role === 'endpoint') {
    return {
      kind: 'pod',
      pod: {
        kind: 'Pod',
        name: ep.endpoint.targetRef?.name ?? ip,
        namespace: ep.slice.namespace,
        ip,
        nodeName: ep.endpoint.nodeName,
        evidence: ep.slice.evidence,
      },
      text: ip,
    };
  }
  const fromCaptures = resolveFromCaptures(model, ip);
  if (fromCaptures) return fromCaptures;
  // Any address is a legitimate destination (traceroute to the internet); a source must be known.
  const inPodNetwork = podNetworks(model).some((cidr) => cidrContains(cidr, ip));
  if (role === 'destination' && !inPodNetwork) return { kind: 'ip', ip, text: ip };
  if (role === 'source' && !inPodNetwork && model.pods.length > 0) return { kind: 'ip', ip, text: ip };
  throw new UnknownTargetError(role, ip, closeMatches(model, ip));
}
