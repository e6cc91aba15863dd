import { namespacedName, type ClusterModel } from '../model';
import { brokenAt } from './brokenAt';
import { reconstructConnections, type Connection, ipOf, portOf } from './correlate/connections';
import { sitedPackets } from './correlate/sites';
import { clusterFindings } from './findings';
import { UnknownTargetError } from './resolve';
import { trace } from './trace';
import type { Finding, FindingSeverity, Flow } from './types';

/** One problem found, with the flows (failing requests) it explains. */
export interface Problem {
  finding: Finding;
  /** Title of the first flow it was found in (`client → Service web:80 · connection 1 of 1`). */
  flow: string;
  /** The request that showed it, as the trace was asked (`default/client → 10.96.0.20:80`). */
  request: string;
  /** How many failing connections or lookups it explains. */
  count: number;
}

export interface Diagnosis {
  /** Most severe first; among equals, those that name the hop where a flow stops, then the most frequent. */
  problems: Problem[];
  /** The failing requests examined (`default/client → 10.96.0.20:80 (refused)`). */
  requests: string[];
}

const FAILED = new Set(['refused', 'no-reply', 'reset', 'unreachable']);
/** The `flow` and `request` of a problem found in node and cluster state, not in a traced request. */
const NODE_STATE = 'what the nodes and the cluster report';
const RANK: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** True when a data segment of the connection was sent again on the same interface: it stalled somewhere. */
function stalled(connection: Connection): boolean {
  const seen = new Set<string>();
  for (const { frame, packet, site } of connection.sightings) {
    const tcp = frame.tcp;
    if (!tcp || tcp.seq === undefined || tcp.seqEnd === undefined || tcp.seqEnd <= tcp.seq) continue;
    const where = `${site?.index ?? ''}|${packet.interface ?? ''}|${packet.direction ?? ''}`;
    const key = `${where}|${frame.src?.ip}:${frame.src?.port}|${tcp.seq}:${tcp.seqEnd}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/**
 * A failing connection as `trace` takes it: the pod (or, for a client outside the cluster calling a
 * NodePort, its address) and the address it called.
 */
function requestOf(model: ClusterModel, connection: Connection): { from: string; to: string } | undefined {
  // DNS exchanges are judged through the lookups that failed, not as connections.
  if (connection.original.sightings[0]?.frame.dns) return undefined;
  const client = ipOf(connection.client);
  const owners = model.byIp(client);
  const owner = owners.find((candidate) => candidate.role === 'pod');
  if (owner?.role === 'pod') return { from: namespacedName(owner.pod), to: connection.original.to };
  const calledNode = model.byIp(ipOf(connection.original.to)).some((owner) => owner.role === 'node');
  const port = portOf(connection.original.to);
  const nodePort = model.services.some((service) => service.ports.some((servicePort) => servicePort.nodePort === port));
  if (!owners.length && calledNode && connection.protocol !== 'icmp' && nodePort)
    return { from: client, to: connection.original.to };
  return undefined;
}

/**
 * Every problem the pasted outputs and manifests show, without being told where to look: each
 * failing connection in the captures (refused, no reply, reset, unreachable, or data sent again on
 * the same interface) and each name a client
 * could not resolve is traced, and the findings of those flows are merged and ranked.
 */
export function diagnose(model: ClusterModel): Diagnosis {
  const sited = sitedPackets(model, undefined);
  // One request per client and destination; `clients` holds the failing connections' own client ends
  // (ip:port), so the trace's flows of the same pair that worked are not counted.
  const requests = new Map<string, { from: string; to: string; why: string; clients: Set<string> }>();
  for (const connection of reconstructConnections(sited.packets, sited.siteOf)) {
    if (!FAILED.has(connection.outcome) && !stalled(connection)) continue;
    const request = requestOf(model, connection);
    if (!request) continue;
    const key = `${request.from} → ${request.to}`;
    const why = FAILED.has(connection.outcome) ? connection.outcome : 'data retransmitted';
    if (!requests.has(key)) requests.set(key, { ...request, why, clients: new Set() });
    requests.get(key)!.clients.add(connection.client);
  }
  for (const result of model.all('ClientResult')) {
    if (result.outcome !== 'unresolved' || !result.target || !result.host) continue;
    const pod = model.findPod(result.host);
    if (!pod) continue;
    const request = { from: namespacedName(pod), to: result.target.replace(/^https?:\/\//, '').replace(/[/:].*$/, '') };
    const key = `${request.from} → ${request.to}`;
    if (!requests.has(key))
      requests.set(key, { ...request, why: `${result.tool}: ${result.message}`, clients: new Set() });
  }
  const problems = new Map<string, Problem>();
  /** Problems told by a flow that stops at them. */
  const stops = new Set<string>();
  for (const [key, request] of requests) {
    let flows: Flow[];
    try {
      flows = trace(model, request.from, request.to).flows;
    } catch (e) {
      if (e instanceof UnknownTargetError) continue;
      throw e;
    }
    // Only the flows of the failing connection itself (a trace by address may find others).
    const own = flows.filter(
      (flow) =>
        request.clients.size === 0 ||
        flow.connection === undefined ||
        request.clients.has(flow.connections?.[flow.connection]?.client ?? ''),
    );
    // The trace knows more of how it ended (an ICMP error answered it: unreachable, not no-reply).
    const connectionFlow = own.find((flow) => flow.connection !== undefined);
    const traced = connectionFlow?.connections?.[connectionFlow.connection ?? -1]?.outcome;
    if (traced && FAILED.has(traced)) request.why = traced;
    for (const flow of own) {
      const stop = brokenAt(flow);
      for (const finding of flow.findings) {
        if (finding.severity === 'info') continue;
        const id = `${finding.id}|${finding.title}`;
        const known = problems.get(id);
        if (known) known.count++;
        else problems.set(id, { finding, flow: flow.title, request: key, count: 1 });
        // the first flow that stops at it tells it (its evidence is that flow's, as its name is)
        if (stop === finding && !stops.has(id)) {
          stops.add(id);
          Object.assign(problems.get(id)!, { finding, flow: flow.title, request: key });
        }
      }
    }
  }
  // What the nodes and the cluster say about themselves (crashing system pods, kube-proxy's failed
  // syncs, conntrack drops), whether or not a failing request was captured.
  for (const finding of clusterFindings(model)) {
    const id = `${finding.id}|${finding.title}`;
    if (!problems.has(id)) problems.set(id, { finding, flow: NODE_STATE, request: NODE_STATE, count: 1 });
  }
  const ranked = [...problems.values()].sort(
    (left, right) =>
      RANK[left.finding.severity] - RANK[right.finding.severity] ||
      Number(right.finding.hop !== undefined) - Number(left.finding.hop !== undefined) ||
      right.count - left.count,
  );
  return {
    problems: ranked,
    requests: [...requests].map(
      ([key, request]) =>
        `${key} (${request.why}${request.clients.size > 1 ? `, ${request.clients.size} connections` : ''})`,
    ),
  };
}
