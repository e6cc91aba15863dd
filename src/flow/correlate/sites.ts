import {
  cidrContains,
  packetTouches,
  partitionPoint,
  type Capture,
  type ClusterModel,
  type Packet,
  type Pod,
} from '../../model';
import { filterExpression, parseCaptureFilter, type CaptureFilter } from './captureFilter';
import { hostNames, readBackNames } from './hostNames';
import { timeSpan } from './timing';
import { podSubnetNodes, subnetOf, underlayAddresses } from './podSubnets';

/**
 * Where a capture was taken: which node (or pod), which interfaces it covers and over which time.
 * What a capture does not show can only be called missing where its site covers the point.
 */
export interface CaptureSite {
  /** 0-based, in the order the model holds the captures. */
  index: number;
  uri: string;
  /** The node whose root namespace the capture ran in, when something says so. */
  node?: string;
  /** How the node was told: the transcript's prompt, the file name, or the pods whose veths it shows. */
  nodeBy?: 'prompt' | 'file name' | 'pod veths';
  /** The pod whose namespace the capture ran in (a prompt naming a pod). */
  pod?: string;
  /** `any` for `tcpdump -i any` (every interface of the host); a name for `-i NAME`; undefined when unknown. */
  interfaces?: string;
  /** True when the command had a filter expression: only packets that pass it are in the capture. */
  filtered: boolean;
  /**
   * The command's filter, when it shows one: its text and, when every part of it was read, the test
   * it applies (src/flow/correlate/captureFilter.ts).
   */
  filter?: { text: string; test?: CaptureFilter };
  /**
   * Capture clock (seconds) of the first and last packet of the capture (its first and last rows, and
   * the packets the trace read from it): the capture's span as it shows it, so coverage is never
   * claimed beyond what the capture shows.
   */
  first?: number;
  last?: number;
}

/** The capture site of a packet read from a capture (undefined for one given as a loose fact). */
export interface PacketSites {
  get(packet: Packet): CaptureSite | undefined;
}

/** The packets that touch a flow's addresses, each with the site of the capture it came from. */
export interface SitedPackets {
  packets: Packet[];
  sites: CaptureSite[];
  siteOf: SitesOfList;
}

/** One capture's packets in a SitedPackets list: positions `from` to `to` (exclusive). */
interface SitedSpan {
  site: CaptureSite;
  from: number;
  to: number;
  /** The evidence line of each packet, when they are all numbers in ascending order (else `byPacket`). */
  lines?: number[];
  byPacket?: Map<Packet, CaptureSite>;
}

/**
 * The sites of a SitedPackets list without a map entry per packet (a large capture's trace reads
 * hundreds of thousands): by position in the list (`at`), or for a packet by the line its evidence
 * names, binary-searched among its capture's lines and checked to be that very packet. A capture
 * whose packets' lines are not in order is looked up in a map. When one packet is in several
 * captures' lists, the last capture's site is its site.
 */
export class SitesOfList implements PacketSites {
  private readonly spans: SitedSpan[] = [];
  private readonly byUri = new Map<string, SitedSpan[]>();
  private readonly unordered: SitedSpan[] = [];

  constructor(readonly packets: readonly Packet[]) {}

  /** The packets at positions `from` to `to` of the list were read from the capture at `site`. */
  add(site: CaptureSite, from: number, to: number): void {
    if (from === to) return;
    const span: SitedSpan = { site, from, to };
    const uri = this.packets[from].evidence[0]?.uri;
    const lines: number[] = new Array<number>(to - from);
    let ordered = uri !== undefined;
    for (let position = from; ordered && position < to; position++) {
      const evidence = this.packets[position].evidence[0];
      const line = evidence?.line;
      if (evidence?.uri !== uri || typeof line !== 'number' || (position > from && line < lines[position - from - 1]))
        ordered = false;
      else lines[position - from] = line;
    }
    if (ordered) {
      span.lines = lines;
      const spans = this.byUri.get(uri);
      if (spans) spans.push(span);
      else this.byUri.set(uri, [span]);
    } else {
      span.byPacket = new Map(this.packets.slice(from, to).map((packet) => [packet, site]));
      this.unordered.push(span);
    }
    this.spans.push(span);
  }

  /** The span `at` found last: positions read in order fall in it or in the next. */
  private lastSpan = 0;

  /** The site of the packet at `position` in the list (one capture's span: positions never overlap). */
  at(position: number): CaptureSite | undefined {
    let after = this.lastSpan;
    const spans = this.spans;
    if (after >= spans.length || spans[after].from > position || (after > 0 && spans[after - 1].to > position))
      after = partitionPoint(spans.length, (index) => spans[index].to <= position);
    else while (after < spans.length && spans[after].to <= position) after++;
    this.lastSpan = after;
    const span = spans[after] as SitedSpan | undefined;
    return span && position >= span.from ? span.site : undefined;
  }

