import type { ClusterModel, Packet } from '../../model';
import type {
  ArpExchange,
  Correlation,
  Flood,
  IcmpError,
  NatPair,
  PacketGroup,
  TcpConnection,
  VethClaim,
} from './correlation';
import {
  connectionKey,
  forwardKeyWithoutDst,
  isUnicastIp,
  looksLikeVeth,
  packetTime,
  replyKeyWithoutSrc,
  samePacketKey,
} from './packetKey';

/**
 * Sightings of one packet on several interfaces are microseconds apart; a later identical packet is a
 * retransmission.
 */
const SAME_PACKET_WINDOW_S = 0.05;

export interface CorrelateOptions {
  /** Extra interface names known to be pod veths (from `ip link`). */
  vethNames?: ReadonlySet<string>;
  /** True for virtual (Service) addresses, so DNAT pairs are oriented even without timestamps. */
  isServiceIp?: (ip: string) => boolean;
}

/** What a model tells the correlation: the pod veths `ip link` named, and the Service addresses. */
export function correlateOptionsOf(model: ClusterModel): Required<CorrelateOptions> {
  const serviceIps = new Set(
    model.services
      .flatMap((service) => [service.clusterIP, ...(service.clusterIPs ?? [])])
      .filter((ip): ip is string => !!ip && ip !== 'None'),
  );
  return {
    vethNames: new Set(
      model
        .all('HostInterface')
        .filter((hostInterface) => hostInterface.type === 'veth')
        .map((hostInterface) => hostInterface.name),
    ),
    isServiceIp: (ip) => serviceIps.has(ip),
  };
}

/**
 * Correlates packets from any number of captures: groups sightings of the same packet,
 * pairs pre- and post-DNAT packets, infers which veth belongs to which pod, finds bridge
 * flooding, ARP exchanges, TCP handshakes/teardowns/retransmissions and ICMP errors.
 * One pass plus per-group work: linear in the number of packets.
 */
export function correlate(packets: readonly Packet[], options: CorrelateOptions = {}): Correlation {
  const retransmitted = new Set<Packet>();
  const groups = samePacketGroups(packets, retransmitted);
  return {
    ...groupsCorrelation(packets, groups, options),
    arp: arpExchanges(groups),
    connections: tcpConnections(packets, retransmitted),
    icmpErrors: icmpErrors(packets),
  };
}

/** What a packet's hover reads of a correlation: groups, floods, veth claims and NAT pairs. */
export type HoverCorrelation = Pick<Correlation, 'groups' | 'floodOf' | 'vethClaims' | 'natPairs' | 'floods'>;

/**
 * The part of `correlate` a packet's hover reads, the same as `correlate` gives for the same packets,
 * without the ARP exchanges, TCP connections and ICMP errors (a hover on a large capture correlates a
 * window of 3,000 packets, again after each edit in it).
 */
export function hoverCorrelation(packets: readonly Packet[], options: CorrelateOptions = {}): HoverCorrelation {
  return groupsCorrelation(packets, samePacketGroups(packets), options);
}

/** Floods, veth claims and NAT pairs of `packets`, grouped in `groups` by samePacketGroups. */
function groupsCorrelation(
  packets: readonly Packet[],
  groups: PacketGroup[],
  options: CorrelateOptions,
): HoverCorrelation {
  const floodList = floods(groups, options.vethNames);
  const floodOf = new Map<Packet, Flood>();
  for (const flood of floodList) for (const packet of flood.group.packets) floodOf.set(packet, flood);
  return {
    groups,
    floodOf,
    vethClaims: vethClaims(groups, options.vethNames),
    natPairs: natPairs(packets, options.isServiceIp),
    floods: floodList,
  };
}

/** What a trace reads from every packet it read, not only from a connection's own. */
export type SharedCorrelation = Pick<Correlation, 'vethClaims' | 'arp' | 'icmpErrors'>;

