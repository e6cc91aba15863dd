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

/**
 * A client for tracing to `service`: a pod it does not select, outside kube-system. Pods the
 * logs show talking to the Service (or its pods) win, then pods whose resolv.conf was pasted,
 * then pods declared next to the manifest the user clicked in (`nearUri`).
 */
export function chooseClient(model: ClusterModel, service: Service, nearUri?: string): ClientChoice {
  const withPods = withPredictedPods(model);
  const selected = new Set(withPods.podsSelectedBy(service).map((p) => namespacedName(p)));
  const targetIps = new Set(
    [service.clusterIP, ...(service.clusterIPs ?? []), ...withPods.podsSelectedBy(service).map((p) => p.ip)].filter(
      (x): x is string => !!x && x !== 'None',
    ),
  );
  const talkers = new Set(
    model
      .packetsTouching(targetIps)
      .filter((p) => p.dst && targetIps.has(p.dst.ip) && p.src)
      .map((p) => p.src!.ip),
  );
  const owners = new Set(
    model
      .all('DnsConfig')
      .map((d) => d.owner)
      .filter((o): o is string => !!o),
  );
  const near = nearUri ? dirOf(nearUri) : undefined;
  const scored = withPods.pods
    .filter(
      (p) => !selected.has(namespacedName(p)) && namespaceOf(p) !== 'kube-system' && !p.hostNetwork && !p.predicted,
    )
    .map((pod) => {
      let score = 0;
      if (pod.ip && talkers.has(pod.ip)) score += 4;
      if (owners.has(pod.name) || owners.has(namespacedName(pod))) score += 2;
      if (near && pod.evidence.some((e) => e.uri.startsWith(near) && !e.uri.slice(near.length).includes('/')))
        score += 1;
      return { pod, score };
    })
    .sort((a, b) => b.score - a.score || a.pod.name.localeCompare(b.pod.name));
  const candidates = scored.map((s) => s.pod);
  // Only manifests: no pod is known, but the workloads' predicted pods are (as the lenses show).
  if (candidates.length === 0)
    return {
      candidates: withPods.pods
        .filter(
          (p) => p.predicted && !selected.has(namespacedName(p)) && namespaceOf(p) !== 'kube-system' && !p.hostNetwork,
        )
        .sort(
          (a, b) =>
            Number(namespaceOf(b) === namespaceOf(service)) - Number(namespaceOf(a) === namespaceOf(service)) ||
            namespacedName(a).localeCompare(namespacedName(b)),
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
  for (const p of model.pods)
    add(namespacedName(p), p.name, `${l10n.t('pod {0}', namespaceOf(p))}${p.ip ? ` · ${p.ip}` : ''}`);
  if (role === 'source') {
    for (const n of model.nodes) add(n.name, n.name, `${l10n.t('node')}${n.internalIP ? ` · ${n.internalIP}` : ''}`);
    return out;
  }
  for (const s of model.services) {
    add(namespacedName(s), s.name, `${l10n.t('Service {0}', namespaceOf(s))}${s.clusterIP ? ` · ${s.clusterIP}` : ''}`);
    add(
      serviceDnsName(s.name, namespaceOf(s), model.clusterDomain),
      serviceDnsName(s.name, namespaceOf(s), model.clusterDomain),
      l10n.t('DNS name of Service {0}', s.name),
    );
    if (s.clusterIP && s.clusterIP !== 'None') add(s.clusterIP, s.clusterIP, l10n.t('ClusterIP of {0}', s.name));
  }
  for (const p of model.pods) if (p.ip) add(p.ip, p.ip, l10n.t('IP of pod {0}', p.name));
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
    .filter((p) => namespaceOf(p) === namespaceOf(service) && p.hostname && p.subdomain === service.name)
    .map((p) => ({
      name: podHostnameDnsName(p.hostname!, service.name, namespaceOf(service), model.clusterDomain),
      pod: p.name,
      ip: p.ip,
      predicted: !!p.predicted,
    }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}
