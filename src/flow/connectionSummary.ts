import { partitionPoint, withRole, type ClusterModel, type ConntrackEntry, type Packet } from '../model';
import { correlate, correlateOptionsOf, type SharedCorrelation } from './correlate/correlate';
import type { Correlation } from './correlate/correlation';
import { endpointKey, ipOf, masqueradedLeg, portOf, translatedLeg, type Connection } from './correlate/connections';
import { packetTime } from './correlate/packetKey';
import type { ConnectionSummary } from './types';

/**
 * The node's conntrack entry of a connection whose captured form is already translated (a node's own
 * connection seen only masqueraded, a local pod → Service connection seen only after the DNAT): its
 * reply tuple is what the captures show, its original tuple what the client really sent.
 */
function conntrackOf(entries: readonly ConntrackEntry[], connection: Connection): ConntrackEntry | undefined {
  const server = connection.original.to;
  return entries.find(
    (entry) =>
      entry.protocol === connection.protocol &&
      endpointKey(entry.reply.dst, entry.reply.dport) === connection.client &&
      endpointKey(entry.reply.src, entry.reply.sport) === server,
  );
}

/** The chain of the first NAT rule that DNATs to `endpoint` (`ip:port`), kept in `chains`. */
function dnatChainTo(
  model: ClusterModel,
  endpoint: string,
  chains: Map<string, string | undefined>,
): string | undefined {
  if (chains.has(endpoint)) return chains.get(endpoint);
  const ip = ipOf(endpoint);
  const port = portOf(endpoint);
  const chain = model
    .all('NatRule')
    .find((natRule) => natRule.dnatTo?.ip === ip && (natRule.dnatTo.port ?? port) === port)?.chain;
  chains.set(endpoint, chain);
  return chain;
}

/**
 * What a connection is, in the words of the JSON contract and the panel's connection picker.
 * `chains`: the DNAT chains found for endpoints, kept between the connections of one model;
 * `conntrack`: the entries it may cite (conntrackOwners; every one by default).
 */
export function summarizeConnection(
  model: ClusterModel,
  connection: Connection,
  index: number,
  {
    chains = new Map<string, string | undefined>(),
    conntrack = model.all('ConntrackEntry'),
  }: { chains?: Map<string, string | undefined>; conntrack?: readonly ConntrackEntry[] } = {},
): ConnectionSummary {
  const translated = translatedLeg(connection);
  const recorded = translated ? undefined : conntrackOf(conntrack, connection);
  // A reply un-SNATed but not yet un-DNATed (on cni0, from a local endpoint) carries the client's
  // address from before the masquerade: that is not a masqueraded form of the client.
  const beforeMasquerade = recorded ? endpointKey(recorded.original.src, recorded.original.sport) : undefined;
  const masqueradedForm = masqueradedLeg(connection);
  const masqueraded = masqueradedForm?.from === beforeMasquerade ? undefined : masqueradedForm;
  const endpointAt = translated?.to;
  const endpointIp = endpointAt ? ipOf(endpointAt) : ipOf(connection.original.to);
  const pod = model.byIp(endpointIp).find((owner) => owner.role === 'pod');
  const podFact = pod?.role === 'pod' ? pod.pod : undefined;
  const chain = endpointAt ? dnatChainTo(model, endpointAt, chains) : undefined;
  const nodes = [
    ...new Set(
      connection.sightings.map((sighting) => sighting.site?.node).filter((node): node is string => node !== undefined),
    ),
  ];
  const firstOfEachLeg = connection.legs.map((leg) => leg.sightings[0].packet);
  const summary: ConnectionSummary = {
    number: index + 1,
    protocol: connection.protocol,
    client: connection.client,
    original: connection.original.to,
    forms: connection.legs.map((leg) => `${leg.from} → ${leg.to}`),
    nodes,
    outcome: connection.outcome,
    packets: connection.sightings.length,
    evidence: firstOfEachLeg.flatMap((packet) => packet.evidence.slice(0, 1)).map(withRole),
  };
  if (translated) summary.translated = translated.to;
  const sentTo = recorded ? endpointKey(recorded.original.dst, recorded.original.dport) : undefined;
  if (sentTo && sentTo !== summary.original) {
    // Only the DNATed form was captured; conntrack names the address the client sent to.
    summary.translated = summary.original;
    summary.original = sentTo;
  }
  if (masqueraded) summary.masqueraded = masqueraded.from;
  if (podFact || chain) {
    summary.endpoint = {};
    if (podFact) summary.endpoint.pod = podFact.name;
    const podNode =
      podFact?.nodeName ?? connection.sightings.find((sighting) => sighting.frame.dst?.ip === endpointIp)?.site?.node;
    if (podNode) summary.endpoint.node = podNode;
    if (chain) summary.endpoint.chain = chain;
  }
  if (connection.start !== undefined) summary.start = connection.start;
  if (connection.end !== undefined) summary.end = connection.end;
  return summary;
}

/** `… udp port 53 unreachable`: the transport and port an ICMP error quotes, when tcpdump prints them. */
const QUOTED_PORT = /\b(?<transport>tcp|udp) port (?<port>\d+)\b/;

/**
 * When a connection's client sent to each address and to each `address:port`, sorted: the question an
 * ICMP error asks ("who sent there last before me?") becomes a binary search.
 */
