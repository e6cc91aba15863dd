import type { Evidence } from './evidence';
import type { Fact, FactKind, FactOf } from './facts';
import type { Pod, Service, EndpointSlice, Endpoint, K8sNode, Workload } from './kubernetes';
import { isHeadless, namespacedName, namespaceOf, selectorMatches } from './kubernetes';
import type { HostInterface } from './host';
import type { Packet } from './packet';
import { packetTouches, type Capture } from './capture';
import { DEFAULT_CLUSTER_DOMAIN, podHostnameDnsName, serviceDnsName } from './dnsNames';
import { mergeValue, type FieldDisagreement } from './merge';

/** Two sources disagree about one field of one object. */
export interface Conflict {
  kind: FactKind;
  key: string;
  field: string;
  values: { value: unknown; evidence: Evidence[] }[];
}

/** Who answers to an address. */
export type IpOwner =
  | { role: 'pod'; pod: Pod }
  | { role: 'service'; service: Service }
  | { role: 'node'; node: K8sNode }
  | { role: 'endpoint'; slice: EndpointSlice; endpoint: Endpoint }
  | { role: 'interface'; iface: HostInterface };

/** What a cluster DNS name resolves to, by the Kubernetes DNS spec. */
export interface DnsTarget {
  service?: Service;
  pod?: Pod;
}

/**
 * The identity of a fact within its kind, or undefined for facts that are never merged (packets, captures, lookups).
 */
function identity(fact: Fact): string | undefined {
  switch (fact.kind) {
    case 'Node':
      return fact.name;
    case 'Pod':
    case 'Service':
    case 'EndpointSlice':
    case 'NetworkPolicy':
      return namespacedName(fact);
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      return namespacedName(fact);
    case 'DnsConfig':
      return fact.owner;
    case 'ClusterDns':
      return 'cluster';
    case 'HostsEntry':
      return `${fact.owner ?? ''}/${fact.ip}`;
    case 'KubeProxy':
      return 'cluster';
    case 'NatRule':
      // Everything that makes two rules behave differently; an affinity rule (`recent`) and the
      // plain jump to the same endpoint chain are two rules.
      return [
        fact.table,
        fact.chain,
        fact.target,
        fact.protocol,
        fact.source?.cidr,
        fact.source?.negated,
        fact.destination?.cidr,
        fact.destination?.negated,
        fact.inInterface,
        fact.outInterface,
        fact.sport,
        fact.dport,
        fact.comment,
        fact.probability,
        fact.mark,
        fact.recent,
        fact.dnatTo?.ip,
        fact.dnatTo?.port,
      ].join('|');
    case 'NatChain':
      return `${fact.table}/${fact.name}`;
    case 'IpvsVirtualServer':
      return `${fact.protocol}/${fact.address}/${fact.port}`;
    case 'NftMapElement':
      return `${fact.table}/${fact.map}/${fact.key.join(' . ')}`;
    case 'Cni':
      return fact.node ?? 'cluster';
    case 'HostInterface':
      return `${fact.host ?? ''}/${fact.name}`;
    case 'Route':
      return `${fact.host ?? ''}/${fact.table ?? 'main'}/${fact.destination}/${fact.via ?? ''}/${fact.dev ?? ''}`;
    case 'Neighbor':
      return `${fact.host ?? ''}/${fact.ip}/${fact.dev ?? ''}`;
    case 'FdbEntry':
      return `${fact.host ?? ''}/${fact.mac}/${fact.dev}/${fact.dst ?? ''}`;
    default:
      return undefined;
  }
}

/**
 * Everything known about one cluster's network, merged from any number of sources.
 * Add facts in any order; queries see the merged result. Indexes are rebuilt lazily
 * after additions, so adding a million packets stays linear.
 */
