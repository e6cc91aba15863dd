import { withRole, type ClusterModel, type Packet } from '../model';
import { correlate, correlateOptionsOf } from './correlate/correlate';
import type { Correlation } from './correlate/correlation';
import { ipOf, masqueradedLeg, portOf, translatedLeg, type Connection } from './correlate/connections';
import { packetTime } from './correlate/packetKey';
import type { ConnectionSummary } from './types';

/** What a connection is, in the words of the JSON contract and the panel's connection picker. */
export function summarizeConnection(model: ClusterModel, connection: Connection, index: number): ConnectionSummary {
  const translated = translatedLeg(connection);
  const masqueraded = masqueradedLeg(connection);
  const endpointAt = translated?.to;
  const endpointIp = endpointAt ? ipOf(endpointAt) : ipOf(connection.original.to);
  const pod = model.byIp(endpointIp).find((owner) => owner.role === 'pod');
  const podFact = pod?.role === 'pod' ? pod.pod : undefined;
  const chain = endpointAt
    ? model
        .all('NatRule')
        .find((r) => r.dnatTo?.ip === ipOf(endpointAt) && (r.dnatTo.port ?? portOf(endpointAt)) === portOf(endpointAt))
        ?.chain
    : undefined;
  const nodes = [...new Set(connection.sightings.map((s) => s.site?.node).filter((n): n is string => n !== undefined))];
  const firstOfEachLeg = connection.legs.map((leg) => leg.sightings[0].packet);
  const summary: ConnectionSummary = {
    number: index + 1,
    protocol: connection.protocol,
    client: connection.client,
    original: connection.original.to,
    nodes,
    outcome: connection.outcome,
    packets: connection.sightings.length,
    evidence: firstOfEachLeg.flatMap((p) => p.evidence.slice(0, 1)).map(withRole),
  };
  if (translated) summary.translated = translated.to;
  if (masqueraded) summary.masqueraded = masqueraded.from;
  if (podFact || chain) {
    summary.endpoint = {};
    if (podFact) summary.endpoint.pod = podFact.name;
    const podNode = podFact?.nodeName ?? connection.sightings.find((s) => s.frame.dst?.ip === endpointIp)?.site?.node;
    if (podNode) summary.endpoint.node = podNode;
    if (chain) summary.endpoint.chain = chain;
  }
  if (connection.start !== undefined) summary.start = connection.start;
  if (connection.end !== undefined) summary.end = connection.end;
  return summary;
}

/** `… udp port 53 unreachable`: the transport and port an ICMP error quotes, when tcpdump prints them. */
const QUOTED_PORT = /\b(?<transport>tcp|udp) port (?<port>\d+)\b/;

/** The latest time the client sent a packet of this connection to `ip` (and `port`), not after `time`. */
function lastSentTo(connection: Connection, sent: { ip: string; port?: number; time: number }): number | undefined {
  let latest: number | undefined;
  for (const { frame, packet } of connection.sightings) {
    if (frame.dst?.ip !== sent.ip || (sent.port !== undefined && frame.dst.port !== sent.port)) continue;
    const t = packetTime(packet);
    if (t !== undefined && t <= sent.time && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

/**
 * The ICMP errors sent to a connection's client while it ran (host unreachable for a stale endpoint,
 * port unreachable for a REJECT, net unreachable from a router): they answer the connection though
 * their addresses differ. An error answers the packet sent just before it: when several connections
 * of the client went to the quoted address (and port, where tcpdump prints one), it belongs to the one
 * that sent there last, never to all of them.
 */
export function icmpErrorsAbout(connection: Connection, all: Correlation, rivals: readonly Connection[]): Packet[] {
  const destinations = new Set(connection.legs.map((leg) => ipOf(leg.to)));
  return all.icmpErrors
    .map((e) => e.packet)
    .filter((p) => {
      const addressee = p.dst?.ip;
      if (addressee === undefined || !senderAddresses(connection).has(addressee)) return false;
      const t = packetTime(p);
      const inWindow =
        t === undefined ||
        connection.start === undefined ||
        (t >= connection.start - 1 && t <= (connection.end ?? connection.start) + 5);
      const detail = p.icmp?.detail ?? '';
      const quoted =
        [...destinations].find((ip) => detail.includes(ip)) ??
        (destinations.has(p.src?.ip ?? '') ? p.src?.ip : undefined);
      if (!inWindow || quoted === undefined) return false;
      if (t === undefined) return true;
      const port = QUOTED_PORT.exec(detail)?.groups?.port;
      const sent = { ip: quoted, port: port === undefined ? undefined : Number(port), time: t };
      const mine = lastSentTo(connection, sent);
      if (mine === undefined) return false;
      return rivals.every((rival) => {
        if (rival === connection || !senderAddresses(rival).has(addressee)) return true;
        const theirs = lastSentTo(rival, sent);
        return theirs === undefined || theirs <= mine;
      });
    });
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
export function connectionCorrelation(own: readonly Packet[], all: Correlation, model: ClusterModel): Correlation {
  return { ...correlate(own, correlateOptionsOf(model)), vethClaims: all.vethClaims, arp: all.arp };
}
