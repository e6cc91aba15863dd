import {
  namespaceOf,
  derivedEvidence,
  endpointProbabilities,
  iptablesEndpointChain,
  ipv4ToNumber,
  servicePortName,
  type Evidence,
  type NatRule,
  type Pod,
  type Service,
  type ServicePort,
} from '../../model';
import type { TraceContext } from '../context';
import { ipOf, portOf } from '../correlate/connections';

/** One endpoint kube-proxy may pick for a Service port. */
export interface EndpointChoice {
  ip?: string;
  port?: number;
  pod?: Pod;
  /** KUBE-SEP-… (iptables) or endpoint-… (nftables) chain, when known or computable. */
  chain?: string;
  /** Probability on the jump as the rule states it; undefined for the last (unconditional) jump. */
  probability?: number;
  evidence: Evidence[];
  /** True when the rule itself was pasted (not computed). */
  observedRule: boolean;
  /** Known only because a captured connection was DNATed to it: the Service may have more endpoints. */
  seenInCaptures?: true;
}

const bareIp = (cidr?: string) => cidr?.replace(/\/(32|128)$/, '');

/** The pod with this IP, if any. */
export function podByIp(ctx: TraceContext, ip?: string): Pod | undefined {
  if (!ip) return undefined;
  const owner = ctx.model.byIp(ip).find((candidate) => candidate.role === 'pod');
  return owner?.role === 'pod' ? owner.pod : undefined;
}

/**
 * The endpoints the trace's connections (or the exchange being walked, a DNS query) to a Service port
 * were DNATed to, as the captures show them (each with its packets before and after); no chain name,
 * since no rule was seen.
 */
function capturedEndpoints(ctx: TraceContext, svc: Service, port: ServicePort): EndpointChoice[] {
  const vip = `${svc.clusterIP ?? ''}:${port.port}`;
  const seen = new Map<string, EndpointChoice>();
  const add = (translated: string, end: { ip?: string; port?: number }, evidence: Evidence[]) => {
    if (seen.has(translated)) return;
    const choice = { ...end, pod: podByIp(ctx, end.ip), evidence, observedRule: false };
    seen.set(translated, { ...choice, seenInCaptures: true });
  };
  for (const summary of ctx.b.connections)
    if (summary.original === vip && summary.translated) {
      const end = { ip: ipOf(summary.translated), port: portOf(summary.translated) };
      add(summary.translated, end, summary.evidence);
    }
  for (const natPair of ctx.corr.natPairs)
    if (natPair.direction === 'forward' && natPair.original === vip) {
      const end = { ip: natPair.after.dst?.ip, port: natPair.after.dst?.port };
      add(natPair.translated, end, [...natPair.before.evidence, ...natPair.after.evidence]);
    }
  const choices = [...seen.values()];
  const shares = endpointProbabilities(choices.length);
  return choices.map((choice, index) => ({
    ...choice,
    probability: shares[index] !== undefined ? Number(shares[index]) : undefined,
  }));
}

/**
 * targetPort → a number: numbers as is, names through the pod's (or template's)
 * container ports. Undefined with a reason when a name is on no container.
 */
function resolveTargetPort(
  port: ServicePort,
  pod: Pod | undefined,
): { port?: number; reason?: string; evidence: Evidence[] } {
  const targetPort = port.targetPort ?? port.port;
  if (typeof targetPort === 'number') return { port: targetPort, evidence: [] };
  if (/^\d+$/.test(targetPort)) return { port: Number(targetPort), evidence: [] };
  for (const container of pod?.containers ?? []) {
    const hit = container.ports.find(
      (containerPort) => containerPort.name === targetPort && containerPort.protocol === port.protocol,
    );
    if (hit)
      return {
        port: hit.containerPort,
        evidence: pod!.evidence.filter((item) => item.source !== 'derived').slice(0, 1),
      };
  }
  if (!pod?.containers)
    return {
      reason:
        `targetPort '${targetPort}' is a container port name and ${pod?.name ?? 'the pod'}'s ` +
        'containers are unknown',
      evidence: [],
    };
  return {
    reason: `targetPort '${targetPort}' is not the name of any ${port.protocol} port on ${pod.name}'s containers`,
    evidence: pod.evidence,
  };
}

/** `ns/svc:port` (kube-proxy's ServicePortName) of a Service port. */
export function spnOf(svc: Service, port: ServicePort): string {
  return servicePortName(namespaceOf(svc), svc.name, svc.ports.length > 1 || port.name ? port.name : undefined);
}

/** `default/a-app -> 10.244.0.143:80` in a KUBE-SVC rule comment. */
function commentEndpoint(rule: NatRule): { ip: string; port: number } | undefined {
  const target = /->\s*\[?(?<ip>[0-9a-fA-F.:]+?)\]?:(?<port>\d+)/.exec(rule.comment ?? rule.text)?.groups;
  return target ? { ip: target.ip, port: Number(target.port) } : undefined;
}

/** The KUBE-SERVICES rule sending this Service port to its KUBE-SVC chain, from pasted rules. */
export function servicePortalRule(
  ctx: TraceContext,
  svc: Service,
  port: ServicePort,
  ip = svc.clusterIP,
): NatRule | undefined {
  const spn = spnOf(svc, port);
  const candidates = ctx.model
    .all('NatRule')
    .filter(
      (natRule) =>
        (natRule.chain === 'KUBE-SERVICES' || natRule.kubeProxy?.role === 'service-portal') &&
        /^KUBE-(SVC|EXT|SVL)-/.test(natRule.target) &&
        bareIp(natRule.destination?.cidr) === ip &&
        (!natRule.protocol || natRule.protocol.toLowerCase() === port.protocol.toLowerCase()) &&
        (natRule.dport === undefined || natRule.dport === port.port),
    );
  return (
    candidates.find((natRule) => natRule.comment?.startsWith(`${spn} `) || natRule.comment === spn) ??
    candidates.find((natRule) => natRule.dport === port.port) ??
    (candidates.length === 1 ? candidates[0] : undefined)
  );
}

