import {
  namespacedName,
  namespaceOf,
  describeEvidence,
  ipFamily,
  isHeadless,
  type ClusterModel,
  type K8sNode,
  type Pod,
  type Service,
} from '../model';
import { FlowBuilder } from './builder';
import type { TraceContext } from './context';
import { connectionPackets, ipOf, type Connection } from './correlate/connections';
import { conntrackOwners } from './correlate/conntrackOwner';
import { connectionCorrelation, summarizeConnection } from './connectionSummary';
import { chooseFamily, type FamilyWalk, type TraceRequest } from './families/registry';
import { pickPort } from './families/service';
import { unansweredLookupAfter } from './families/dns';
import { findingsAbout } from './findings';
import { nameWasAsked, traceUnresolvedName } from './nameTrace';
import { parseDst, resolveTarget, resolverOf, UnknownTargetError, type Target } from './resolve';
import { nodePortEnds, TraceCache, type RebuiltConnections } from './traceCache';
import type { ConnectionSummary, Flow, FlowFamily, TraceResult } from './types';

export interface TraceOptions {
  /** Skip adding StatefulSet/Deployment pods the manifests imply (default: add them, marked predicted). */
  noPredictedPods?: boolean;
  /** Trace only this connection (1-based, as `Flow.connections` numbers them). */
  connection?: number;
  /**
   * What earlier traces of this same model worked out whatever their question (see TraceCache):
   * used and added to. The result is the same without it.
   */
  cache?: TraceCache;
  /**
   * Given the first flow as soon as it is built and how many the result will hold (a panel can draw
   * it while the others are built). The result is the same with it.
   */
  onFirstFlow?: (flow: Flow, flows: number) => void;
}

/**
 * At most this many connections are traced into flows at once (every one is still listed in
 * `Flow.connections`): a busy client's capture holds thousands. Failed ones come first.
 */
const MAX_TRACED_CONNECTIONS = 20;

const FAILED: ReadonlySet<string> = new Set(['refused', 'reset', 'no-reply', 'unreachable']);

/** Which connections become flows: the one asked for, else failed ones first, then in order, up to the cap. */
function connectionsToTrace(count: number, outcomes: readonly string[], asked?: number): number[] {
  if (asked !== undefined) return asked >= 1 && asked <= count ? [asked - 1] : [];
  const indexes = Array.from({ length: count }, (_, k) => k);
  const failed = indexes.filter((index) => FAILED.has(outcomes[index]));
  const rest = indexes.filter((index) => !FAILED.has(outcomes[index]));
  return [...failed, ...rest].slice(0, MAX_TRACED_CONNECTIONS).sort((left, right) => left - right);
}

/**
 * The node whose own stack sends the source's packets: a node given as source, or the node of a
 * hostNetwork pod (its packets are the node's: nat OUTPUT, the node's addresses, its masquerade).
 */
function sendingNode(model: ClusterModel, src: Target): K8sNode | undefined {
  if (src.kind === 'node') return src.node;
  if (src.kind !== 'pod' || !src.pod.hostNetwork || !src.pod.nodeName) return undefined;
  return model.nodes.find((node) => node.name === src.pod.nodeName);
}

/** A hostNetwork-like stand-in for a node used as source. */
function nodeAsPod(name: string, ip?: string): Pod {
  return { kind: 'Pod', name, nodeName: name, ip, hostNetwork: true, evidence: [] };
}

function title(src: Target, dst: Target, port?: number): string {
  const targetName = (target: Target) =>
    target.kind === 'pod'
      ? target.pod.name
      : target.kind === 'service'
        ? `Service ${target.service.name}`
        : target.kind === 'node'
          ? target.node.name
          : target.dnsName
            ? target.text
            : target.ip;
  return `${targetName(src)} → ${targetName(dst)}${port ? `:${port}` : ''}`;
}

/**
 * Traces how a packet from `from` reaches `to` (`NAME[:PORT[/PROTO]]`) through the
 * cluster the model describes: every hop with its evidence, observed, predicted or
 * contradicted. Throws UnknownTargetError (with close matches) for names nobody has.
 */
