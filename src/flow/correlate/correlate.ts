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

/** Sightings of one packet on several interfaces are microseconds apart; a later identical packet is a retransmission. */
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
      .filter((x): x is string => !!x && x !== 'None'),
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
  const groups: PacketGroup[] = [];
  const openGroup = new Map<string, PacketGroup>();
  // Groups in creation order, to forget the ones whose window has passed (keeps the map small on long captures).
  const openOrder: PacketGroup[] = [];
  let head = 0;
  // Keys of closed groups, only as far as TCP needs them to recognise a retransmission.
  const closedTcp = new Set<string>();
  const retransmitted = new Set<Packet>();

  for (const p of packets) {
    const key = samePacketKey(p);
    const t = packetTime(p);
    if (t !== undefined) {
      while (
        head < openOrder.length &&
        openOrder[head].start !== undefined &&
        t - openOrder[head].start! > SAME_PACKET_WINDOW_S
      ) {
        const old = openOrder[head++];
        if (openGroup.get(old.key) === old) {
          openGroup.delete(old.key);
          if (old.packets[0].protocol === 'tcp') closedTcp.add(old.key);
        }
      }
      if (head > 4096 && head * 2 > openOrder.length) {
        openOrder.splice(0, head);
        head = 0;
      }
    }
    const open = openGroup.get(key);
    const seenHere = open
      ? open.packets.some((packet) => packet.interface === p.interface && packet.direction === p.direction)
      : false;
    const inWindow =
      open !== undefined && (t === undefined || open.start === undefined || t - open.start <= SAME_PACKET_WINDOW_S);
    if (open && inWindow && !seenHere) {
      open.packets.push(p);
      continue;
    }
    if (p.protocol === 'tcp' && (open || closedTcp.has(key))) retransmitted.add(p);
    const packetGroup: PacketGroup = { key, packets: [p], start: t };
    groups.push(packetGroup);
    openGroup.set(key, packetGroup);
    openOrder.push(packetGroup);
  }

  const floodList = floods(groups, options.vethNames);
  const floodOf = new Map<Packet, Flood>();
  for (const flood of floodList) for (const p of flood.group.packets) floodOf.set(p, flood);
  return {
    groups,
    floodOf,
    vethClaims: vethClaims(groups, options.vethNames),
    natPairs: natPairs(packets, options.isServiceIp),
    floods: floodList,
    arp: arpExchanges(groups),
    connections: tcpConnections(packets, retransmitted),
    icmpErrors: icmpErrors(packets),
  };
}