/**
 * The part of `correlate` a trace needs over all its packets (veth claims, ARP exchanges, ICMP
 * errors), the same as `correlate` gives for them; NAT pairs, floods and TCP connections it
 * correlates per connection, from that connection's packets.
 */
export function sharedCorrelation(packets: readonly Packet[], options: CorrelateOptions = {}): SharedCorrelation {
  // each group read once it is complete, none kept: a large capture's groups die young
  const claims = new VethClaims(options.vethNames);
  const arp = new ArpExchanges();
  samePacketGroups(packets, undefined, (packetGroup) => {
    claims.add(packetGroup);
    arp.add(packetGroup);
  });
  return { vethClaims: claims.out, arp: arp.out, icmpErrors: icmpErrors(packets) };
}

/**
 * Sightings of one packet (on several interfaces) grouped, in order of their first sighting. When
 * `retransmitted` is given, the TCP packets that repeat an earlier group's packet are added to it.
 * When `complete` is given, each group is given to it instead, in the same order, once no packet
 * can join it any more (its window passed, or the packets ended), and none is returned.
 */
function samePacketGroups(
  packets: readonly Packet[],
  retransmitted?: Set<Packet>,
  complete?: (packetGroup: PacketGroup) => void,
): PacketGroup[] {
  const groups: PacketGroup[] = [];
  const openGroups = new OpenGroups();
  // Groups in creation order (and their key numbers), to forget the ones whose window has passed
  // (keeps the open groups few on long captures).
  const openOrder: PacketGroup[] = [];
  const openHashes: (number | undefined)[] = [];
  let head = 0;
  // Keys of closed groups, only as far as TCP needs them to recognise a retransmission.
  const closedTcp = new Set<string>();

  for (const packet of packets) {
    const time = packetTime(packet);
    if (time !== undefined) {
      while (
        head < openOrder.length &&
        openOrder[head].start !== undefined &&
        time - openOrder[head].start! > SAME_PACKET_WINDOW_S
      ) {
        const old = openOrder[head];
        if (openGroups.close(old, openHashes[head++]) && retransmitted && old.packets[0].protocol === 'tcp')
          closedTcp.add(old.key);
        complete?.(old);
      }
      if (head > 4096 && head * 2 > openOrder.length) {
        openOrder.splice(0, head);
        openHashes.splice(0, head);
        head = 0;
      }
    }
    const hash = openGroups.hashOf(packet);
    const open = openGroups.find(packet, hash);
    const seenHere = open !== undefined && seenOnItsInterface(open, packet);
    const inWindow =
      open !== undefined &&
      (time === undefined || open.start === undefined || time - open.start <= SAME_PACKET_WINDOW_S);
    if (open && inWindow && !seenHere) {
      open.packets.push(packet);
      continue;
    }
    // the key string only when something compares it: most groups are filed by their number alone
    const packetGroup = new SightedGroup(packet, time, open?.key);
    if (retransmitted && packet.protocol === 'tcp' && (open || closedTcp.has(packetGroup.key)))
      retransmitted.add(packet);
    if (!complete) groups.push(packetGroup);
    openGroups.open(packetGroup, hash);
    openOrder.push(packetGroup);
    openHashes.push(hash);
  }
  if (complete) for (let k = head; k < openOrder.length; k++) complete(openOrder[k]);
  return groups;
}

/** Whether a packet of the group was seen on the packet's interface, the same way. */
function seenOnItsInterface(packetGroup: PacketGroup, packet: Packet): boolean {
  for (const earlier of packetGroup.packets)
    if (earlier.interface === packet.interface && earlier.direction === packet.direction) return true;
  return false;
}

/**
 * A PacketGroup whose key is made from its first packet when first read (every packet of a group
 * has its key: see OpenGroups).
 */
class SightedGroup implements PacketGroup {
  readonly packets: Packet[];
  #key: string | undefined;