export class ClusterModel {
  private readonly merged = new Map<string, Fact>();
  /** Where each merged fact sits in its kind's list, so a first merge can swap in a private copy. */
  private readonly position = new Map<string, number>();
  /** Facts the model has copied and may change; others are still the caller's objects. */
  private readonly owned = new WeakSet<Fact>();
  private readonly lists = new Map<FactKind, Fact[]>();
  private readonly conflictMap = new Map<string, Conflict>();
  private ipIndex?: Map<string, IpOwner[]>;
  private dnsIndex?: Map<string, DnsTarget>;
  /** Packet facts then every capture's packets, built on first use after an addition. */
  private packetList?: Packet[];

  /** Adds facts; returns this for chaining. */
  add(facts: Fact | Iterable<Fact>): this {
    const items =
      Symbol.iterator in Object(facts) && !('kind' in (facts as object)) ? (facts as Iterable<Fact>) : [facts as Fact];
    for (const item of items) this.addOne(item);
    this.ipIndex = undefined;
    this.dnsIndex = undefined;
    this.packetList = undefined;
    return this;
  }

  private addOne(fact: Fact): void {
    const id = identity(fact);
    if (id === undefined) {
      let list = this.lists.get(fact.kind);
      if (!list) this.lists.set(fact.kind, (list = []));
      list.push(fact);
      return;
    }
    const key = `${fact.kind}|${id}`;
    let existing = this.merged.get(key);
    let list = this.lists.get(fact.kind);
    if (!list) this.lists.set(fact.kind, (list = []));
    if (!existing) {
      // Kept as given until something merges into it: most facts never merge, and copying a
      // quarter of a million rules up front costs more than the whole index.
      this.merged.set(key, fact);
      this.position.set(key, list.length);
      list.push(fact);
      return;
    }
    if (!this.owned.has(existing)) {
      existing = { ...existing, evidence: [...existing.evidence] };
      this.owned.add(existing);
      this.merged.set(key, existing);
      list[this.position.get(key)!] = existing;
    }
    const disagreements: FieldDisagreement[] = [];
    for (const [field, value] of Object.entries(fact)) {
      if (field === 'kind' || field === 'evidence') continue;
      (existing as unknown as Record<string, unknown>)[field] = mergeValue(
        field,
        (existing as unknown as Record<string, unknown>)[field],
        value,
        disagreements,
      );
    }
    for (const fieldDisagreement of disagreements) this.recordConflict(id, fieldDisagreement, existing, fact);
    existing.evidence.push(...fact.evidence);
  }

  /** Notes that `other` (merging into `kept`, both of identity `key`) disagrees on one field. */
  private recordConflict(key: string, fieldDisagreement: FieldDisagreement, kept: Fact, other: Fact): void {
    const kind = kept.kind;
    const keptEv = kept.evidence;
    const otherEv = other.evidence;
    const ck = `${kind}|${key}|${fieldDisagreement.field}`;
    let conflict = this.conflictMap.get(ck);
    if (!conflict) {
      conflict = {
        kind,
        key,
        field: fieldDisagreement.field,
        values: [{ value: fieldDisagreement.kept, evidence: [...keptEv] }],
      };
      this.conflictMap.set(ck, conflict);
    }
    const known = conflict.values.find(
      (entry) => JSON.stringify(entry.value) === JSON.stringify(fieldDisagreement.other),
    );
    if (known) known.evidence.push(...otherEv);
    else conflict.values.push({ value: fieldDisagreement.other, evidence: [...otherEv] });
  }

  /** All facts of one kind (merged ones once). */
  all<K extends FactKind>(kind: K): FactOf<K>[] {
    return (this.lists.get(kind) ?? []) as FactOf<K>[];
  }

  get conflicts(): Conflict[] {
    return [...this.conflictMap.values()];
  }

  get pods(): Pod[] {
    return this.all('Pod');
  }
  get services(): Service[] {
    return this.all('Service');
  }
  get nodes(): K8sNode[] {
    return this.all('Node');
  }
  get endpointSlices(): EndpointSlice[] {
    return this.all('EndpointSlice');
  }
  /** Captures as added (never merged: two captures of the same traffic are two observations). */
  get captures(): Capture[] {
    return this.all('Capture');
  }