function vethClaims(groups: readonly PacketGroup[], known?: ReadonlySet<string>): VethClaim[] {
  const out: VethClaim[] = [];
  const seen = new Set<string>();
  const claim = (vethClaim: VethClaim) => {
    const k = `${vethClaim.ip}|${vethClaim.iface}|${vethClaim.how}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(vethClaim);
  };
  for (const packetGroup of groups) {
    const vethOuts = packetGroup.packets.filter(
      (packet) => packet.direction === 'Out' && looksLikeVeth(packet.interface, known),
    );
    for (const p of packetGroup.packets) {
      // Received on a host-side veth (`P`: addressed to another host's MAC, `In`: to the node's own cni0 MAC,
      // `B`: broadcast): the frame came out of the pod behind that veth.
      if (!looksLikeVeth(p.interface, known) || (p.direction !== 'P' && p.direction !== 'In' && p.direction !== 'B'))
        continue;
      if (p.network === 'ip' && p.src?.ip && p.direction !== 'B')
        claim({ ip: p.src.ip, iface: p.interface!, how: 'sent', evidence: p.evidence });
      if (p.protocol === 'arp') {
        const ip = p.arp?.op === 'reply' ? arpReplyIp(p) : p.arp?.senderIp;
        if (ip) claim({ ip, iface: p.interface!, how: 'arp', evidence: p.evidence });
      }
    }
    const first = packetGroup.packets[0];
    if (first.network === 'ip' && vethOuts.length === 1 && first.dst?.ip && isUnicastIp(first.dst.ip)) {
      claim({ ip: first.dst.ip, iface: vethOuts[0].interface!, how: 'delivered', evidence: vethOuts[0].evidence });
    }
  }
  return out;
}

function natPairs(packets: readonly Packet[], isServiceIp?: (ip: string) => boolean): NatPair[] {
  const fwd = new Map<string, Packet[]>();
  const rev = new Map<string, Packet[]>();
  const put = (m: Map<string, Packet[]>, k: string | undefined, packet: Packet, addr: string | undefined) => {
    if (!k || !addr) return;
    const l = m.get(k);
    if (!l) m.set(k, [packet]);
    else if (!l.some((q) => (m === fwd ? q.dst?.ip : q.src?.ip) === addr)) l.push(packet);
  };
  for (const p of packets) {
    if (p.network !== 'ip') continue;
    put(fwd, forwardKeyWithoutDst(p), p, p.dst?.ip);
    put(rev, replyKeyWithoutSrc(p), p, p.src?.ip);
  }
  const out: NatPair[] = [];
  const addr = (ip?: string, port?: number) => `${ip}${port !== undefined ? `:${port}` : ''}`;
  const order = (packet: Packet, b: Packet, virtual: (p: Packet) => string | undefined): [Packet, Packet] => {
    const va = virtual(packet);
    const vb = virtual(b);
    if (isServiceIp && va && isServiceIp(va) && !(vb && isServiceIp(vb))) return [packet, b];
    if (isServiceIp && vb && isServiceIp(vb) && !(va && isServiceIp(va))) return [b, packet];
    return (packetTime(packet) ?? 0) <= (packetTime(b) ?? 0) ? [packet, b] : [b, packet];
  };
  for (const l of fwd.values()) {
    if (l.length !== 2) continue;
    const [before, after] = order(l[0], l[1], (packet) => packet.dst?.ip);
    out.push({
      direction: 'forward',
      before,
      after,
      original: addr(before.dst?.ip, before.dst?.port),
      translated: addr(after.dst?.ip, after.dst?.port),
    });
  }
  for (const l of rev.values()) {
    if (l.length !== 2) continue;
    // In the reply the pod's address comes first and conntrack restores the Service address.
    const [svc, pod] = order(l[0], l[1], (packet) => packet.src?.ip);
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

function arpExchanges(groups: readonly PacketGroup[]): ArpExchange[] {
  const pending = new Map<string, ArpExchange>();
  const out: ArpExchange[] = [];
  for (const packetGroup of groups) {
    const a = packetGroup.packets[0].arp;
    if (!a) continue;
    if (a.op === 'request' && a.targetIp) {
      const arpExchange: ArpExchange = { targetIp: a.targetIp, senderIp: a.senderIp, request: packetGroup };
      pending.set(a.targetIp, arpExchange);
      out.push(arpExchange);
    } else if (a.op === 'reply') {
      const ip = arpReplyIp(packetGroup.packets[0]);
      const x = ip ? pending.get(ip) : undefined;
      if (x && !x.reply) {
        x.reply = packetGroup;
        x.mac = a.mac;
      } else if (ip) out.push({ targetIp: ip, reply: packetGroup, mac: a.mac });
    }
  }
  return out;
}

function tcpConnections(packets: readonly Packet[], retransmitted: ReadonlySet<Packet>): TcpConnection[] {
  const byKey = new Map<string, TcpConnection>();
  for (const p of packets) {
    if (p.protocol !== 'tcp' || !p.tcp) continue;
    const key = connectionKey(p);
    if (!key) continue;
    let tcpConnection = byKey.get(key);
    if (!tcpConnection)
      byKey.set(key, (tcpConnection = { key, packets: [], fins: [], rsts: [], retransmissions: [], dataPackets: 0 }));
    tcpConnection.packets.push(p);
    const f = p.tcp.flags;
    if (f === 'S' && !tcpConnection.syn) {
      tcpConnection.syn = p;
      tcpConnection.client = `${p.src?.ip}:${p.src?.port}`;
      tcpConnection.server = `${p.dst?.ip}:${p.dst?.port}`;
    } else if (f === 'S.' && !tcpConnection.synAck) tcpConnection.synAck = p;
    else if (f === '.' && tcpConnection.synAck && !tcpConnection.ack) tcpConnection.ack = p;
    if (f.includes('F')) tcpConnection.fins.push(p);
    if (f.includes('R')) tcpConnection.rsts.push(p);
    if ((p.length ?? 0) > 0) tcpConnection.dataPackets++;
    if (retransmitted.has(p)) tcpConnection.retransmissions.push(p);
  }
  return [...byKey.values()];
}

function icmpErrors(packets: readonly Packet[]): IcmpError[] {
  return packets
    .filter((p) => p.protocol === 'icmp' && p.icmp && /unreachable|time exceeded|exceeded|redirect/i.test(p.icmp.type))
    .map((packet) => ({ packet, type: packet.icmp!.type }));
}

/** `Reply X is-at MAC`: X is the address being announced (parsers may file it as sender or target). */
function arpReplyIp(p: Packet): string | undefined {
  return p.arp?.senderIp ?? p.arp?.targetIp;
}
