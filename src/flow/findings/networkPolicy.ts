import { namespacedName, type NetworkPolicy, type Pod, type Service } from '../../model';
import type { TraceContext } from '../context';
import { connectionWorked, translatedLeg } from '../correlate/connections';
import type { Finding } from '../types';
import { breakAt, findStep, ipOf, linesOf } from './breaks';
import { ENGINE_CHAIN, labelsMatch } from './networkPolicyEgress';

/** Pods of the NetworkPolicy engines that work beside or instead of Flannel. */
const ENGINE_POD = /^(calico-node|canal|kube-router|cilium|antrea-agent|weave-net)-/;

/** The policies that isolate `pod` for ingress (only when its labels are known). */
function isolating(policies: readonly NetworkPolicy[], pod: Pod): NetworkPolicy[] {
  const labels = pod.labels;
  if (!labels) return [];
  return policies.filter(
    (networkPolicy) =>
      (networkPolicy.namespace ?? 'default') === (pod.namespace ?? 'default') &&
      networkPolicy.policyTypes.includes('Ingress') &&
      !networkPolicy.selectorUnevaluated &&
      labelsMatch(networkPolicy.podSelector, labels),
  );
}

/** Whether `policy` admits `client`: true, false, or undefined when a peer is not evaluated or labels are unknown. */
function admits(policy: NetworkPolicy, client: Pod | undefined): boolean | undefined {
  let unknown = false;
  for (const rule of policy.ingress) {
    if (!rule.length) return true;
    for (const peer of rule) {
      // Namespaces and address blocks are not evaluated for ingress: the client's own namespace labels
      // and the address it arrives with (masqueraded or not) are rarely known.
      if (peer.unevaluated || !peer.podSelector || peer.namespaceSelector || peer.ipBlock) unknown = true;
      else if (!client?.labels || (client.namespace ?? 'default') !== (policy.namespace ?? 'default')) unknown = true;
      else if (labelsMatch(peer.podSelector, client.labels)) return true;
    }
  }
  return unknown ? undefined : false;
}

/** What shows a policy engine runs: its rules in a filter listing, or its pods. */
function engineEvidence(ctx: TraceContext) {
  const rule = ctx.model
    .all('NatRule')
    .find(
      (candidate) =>
        candidate.table !== 'nat' && (ENGINE_CHAIN.test(candidate.chain) || ENGINE_CHAIN.test(candidate.target)),
    );
  if (rule) return { found: true, evidence: rule.evidence };
  const pod = ctx.model.pods.find((candidate) => ENGINE_POD.test(candidate.name));
  if (pod) return { found: true, evidence: pod.evidence };
  return { found: false, evidence: [] };
}

/**
 * NetworkPolicy objects isolate the pod the flow reaches. With Flannel alone nothing enforces them
 * (a warning: the policy is only an object, the filter table pasted holds no engine's rules); where
 * an engine enforces them and the client is not admitted, the connection is rejected or dropped on
 * the way into the pod (an error at that hop).
 */