  get(packet: Packet): CaptureSite | undefined {
    const evidence = packet.evidence[0];
    const candidates = evidence ? this.byUri.get(evidence.uri) : undefined;
    let found: SitedSpan | undefined;
    if (candidates)
      for (let k = candidates.length - 1; k >= 0 && !found; k--)
        if (this.holds(candidates[k], packet, evidence.line)) found = candidates[k];
    for (const span of this.unordered)
      if ((!found || span.from > found.from) && span.byPacket!.has(packet)) found = span;
    return found?.site;
  }

  private holds(span: SitedSpan, packet: Packet, line: number | undefined): boolean {
    const lines = span.lines!;
    if (line === undefined) return false;
    const low = partitionPoint(lines.length, (index) => lines[index] < line);
    for (let k = low; k < lines.length && lines[k] === line; k++)
      if (this.packets[span.from + k] === packet) return true;
    return false;
  }
}

const basename = (uri: string) => uri.replace(/^.*[\\/]/, '');

/** `-i any` / `-iany` / `--interface=eth0`: the interface a tcpdump command line captures on. */
function interfaceOption(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  for (let k = 0; k < words.length; k++) {
    const word = words[k];
    if (word === '-i' || word === '--interface') return words[k + 1];
    if (word.startsWith('--interface=')) return word.slice('--interface='.length);
    if (/^-[A-Za-z]*i/.test(word) && !word.startsWith('--')) {
      const rest = word.slice(word.indexOf('i') + 1);
      return rest || words[k + 1];
    }
  }
  return undefined;
}

/** The node whose pod CIDR (or Flannel subnet) holds `ip`. */
export function nodeOfPodIp(model: ClusterModel, ip: string): string | undefined {
  const byCidr = model.nodes.find((node) =>
    [node.podCIDR, ...(node.podCIDRs ?? [])].some((cidr) => cidr && cidrContains(cidr, ip)),
  );
  if (byCidr) return byCidr.name;
  return model.all('Cni').find((cniConfig) => cniConfig.node && cniConfig.subnet && cidrContains(cniConfig.subnet, ip))
    ?.node;
}

function podOnNode(model: ClusterModel, pod: Pod): string | undefined {
  if (pod.nodeName) return pod.nodeName;
  return pod.ip ? nodeOfPodIp(model, pod.ip) : undefined;
}

/** The node a capture ran on: its prompt, its file name, else the pods its veths carry. */
function siteNode(model: ClusterModel, capture: Capture, sample: readonly Packet[]): Partial<CaptureSite> {
  const nodeNames = model.nodes.map((node) => node.name);
  if (capture.host) {
    const pod = model.pods.find((candidate) => candidate.name === capture.host && !candidate.hostNetwork);
    if (pod) return { pod: pod.name, node: podOnNode(model, pod), nodeBy: 'prompt' };
    return { node: capture.host, nodeBy: 'prompt' };
  }
  const file = basename(capture.evidence[0]?.uri ?? '');
  const named = nodeNames.filter((name) => file.includes(name)).sort((left, right) => right.length - left.length)[0];
  if (named) return { node: named, nodeBy: 'file name' };
  for (const packet of sample) {
    if (!packet.interface?.startsWith('veth') || (packet.direction !== 'P' && packet.direction !== 'In')) continue;
    const ip = packet.src?.ip;
    const pod = ip ? model.pods.find((candidate) => candidate.ip === ip && !candidate.hostNetwork) : undefined;
    const node = pod ? podOnNode(model, pod) : ip ? nodeOfPodIp(model, ip) : undefined;
    if (node) return { node, nodeBy: 'pod veths' };
  }
  return {};
}

/** Whether an address is the node's own: one of its addresses, or in its pod subnet. */
function nodeLocal(model: ClusterModel, node: string): (ip: string | undefined) => boolean {
  const own = model.nodes.find((candidate) => candidate.name === node);
  const addresses = new Set([own?.internalIP, own?.externalIP].filter((ip): ip is string => ip !== undefined));
  return (ip) => ip !== undefined && (addresses.has(ip) || nodeOfPodIp(model, ip) === node);
}

/** Bridges of the pod network: what goes toward a local pod leaves them (`Out`) to a port. */
const BRIDGE = /^(?:cni|cbr|docker|br)/;

/**
 * Which way a packet went through one interface of a node, for captures that do not print it: into
 * the node when only its destination is local, out when only its source is (a bridge the other way
 * round: toward a local pod it goes out to a port). Undefined when both or neither end is local.
 */
