import { namespacedName, type Evidence, type Packet, type Pod } from '../../model';
import type { TraceContext } from '../context';
import { ipOf, translatedLeg, type Connection } from '../correlate/connections';
import { podByIp } from '../families/endpoints';
import type { Finding } from '../types';
import { breakAt, findStep, linesOf } from './breaks';
import { forwardingOff, strandedOn } from './ipForwardOff';
import { tunnelLoss } from './vxlanBlocked';
import { countedEngineBlock, egressDeniedToEvery, policyNames } from './networkPolicyEgress';
import { upstreamSilent } from './dnsUpstream';

/**
 * The client asked a name and got no answer at all (not NXDOMAIN: nothing), retrying until its
 * resolver gave up. Where the queries were lost says why: in a VXLAN tunnel to CoreDNS on another
 * node (its own finding's words), at a CoreDNS pod that received them and answered nothing, or
 * somewhere no capture shows.
 */
export function dnsNoAnswer(ctx: TraceContext): Finding[] {
  const findings: Finding[] = [];
  for (const lookup of ctx.dns) {
    const unanswered = lookup.unanswered;
    if (!unanswered) continue;
    const { name, connection, queries, sent, refusals, delivered } = unanswered;
    const first = queries[0];
    const clientIp = first.src?.ip ?? '';
    const client = podByIp(ctx, clientIp)?.name ?? clientIp;
    const nameserver = first.dst?.ip ?? 'its nameserver';
    if (refusals.length) {
      const refused = portUnreachable(ctx, { name, client, nameserver, refusals, queries });
      if (refused) findings.push(refused);
      continue;
    }
    const times = queries.map((packet) => packet.t).filter((time): time is number => time !== undefined);
    const span = times.length > 1 ? ` over ${(times.at(-1)! - times[0]).toFixed(1)} s` : '';
    const coreDnsIp = delivered[0]?.dst?.ip;
    const coreDns = coreDnsIp === undefined ? undefined : (podByIp(ctx, coreDnsIp)?.name ?? coreDnsIp);
    const loss = tunnelLoss(ctx, connection);
    const last = connection.sightings.at(-1);
    const lastSeen = last?.site?.node
      ? `last seen on ${last.site.node}'s ${last.packet.interface ?? 'capture'}`
      : 'last seen in the capture';
    const stranded = coreDns ? undefined : strandedOn(connection);
    const noForwarding = forwardingOff(ctx, stranded?.node);
    // Delivered to no CoreDNS pod while the client's egress NetworkPolicy lets it send none there.
    const policy = coreDns ? undefined : dnsEgressDenied(ctx, clientIp, connection);
    // Delivered to CoreDNS, which forwarded the name to a resolver that never answered.
    const upstream = coreDnsIp !== undefined ? upstreamSilent(ctx, coreDnsIp, name) : undefined;
    const cause = loss
      ? ` The queries go through the VXLAN tunnel to CoreDNS on ${loss.receiver}: ${loss.message}`
      : policy
        ? ` ${policy.message}`
        : stranded && noForwarding
          ? ` They enter ${stranded.node} and never leave it (last seen on its ` +
            `${stranded.lastSighting.packet.interface ?? 'capture'}): net.ipv4.ip_forward = 0 there, and a query to ` +
            `the kube-dns ClusterIP is routed (sent to the gateway's MAC) even when CoreDNS runs on ${stranded.node}.`
          : upstream
            ? upstream.message
            : coreDns
              ? ` CoreDNS (${coreDns}) receives them and answers nothing: check that it runs, is ready and listens ` +
                'on port 53 (kubectl -n kube-system logs and describe its pod).'
              : ` Nothing shows them reaching a CoreDNS pod (${lastSeen}): capture on the CoreDNS pods' nodes to see ` +
                'where they stop.';
    const evidence = [
      ...linesOf([first, queries.at(-1)], 2),
      ...(loss?.evidence ?? []),
      ...linesOf(delivered, 1),
      ...(stranded && noForwarding ? noForwarding.evidence : []),
      ...(policy?.evidence ?? []),
      ...(upstream?.evidence ?? []),
    ];
    const at = findStep(ctx.b, (step) => step.kind === 'dns-answer' && step.status === 'missing', 'DNS');
    if (!at) continue;
    findings.push({
      id: 'dns-no-answer',
      severity: 'error',
      title: `DNS queries for ${name} get no answer`,
      message:
        `${client} sent ${sent} queries for ${name} to ${nameserver}${span} (A and AAAA, retries included) and ` +
        `got no answer, not even NXDOMAIN: its resolver gave up, so no connection followed.${cause}`,
      evidence,
      fix:
        loss?.fix ??
        policy?.fix ??
        upstream?.fix ??
        (stranded && noForwarding
          ? `sysctl -w net.ipv4.ip_forward=1 on ${stranded.node}, and persist it (/etc/sysctl.d/k8s.conf).`
          : undefined) ??
        (coreDns
          ? 'Make CoreDNS answer: restart or fix its pods, and check the kube-dns Service selects ready pods.'
          : 'Find where the queries stop: capture on the node of each CoreDNS pod (tcpdump -i any -nn port 53).'),
      ...breakAt(ctx.b, at, 'missing', evidence),
    });
  }
  return findings;
}