  constructor(
    first: Packet,
    readonly start: number | undefined,
    key: string | undefined,
  ) {
    this.packets = [first];
    this.#key = key;
  }

  get key(): string {
    return (this.#key ??= samePacketKey(this.packets[0]));
  }
}

/**
 * The open group of each samePacketKey. Most packets of a capture are seen once, so most lookups
 * find nothing: groups are filed by a number made of the key's numbers (ports, TCP seq and ack, DNS
 * and ICMP ids, length; ARP's addresses numbered in order of appearance), and a packet is compared
 * only with the open groups of its number: field by field (the same fields, the same key), else by
 * key string. Equal keys give equal numbers: a key's fields are told apart by `|`, and a packet whose
 * text fields hold one (it would shift fields) is filed by its key string, as are other protocols.
 */
class OpenGroups {
  private readonly byKey = new Map<string, PacketGroup>();
  private readonly byHash = new Map<number, PacketGroup[]>();
  private readonly addressNumbers = new Map<string, number>();

  /** The open group with the packet's key. */
  find(packet: Packet, hash: number | undefined): PacketGroup | undefined {
    if (hash === undefined) return this.byKey.get(samePacketKey(packet));
    const filed = this.byHash.get(hash);
    if (!filed) return undefined;
    for (const candidate of filed) if (sameKeyFields(packet, candidate.packets[0])) return candidate;
    const key = samePacketKey(packet);
    return filed.find((candidate) => candidate.key === key);
  }

  /** A new group: the open one for its key from now on. */
  open(group: PacketGroup, hash: number | undefined): void {
    if (hash === undefined) {
      this.byKey.set(group.key, group);
      return;
    }
    const filed = this.byHash.get(hash);
    if (!filed) {
      this.byHash.set(hash, [group]);
      return;
    }
    // the same fields are the same key (and most groups filed together differ in them: no key made)
    const same = filed.findIndex(
      (candidate) => sameKeyFields(group.packets[0], candidate.packets[0]) || candidate.key === group.key,
    );
    if (same >= 0) filed[same] = group;
    else filed.push(group);
  }

  /** Forgets a group whose window has passed; true when it was still the open one for its key. */
  close(group: PacketGroup, hash: number | undefined): boolean {
    if (hash === undefined) {
      if (this.byKey.get(group.key) !== group) return false;
      this.byKey.delete(group.key);
      return true;
    }
    const filed = this.byHash.get(hash);
    const at = filed ? filed.indexOf(group) : -1;
    if (at < 0) return false;
    if (filed!.length === 1) this.byHash.delete(hash);
    else filed!.splice(at, 1);
    return true;
  }

  /** The number equal samePacketKeys share, or undefined for a packet filed by its key string. */
  hashOf(packet: Packet): number | undefined {
    const src = packet.src;
    const dst = packet.dst;
    switch (packet.protocol) {
      case 'tcp':
        if (hasBar(src?.ip) || hasBar(dst?.ip) || hasBar(packet.tcp?.flags)) return undefined;
        return mix(mix(mix(mix(mix(1, src?.port), dst?.port), packet.tcp?.seq), packet.tcp?.ack), packet.length);
      case 'udp':
        if (hasBar(src?.ip) || hasBar(dst?.ip)) return undefined;
        return mix(mix(mix(mix(2, src?.port), dst?.port), packet.dns?.id), packet.length);
      case 'icmp':
      case 'icmp6':
        if (hasBar(src?.ip) || hasBar(dst?.ip) || hasBar(packet.icmp?.type)) return undefined;
        return mix(mix(mix(3, packet.icmp?.id), packet.icmp?.seq), packet.length);
      case 'arp': {
        const arp = packet.arp;
        if (hasBar(arp?.op) || hasBar(arp?.targetIp) || hasBar(arp?.senderIp) || hasBar(arp?.mac)) return undefined;
        return mix(mix(4, this.addressNumber(arp?.targetIp)), this.addressNumber(arp?.senderIp));
      }
      default:
        return undefined;
    }
  }