  /**
   * Every packet: Packet facts in the order added, then the packets of each capture in the order
   * the captures were added. Building it builds every packet of every capture; to look at the
   * packets of a few addresses, use packetsTouching.
   */
  get packets(): Packet[] {
    const captures = this.captures;
    if (captures.length === 0) return this.all('Packet');
    if (this.packetList) return this.packetList;
    const out = this.all('Packet').slice();
    for (const capture of captures) for (const packet of capture.packets.all()) out.push(packet);
    this.packetList = out;
    return out;
  }

  /**
   * The packets (in the order of `packets`) with one of `ips` as source, destination or ARP
   * address, in the packet or its inner frame. Capture tables find them without building the others.
   */
  packetsTouching(ips: ReadonlySet<string>): Packet[] {
    const out: Packet[] = [];
    for (const packet of this.all('Packet')) if (packetTouches(packet, ips)) out.push(packet);
    for (const capture of this.captures)
      for (const index of capture.packets.touching(ips)) out.push(capture.packets.packet(index));
    return out;
  }
  get workloads(): Workload[] {
    return [...this.all('Deployment'), ...this.all('StatefulSet'), ...this.all('DaemonSet'), ...this.all('ReplicaSet')];
  }

  /**
   * Counts per kind, for summaries and the status bar; every kind the model holds is a key (copies
   * iterate them). `Packet` counts the packets inside captures too; `Capture` counts the captures.
   */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [kind, list] of this.lists) out[kind] = list.length;
    const captures = this.captures;
    if (captures.length > 0)
      out.Packet = (out.Packet ?? 0) + captures.reduce((total, capture) => total + capture.packets.size, 0);
    return out;
  }

  findPod(name: string, namespace?: string): Pod | undefined {
    return (
      (this.merged.get(`Pod|${namespacedName({ namespace, name })}`) as Pod | undefined) ??
      (namespace === undefined ? this.pods.find((pod) => pod.name === name) : undefined)
    );
  }

  findService(name: string, namespace?: string): Service | undefined {
    return (
      (this.merged.get(`Service|${namespacedName({ namespace, name })}`) as Service | undefined) ??
      (namespace === undefined ? this.services.find((service) => service.name === name) : undefined)
    );
  }

  findInterface(name: string, host?: string): HostInterface | undefined {
    return (
      (this.merged.get(`HostInterface|${host ?? ''}/${name}`) as HostInterface | undefined) ??
      this.all('HostInterface').find(
        (hostInterface) => hostInterface.name === name && (host === undefined || hostInterface.host === host),
      )
    );
  }

  /** The cluster domain: from ClusterDns, else `cluster.local`. */
  get clusterDomain(): string {
    return this.all('ClusterDns')[0]?.domain ?? DEFAULT_CLUSTER_DOMAIN;
  }

  /** ClusterIP of kube-dns: from ClusterDns, the Service, or a ClusterFirst pod's nameserver. */
  get kubeDnsIP(): string | undefined {
    return (
      this.all('ClusterDns')[0]?.serviceIP ??
      this.findService('kube-dns', 'kube-system')?.clusterIP ??
      this.all('DnsConfig').find((dnsConfig) => dnsConfig.search.some((domain) => domain.startsWith('svc.')))
        ?.nameservers[0]
    );
  }

  /** A Service's EndpointSlices (also those with no endpoints): same namespace, named for it. */
  slicesOf(service: Service): EndpointSlice[] {
    return this.endpointSlices.filter(
      (slice) => namespaceOf(slice) === namespaceOf(service) && (slice.serviceName ?? slice.name) === service.name,
    );
  }

  /** Endpoints of a Service from its EndpointSlices. */
  endpointsOf(service: Service): { slice: EndpointSlice; endpoint: Endpoint }[] {
    const out: { slice: EndpointSlice; endpoint: Endpoint }[] = [];
    for (const slice of this.slicesOf(service)) for (const endpoint of slice.endpoints) out.push({ slice, endpoint });
    return out;
  }

  /** Pods in the Service's namespace whose labels match its selector. */
  podsSelectedBy(service: Service): Pod[] {
    return this.pods.filter(
      (pod) => namespaceOf(pod) === namespaceOf(service) && selectorMatches(service.selector, pod.labels),
    );
  }

  /** Everything that answers to `ip`. */
  byIp(ip: string): IpOwner[] {
    return this.buildIpIndex().get(ip) ?? [];
  }

  /** What a cluster DNS name (with or without trailing dot) resolves to. */
  byDnsName(name: string): DnsTarget | undefined {
    return this.buildDnsIndex().get(name.replace(/\.$/, '').toLowerCase());
  }

  /** Objects with this name, of any kind that has a name. */
  byName(name: string): Fact[] {
    const out: Fact[] = [];
    for (const fact of this.merged.values()) if ('name' in fact && fact.name === name) out.push(fact);
    return out;
  }

  private buildIpIndex(): Map<string, IpOwner[]> {
    if (this.ipIndex) return this.ipIndex;
    const idx = new Map<string, IpOwner[]>();
    const put = (ip: string | undefined, owner: IpOwner) => {
      if (!ip || ip === 'None') return;
      let list = idx.get(ip);
      if (!list) idx.set(ip, (list = []));
      list.push(owner);
    };
    for (const pod of this.pods) for (const ip of new Set([pod.ip, ...(pod.ips ?? [])])) put(ip, { role: 'pod', pod });
    for (const service of this.services) {
      for (const ip of new Set([
        service.clusterIP,
        ...(service.clusterIPs ?? []),
        ...(service.externalIPs ?? []),
        ...(service.loadBalancerIPs ?? []),
      ]))
        put(ip, { role: 'service', service });
    }
    for (const node of this.nodes)
      for (const ip of new Set([node.internalIP, node.externalIP])) put(ip, { role: 'node', node });
    for (const slice of this.endpointSlices)
      for (const endpoint of slice.endpoints)
        for (const ip of endpoint.addresses) put(ip, { role: 'endpoint', slice, endpoint });
    for (const iface of this.all('HostInterface'))
      for (const interfaceAddress of iface.addresses ?? [])
        put(interfaceAddress.cidr.split('/')[0], { role: 'interface', iface });
    this.ipIndex = idx;
    return idx;
  }

  private buildDnsIndex(): Map<string, DnsTarget> {
    if (this.dnsIndex) return this.dnsIndex;
    const idx = new Map<string, DnsTarget>();
    const domain = this.clusterDomain;
    for (const service of this.services)
      idx.set(serviceDnsName(service.name, namespaceOf(service), domain), { service });
    for (const pod of this.pods) {
      if (!pod.hostname || !pod.subdomain) continue;
      const service = this.findService(pod.subdomain, namespaceOf(pod));
      if (service && isHeadless(service))
        idx.set(podHostnameDnsName(pod.hostname, pod.subdomain, namespaceOf(pod), domain), { pod, service });
    }
    for (const slice of this.endpointSlices) {
      const service = this.findService(slice.serviceName ?? slice.name, namespaceOf(slice));
      if (!service || !isHeadless(service)) continue;
      for (const ep of slice.endpoints) {
        if (!ep.hostname) continue;
        const name = podHostnameDnsName(ep.hostname, service.name, namespaceOf(slice), domain);
        const pod = ep.targetRef?.kind === 'Pod' ? this.findPod(ep.targetRef.name, namespaceOf(slice)) : undefined;
        if (!idx.has(name)) idx.set(name, { service, pod });
      }
    }
    this.dnsIndex = idx;
    return idx;
  }
}
