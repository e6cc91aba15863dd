import {
  namespacedName,
  namespaceOf,
  cidrContains,
  derivedEvidence,
  describeEvidence,
  ipFamily,
  isHeadless,
  type ClusterModel,
  type Pod,
  type Service,
} from '../model';
import { nodeActor, routingActor } from './actors';
import { FlowBuilder } from './builder';
import type { TraceContext } from './context';
import { correlate, correlateOptionsOf } from './correlate/correlate';
import { declaredClaims, vethOwnership } from './correlate/vethOwnership';
import { podByIp } from './families/endpoints';
import { podToPodFamily, tracePodToPod } from './families/podToPod';
import {
  traceClusterIp,
  traceExternalName,
  traceHeadless,
  traceHeadlessPod,
  traceNodePort,
  toDefaultGateway,
} from './families/service';
import { podToBridge } from './families/localHops';
import { nodeOf } from './context';
import {
  bridgeFlooding,
  clusterIpTraceroute,
  dnsSearchAmplification,
  headlessSpread,
  mtuMss,
  nothingAnswers,
} from './findings';
import { withPredictedPods } from './predictPods';
import { parseDst, resolverOf, resolveTarget, type Target } from './resolve';
import type { Finding, TraceResult } from './types';

export interface TraceOptions {
  /** Skip adding StatefulSet/Deployment pods the manifests imply (default: add them, marked predicted). */
  noPredictedPods?: boolean;
}

/** A hostNetwork-like stand-in for a node used as source. */
function nodeAsPod(name: string, ip?: string): Pod {
  return { kind: 'Pod', name, nodeName: name, ip, hostNetwork: true, evidence: [] };
}

function title(src: Target, dst: Target, port?: number): string {
  const n = (t: Target) =>
    t.kind === 'pod'
      ? t.pod.name
      : t.kind === 'service'
        ? `Service ${t.service.name}`
        : t.kind === 'node'
          ? t.node.name
          : t.ip;
  return `${n(src)} → ${n(dst)}${port ? `:${port}` : ''}`;
}

/**
 * Traces how a packet from `from` reaches `to` (`NAME[:PORT[/PROTO]]`) through the
 * cluster the model describes: every hop with its evidence, observed, predicted or
 * contradicted. Throws UnknownTargetError (with close matches) for names nobody has.
 */