function directionOn(
  iface: string,
  packet: Packet,
  isLocal: (ip: string | undefined) => boolean,
): 'In' | 'Out' | undefined {
  const fromLocal = isLocal(packet.src?.ip);
  const toLocal = isLocal(packet.dst?.ip);
  if (fromLocal === toLocal) return undefined;
  if (BRIDGE.test(iface)) return toLocal ? 'Out' : 'In';
  return toLocal ? 'In' : 'Out';
}

/**
 * The packets of every capture that touch `ips` (every packet when `ips` is undefined), in model
 * order, with the site of each capture. Packets given as loose facts have no site.
 */
export function sitedPackets(model: ClusterModel, addresses: ReadonlySet<string> | undefined): SitedPackets {
  // Captures taken without `-n` name some addresses: those names select packets too, and are read back.
  const names = hostNames(model);
  const ips = addresses ? new Set([...addresses, ...names.namesOf(addresses)]) : undefined;
  const loose = model.all('Packet');
  const packets: Packet[] = ips ? loose.filter((packet) => packetTouches(packet, ips)) : [...loose];
  for (const packet of packets) readBackNames(packet, names);
  const siteOf = new SitesOfList(packets);
  const sites: CaptureSite[] = [];
  const undirected: { packet: Packet; iface: string; node: string }[] = [];
  model.captures.forEach((capture, index) => {
    const table = capture.packets;
    const rows = ips ? table.touching(ips) : Array.from({ length: table.size }, (_, k) => k);
    const mine = table.packetsOf ? table.packetsOf(rows) : rows.map((row) => table.packet(row));
    const anyInterfaceColumn = mine.some((packet) => packet.interface !== undefined);
    const command = capture.command ?? '';
    const site: CaptureSite = {
      index,
      uri: capture.evidence[0]?.uri ?? '',
      ...siteNode(model, capture, mine),
      interfaces: command
        ? (interfaceOption(command) ?? (anyInterfaceColumn ? 'any' : undefined))
        : anyInterfaceColumn
          ? 'any'
          : undefined,
      filtered: command ? filterExpression(command) !== undefined : true,
    };
    const filterText = command ? filterExpression(command) : undefined;
    if (filterText !== undefined) site.filter = { text: filterText, test: parseCaptureFilter(filterText) };
    // The capture ran from its first printed packet to its last, whatever they touch: a node's capture
    // that shows other traffic around a connection covers it (read from the table, no packet built).
    const span = timeSpan(mine);
    const ends = table.size > 0 ? [table.timeOf(0), table.timeOf(table.size - 1)] : [];
    const times = [span?.first, span?.last, ...ends].filter((time): time is number => time !== undefined);
    if (times.length) {
      site.first = Math.min(...times);
      site.last = Math.max(...times);
    }
    sites.push(site);
    // `tcpdump -i eth0` prints no interface and no direction on its lines: every packet of it was
    // seen on eth0, and where one end is the node's own, which way it went follows.
    // (Only on a node: a pod's `eth0` is not the node's, and nothing in a pod proves a node's hop.)
    const single =
      site.interfaces !== undefined && site.interfaces !== 'any' && site.node !== undefined && !site.pod
        ? site.interfaces
        : undefined;
    const local = single !== undefined && site.node !== undefined ? nodeLocal(model, site.node) : undefined;
    const from = packets.length;
    for (const packet of mine) {
      readBackNames(packet, names);
      if (single !== undefined && packet.interface === undefined) {
        packet.interface = single;
        if (packet.direction === undefined && local) {
          const direction = directionOn(single, packet, local);
          if (direction) packet.direction = direction;
        }
        if (packet.direction === undefined && site.node !== undefined)
          undirected.push({ packet, iface: single, node: site.node });
      }
      packets.push(packet);
    }
    siteOf.add(site, from, packets.length);
  });
  directFromCaptures(packets, siteOf, undirected);
  return { packets, sites, siteOf };
}

/**
 * Per-interface lines whose direction the model could not tell (no node objects name the nodes'
 * addresses or pod subnets): told from what the captures themselves show, each node's pod subnet
 * (ARP on its bridge, its overlay traffic) and underlay address (VXLAN outer headers).
 */
function directFromCaptures(
  packets: readonly Packet[],
  siteOf: PacketSites,
  undirected: readonly { packet: Packet; iface: string; node: string }[],
): void {
  if (undirected.length === 0) return;
  const owners = podSubnetNodes(packets, siteOf);
  const addresses = underlayAddresses(packets, owners);
  for (const { packet, iface, node } of undirected) {
    const local = (ip: string | undefined) =>
      ip !== undefined && (owners.get(subnetOf(ip)) === node || (addresses.get(node)?.has(ip) ?? false));
    const direction = directionOn(iface, packet, local);
    if (direction) packet.direction = direction;
  }
}