  /** A number per address as the key prints it (a missing one as `undefined`). */
  private addressNumber(address: string | undefined): number {
    const text = address ?? 'undefined';
    let number = this.addressNumbers.get(text);
    if (number === undefined) this.addressNumbers.set(text, (number = this.addressNumbers.size));
    return number;
  }
}

const hasBar = (text: string | undefined) => text !== undefined && text.includes('|');

/** Mixes one of a key's numbers in (NaN and undefined count as 0: equal numbers, equal result). */
function mix(hash: number, value: number | undefined): number {
  const number = value ?? 0;
  return (Math.imul(hash, 0x01000193) ^ (number | 0) ^ ((number / 4294967296) | 0)) | 0;
}

/**
 * True when two packets have the same value in every field samePacketKey reads (then their keys are
 * equal; false says nothing: see OpenGroups).
 */
function sameKeyFields(packet: Packet, other: Packet): boolean {
  const kind = (protocol: string | undefined) => (protocol === 'icmp6' ? 'icmp' : protocol);
  if (kind(packet.protocol) !== kind(other.protocol) || packet.length !== other.length) return false;
  switch (packet.protocol) {
    case 'arp':
      return (
        packet.arp?.op === other.arp?.op &&
        packet.arp?.targetIp === other.arp?.targetIp &&
        packet.arp?.senderIp === other.arp?.senderIp &&
        packet.arp?.mac === other.arp?.mac
      );
    case 'tcp':
      return (
        sameEnds(packet, other) &&
        packet.tcp?.flags === other.tcp?.flags &&
        packet.tcp?.seq === other.tcp?.seq &&
        packet.tcp?.seqEnd === other.tcp?.seqEnd &&
        packet.tcp?.ack === other.tcp?.ack
      );
    case 'udp':
      return (
        sameEnds(packet, other) &&
        (packet.dns === undefined) === (other.dns === undefined) &&
        packet.dns?.id === other.dns?.id &&
        packet.dns?.response === other.dns?.response
      );
    case 'icmp':
    case 'icmp6':
      return (
        packet.src?.ip === other.src?.ip &&
        packet.dst?.ip === other.dst?.ip &&
        packet.icmp?.type === other.icmp?.type &&
        packet.icmp?.id === other.icmp?.id &&
        packet.icmp?.seq === other.icmp?.seq
      );
    default:
      return false;
  }
}

const sameEnds = (packet: Packet, other: Packet) =>
  packet.src?.ip === other.src?.ip &&
  packet.src?.port === other.src?.port &&
  packet.dst?.ip === other.dst?.ip &&
  packet.dst?.port === other.dst?.port;

/** The veth claims of groups added in order (see vethClaims). */
class VethClaims {
  readonly out: VethClaim[] = [];
  // Claims made so far, by address, interface and kind: maps of the parser's own strings (their
  // hashes are kept), no key string built per packet.
  private readonly seen = new Map<string, Map<string, Set<VethClaim['how']>>>();

  constructor(private readonly known?: ReadonlySet<string>) {}

  private claim(ip: string, iface: string, how: VethClaim['how'], evidence: VethClaim['evidence']): void {
    let byIface = this.seen.get(ip);
    if (!byIface) this.seen.set(ip, (byIface = new Map<string, Set<VethClaim['how']>>()));
    let kinds = byIface.get(iface);
    if (!kinds) byIface.set(iface, (kinds = new Set<VethClaim['how']>()));
    if (kinds.has(how)) return;
    kinds.add(how);
    this.out.push({ ip, iface, how, evidence });
  }