export function trace(input: ClusterModel, from: string, to: string, options: TraceOptions = {}): TraceResult {
  // without a cache given, one for this trace alone: the same path either way
  const cache = options.cache ?? new TraceCache();
  const model = cache.modelFor(input, options.noPredictedPods ?? false);
  const spec = parseDst(to);
  const src = resolveTarget(model, from, 'source');
  const client: Pod | undefined =
    src.kind === 'pod'
      ? src.pod
      : src.kind === 'node'
        ? nodeAsPod(src.node.name, src.ip ?? src.node.internalIP)
        : undefined;
  // NODE:NODEPORT may name any node address (even the cni0 gateway), so try it before resolving.
  const byNodePort =
    spec.port !== undefined && ipFamily(spec.text)
      ? findNodePort(model, { kind: 'ip', ip: spec.text, text: spec.text }, spec.port)
      : undefined;
  let dst: Target;
  try {
    dst = byNodePort
      ? (resolveNodeAddress(model, spec.text) ?? { kind: 'ip', ip: spec.text, text: spec.text })
      : resolveTarget(model, spec.text, 'destination', client);
  } catch (e) {
    // A name nobody has, which the client did ask DNS for: the flow stops at the DNS answer.
    if (e instanceof UnknownTargetError && client && nameWasAsked(model, client, spec.text))
      return traceUnresolvedName(model, client, spec.text);
    throw e;
  }

  const nodePortSvc = byNodePort ?? findNodePort(model, dst, spec.port);
  // Every hop of this flow involves the client's address or one of the addresses it talks to, so
  // only those packets are read: a big capture of unrelated traffic costs one filter pass.
  const relevant = relevantAddresses(model, { src, client, dst, nodePortSvc: nodePortSvc?.svc });
  const shared = cache.sharedWork(model, relevant);
  const { sited, correlation: allCorr, veths } = shared;
  const request: TraceRequest = { src, client, dst, spec, nodePortSvc, from };
  const { family, walk } = chooseFamily(request, { model, packets: sited.packets });
  const baseTitle = title(src, dst, spec.port);
  const wanted = connectionTargets(model, request);
  const rebuilt: RebuiltConnections = wanted ? shared.connections() : { every: [], icmpErrorsOf: new Map() };
  const mine = wanted ? rebuilt.every.filter(wanted) : [];
  const { icmpErrorsOf } = rebuilt;
  // a connection on a tuple others used too cites only its own conntrack entries
  const ownConntrack = conntrackOwners(model.all('ConntrackEntry'), rebuilt.every);
  const conntrackOf = (connection: Connection | undefined) => connection && ownConntrack(connection);
  const chains = new Map<string, string | undefined>();
  const summaries = mine.map((connection, k) =>
    summarizeConnection(model, connection, k, { chains, conntrack: conntrackOf(connection) }),
  );

  const flowFor = (connection: Connection | undefined, index: number | undefined, named?: string) => {
    const flowBuilder = new FlowBuilder(
      named ?? (index === undefined ? baseTitle : `${baseTitle} · connection ${index + 1} of ${mine.length}`),
      family,
    );
    flowBuilder.connections = summaries;
    flowBuilder.connection = index;
    const own = connection ? [...connectionPackets(connection), ...(icmpErrorsOf.get(connection) ?? [])] : [];
    const ctx: TraceContext = {
      model,
      packets: own,
      allPackets: sited.packets,
      siteOf: sited.siteOf,
      sites: sited.sites,
      ...(wanted ? { connections: rebuilt.every } : {}),
      connection,
      conntrack: conntrackOf(connection),
      corr: connectionCorrelation(own, allCorr, model),
      veths,
      b: flowBuilder,
      dns: [],
    };
    // A node's connection captured only in its masqueraded form (from its flannel.1 or cni0 address):
    // the flow walks that form, the address every packet of it carries.
    const wire = connection ? ipOf(connection.client) : undefined;
    const asSent =
      sendingNode(model, src) && client && wire !== undefined && wire !== client.ip
        ? { ...request, client: { ...client, ip: wire } }
        : undefined;
    const walked = asSent ? chooseFamily(asSent, { model, packets: sited.packets }) : { family, walk };
    flowBuilder.withScope(own, () => traceOne(ctx, asSent ?? request, walked, summaries));
    return flowBuilder.build();
  };
  const chosen = connectionsToTrace(
    mine.length,
    summaries.map((connectionSummary) => connectionSummary.outcome),
    options.connection,
  );
  // A lookup of the name that failed after every connection the capture shows (the client reached the
  // Service by address, then by name nothing resolved): its own flow, with no connection.
  const lastStart = Math.max(...mine.map((connection) => connection.start ?? -Infinity));
  const lookupAfter =
    chosen.length > 0 &&
    options.connection === undefined &&
    client?.ip !== undefined &&
    !ipFamily(spec.text) &&
    unansweredLookupAfter(
      { allPackets: sited.packets, connections: rebuilt.every, siteOf: sited.siteOf },
      client.ip,
      spec.text,
      lastStart,
    );
  const total = Math.max(chosen.length, 1) + (lookupAfter ? 1 : 0);
  const flows: Flow[] = [];
  for (const index of chosen.length ? chosen : [undefined]) {
    flows.push(index === undefined ? flowFor(undefined, undefined) : flowFor(mine[index], index));
    if (flows.length === 1) options.onFirstFlow?.(flows[0], total);
  }
  if (lookupAfter)
    flows.push(flowFor(undefined, undefined, `${baseTitle} · lookup of ${spec.text} after the connections`));
  const services = flowServices(model, { client, dst, nodePortSvc });
  const unresolved = conflictsAbout(input, [client, dst.kind === 'pod' ? dst.pod : undefined, ...services]);
  if (options.connection === undefined && mine.length > chosen.length)
    unresolved.push(
      `${mine.length} connections between them; ${chosen.length} traced (failed ones first): ` +
        `give --connection N (1–${mine.length}) for another`,
    );
  return { flows, unresolved };
}

