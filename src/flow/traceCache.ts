import type { ClusterModel, Packet } from '../model';
import { icmpErrorOwners } from './connectionSummary';
import { correlateOptionsOf, sharedCorrelation, type SharedCorrelation } from './correlate/correlate';
import { ipOf, reconstructConnections, type Connection } from './correlate/connections';
import { sitedPackets, type SitedPackets } from './correlate/sites';
import { declaredClaims, vethOwnership, type VethOwnership } from './correlate/vethOwnership';
import { withPredictedPods } from './predictPods';

/**
 * What a trace computes of the packets touching a set of addresses, whatever its question: the
 * sited packets, their shared correlation (veth claims, ARP, ICMP errors), the veths' owners and,
 * on first use, every connection rebuilt in them with the ICMP errors that answer each.
 */
export interface SharedWork {
  sited: SitedPackets;
  correlation: SharedCorrelation;
  veths: Map<string, VethOwnership>;
  connections(): RebuiltConnections;
}

export interface RebuiltConnections {
  every: Connection[];
  icmpErrorsOf: Map<Connection, Packet[]>;
}

/** The shared work of a trace on `model` (the model a trace reads: predicted pods added) for `addresses`. */
export function sharedWork(model: ClusterModel, addresses: ReadonlySet<string> | undefined): SharedWork {
  const sited = sitedPackets(model, addresses);
  const correlation = sharedCorrelation(sited.packets, correlateOptionsOf(model));
  const veths = vethOwnership([...declaredClaims(model), ...correlation.vethClaims]);
  let rebuilt: RebuiltConnections | undefined;
  const connections = (): RebuiltConnections => {
    if (rebuilt) return rebuilt;
    const every = reconstructConnections(sited.packets, sited.siteOf, addressedEnds(model, sited.packets));
    // ICMP errors answer a connection though their addresses differ: one that got only such an answer
    // was refused by the network, not left unanswered.
    const icmpErrorsOf = icmpErrorOwners(every, correlation);
    for (const connection of every)
      if (connection.outcome === 'no-reply' && icmpErrorsOf.get(connection)?.length) connection.outcome = 'unreachable';
    return (rebuilt = { every, icmpErrorsOf });
  };
  return { sited, correlation, veths, connections };
}

/** Address sets whose shared work a cache keeps (the last ones asked for). */
const MAX_ADDRESS_SETS = 2;

/**
 * The work traces of one model share, kept between them: the model with its predicted pods, and
 * per set of addresses a trace reads (one for each FROM/TO that touches other addresses) its
 * SharedWork. A trace given a cache gives the same result as one without.
 *
 * A cache serves one model object as it was when first traced: given another model it starts
 * afresh, and whoever adds facts to the model must drop the cache (or `clear()` it).
 */
export class TraceCache {
  private input?: ClusterModel;
  private readonly models = new Map<boolean, ClusterModel>();
  private readonly work = new Map<string, SharedWork>();

  /** The model a trace of `input` reads: `input` itself, or a copy with the pods its workloads imply. */
  modelFor(input: ClusterModel, noPredictedPods: boolean): ClusterModel {
    if (input !== this.input) {
      this.clear();
      this.input = input;
    }
    let model = this.models.get(noPredictedPods);
    if (!model) this.models.set(noPredictedPods, (model = noPredictedPods ? input : withPredictedPods(input)));
    return model;
  }

  /** The shared work for `addresses` on `model` (one modelFor returned), made once. */
  sharedWork(model: ClusterModel, addresses: ReadonlySet<string> | undefined): SharedWork {
    const predicted = [...this.models].find(([, known]) => known === model)?.[0];
    if (predicted === undefined) return sharedWork(model, addresses);
    const key = `${predicted}|${addresses ? [...addresses].sort().join(' ') : '*'}`;
    let work = this.work.get(key);
    if (work) this.work.delete(key);
    else work = sharedWork(model, addresses);
    this.work.set(key, work);
    if (this.work.size > MAX_ADDRESS_SETS) this.work.delete(this.work.keys().next().value!);
    return work;
  }

  /** Forgets everything. */
  clear(): void {
    this.input = undefined;
    this.models.clear();
    this.work.clear();
  }
}

/** `ip:port` of every NodePort on every node's address. */
export function nodePortEnds(model: ClusterModel): Set<string> {
  const ends = new Set<string>();
  const addresses = model.nodes.flatMap((node) => [node.internalIP, node.externalIP]).filter((ip) => ip !== undefined);
  for (const svc of model.services)
    for (const port of svc.ports) if (port.nodePort) for (const ip of addresses) ends.add(`${ip}:${port.nodePort}`);
  return ends;
}

/**
 * The `ip:port` ends a client addresses and NAT rewrites: every Service ClusterIP and port, every
 * node address with a NodePort, every address and port a kube-proxy rule matches before a DNAT;
 * and, on any port, every address a captured DNS answer gave (the client chose it by name, so it is
 * the form the client sent to even when only a DNATed copy of its first packet was captured).
 */
function addressedEnds(model: ClusterModel, packets: readonly Packet[]): (endpoint: string) => boolean {
  const ends = nodePortEnds(model);
  for (const svc of model.services)
    for (const port of svc.ports)
      for (const ip of [svc.clusterIP, ...(svc.clusterIPs ?? [])])
        if (ip && ip !== 'None') ends.add(`${ip}:${port.port}`);
  for (const rule of model.all('NatRule'))
    if (
      rule.destination &&
      !rule.destination.negated &&
      rule.dport !== undefined &&
      rule.destination.cidr.endsWith('/32')
    )
      ends.add(`${rule.destination.cidr.slice(0, -3)}:${rule.dport}`);
  // Read from the packets only when an end is not one of those (most connections go to a Service).
  let answered: Set<string> | undefined;
  const answeredAddresses = () => {
    if (answered) return answered;
    answered = new Set<string>();
    for (const packet of packets)
      if (packet.dns?.response)
        for (const answer of packet.dns.answers ?? [])
          if (answer.type === 'A' || answer.type === 'AAAA') answered.add(answer.data);
    return answered;
  };
  return (endpoint) => ends.has(endpoint) || answeredAddresses().has(ipOf(endpoint));
}