  add(packetGroup: PacketGroup): void {
    const known = this.known;
    let vethOut: Packet | undefined;
    let vethOuts = 0;
    for (const packet of packetGroup.packets) {
      if (packet.direction === 'Out' && looksLikeVeth(packet.interface, known) && vethOuts++ === 0) vethOut = packet;
      // Received on a host-side veth (`P`: addressed to another host's MAC, `In`: to the node's own cni0 MAC,
      // `B`: broadcast): the frame came out of the pod behind that veth.
      if (
        !looksLikeVeth(packet.interface, known) ||
        (packet.direction !== 'P' && packet.direction !== 'In' && packet.direction !== 'B')
      )
        continue;
      if (packet.network === 'ip' && packet.src?.ip && packet.direction !== 'B')
        this.claim(packet.src.ip, packet.interface!, 'sent', packet.evidence);
      if (packet.protocol === 'arp') {
        const ip = packet.arp?.op === 'reply' ? arpReplyIp(packet) : packet.arp?.senderIp;
        if (ip) this.claim(ip, packet.interface!, 'arp', packet.evidence);
      }
    }
    const first = packetGroup.packets[0];
    if (first.network === 'ip' && vethOuts === 1 && first.dst?.ip && isUnicastIp(first.dst.ip))
      this.claim(first.dst.ip, vethOut!.interface!, 'delivered', vethOut!.evidence);
  }
}

function vethClaims(groups: readonly PacketGroup[], known?: ReadonlySet<string>): VethClaim[] {
  const claims = new VethClaims(known);
  for (const packetGroup of groups) claims.add(packetGroup);
  return claims.out;
}

function natPairs(packets: readonly Packet[], isServiceIp?: (ip: string) => boolean): NatPair[] {
  const fwd = new Map<string, Packet[]>();
  const rev = new Map<string, Packet[]>();
  const put = (byKey: Map<string, Packet[]>, key: string | undefined, packet: Packet, addr: string | undefined) => {
    if (!key || !addr) return;
    const group = byKey.get(key);
    if (!group) byKey.set(key, [packet]);
    else if (!group.some((known) => (byKey === fwd ? known.dst?.ip : known.src?.ip) === addr)) group.push(packet);
  };
  for (const packet of packets) {
    if (packet.network !== 'ip') continue;
    put(fwd, forwardKeyWithoutDst(packet), packet, packet.dst?.ip);
    put(rev, replyKeyWithoutSrc(packet), packet, packet.src?.ip);
  }
  const out: NatPair[] = [];
  const addr = (ip?: string, port?: number) => `${ip}${port !== undefined ? `:${port}` : ''}`;
  const order = (packet: Packet, other: Packet, virtual: (p: Packet) => string | undefined): [Packet, Packet] => {
    const va = virtual(packet);
    const vb = virtual(other);
    if (isServiceIp && va && isServiceIp(va) && !(vb && isServiceIp(vb))) return [packet, other];
    if (isServiceIp && vb && isServiceIp(vb) && !(va && isServiceIp(va))) return [other, packet];
    return (packetTime(packet) ?? 0) <= (packetTime(other) ?? 0) ? [packet, other] : [other, packet];
  };
  for (const pair of fwd.values()) {
    if (pair.length !== 2) continue;
    const [before, after] = order(pair[0], pair[1], (packet) => packet.dst?.ip);
    out.push({
      direction: 'forward',
      before,
      after,
      original: addr(before.dst?.ip, before.dst?.port),
      translated: addr(after.dst?.ip, after.dst?.port),
    });
  }
  for (const pair of rev.values()) {
    if (pair.length !== 2) continue;
    // In the reply the pod's address comes first and conntrack restores the Service address.
    const [svc, pod] = order(pair[0], pair[1], (packet) => packet.src?.ip);
    out.push({
      direction: 'reply',
      before: pod,
      after: svc,
      original: addr(pod.src?.ip, pod.src?.port),
      translated: addr(svc.src?.ip, svc.src?.port),
    });
  }
  return out;
}

function floods(groups: readonly PacketGroup[], known?: ReadonlySet<string>): Flood[] {
  const out: Flood[] = [];
  for (const packetGroup of groups) {
    const first = packetGroup.packets[0];
    if (first.network !== 'ip' || !isUnicastIp(first.dst?.ip)) continue;
    const outs = packetGroup.packets
      .filter((packet) => packet.direction === 'Out' && looksLikeVeth(packet.interface, known))
      .map((packet) => packet.interface!);
    if (outs.length >= 2) out.push({ group: packetGroup, dst: first.dst!.ip, interfaces: [...new Set(outs)] });
  }
  return out;
}

/** The ARP exchanges of groups added in order (see arpExchanges). */
class ArpExchanges {
  readonly out: ArpExchange[] = [];
  private readonly pending = new Map<string, ArpExchange>();

