import {
  cidrContains,
  namespacedName,
  type ClusterModel,
  type NatRule,
  type NetworkPolicy,
  type NetworkPolicyEgressRule,
  type NetworkPolicyPeer,
  type Pod,
  type Service,
} from '../../model';
import type { TraceContext } from '../context';
import { connectionWorked, ipOf, portOf, translatedLeg } from '../correlate/connections';
import { podByIp } from '../families/endpoints';
import type { Finding } from '../types';
import { breakAt, findStep, firstMissing, linesOf } from './breaks';

/** Where an isolated pod sends: the pod there (when one has the address), its address, port and protocol. */
export interface EgressTarget {
  pod?: Pod;
  ip: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

/** Three answers: allowed, denied, or not known from what was pasted. */
type Verdict = boolean | undefined;

const anyOf = (verdicts: readonly Verdict[]): Verdict =>
  verdicts.some((verdict) => verdict === true)
    ? true
    : verdicts.some((verdict) => verdict === undefined)
      ? undefined
      : false;

const bothOf = (left: Verdict, right: Verdict): Verdict =>
  left === false || right === false ? false : left === true && right === true ? true : undefined;

/** True when every key/value of `selector` is among `labels` (an empty selector selects every pod). */
export const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The label every namespace has since Kubernetes 1.21: its own name. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

/** Whether a namespaceSelector selects `namespace`: `{}` every one; the name label alone, by name; else unknown. */
function selectsNamespace(selector: Record<string, string>, namespace: string): Verdict {
  const keys = Object.keys(selector);
  if (keys.length === 0) return true;
  if (keys.every((key) => key === NAME_LABEL)) return selector[NAME_LABEL] === namespace;
  return undefined;
}

function peerAdmits(peer: NetworkPolicyPeer, policyNamespace: string, target: EgressTarget): Verdict {
  if (peer.unevaluated) return undefined;
  if (peer.ipBlock)
    return (
      cidrContains(peer.ipBlock.cidr, target.ip) && !peer.ipBlock.except.some((cidr) => cidrContains(cidr, target.ip))
    );
  // Pod and namespace selectors select pods: an address no pod has is not among them.
  const pod = target.pod;
  if (!pod) return false;
  const namespace = pod.namespace ?? 'default';
  const inNamespace = peer.namespaceSelector
    ? selectsNamespace(peer.namespaceSelector, namespace)
    : namespace === policyNamespace;
  const selected = !peer.podSelector ? true : pod.labels ? labelsMatch(peer.podSelector, pod.labels) : undefined;
  return bothOf(inNamespace, selected);
}

function portAdmits(rule: NetworkPolicyEgressRule, target: EgressTarget): Verdict {
  if (rule.ports.length === 0) return true;
  return anyOf(
    rule.ports.map((port) => {
      if (port.protocol.toUpperCase() !== target.protocol) return false;
      if (port.port === undefined) return true;
      // A named port is the target pod's container port of that name: not known here.
      if (typeof port.port === 'string') return undefined;
      return target.port >= port.port && target.port <= (port.endPort ?? port.port);
    }),
  );
}

function ruleAdmits(rule: NetworkPolicyEgressRule, policyNamespace: string, target: EgressTarget): Verdict {
  const peers = rule.to.length === 0 ? true : anyOf(rule.to.map((peer) => peerAdmits(peer, policyNamespace, target)));
  return bothOf(peers, portAdmits(rule, target));
}

/**
 * The NetworkPolicies that isolate `client` for egress when, together, they let it send nothing to
 * `target` (every rule of every one evaluated and none admits it); undefined when the client is not
 * isolated, one of them admits it, or something needed is not known (labels, a named port, a
 * namespace selected by other labels).
 */
export function egressDenied(model: ClusterModel, client: Pod, target: EgressTarget): NetworkPolicy[] | undefined {
  const namespace = client.namespace ?? 'default';
  const labels = client.labels;
  if (!labels) return undefined;
  const isolating = model
    .all('NetworkPolicy')
    .filter(
      (policy) =>
        (policy.namespace ?? 'default') === namespace &&
        policy.policyTypes.includes('Egress') &&
        !policy.selectorUnevaluated &&
        labelsMatch(policy.podSelector, labels),
    );
  if (!isolating.length) return undefined;
  const verdict = anyOf(
    isolating.flatMap((policy) => (policy.egress ?? []).map((rule) => ruleAdmits(rule, namespace, target))),
  );
  return verdict === false ? isolating : undefined;
}

/** The policies isolating `client` when they let it send to none of `targets` (none given: undefined). */
export function egressDeniedToEvery(
  model: ClusterModel,
  client: Pod,
  targets: readonly EgressTarget[],
): NetworkPolicy[] | undefined {
  const denials = targets.map((target) => egressDenied(model, client, target));
  return denials.length > 0 && denials.every((denial) => denial !== undefined) ? denials[0] : undefined;
}

/** Chains of the NetworkPolicy engines that work beside or instead of Flannel. */
export const ENGINE_CHAIN = /^(KUBE-POD-FW-|KUBE-NWPLCY-|KUBE-ROUTER-|cali-|CILIUM_|ANTREA-|WEAVE-NPC)/;

/**
 * The policy engine's DROP or REJECT rule pasted from `node` (any node when it is not known) that
 * counted the most packets, when one counted any.
 */
export function countedEngineBlock(ctx: TraceContext, node: string | undefined): NatRule | undefined {
  return ctx.model
    .all('NatRule')
    .filter(
      (rule) =>
        ENGINE_CHAIN.test(rule.chain) &&
        (rule.target === 'REJECT' || rule.target === 'DROP') &&
        (rule.packets ?? 0) > 0 &&
        (node === undefined || !rule.hosts?.length || rule.hosts.includes(node)),
    )
    .sort((left, right) => (right.packets ?? 0) - (left.packets ?? 0))[0];
}

/** `default/a, default/b` */
export const policyNames = (policies: readonly NetworkPolicy[]): string =>
  policies.map((policy) => namespacedName(policy)).join(', ');

/**
 * A failed connection whose client is isolated for egress by NetworkPolicies that let it send nothing
 * to where the connection went (the endpoint the captures show after DNAT, else every pod of the
 * Service it called): an error at the first hop the captures miss, with the policies and the policy
 * engine's counted DROP or REJECT rule when pasted.
 */
export function networkPolicyEgressDeny(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const connection = ctx.connection;
  if (!connection || connectionWorked(connection) || connection.protocol === 'icmp') return [];
  const client = podByIp(ctx, ipOf(connection.client));
  if (!client) return [];
  const protocol = connection.protocol === 'tcp' ? 'TCP' : 'UDP';
  const sentTo = translatedLeg(connection)?.to ?? connection.original.to;
  const vip = ipOf(connection.original.to);
  const svc = services.find((service) => service.clusterIP === vip || service.clusterIPs?.includes(vip));
  const port = svc?.ports.find((servicePort) => servicePort.port === portOf(connection.original.to));
  const seenPod = podByIp(ctx, ipOf(sentTo));
  const targets: EgressTarget[] = seenPod
    ? [{ pod: seenPod, ip: ipOf(sentTo), port: portOf(sentTo), protocol }]
    : svc && port && typeof port.targetPort !== 'string'
      ? ctx.model
          .podsSelectedBy(svc)
          .flatMap((pod) => (pod.ip ? [{ pod, ip: pod.ip, port: Number(port.targetPort ?? port.port), protocol }] : []))
      : [];
  const policies = egressDeniedToEvery(ctx.model, client, targets);
  if (!policies) return [];
  const at = firstMissing(ctx.b, 'connect') ?? findStep(ctx.b, (step) => step.status !== 'observed', 'connect');
  if (!at) return [];
  const node = connection.sightings[0]?.site?.node;
  const counted = countedEngineBlock(ctx, node);
  const names = policyNames(policies);
  const who = targets.map((target) => (target.pod ? namespacedName(target.pod) : target.ip)).join(', ');
  const evidence = [
    ...linesOf([connection.original.sightings[0]?.packet]),
    ...policies.flatMap((policy) => policy.evidence),
    ...(counted?.evidence ?? []),
  ];
  const toPort = targets[0].port;
  return [
    {
      id: 'network-policy-egress-deny',
      severity: 'error',
      title: `NetworkPolicy ${names} lets ${namespacedName(client)} send nothing to ${who}`,
      message:
        `${namespacedName(client)}'s egress is isolated by NetworkPolicy ${names}, and no egress rule of it lets ` +
        `${protocol} ${toPort} go to ${who}: the policy engine drops what it sends there` +
        (counted
          ? ` (its \`${counted.chain} ${counted.target}\` on ${node ?? 'the node'} counted ${counted.packets} packet(s))`
          : '') +
        '.',
      evidence,
      fix:
        `Add an egress rule to ${names} for ${who} (a podSelector matching its labels, port ${protocol} ${toPort}), ` +
        'or do not isolate this client for egress.',
      ...breakAt(ctx.b, at, 'missing', evidence),
    },
  ];
}