/**
 * The queries were answered with ICMP port unreachable: by a CoreDNS pod whose process does not listen
 * (crashed or restarting while still an endpoint), or by a node for the kube-dns ClusterIP, where
 * kube-proxy's REJECT rule stands for a Service without a ready endpoint.
 */
function portUnreachable(
  ctx: TraceContext,
  lookup: { name: string; client: string; nameserver: string; refusals: readonly Packet[]; queries: readonly Packet[] },
): Finding | undefined {
  const { name, client, nameserver, refusals, queries } = lookup;
  const at = findStep(ctx.b, (step) => step.kind === 'dns-answer' && step.status === 'contradicted', 'DNS');
  if (!at) return undefined;
  const fromPod = refusals.find((packet) => podByIp(ctx, packet.src?.ip) !== undefined);
  const reject = ctx.model.all('NatRule').find(
    (rule) =>
      rule.target === 'REJECT' &&
      // both iptables parsers write an address without /32 and a protocol by name (iptablesFields.ts)
      !rule.destination?.negated &&
      rule.destination?.cidr === nameserver &&
      /has no endpoints/.test(rule.comment ?? rule.text) &&
      (rule.protocol === undefined || rule.protocol === 'udp'),
  );
  const counted = reject?.packets !== undefined ? ` (it counted ${reject.packets} packet(s))` : '';
  const cause = fromPod
    ? `The error comes from ${podByIp(ctx, fromPod.src?.ip)?.name} itself (${fromPod.src?.ip}): the query reached the ` +
      'CoreDNS pod and nothing in it listens on UDP 53 — CoreDNS crashed or is restarting while its pod is ' +
      'still an endpoint of kube-dns.'
    : reject
      ? `kube-proxy rejects it: kube-dns has no ready endpoint, so its rule for ${nameserver}:53 is \`REJECT\`` +
        `${counted} — the CoreDNS pods are not ready (or not running).`
      : `It comes from ${refusals[0].src?.ip}, not from a CoreDNS pod: a node rejects the query before any ` +
        "CoreDNS pod gets it — most often kube-proxy's REJECT for a kube-dns Service without ready endpoints.";
  const evidence = [...linesOf([queries[0]], 1), ...linesOf(refusals, 2), ...(reject?.evidence ?? [])];
  return {
    id: 'dns-port-unreachable',
    severity: 'error',
    title: `DNS queries for ${name} are refused (ICMP port unreachable)`,
    message:
      `${client}'s queries for ${name} to ${nameserver} are answered with ICMP port unreachable, not with ` +
      `DNS; its resolver gives up at once and no connection follows. ${cause}`,
    evidence,
    fix: fromPod
      ? 'Get CoreDNS running: kubectl -n kube-system logs and describe the CoreDNS pods (crash loop, OOM, ' +
        'a bad Corefile).'
      : 'Make the CoreDNS pods ready: kubectl -n kube-system get pods -l k8s-app=kube-dns and ' +
        'kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns.',
    ...breakAt(ctx.b, at, 'contradicted', evidence),
  };
}

/**
 * The client's egress NetworkPolicies let it send DNS to no CoreDNS pod (UDP 53 to each pod the
 * queries were DNATed to, else to each pod of kube-dns): the cause, with the policies and the policy
 * engine's counted DROP or REJECT rule when pasted.
 */
function dnsEgressDenied(
  ctx: TraceContext,
  clientIp: string,
  exchange: Connection,
): { message: string; evidence: Evidence[]; fix: string } | undefined {
  const client = podByIp(ctx, clientIp);
  if (!client) return undefined;
  const dnatTo = translatedLeg(exchange)?.to;
  const kubeDns = ctx.model.findService('kube-dns', 'kube-system');
  const coreDnsPods = dnatTo
    ? [podByIp(ctx, ipOf(dnatTo))].filter((pod): pod is Pod => pod !== undefined)
    : kubeDns
      ? ctx.model.podsSelectedBy(kubeDns).filter((pod) => pod.ip !== undefined)
      : [];
  const policies = egressDeniedToEvery(
    ctx.model,
    client,
    coreDnsPods.map((pod) => ({ pod, ip: pod.ip!, port: 53, protocol: 'UDP' as const })),
  );
  if (!policies) return undefined;
  const names = policyNames(policies);
  const node = exchange.sightings[0]?.site?.node;
  const counted = countedEngineBlock(ctx, node);
  const engineSays = counted
    ? ` The policy engine's \`${counted.chain} ${counted.target}\` on ${node ?? 'the node'} counted ${counted.packets} ` +
      'packet(s).'
    : '';
  return {
    message:
      `${namespacedName(client)}'s egress is isolated by NetworkPolicy ${names}, and no egress rule of it lets ` +
      `UDP 53 go to CoreDNS (${coreDnsPods.map((pod) => pod.name).join(', ')}): the policy engine drops the ` +
      `queries, while what the rules allow still works.${engineSays}`,
    evidence: [...policies.flatMap((policy) => policy.evidence), ...(counted?.evidence ?? [])],
    fix:
      `Add an egress rule for DNS to ${names}: to namespaceSelector kubernetes.io/metadata.name: kube-system with ` +
      'podSelector k8s-app: kube-dns, ports UDP 53 and TCP 53.',
  };
}
