import { isLocalEndpointDrop, namespacedName, type Service } from '../../model';
import type { TraceContext } from '../context';
import type { Finding } from '../types';
import { breakAt, findStep, ipOf, linesOf } from './breaks';

const external = (svc: Service) => svc.type === 'NodePort' || svc.type === 'LoadBalancer';

/**
 * externalTrafficPolicy Local: only nodes that run a ready endpoint of the Service answer its NodePort
 * (and load balancer) traffic; kube-proxy on any other node drops it in KUBE-EXTERNAL-SERVICES, whose
 * counter counts the drops. The client was sent to such a node.
 */
export function externalTrafficLocal(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.outcome !== 'no-reply') return [];
  const svc = services.find((service) => external(service) && service.externalTrafficPolicy === 'Local');
  if (!svc) return [];
  const at = findStep(ctx.b, (step) => step.kind === 'reject' && /no local endpoint/.test(step.label), 'connect');
  if (!at) return [];
  const node = connection.sightings[0]?.site?.node ?? ctx.b.actorName(at.step.from);
  const drops = ctx.model.all('NatRule').filter((rule) => isLocalEndpointDrop(rule, namespacedName(svc)));
  const counted = drops.find((rule) => (rule.packets ?? 0) > 0);
  const endpointNodes = [
    ...new Set(
      ctx.model
        .endpointsOf(svc)
        .map(({ endpoint }) => endpoint.nodeName)
        .filter((node): node is string => node !== undefined),
    ),
  ];
  const slices = ctx.model
    .all('EndpointSlice')
    .filter((slice) => slice.serviceName === svc.name && slice.namespace === svc.namespace);
  const evidence = [
    ...svc.evidence,
    ...((counted ?? drops[0])?.evidence ?? []),
    ...slices.flatMap((slice) => slice.evidence).slice(0, 1),
    ...linesOf(
      connection.original.sightings.map((sighting) => sighting.packet),
      2,
    ),
  ];
  return [
    {
      id: 'external-traffic-local-no-endpoint',
      severity: 'error',
      title: `${svc.name}: externalTrafficPolicy Local and no endpoint on ${node}`,
      message:
        `Service ${namespacedName(svc)} has externalTrafficPolicy: Local, so only a node with a ready ` +
        `endpoint of its own answers its NodePort; ${node} has none` +
        `${endpointNodes.length ? ` (its endpoints run on ${endpointNodes.join(', ')})` : ''}, and ` +
        'kube-proxy drops the connection there' +
        `${counted ? ` (KUBE-EXTERNAL-SERVICES DROP counted ${counted.packets} packet(s))` : ''}. The ` +
        'SYN arrives and nothing ever leaves.',
      evidence,
      fix:
        'Send the traffic to a node that runs an endpoint' +
        `${endpointNodes.length ? ` (${endpointNodes.join(', ')})` : ''} — a load balancer does so by the ` +
        `health check port — or run an endpoint on ${node}; externalTrafficPolicy: Cluster answers on ` +
        `every node, at the cost of the client's address.`,
      ...breakAt(ctx.b, at, 'missing', evidence),
    },
  ];
}

/**
 * externalTrafficPolicy Cluster: a node without a local endpoint forwards NodePort traffic to another
 * node and masquerades it, so the pod sees the node's address, not the client's (an explanation,
 * not a fault).
 */
export function sourceIpMasqueraded(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const connection = ctx.connection;
  const svc = services.find((service) => external(service) && service.externalTrafficPolicy !== 'Local');
  if (!connection || !svc) return [];
  const client = ipOf(connection.client);
  if (ctx.model.byIp(client).some((owner) => owner.role === 'pod')) return [];
  const masq = findStep(
    ctx.b,
    (step) => step.status === 'observed' && step.nat?.type === 'MASQUERADE' && step.nat.before === client,
    'connect',
  );
  if (!masq?.step.nat) return [];
  const seenAs = masq.step.nat.after;
  const evidence = [...svc.evidence, ...masq.step.evidence.filter((item) => item.role === 'packet').slice(0, 2)];
  return [
    {
      id: 'source-ip-masqueraded',
      severity: 'info',
      title: `${svc.name}: the pod sees ${seenAs}, not the client ${client}`,
      message:
        `Service ${namespacedName(svc)} has externalTrafficPolicy: ` +
        `${svc.externalTrafficPolicy ?? 'Cluster'}: the node that received the connection forwards it ` +
        'to an endpoint elsewhere and masquerades it (KUBE-MARK-MASQ, then MASQUERADE in ' +
        `KUBE-POSTROUTING), so the pod sees ${seenAs} as the source. The client's address is lost.`,
      evidence,
      fix:
        'externalTrafficPolicy: Local keeps the client address (only nodes with an endpoint then answer); ' +
        'or read it from a proxy header (X-Forwarded-For, PROXY protocol) set by the load balancer.',
    },
  ];
}