export function trace(input: ClusterModel, from: string, to: string, options: TraceOptions = {}): TraceResult {
  const model = options.noPredictedPods ? input : withPredictedPods(input);
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
  const dst: Target = byNodePort
    ? (resolveNodeAddress(model, spec.text) ?? { kind: 'ip', ip: spec.text, text: spec.text })
    : resolveTarget(model, spec.text, 'destination', client);

  const nodePortSvc = byNodePort ?? findNodePort(model, dst, spec.port);
  // Every hop of this flow involves the client's address or one of the addresses it talks to, so
  // only those packets are correlated: a big capture of unrelated traffic costs one filter pass.
  // Families and findings read the same list (ctx.packets): none of them asks the model for every packet.
  const relevant = relevantAddresses(model, src, client, dst, nodePortSvc?.svc);
  const packets = relevant ? model.packetsTouching(relevant) : model.packets;
  const corr = correlate(packets, correlateOptionsOf(model));
  const veths = vethOwnership([...declaredClaims(model), ...corr.vethClaims]);
  const family = nodePortSvc
    ? 'nodeport'
    : dst.kind === 'pod' && client
      ? podToPodFamily({ model, packets } as TraceContext, client, dst.pod)
      : dst.kind === 'service'
        ? dst.service.type === 'ExternalName'
          ? 'external-name'
          : isHeadless(dst.service)
            ? 'pod-to-headless'
            : 'pod-to-service'
        : 'pod-to-external';
  const b = new FlowBuilder(title(src, dst, spec.port), family);
  const ctx: TraceContext = { model, packets, corr, veths, b, dns: [] };
  const services: Service[] = [];

  if (nodePortSvc) {
    const nodeName =
      dst.kind === 'node' ? dst.node.name : client ? nodeOf(ctx, client) : (model.nodes[0]?.name ?? 'node');
    const nodeAddr =
      dst.kind === 'node' ? (dst.ip ?? dst.node.internalIP ?? dst.node.name) : dst.kind === 'ip' ? dst.ip : nodeName;
    traceNodePort(
      ctx,
      client,
      src.kind === 'ip' ? src.ip : client?.ip,
      nodeName,
      nodeAddr,
      nodePortSvc.svc,
      nodePortSvc.port,
    );
    services.push(nodePortSvc.svc);
  } else if (!client) {
    b.need(
      `source ${from} is outside the cluster: only NodePort/LoadBalancer Services or externalIPs reach pods from there (give DST as NODE:NODEPORT)`,
    );
  } else if (dst.kind === 'pod') {
    if (dst.dnsName) traceHeadlessPod(ctx, client, dst.pod, dst.text, spec);
    else tracePodToPod(ctx, client, dst.pod, spec);
    if (dst.pod.subdomain) {
      const s = model.findService(dst.pod.subdomain, namespaceOf(dst.pod));
      if (s) services.push(s);
    }
  } else if (dst.kind === 'service') {
    services.push(dst.service);
    if (dst.service.type === 'ExternalName') traceExternalName(ctx, client, dst, spec);
    else if (isHeadless(dst.service)) traceHeadless(ctx, client, dst, spec);
    else traceClusterIp(ctx, client, dst, spec);
  } else {
    const owner = dst.kind === 'node' ? undefined : podByIp(ctx, dst.ip);
    const phase = b.phase('connect');
    const { at } = podToBridge(ctx, phase, client, {
      match: (p) => p.src?.ip === client.ip && p.dst?.ip === (dst.kind === 'ip' ? dst.ip : dst.ip),
      label: `${client.ip ?? client.name} → ${dst.kind === 'ip' ? dst.ip : dst.node.name}`,
    });
    if (dst.kind === 'node') toNode(ctx, phase, at, nodeOf(ctx, client), dst.node.name, dst.ip ?? dst.node.internalIP);
    else if (!owner)
      toDefaultGateway(
        ctx,
        phase,
        at,
        nodeOf(ctx, client),
        dst.ip,
        `${dst.ip} is not a pod or Service address: the node routes it by its routing table (default route).`,
      );
  }
  if (client && dst.kind === 'service' && model.findService('kube-dns', 'kube-system'))
    services.push(model.findService('kube-dns', 'kube-system')!);

  const findings: Finding[] = [
    ...nothingAnswers(ctx, services),
    ...clusterIpTraceroute(ctx),
    ...headlessSpread(ctx).filter((f) => family === 'pod-to-headless' || f.evidence.some((e) => e.source === 'log')),
    ...bridgeFlooding(ctx),
    ...mtuMss(ctx),
    ...ctx.dns.flatMap((d) => dnsSearchAmplification(ctx, d.typed, d.failed, d.ndots, d.configEvidence)),
  ];
  for (const f of findings) b.finding(f);
  return {
    flows: [b.build()],
    unresolved: conflictsAbout(input, [client, dst.kind === 'pod' ? dst.pod : undefined, ...services]),
  };
}