/** The Services a flow relies on: the destination (or NodePort) Service and, for names, kube-dns. */
function flowServices(model: ClusterModel, request: Pick<TraceRequest, 'client' | 'dst' | 'nodePortSvc'>): Service[] {
  const { client, dst, nodePortSvc } = request;
  const services: Service[] = [];
  if (nodePortSvc) services.push(nodePortSvc.svc);
  else if (dst.kind === 'service') services.push(dst.service);
  else if (dst.kind === 'pod' && dst.pod.subdomain) {
    const headless = model.findService(dst.pod.subdomain, namespaceOf(dst.pod));
    if (headless) services.push(headless);
  }
  const kubeDns = model.findService('kube-dns', 'kube-system');
  if (client && dst.kind === 'service' && kubeDns) services.push(kubeDns);
  return services;
}

/** One flow: the family's walk of the connection (or its prediction), then the findings about it. */
function traceOne(
  ctx: TraceContext,
  request: TraceRequest,
  chosen: { family: FlowFamily; walk: FamilyWalk },
  peers: readonly ConnectionSummary[],
): void {
  const { client, dst, nodePortSvc } = request;
  chosen.walk(ctx);
  const findings = findingsAbout(ctx, {
    services: flowServices(ctx.model, { client, dst, nodePortSvc }),
    headlessFlow: chosen.family === 'pod-to-headless' || (dst.kind === 'pod' && !!dst.dnsName),
    clientNamespace: client ? namespaceOf(client) : undefined,
    requestedPort: request.spec.port,
    peers,
  });
  for (const finding of findings) ctx.b.finding(finding);
}

/**
 * Which reconstructed connections belong to the flow: the client's (any, for a NodePort from
 * outside) to the destination as the client addressed it (ClusterIP, NodePort, pod), or, when only
 * the translated form was captured, to one of the Service's endpoints.
 */
