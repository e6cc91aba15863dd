import * as l10n from '@vscode/l10n';
import { withPredictedPods } from '../../flow/predictPods';
import {
  namespacedName,
  namespaceOf,
  isHeadless,
  podHostnameDnsName,
  serviceDnsName,
  type ClusterModel,
  type Pod,
  type Service,
} from '../../model';

/**
 * Pure choices behind the trace commands (no `vscode`): which pod is the client when
 * the user traces TO a Service, what a FROM/TO picker lists, and a headless Service's
 * per-pod DNS names.
 */

const dirOf = (uri: string) => uri.slice(0, uri.lastIndexOf('/') + 1);

export interface ClientChoice {
  /** The pod to trace from, when one stands out. */
  pick?: Pod;
  /** Every plausible client, best first (for a QuickPick when nothing stands out). */
  candidates: Pod[];
}

/** The addresses a client of `service` sends to: its ClusterIPs and the IPs of the pods it selects. */
export function serviceAddresses(model: ClusterModel, service: Service): string[] {
  return addressesOf(service, withPredictedPods(model).podsSelectedBy(service));
}

function addressesOf(service: Service, selected: readonly Pod[]): string[] {
  const addresses = [service.clusterIP, ...(service.clusterIPs ?? []), ...selected.map((pod) => pod.ip)];
  return [...new Set(addresses.filter((ip): ip is string => !!ip && ip !== 'None'))];
}

/**
 * The source addresses of the packets sent to one of `addresses` (the packet's own destination,
 * not an inner frame's), with how many each sent. Capture tables find the packets that touch the
 * addresses without building the others.
 */
export function sendersTo(
  packets: Pick<ClusterModel, 'packetsTouching'>,
  addresses: ReadonlySet<string>,
): Map<string, number> {
  const senders = new Map<string, number>();
  for (const packet of packets.packetsTouching(addresses))
    if (packet.dst && addresses.has(packet.dst.ip) && packet.src)
      senders.set(packet.src.ip, (senders.get(packet.src.ip) ?? 0) + 1);
  return senders;
}

/**
 * A client for tracing to `service`: a pod it does not select, outside kube-system. Pods the
 * logs show talking to the Service (or its pods) win, then pods whose resolv.conf was pasted,
 * then pods declared next to the manifest the user clicked in (`nearUri`). `heldSenders`: the
 * senders (see sendersTo) among packets `model` lacks, those of the large logs the parse worker holds.
 */
export function chooseClient(
  model: ClusterModel,
  service: Service,
  nearUri?: string,
  heldSenders?: ReadonlyMap<string, number>,
): ClientChoice {
  const withPods = withPredictedPods(model);
  const selectedPods = withPods.podsSelectedBy(service);
  const selected = new Set(selectedPods.map((pod) => namespacedName(pod)));
  const talkers = new Set([
    ...sendersTo(model, new Set(addressesOf(service, selectedPods))).keys(),
    ...(heldSenders?.keys() ?? []),
  ]);
  const owners = new Set(
    model
      .all('DnsConfig')
      .map((dnsConfig) => dnsConfig.owner)
      .filter((owner): owner is string => !!owner),
  );
  const near = nearUri ? dirOf(nearUri) : undefined;
  const scored = withPods.pods
    .filter(
      (pod) =>
        !selected.has(namespacedName(pod)) && namespaceOf(pod) !== 'kube-system' && !pod.hostNetwork && !pod.predicted,
    )
    .map((pod) => {
      let score = 0;
      if (pod.ip && talkers.has(pod.ip)) score += 4;
      if (owners.has(pod.name) || owners.has(namespacedName(pod))) score += 2;
      if (near && pod.evidence.some(({ uri }) => uri.startsWith(near) && !uri.slice(near.length).includes('/')))
        score += 1;
      return { pod, score };
    })
    .sort((first, second) => second.score - first.score || first.pod.name.localeCompare(second.pod.name));
  const candidates = scored.map((scoredPod) => scoredPod.pod);
  // Only manifests: no pod is known, but the workloads' predicted pods are (as the lenses show).
  if (candidates.length === 0)
    return {
      candidates: withPods.pods
        .filter(
          (pod) =>
            pod.predicted &&
            !selected.has(namespacedName(pod)) &&
            namespaceOf(pod) !== 'kube-system' &&
            !pod.hostNetwork,
        )
        .sort(
          (first, second) =>
            Number(namespaceOf(second) === namespaceOf(service)) -
              Number(namespaceOf(first) === namespaceOf(service)) ||
            namespacedName(first).localeCompare(namespacedName(second)),
        ),
    };
  if (scored.length === 1) return { pick: scored[0].pod, candidates };
  if (scored.length > 1 && scored[0].score > 0 && scored[0].score > scored[1].score)
    return { pick: scored[0].pod, candidates };
  return { candidates };
}

export interface TargetItem {
  /** What `trace` accepts as FROM/TO (`ns/name`, a DNS name, an IP). */
  value: string;
  label: string;
  description: string;
}

/** FROM/TO choices from the model: pods, Services, their DNS names and IPs. */
export function targetItems(model: ClusterModel, role: 'source' | 'destination'): TargetItem[] {
  const out: TargetItem[] = [];
  const seen = new Set<string>();
  const add = (value: string, label: string, description: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    out.push({ value, label, description });
  };
  for (const pod of model.pods)
    add(namespacedName(pod), pod.name, `${l10n.t('pod {0}', namespaceOf(pod))}${pod.ip ? ` · ${pod.ip}` : ''}`);
  if (role === 'source') {
    for (const node of model.nodes)
      add(node.name, node.name, `${l10n.t('node')}${node.internalIP ? ` · ${node.internalIP}` : ''}`);
    return out;
  }
  for (const service of model.services) {
    const address = service.clusterIP ? ` · ${service.clusterIP}` : '';
    add(namespacedName(service), service.name, `${l10n.t('Service {0}', namespaceOf(service))}${address}`);
    const dnsName = serviceDnsName(service.name, namespaceOf(service), model.clusterDomain);
    add(dnsName, dnsName, l10n.t('DNS name of Service {0}', service.name));
    if (service.clusterIP && service.clusterIP !== 'None')
      add(service.clusterIP, service.clusterIP, l10n.t('ClusterIP of {0}', service.name));
  }
  for (const pod of model.pods) if (pod.ip) add(pod.ip, pod.ip, l10n.t('IP of pod {0}', pod.name));
  return out;
}

export interface PodDnsName {
  name: string;
  pod: string;
  ip?: string;
  predicted: boolean;
}

/** The per-pod names a headless Service gives (`{hostname}.{service}.{ns}.svc.{domain}`), with IPs when known. */
export function podDnsNames(model: ClusterModel, service: Service): PodDnsName[] {
  if (!isHeadless(service)) return [];
  const withPods = withPredictedPods(model);
  return withPods.pods
    .filter((pod) => namespaceOf(pod) === namespaceOf(service) && pod.hostname && pod.subdomain === service.name)
    .map((pod) => ({
      name: podHostnameDnsName(pod.hostname!, service.name, namespaceOf(service), model.clusterDomain),
      pod: pod.name,
      ip: pod.ip,
      predicted: !!pod.predicted,
    }))
    .sort((first, second) => first.name.localeCompare(second.name, undefined, { numeric: true }));
}
