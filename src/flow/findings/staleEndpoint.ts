import { namespacedName, type Packet, type Service } from '../../model';
import { bridgeActor } from '../actors';
import { bridgeOf, type TraceContext } from '../context';
import type { Finding } from '../types';
import { breakAt, lastStep, linesOf } from './breaks';

/**
 * kube-proxy's rules DNAT the connection to an address no pod has (the pod was replaced while
 * kube-proxy was not running or not syncing): the node asks ARP for it on the bridge and nobody
 * answers, the neighbour entry stays INCOMPLETE or FAILED, and the client gets ICMP host unreachable.
 */
export function staleEndpoint(ctx: TraceContext, services: readonly Service[]): Finding[] {
  const connection = ctx.connection;
  if (!connection || (connection.outcome !== 'unreachable' && connection.outcome !== 'no-reply')) return [];
  const out: Finding[] = [];
  for (const svc of services) {
    const tag = namespacedName(svc);
    const rules = ctx.model.all('NatRule').filter((rule) => rule.dnatTo && (rule.comment ?? '').startsWith(tag));
    for (const ip of new Set(rules.map((rule) => rule.dnatTo!.ip))) {
      if (ctx.model.byIp(ip).some((owner) => owner.role === 'pod')) continue;
      const asked = ctx.allPackets.filter(
        (packet) => packet.protocol === 'arp' && packet.arp?.op === 'request' && packet.arp.targetIp === ip,
      );
      const answered = ctx.allPackets.some(
        (packet) => packet.protocol === 'arp' && packet.arp?.op === 'reply' && packet.arp.senderIp === ip,
      );
      const neighbours = ctx.model
        .all('Neighbor')
        .filter((neighbor) => neighbor.ip === ip && /INCOMPLETE|FAILED/i.test(neighbor.state ?? ''));
      if (answered || (!asked.length && !neighbours.length)) continue;
      const unreachable = ctx.packets.filter(
        (packet: Packet) => packet.protocol === 'icmp' && /unreachable/i.test(packet.icmp?.type ?? ''),
      );
      const current = ctx.model.podsSelectedBy(svc).filter((pod) => pod.ip);
      const sliceAddresses = ctx.model.endpointsOf(svc).flatMap(({ endpoint }) => endpoint.addresses);
      const inSlice = sliceAddresses.includes(ip);
      const slices = ctx.model
        .all('EndpointSlice')
        .filter((slice) => slice.serviceName === svc.name && slice.namespace === svc.namespace);
      // The EndpointSlice and the rules disagree: the rules were written from an older slice.
      const sliceSays = inSlice
        ? ' (the EndpointSlice given still lists it)'
        : sliceAddresses.length
          ? `, while its EndpointSlice lists ${[...new Set(sliceAddresses)].join(', ')} (the rules and the ` +
            'EndpointSlice disagree)'
          : ' (no EndpointSlice given lists it)';
      const rule = rules.find((candidate) => candidate.dnatTo!.ip === ip)!;
      const node = neighbours[0]?.host ?? connection.sightings[0]?.site?.node ?? 'the node';
      const bridge = bridgeOf(ctx, node);
      const evidence = [
        ...rule.evidence,
        ...linesOf(asked, 2),
        ...neighbours.flatMap((neighbor) => neighbor.evidence),
        ...linesOf(unreachable, 1),
        ...(inSlice ? [] : slices.slice(0, 1).flatMap((slice) => slice.evidence)),
      ];
      const last = lastStep(ctx.b, 'connect');
      const phase = last?.phase ?? ctx.b.phase('connect');
      const step = ctx.b.withScope([...asked.slice(0, 2), ...unreachable.slice(0, 1)], () =>
        ctx.b.step(phase, {
          from: last?.step.to ?? ctx.b.actor(bridgeActor(node, bridge.name)),
          to: ctx.b.actor(bridgeActor(node, bridge.name, bridge.address)),
          kind: 'arp',
          label: `ARP who-has ${ip}: nobody answers`,
          explanation:
            `The DNATed packet is for ${ip} on ${bridge.name}; no pod has that address, so ARP ` +
            'goes unanswered' +
            `${neighbours.length ? ` (neighbour entry ${neighbours[0].state})` : ''}` +
            `${unreachable.length ? ' and the node sends ICMP host unreachable to the client' : ''}.`,
          evidence,
          status: 'contradicted',
        }),
      );
      const selected = current.length
        ? ` The Service's selector matches ${current.map((pod) => `${pod.name} (${pod.ip})`).join(', ')} now.`
        : '';
      out.push({
        id: 'stale-endpoint',
        severity: 'error',
        title: `${svc.name}: DNAT to ${ip}, an address no pod has`,
        message:
          `kube-proxy's rules send ${tag} to ${ip}, which no pod has${sliceSays}: ARP for it goes ` +
          `unanswered and the connection fails with "no route to host" or a timeout.${selected} ` +
          'kube-proxy has not synced its rules since the pod was replaced: it is not running, or ' +
          'failing every sync.',
        evidence,
        fix:
          `Get kube-proxy running and syncing on ${node} (kubectl -n kube-system get pods -l ` +
          'k8s-app=kube-proxy; its logs); once it syncs, the rules follow the current EndpointSlice.',
        ...breakAt(ctx.b, { phase, index: phase.steps.indexOf(step), step }, 'contradicted'),
      });
    }
  }
  return out;
}