function connectionTargets(
  model: ClusterModel,
  request: TraceRequest,
): ((connection: Connection) => boolean) | undefined {
  const { src, client, dst, spec, nodePortSvc } = request;
  const fromNode = sendingNode(model, src);
  const clientIps = fromNode ? nodeSendingAddresses(fromNode) : undefined;
  const clientIp = src.kind === 'ip' ? src.ip : client?.ip;
  if (clientIp) clientIps?.add(clientIp);
  const targets = new Set<string>();
  const addresses = new Set<string>();
  const add = (ip: string | undefined, port: number | undefined) => {
    if (!ip || ip === 'None') return;
    if (port === undefined) addresses.add(ip);
    else targets.add(`${ip}:${port}`);
  };
  const addEndpoints = (svc: Service, port: Service['ports'][number] | undefined) => {
    for (const { slice, endpoint } of model.endpointsOf(svc)) {
      const slicePort =
        slice.ports.find((endpointPort) => (endpointPort.name ?? '') === (port?.name ?? '')) ?? slice.ports[0];
      for (const ip of endpoint.addresses)
        add(ip, slicePort?.port ?? (typeof port?.targetPort === 'number' ? port.targetPort : undefined));
    }
    for (const pod of model.podsSelectedBy(svc)) {
      const target = port?.targetPort ?? port?.port;
      add(pod.ip, typeof target === 'number' ? target : /^\d+$/.test(String(target)) ? Number(target) : undefined);
    }
  };
  if (nodePortSvc) {
    const nodeAddresses =
      dst.kind === 'node'
        ? [dst.ip, dst.node.internalIP, dst.node.externalIP]
        : dst.kind === 'ip'
          ? [dst.ip]
          : model.nodes.flatMap((node) => [node.internalIP, node.externalIP]);
    for (const ip of nodeAddresses) add(ip, nodePortSvc.port.nodePort);
    // A node calling a NodePort itself is captured only after the DNAT (and its masquerade).
    if (fromNode) addEndpoints(nodePortSvc.svc, nodePortSvc.port);
  } else if (dst.kind === 'service') {
    const svc = dst.service;
    if (svc.type === 'ExternalName') return undefined;
    const port = pickPort(svc, spec);
    // A port the Service does not have: no rule DNATs it, so only packets to that very port are its own.
    if (!port && spec.port !== undefined && !isHeadless(svc))
      for (const ip of [svc.clusterIP, ...(svc.clusterIPs ?? [])]) add(ip, spec.port);
    else if (isHeadless(svc)) addEndpoints(svc, port);
    else {
      for (const ip of [svc.clusterIP, ...(svc.clusterIPs ?? [])]) add(ip, port?.port);
      addEndpoints(svc, port);
    }
  } else if (dst.kind === 'pod') add(dst.pod.ip, spec.port);
  else if (dst.kind === 'node') add(dst.ip ?? dst.node.internalIP, spec.port);
  else add(dst.ip, spec.port);
  if (!targets.size && !addresses.size) return undefined;
  const wantedProtocol = spec.protocol?.toLowerCase();
  let nodePorts: Set<string> | undefined;
  return (connection) => {
    if (wantedProtocol && connection.protocol !== wantedProtocol) return false;
    // DNS exchanges belong to the DNS phase, not to the flow's connections (unless port 53 was asked for).
    if (connection.protocol === 'udp' && connection.original.sightings[0]?.frame.dns && spec.port !== 53) return false;
    const connectionClient = ipOf(connection.client);
    if (clientIps ? !clientIps.has(connectionClient) : clientIp && connectionClient !== clientIp) return false;
    // Where the client sent it: the original leg and its DNATed forms (a masqueraded leg has another
    // sender); the DNATed form names the Service's pods even when the ClusterIP the client addressed is
    // not the one the manifests give. A connection addressed to a node's NodePort is that NodePort's,
    // although its reply can show a DNATed form (client → pod, at `cni0 In`).
    const original = connection.original.to;
    if (targets.has(original) || addresses.has(ipOf(original))) return true;
    if (!nodePortSvc && (nodePorts ??= nodePortEnds(model)).has(original)) return false;
    return connection.legs
      .filter((leg) => ipOf(leg.from) === connectionClient)
      .some((leg) => targets.has(leg.to) || addresses.has(ipOf(leg.to)));
  };
}

/**
 * The addresses a node sends from: its own, and (Flannel) its flannel.1 and cni0 addresses, the
 * first two of its pod subnet, which kube-proxy's and Flannel's MASQUERADE give its packets on the
 * way to a pod. A node's connection to a Service is often captured only in that form.
 */
function nodeSendingAddresses(node: K8sNode): Set<string> {
  const addresses = new Set([node.internalIP, node.externalIP].filter((ip) => ip !== undefined));
  for (const cidr of [node.podCIDR, ...(node.podCIDRs ?? [])]) {
    const network = cidr && /^(?<prefix>\d+\.\d+\.\d+\.)0\/(?:1[6-9]|2[0-4])$/.exec(cidr)?.groups?.prefix;
    if (network) for (const last of [0, 1]) addresses.add(`${network}${last}`);
  }
  return addresses;
}