  add(packetGroup: PacketGroup): void {
    const arp = packetGroup.packets[0].arp;
    if (!arp) return;
    if (arp.op === 'request' && arp.targetIp) {
      const arpExchange: ArpExchange = { targetIp: arp.targetIp, senderIp: arp.senderIp, request: packetGroup };
      this.pending.set(arp.targetIp, arpExchange);
      this.out.push(arpExchange);
    } else if (arp.op === 'reply') {
      const ip = arpReplyIp(packetGroup.packets[0]);
      const exchange = ip ? this.pending.get(ip) : undefined;
      if (exchange && !exchange.reply) {
        exchange.reply = packetGroup;
        exchange.mac = arp.mac;
      } else if (ip) this.out.push({ targetIp: ip, reply: packetGroup, mac: arp.mac });
    }
  }
}

function arpExchanges(groups: readonly PacketGroup[]): ArpExchange[] {
  const exchanges = new ArpExchanges();
  for (const packetGroup of groups) exchanges.add(packetGroup);
  return exchanges.out;
}

function tcpConnections(packets: readonly Packet[], retransmitted: ReadonlySet<Packet>): TcpConnection[] {
  const byKey = new Map<string, TcpConnection>();
  for (const packet of packets) {
    if (packet.protocol !== 'tcp' || !packet.tcp) continue;
    const key = connectionKey(packet);
    if (!key) continue;
    let tcpConnection = byKey.get(key);
    if (!tcpConnection)
      byKey.set(key, (tcpConnection = { key, packets: [], fins: [], rsts: [], retransmissions: [], dataPackets: 0 }));
    tcpConnection.packets.push(packet);
    const flags = packet.tcp.flags;
    if (flags === 'S' && !tcpConnection.syn) {
      tcpConnection.syn = packet;
      tcpConnection.client = `${packet.src?.ip}:${packet.src?.port}`;
      tcpConnection.server = `${packet.dst?.ip}:${packet.dst?.port}`;
    } else if (flags === 'S.' && !tcpConnection.synAck) tcpConnection.synAck = packet;
    else if (flags === '.' && tcpConnection.synAck && !tcpConnection.ack) tcpConnection.ack = packet;
    if (flags.includes('F')) tcpConnection.fins.push(packet);
    if (flags.includes('R')) tcpConnection.rsts.push(packet);
    if ((packet.length ?? 0) > 0) tcpConnection.dataPackets++;
    if (retransmitted.has(packet)) tcpConnection.retransmissions.push(packet);
  }
  return [...byKey.values()];
}

function icmpErrors(packets: readonly Packet[]): IcmpError[] {
  return packets
    .filter(
      (packet) =>
        packet.protocol === 'icmp' &&
        packet.icmp &&
        /unreachable|time exceeded|exceeded|redirect/i.test(packet.icmp.type),
    )
    .map((packet) => ({ packet, type: packet.icmp!.type }));
}

/** `Reply X is-at MAC`: X is the address being announced (parsers may file it as sender or target). */
function arpReplyIp(packet: Packet): string | undefined {
  return packet.arp?.senderIp ?? packet.arp?.targetIp;
}