class SendTimes {
  private readonly timesByDestination = new Map<string, number[]>();

  constructor(connection: Connection) {
    for (const { frame, packet } of connection.sightings) {
      const time = packetTime(packet);
      const ip = frame.dst?.ip;
      if (time === undefined || ip === undefined) continue;
      this.add(ip, time);
      if (frame.dst?.port !== undefined) this.add(endpointKey(ip, frame.dst.port), time);
    }
    for (const times of this.timesByDestination.values()) times.sort((earlier, later) => earlier - later);
  }

  /** The latest time a packet went to `ip` (and `port`), not after `time`. */
  lastBefore(sent: { ip: string; port?: number; time: number }): number | undefined {
    const key = sent.port === undefined ? sent.ip : endpointKey(sent.ip, sent.port);
    const times = this.timesByDestination.get(key);
    if (!times) return undefined;
    const after = partitionPoint(times.length, (index) => times[index] <= sent.time);
    return after === 0 ? undefined : times[after - 1];
  }

  private add(key: string, time: number): void {
    const times = this.timesByDestination.get(key);
    if (times) times.push(time);
    else this.timesByDestination.set(key, [time]);
  }
}

/** Whether an ICMP error came while the connection ran (1 s before its first packet to 5 s after its last). */
function duringConnection(connection: Connection, time: number | undefined): boolean {
  return (
    time === undefined ||
    connection.start === undefined ||
    (time >= connection.start - 1 && time <= (connection.end ?? connection.start) + 5)
  );
}

/** The destination of the connection an ICMP error quotes (or, for an error from that host, its address). */
function quotedDestination(connection: Connection, icmpError: Packet): string | undefined {
  const detail = icmpError.icmp?.detail ?? '';
  const destinations = new Set(connection.legs.map((leg) => ipOf(leg.to)));
  for (const ip of destinations) if (detail.includes(ip)) return ip;
  const sender = icmpError.src?.ip;
  return sender !== undefined && destinations.has(sender) ? sender : undefined;
}

/**
 * The ICMP errors sent to each connection's client while it ran (host unreachable for a stale
 * endpoint, port unreachable for a REJECT, net unreachable from a router): they answer a connection
 * though their addresses differ. An error answers the packet sent just before it: when several
 * connections of the client went to the quoted address (and port, where tcpdump prints one), it
 * belongs to the one that sent there last, never to all of them. An untimed error goes to every
 * connection that sent to the quoted address. One pass over the errors, each asking only the
 * connections of its addressee: errors × that client's connections × log(packets).
 */
export function icmpErrorOwners(
  connections: readonly Connection[],
  all: Pick<SharedCorrelation, 'icmpErrors'>,
): Map<Connection, Packet[]> {
  const owned = new Map<Connection, Packet[]>();
  const bySender = new Map<string, Connection[]>();
  for (const connection of connections)
    for (const address of senderAddresses(connection)) {
      const senders = bySender.get(address);
      if (senders) senders.push(connection);
      else bySender.set(address, [connection]);
    }
  const sendTimes = new Map<Connection, SendTimes>();
  const sendTimesOf = (connection: Connection): SendTimes => {
    let times = sendTimes.get(connection);
    if (!times) sendTimes.set(connection, (times = new SendTimes(connection)));
    return times;
  };
  for (const { packet: icmpError } of all.icmpErrors) {
    const addressee = icmpError.dst?.ip;
    const candidates = addressee === undefined ? undefined : bySender.get(addressee);
    if (!candidates) continue;
    const time = packetTime(icmpError);
    const quotedPort = QUOTED_PORT.exec(icmpError.icmp?.detail ?? '')?.groups?.port;
    const lastSendOf = new Map<Connection, number>();
    for (const connection of candidates) {
      const quoted = duringConnection(connection, time) ? quotedDestination(connection, icmpError) : undefined;
      if (quoted === undefined) continue;
      if (time === undefined) {
        lastSendOf.set(connection, Infinity);
        continue;
      }
      const port = quotedPort === undefined ? undefined : Number(quotedPort);
      const last = sendTimesOf(connection).lastBefore({ ip: quoted, port, time });
      if (last !== undefined) lastSendOf.set(connection, last);
    }
    const latest = Math.max(...lastSendOf.values());
    for (const [connection, last] of lastSendOf)
      if (last === latest) owned.set(connection, [...(owned.get(connection) ?? []), icmpError]);
  }
  return owned;
}

/** The addresses a connection's client side sends from: the client's own, and its masqueraded form. */
function senderAddresses(connection: Connection): Set<string> {
  const masqueraded = masqueradedLeg(connection);
  return new Set([ipOf(connection.client), ...(masqueraded ? [ipOf(masqueraded.from)] : [])]);
}

/**
 * The correlation a flow of one connection reads: NAT pairs, handshakes, floods and ICMP errors of
 * the connection's own packets; veth claims and ARP from everything the trace read (they name
 * interfaces and MACs, they prove no hop of the connection).
 */
export function connectionCorrelation(
  own: readonly Packet[],
  all: SharedCorrelation,
  model: ClusterModel,
): Correlation {
  return { ...correlate(own, correlateOptionsOf(model)), vethClaims: all.vethClaims, arp: all.arp };
}
