import { podActor } from '../actors';
import type { TraceContext } from '../context';
import { packetTime } from '../correlate/packetKey';
import { translatedLeg } from '../correlate/connections';
import { podByIp } from '../families/endpoints';
import type { ConnectionSummary, Finding } from '../types';
import { breakAt, ends, findStep, firstMissing, ipOf, isSyn, linesOf } from './breaks';

/**
 * The SYN was delivered to the endpoint pod (its host-side veth sent it in, the capture there kept
 * running: the client retried, or a second passed) and the pod's answer is missing where a capture
 * covered its veth: nothing came back: no SYN-ACK, not even the RST a pod with nothing listening sends.
 * Something in the pod drops it. With other connections of the same trace served by other
 * endpoints, the finding says so: the network is fine, that endpoint is not.
 */
export function endpointSilent(ctx: TraceContext, peers: readonly ConnectionSummary[]): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.protocol !== 'tcp' || connection.outcome !== 'no-reply') return [];
  const target = (translatedLeg(connection) ?? connection.original).to;
  const pod = podByIp(ctx, ipOf(target));
  if (!pod) return [];
  const delivered = findStep(ctx.b, (step) => step.to === podActor(pod).id && step.status === 'observed', 'connect');
  if (!delivered) return [];
  // the SYNs its host-side veth sent in (the delivery step was observed from one of them)
  const veth = delivered.step.from.startsWith('veth:') ? ctx.b.actorName(delivered.step.from) : undefined;
  const syns = connection.sightings.filter(
    (sighting) => veth && isSyn(sighting) && ends(sighting).to === target && sighting.packet.interface === veth,
  );
  if (syns.length === 0) return [];
  const last = syns[syns.length - 1];
  const lastTime = packetTime(last.packet);
  const siteEnd = last.site?.last;
  // one SYN at the very end of a capture proves no silence: a retransmission (the client waited a
  // second) or a capture that ran on for a second does
  const waited = syns.length > 1 || (lastTime !== undefined && siteEnd !== undefined && siteEnd - lastTime >= 1);
  // and the pod's answer is drawn missing: a capture covered its veth (filter and time) and shows none
  const reply = firstMissing(ctx.b, 'reply');
  if (!waited || reply?.step.from !== podActor(pod).id) return [];
  const where = breakAt(ctx.b, reply, 'missing');
  const who = `${pod.name} (${target})`;
  const times = syns.length === 1 ? 'once' : `${syns.length} times (the client retried)`;
  const contrast = endpointContrast(peers, { target, pod: pod.name, outcome: 'got no reply' });
  return [
    {
      id: 'endpoint-silent',
      severity: 'error',
      title: `${pod.name} got the SYN and never answered`,
      message:
        `${veth} handed the SYN to ${who} ${times} ` +
        'and nothing came back: no SYN-ACK, not even the ' +
        'RST a pod with nothing listening sends. Something inside the pod drops it: its address is ' +
        'not on its eth0, a firewall in its network namespace, or a listener whose accept queue is ' +
        `full.${contrast ? ` ${contrast}` : ''}`,
      evidence: linesOf(
        syns.map((sighting) => sighting.packet),
        4,
      ),
      fix:
        `Look inside the pod: \`kubectl exec ${pod.name} -- ip addr\` and \`ss -ltn\` (Recv-Q at its ` +
        'Send-Q: the accept queue is full). If it is broken, delete it (its controller makes a new one) ' +
        'or give it a readiness probe that fails, so kube-proxy stops sending it connections.',
      ...where,
    },
  ];
}

/**
 * How the trace's other connections fared, when some went to other endpoints and were served: `Of the
 * 8 connections … 6 went to X and got no reply, and 2 went to Y and were served: the path works; the
 * fault is at X.` Empty when none was served elsewhere.
 */
export function endpointContrast(
  peers: readonly ConnectionSummary[],
  failed: { target: string; pod: string; outcome: string; faultAt?: string },
): string {
  const served = peers.filter(
    (peer) =>
      peer.translated !== undefined &&
      peer.translated !== failed.target &&
      (peer.outcome === 'closed' || peer.outcome === 'established'),
  );
  if (served.length === 0) return '';
  const mine = peers.filter(
    (peer) => peer.translated === failed.target && peer.outcome !== 'closed' && peer.outcome !== 'established',
  );
  const others = [...new Set(served.map((peer) => peer.endpoint?.pod ?? peer.translated))].join(', ');
  return (
    `Of the ${peers.length} connections these captures show to the same destination, ${mine.length} went ` +
    `to ${failed.pod} and ${failed.outcome}, and ${served.length} went to ${others} and were served: ` +
    `the path works; the fault is at ${failed.faultAt ?? failed.pod}.`
  );
}