export function chainRules(ctx: TraceContext, chain: string): NatRule[] {
  return ctx.model
    .all('NatRule')
    .filter((natRule) => natRule.chain === chain)
    .sort((natRule, other) => (natRule.position ?? 0) - (other.position ?? 0));
}

/** Endpoints behind a Service port: pasted KUBE-SVC rules, else EndpointSlices, else selected pods (predicted). */
export function endpointChoices(
  ctx: TraceContext,
  svc: Service,
  port: ServicePort,
  svcChain?: string,
): { choices: EndpointChoice[]; problems: string[] } {
  const problems: string[] = [];
  const protocol = port.protocol;
  const spn = spnOf(svc, port);
  if (svcChain) {
    const jumps = chainRules(ctx, svcChain).filter((natRule) => natRule.target.startsWith('KUBE-SEP-'));
    if (jumps.length) {
      const seen = new Set<string>();
      const choices: EndpointChoice[] = [];
      // Affinity (`recent --rcheck`) jumps come first and name the same chains; keep first-seen order,
      // and take the probability from the chain's statistic jump.
      for (const r0 of jumps) {
        if (seen.has(r0.target)) continue;
        seen.add(r0.target);
        const jump = jumps.find((natRule) => natRule.target === r0.target && !natRule.recent) ?? r0;
        const dnat = chainRules(ctx, jump.target).find((natRule) => natRule.dnatTo);
        const ep = dnat?.dnatTo ? { ip: dnat.dnatTo.ip, port: dnat.dnatTo.port ?? port.port } : commentEndpoint(jump);
        choices.push({
          ip: ep?.ip,
          port: ep?.port,
          pod: podByIp(ctx, ep?.ip),
          chain: jump.target,
          probability: jump.probability,
          evidence: [...jump.evidence, ...(dnat?.evidence ?? [])],
          observedRule: true,
        });
      }
      return { choices, problems };
    }
  }
  let eps: { ip?: string; port?: number; pod?: Pod; evidence: Evidence[] }[] = [];
  // An Endpoints row from a kubectl table has a name but no addresses: with pods selected, that is
  // "unknown", not "empty".
  const slices = ctx.model.endpointsOf(svc);
  const sliceFacts = ctx.model.slicesOf(svc);
  const emptyButPods =
    slices.length === 0 && sliceFacts.length > 0 && ctx.model.podsSelectedBy(svc).some((pod) => pod.ip);
  if (slices.length || (sliceFacts.length && !emptyButPods)) {
    for (const { slice, endpoint } of slices) {
      if (endpoint.ready === false && !svc.publishNotReadyAddresses) continue;
      const endpointPort =
        slice.ports.find(
          (candidate) => (candidate.name ?? '') === (port.name ?? '') && candidate.protocol === protocol,
        ) ?? slice.ports[0];
      for (const ip of endpoint.addresses)
        eps.push({ ip, port: endpointPort?.port, pod: podByIp(ctx, ip), evidence: slice.evidence });
    }
  } else {
    const pods = ctx.model.podsSelectedBy(svc).filter((pod) => pod.ready !== false);
    // Nothing declares the Service's endpoints, but the captures show where its connections (or this
    // DNS exchange) were DNATed to: those are endpoints (seen, not listed; others may exist).
    const captured = pods.some((pod) => pod.ip) ? [] : capturedEndpoints(ctx, svc, port);
    if (captured.length) return { problems, choices: captured };
    if (!svc.selector || Object.keys(svc.selector).length === 0)
      problems.push(`${svc.name} has no selector and no EndpointSlice is known`);
    else if (pods.length === 0 && ctx.model.pods.some((pod) => pod.labels !== undefined && !pod.predicted))
      problems.push(
        `selector ${Object.entries(svc.selector)
          .map(([key, value]) => `${key}=${value}`)
          .join(',')} of ${svc.name} matches no known pod`,
      );
    for (const pod of pods) {
      const tp = resolveTargetPort(port, pod);
      if (tp.reason) problems.push(tp.reason);
      if (tp.port === undefined && tp.reason && pod.containers) continue;
      eps.push({ ip: pod.ip, port: tp.port, pod, evidence: [...pod.evidence.slice(0, 2), ...tp.evidence] });
    }
  }
  // kube-proxy writes endpoints in a stable order; sort like it does for IPv4 so predictions line up with pasted rules.
  eps = eps.sort(
    (left, right) => (ipv4ToNumber(left.ip ?? '') ?? Infinity) - (ipv4ToNumber(right.ip ?? '') ?? Infinity),
  );
  const probs = endpointProbabilities(eps.length);
  return {
    problems,
    choices: eps.map((choice, i) => ({
      ...choice,
      chain:
        choice.ip && choice.port !== undefined
          ? iptablesEndpointChain(spn, protocol, choice.ip, choice.port)
          : undefined,
      probability: probs[i] !== undefined ? Number(probs[i]) : undefined,
      evidence: [
        ...choice.evidence,
        derivedEvidence(
          `kube-proxy endpoint chain = KUBE-SEP- + base32(sha256("${spn}" + "${protocol.toLowerCase()}" + "` +
            `${choice.ip ?? '?'}:${choice.port ?? '?'}"))[:16]; jump ${i + 1} of ${eps.length}` +
            `${probs[i] ? ` with probability 1/${eps.length - i}` : ', unconditional'}`,
        ),
      ],
      observedRule: false,
    })),
  };
}