/** Pod → a node's own address: its own node answers locally; another node is reached over the node network. */
function toNode(
  ctx: TraceContext,
  phase: ReturnType<FlowBuilder['phase']>,
  from: string,
  here: string,
  node: string,
  ip?: string,
): void {
  const r = ctx.b.actor(routingActor(here));
  const route = ip
    ? ctx.model
        .all('Route')
        .find(
          (x) =>
            x.destination !== 'default' &&
            !x.dev?.startsWith('cni') &&
            !x.dev?.startsWith('flannel') &&
            cidrContains(x.destination, ip) &&
            (!x.host || x.host === here),
        )
    : undefined;
  const local = node === here;
  ctx.b.step(phase, {
    from,
    to: r,
    kind: 'route',
    label: local
      ? `${ip ?? node} is local`
      : route
        ? `${route.destination} dev ${route.dev}`
        : `route to ${ip ?? node}`,
    explanation: local
      ? `${node}'s own address: the packet goes up to its stack (INPUT), no further hop.`
      : `A node address on the underlay network; Flannel masquerades pod sources leaving the pod network when ipMasq is on.`,
    evidence: route ? route.evidence : [derivedEvidence("node addresses are on the nodes' own network")],
  });
  const n = ctx.b.actor(nodeActor(node, ip ? [ip] : undefined));
  if (!local)
    ctx.b.step(phase, {
      from: r,
      to: n,
      kind: 'packet',
      label: `to ${node} ${ip ?? ''}`.trim(),
      explanation: 'Over the node network, not VXLAN: the destination is not a pod address.',
      evidence: ctx.model.nodes.find((x) => x.name === node)?.evidence ?? [],
    });
}

/** The addresses a flow can touch; undefined when the client's own address is unknown (then nothing is filtered). */
function relevantAddresses(
  model: ClusterModel,
  src: Target,
  client: Pod | undefined,
  dst: Target,
  nodePortSvc?: Service,
): Set<string> | undefined {
  const start = src.kind === 'ip' ? src.ip : client?.ip;
  if (!start) return undefined;
  const set = new Set<string>([start]);
  const add = (ip?: string) => {
    if (ip && ip !== 'None') set.add(ip);
  };
  // Endpoints kube-proxy's rules name for a Service (DNAT targets, `ns/name -> ip:port` comments).
  const addNatTargets = (tag: string) => {
    for (const r of model.all('NatRule')) {
      if (!r.comment?.startsWith(tag)) continue;
      if (r.dnatTo) add(r.dnatTo.ip);
      const m = /->\s*([0-9.]+):/.exec(r.comment);
      if (m) add(m[1]);
    }
  };
  const addService = (svc: Service) => {
    add(svc.clusterIP);
    for (const ip of svc.clusterIPs ?? []) add(ip);
    for (const { endpoint } of model.endpointsOf(svc)) for (const ip of endpoint.addresses) add(ip);
    for (const p of model.podsSelectedBy(svc)) add(p.ip);
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
  const nsService = model.services.find((s) => s.clusterIP === nameserver);
  add(nameserver);
  if (nsService) addService(nsService);
  else if (nameserver && !dns) addNatTargets('kube-system/kube-dns');
  // the servers asked and the addresses they answered
  for (const l of model.all('DnsLookup')) {
    add(l.server);
    for (const a of l.answers) if (/^[0-9.]+$/.test(a.data)) add(a.data);
  }
  for (const n of model.nodes) {
    add(n.internalIP);
    add(n.flannel?.publicIP);
  }
  return set;
}

/** Sources that disagree about the objects this flow relies on: the flow used the first value. */
function conflictsAbout(model: ClusterModel, objects: (Pod | Service | undefined)[]): string[] {
  const keys = new Set(objects.filter((o): o is Pod | Service => !!o).map((o) => `${o.kind}|${namespacedName(o)}`));
  return model.conflicts
    .filter((c) => keys.has(`${c.kind}|${c.key}`))
    .map(
      (c) =>
        `sources disagree on ${c.kind} ${c.key} ${c.field}: ${c.values.map((v) => `${JSON.stringify(v.value)} (${v.evidence.slice(0, 2).map(describeEvidence).join(', ')})`).join(' vs ')}; the flow uses the first`,
    );
}

/** A node named by one of its addresses. */
function resolveNodeAddress(model: ClusterModel, ip: string): Target | undefined {
  const n = model.nodes.find((x) => x.internalIP === ip || x.externalIP === ip);
  return n ? { kind: 'node', node: n, ip, text: ip } : undefined;
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
    if (dst.kind === 'service' && svc.ports.some((p) => p.port === port)) continue;
    const p = svc.ports.find((x) => x.nodePort === port);
    if (p) return { svc, port: p };
  }
  return undefined;
}
