import { namespacedName, namespaceOf, type ListeningSocket, type Pod } from '../../model';
import { podActor } from '../actors';
import type { TraceContext } from '../context';
import { translatedLeg } from '../correlate/connections';
import type { ConnectionSummary, Finding } from '../types';
import { endpointContrast } from './endpointSilent';
import { breakAt, ends, findStep, ipOf, isRst, isSyn, lastStep, linesOf, portOf } from './breaks';

const WILDCARDS = new Set(['*', '0.0.0.0', '::', '[::]', '']);

/**
 * Nothing listens on the port the SYN was delivered to: the destination's own kernel answers the
 * SYN with RST (after kube-proxy's DNAT, from the pod's address and the targetPort). What does
 * listen there comes from `ss -ltn` / `netstat -lnt` run in that pod.
 */
export function nothingListening(ctx: TraceContext, peers: readonly ConnectionSummary[] = []): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.protocol !== 'tcp' || connection.outcome !== 'refused') return [];
  const target = (translatedLeg(connection) ?? connection.original).to;
  const rst = connection.sightings.find((sighting) => isRst(sighting) && ends(sighting).from === target);
  if (!rst) return [];
  const syn = connection.sightings.find((sighting) => isSyn(sighting) && ends(sighting).to === target);
  const ip = ipOf(target);
  const port = portOf(target);
  const owner = ctx.model.byIp(ip).find((candidate) => candidate.role === 'pod');
  const pod: Pod | undefined = owner?.role === 'pod' ? owner.pod : undefined;
  const sockets = pod
    ? ctx.model
        .all('ListeningSocket')
        .filter((listeningSocket) => listeningSocket.protocol === 'tcp' && listeningSocket.host === pod.name)
    : [];
  const onPort = sockets.filter((listeningSocket) => listeningSocket.port === port);
  // A wildcard listener on that port would have accepted: the RST then has another cause.
  if (onPort.some((listeningSocket) => WILDCARDS.has(listeningSocket.address))) return [];
  const ports = [...new Set(sockets.map((listeningSocket: ListeningSocket) => listeningSocket.port))].sort(
    (left, right) => left - right,
  );
  const rule = ctx.model
    .all('NatRule')
    .find((candidate) => candidate.dnatTo?.ip === ip && candidate.dnatTo.port === port);
  const service = ctx.model.services.find((svc) =>
    svc.ports.some(
      (servicePort) =>
        String(servicePort.targetPort ?? servicePort.port) === String(port) &&
        (rule?.comment ?? '').startsWith(namespacedName(svc)),
    ),
  );
  const who = pod ? `${pod.name} (${target})` : target;
  const contrast = endpointContrast(peers, { target, pod: pod?.name ?? target, outcome: 'were refused' });
  const listening = onPort.length
    ? 'it listens on ' +
      `${onPort.map((listeningSocket) => `${listeningSocket.address}:${listeningSocket.port}`).join(', ')} ` +
      'only, not on its pod address'
    : ports.length
      ? `\`ss\` shows it listening on ${ports.join(', ')}, not on ${port}`
      : `no socket listens on ${port} there`;
  const fix = service
    ? `Set targetPort of Service ${namespacedName(service)} to a port the pod listens on` +
      `${ports.length ? ` (${ports.join(', ')})` : ''}, or make the container listen on ${port}.`
    : `Make the server listen on ${port}${ports.length ? `, or send the traffic to ${ports.join(', ')}` : ''}.`;
  const at = (pod && findStep(ctx.b, (step) => step.to === podActor(pod).id, 'connect')) ?? lastStep(ctx.b, 'connect');
  const evidence = [
    ...linesOf([syn?.packet, rst.packet]),
    ...(rule?.evidence ?? []),
    ...sockets.flatMap((listeningSocket) => listeningSocket.evidence),
  ];
  const where = at ? breakAt(ctx.b, at, 'contradicted', evidence) : {};
  const serviceNote = service
    ? ` Service ${namespacedName(service)} (namespace ${namespaceOf(service)}) sends its port to targetPort ${port}.`
    : '';
  return [
    {
      id: 'nothing-listening',
      severity: 'error',
      title: `Nothing listens on ${target}`,
      message:
        `The SYN reached ${who}${rule ? ` after kube-proxy's DNAT` : ''} and the pod's kernel ` +
        `answered RST: ${listening}. The client sees "connection refused".${serviceNote}` +
        (contrast ? ` ${contrast}` : ''),
      evidence: [...evidence, ...(service?.evidence ?? [])],
      fix,
      ...where,
    },
  ];
}