/** The addresses a flow can touch; undefined when the client's own address is unknown (then nothing is filtered). */
function relevantAddresses(
  model: ClusterModel,
  ends: { src: Target; client: Pod | undefined; dst: Target; nodePortSvc?: Service },
): Set<string> | undefined {
  const { src, client, dst, nodePortSvc } = ends;
  const start = src.kind === 'ip' ? src.ip : client?.ip;
  if (!start) return undefined;
  const fromNode = sendingNode(model, src);
  const set = new Set<string>([start, ...(fromNode ? nodeSendingAddresses(fromNode) : [])]);
  const add = (ip?: string) => {
    if (ip && ip !== 'None') set.add(ip);
  };
  // Endpoints kube-proxy's rules name for a Service (DNAT targets, `ns/name -> ip:port` comments).
  const addNatTargets = (tag: string) => {
    for (const natRule of model.all('NatRule')) {
      if (!natRule.comment?.startsWith(tag)) continue;
      if (natRule.dnatTo) add(natRule.dnatTo.ip);
      const target = /->\s*(?<ip>[0-9.]+):/.exec(natRule.comment)?.groups?.ip;
      if (target) add(target);
    }
  };
  const addService = (svc: Service) => {
    add(svc.clusterIP);
    for (const ip of svc.clusterIPs ?? []) add(ip);
    for (const { endpoint } of model.endpointsOf(svc)) for (const ip of endpoint.addresses) add(ip);
    for (const pod of model.podsSelectedBy(svc)) add(pod.ip);
    addNatTargets(namespacedName(svc));
  };
  if (dst.kind === 'pod') add(dst.pod.ip);
  if (dst.kind === 'ip') add(dst.ip);
  if (dst.kind === 'node') {
    add(dst.ip);
    add(dst.node.internalIP);
  }
  if (dst.kind === 'service') addService(dst.service);
  if (nodePortSvc) addService(nodePortSvc);
  const dns = model.findService('kube-dns', 'kube-system');
  if (dns) addService(dns);
  add(model.kubeDnsIP);
  // The client's own nameserver (its resolv.conf may name another address), as the DNS phase picks it.
  const nameserver = client ? resolverOf(model, client).nameserver : undefined;
  const nsService = model.services.find((service) => service.clusterIP === nameserver);
  add(nameserver);
  if (nsService) addService(nsService);
  else if (nameserver && !dns) addNatTargets('kube-system/kube-dns');
  // the servers asked and the addresses they answered
  for (const dnsLookup of model.all('DnsLookup')) {
    add(dnsLookup.server);
    for (const dnsAnswer of dnsLookup.answers) if (/^[0-9.]+$/.test(dnsAnswer.data)) add(dnsAnswer.data);
  }
  for (const node of model.nodes) {
    add(node.internalIP);
    add(node.flannel?.publicIP);
  }
  return set;
}

/** Sources that disagree about the objects this flow relies on: the flow used the first value. */
function conflictsAbout(model: ClusterModel, objects: (Pod | Service | undefined)[]): string[] {
  const keys = new Set(
    objects
      .filter((object): object is Pod | Service => !!object)
      .map((object) => `${object.kind}|${namespacedName(object)}`),
  );
  return model.conflicts
    .filter((conflict) => keys.has(`${conflict.kind}|${conflict.key}`))
    .map((conflict) => {
      const claims = conflict.values.map(
        (claim) => `${JSON.stringify(claim.value)} (${claim.evidence.slice(0, 2).map(describeEvidence).join(', ')})`,
      );
      return (
        `sources disagree on ${conflict.kind} ${conflict.key} ${conflict.field}: ` +
        `${claims.join(' vs ')}; the flow uses the first`
      );
    });
}

/** A node named by one of its addresses. */
function resolveNodeAddress(model: ClusterModel, ip: string): Target | undefined {
  const node = model.nodes.find((candidate) => candidate.internalIP === ip || candidate.externalIP === ip);
  return node ? { kind: 'node', node: node, ip, text: ip } : undefined;
}

function findNodePort(
  model: ClusterModel,
  dst: Target,
  port?: number,
): { svc: Service; port: Service['ports'][number] } | undefined {
  if (port === undefined) return undefined;
  const candidates =
    dst.kind === 'service' ? [dst.service] : dst.kind === 'node' || dst.kind === 'ip' ? model.services : [];
  for (const svc of candidates) {
    if (dst.kind === 'service' && svc.ports.some((servicePort) => servicePort.port === port)) continue;
    const matched = svc.ports.find((servicePort) => servicePort.nodePort === port);
    if (matched) return { svc, port: matched };
  }
  return undefined;
}