export function networkPolicy(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const connection = ctx.connection;
  const policies = ctx.model.all('NetworkPolicy');
  if (!connection || !policies.length) return [];
  const endpoint = translatedLeg(connection)?.to ?? connection.original.to;
  const server = ctx.model.byIp(ipOf(endpoint)).find((owner) => owner.role === 'pod');
  const client = ctx.model.byIp(ipOf(connection.client)).find((owner) => owner.role === 'pod');
  const serverPod = server?.role === 'pod' ? server.pod : undefined;
  const clientPod = client?.role === 'pod' ? client.pod : undefined;
  // The endpoint no capture showed after DNAT: the pods the Service called selects, when they are all alike.
  const dstIp = ipOf(connection.original.to);
  const svc = services.find((service) => service.clusterIP === dstIp || service.clusterIPs?.includes(dstIp));
  const candidates = serverPod ? [serverPod] : svc ? ctx.model.podsSelectedBy(svc) : [];
  const target = candidates[0];
  if (!target || candidates.some((pod) => isolating(policies, pod).length === 0)) return [];
  const applying = isolating(policies, target);
  if (!applying.length) return [];
  const verdicts = applying.map((networkPolicy) => admits(networkPolicy, clientPod));
  const denied = verdicts.every((verdict) => verdict === false);
  const names = applying.map((networkPolicy) => namespacedName(networkPolicy)).join(', ');
  const who = clientPod ? namespacedName(clientPod) : connection.client;
  const engine = engineEvidence(ctx);
  const flannel = ctx.model.all('Cni').find((cniConfig) => cniConfig.plugin === 'flannel');
  if (!engine.found) {
    const nodes = new Set(connection.sightings.map((sighting) => sighting.site?.node));
    const filterListing = ctx.model
      .all('ChainPolicy')
      .find((policy) => policy.table === 'filter' && policy.chain === 'FORWARD' && nodes.has(policy.host));
    // Absence of an engine is claimed only from a filter table listed on a node the connection crossed.
    if (!flannel || !filterListing) return [];
    const evidence = [
      ...applying.flatMap((networkPolicy) => networkPolicy.evidence),
      ...flannel.evidence,
      ...filterListing.evidence,
    ];
    const wentThrough = connectionWorked(connection)
      ? ` (this connection ${denied ? 'should have been refused and ' : ''}went through)`
      : '';
    return [
      {
        id: 'network-policy-unenforced',
        severity: 'warning',
        title: `NetworkPolicy ${names} is not enforced: Flannel alone has no policy engine`,
        message:
          `${names} isolates ${namespacedName(target)}` +
          `${denied ? ` and admits no pod like ${who}` : ''}, but the CNI is Flannel alone, which ` +
          `does not implement NetworkPolicy, and the filter table listed on ${filterListing.host} ` +
          `holds no policy engine's rules: the policy is only an object${wentThrough}.`,
        evidence,
        fix:
          'Run a policy engine beside Flannel (Canal: Flannel + Calico policy, or kube-router in ' +
          'firewall-only mode), or do not rely on the policy.',
      },
    ];
  }
  if (!denied || connectionWorked(connection)) return [];
  const blocking = ctx.model
    .all('NatRule')
    .filter((rule) => ENGINE_CHAIN.test(rule.chain) && (rule.target === 'REJECT' || rule.target === 'DROP'));
  const errors = ctx.packets.filter(
    (packet) => packet.protocol === 'icmp' && /unreachable|prohibited/i.test(packet.icmp?.type ?? ''),
  );
  const evidence = [
    ...applying.flatMap((networkPolicy) => networkPolicy.evidence),
    ...blocking.slice(0, 2).flatMap((rule) => rule.evidence),
    ...linesOf([connection.original.sightings[0]?.packet]),
    ...linesOf(errors, 1),
    ...(blocking.length ? [] : engine.evidence),
  ];
  const name = target.name;
  const at = findStep(
    ctx.b,
    (step) => step.status !== 'observed' && ctx.b.actorName(step.to).includes(name) && step.kind !== 'note',
    'connect',
  );
  const counted = blocking.find((rule) => (rule.packets ?? 0) > 0);
  const refused = errors.length
    ? `, and the node answers ICMP ${errors[0].icmp?.type ?? 'unreachable'} (the client sees "connection refused")`
    : '';
  return [
    {
      id: 'network-policy-deny',
      severity: 'error',
      title: `NetworkPolicy ${names} denies ${who} → ${namespacedName(target)}`,
      message:
        `${names} isolates ${namespacedName(target)} and none of its ingress rules admits ${who} (its ` +
        `labels match no \`from\` podSelector). A policy engine enforces it on the way into the pod` +
        `${counted ? `: ${counted.chain} ${counted.target} counted ${counted.packets} packet(s)` : ''}${refused}.`,
      evidence,
      fix:
        `Admit the client: give ${who} labels a \`from\` podSelector of ${names} matches, or add an ` +
        'ingress rule for it.',
      ...(at ? breakAt(ctx.b, at, errors.length ? 'contradicted' : 'missing', evidence) : {}),
    },
  ];
}
