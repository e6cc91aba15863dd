import { namespacedName, type ClusterModel, type ConntrackStats, type Pod } from '../../model';
import type { Finding, FindingId } from '../types';
import { podEventWarnings } from './podEvents';

/** A check of what the nodes and the cluster report about themselves, not tied to one flow. */
export interface ClusterCheck {
  ids: readonly FindingId[];
  find(model: ClusterModel): Finding[];
}

/** The pods a Flannel + kube-proxy cluster's networking depends on, by their usual names. */
const SYSTEM_PODS: { pattern: RegExp; role: string; breaks: string }[] = [
  {
    pattern: /^kube-proxy-/,
    role: 'kube-proxy',
    breaks: 'Services on its node: no rules are written, or they go stale',
  },
  { pattern: /^(coredns|kube-dns)-/, role: 'CoreDNS', breaks: 'name resolution for every pod' },
  {
    pattern: /^kube-flannel-ds-/,
    role: 'Flannel',
    breaks: 'the pod network on its node: no subnet, no VXLAN routes, new pods cannot start',
  },
];

/** A container state that keeps the pod from serving (kubectl's STATUS column). */
const FAILING = /^(Init:)?(CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|CreateContainerConfigError|OOMKilled)$/;

function systemPodsFailing(model: ClusterModel): Finding[] {
  const out: Finding[] = [];
  const failing = (pod: Pod) => pod.reason !== undefined && FAILING.test(pod.reason);
  for (const kind of SYSTEM_PODS) {
    const pods = model.pods.filter((pod) => kind.pattern.test(pod.name) && failing(pod));
    if (!pods.length) continue;
    const states = pods.map((pod) => `${pod.name} ${pod.reason}${pod.restarts ? ` (${pod.restarts} restarts)` : ''}`);
    out.push({
      id: 'system-pod-failing',
      severity: 'error',
      title: `${kind.role} is not running: ${[...new Set(pods.map((pod) => pod.reason))].join(', ')}`,
      message: `${states.join('; ')}. With ${kind.role} down, this breaks ${kind.breaks}.`,
      evidence: pods.flatMap((pod) => pod.evidence),
      fix:
        `Read why it exits: kubectl -n ${pods[0].namespace ?? 'kube-system'} logs ${pods[0].name} ` +
        `--previous, and kubectl -n ${pods[0].namespace ?? 'kube-system'} describe pod ${pods[0].name}.`,
    });
  }
  // CoreDNS waiting for a network while Flannel is down: a consequence, said once.
  const flannelDown = model.pods.some((pod) => /^kube-flannel-ds-/.test(pod.name) && failing(pod));
  const waiting = model.pods.filter(
    (pod) => /^(coredns|kube-dns)-/.test(pod.name) && pod.reason === 'ContainerCreating',
  );
  if (flannelDown && waiting.length)
    out.push({
      id: 'system-pod-failing',
      severity: 'warning',
      title: `CoreDNS cannot start while Flannel is down: ${waiting.length} pod(s) in ContainerCreating`,
      message:
        `${waiting.map((pod) => namespacedName(pod)).join(', ')} wait in ContainerCreating: the CNI ` +
        'plugin cannot give them an address until Flannel runs on their node (it writes ' +
        '/run/flannel/subnet.env). Fix Flannel first.',
      evidence: waiting.flatMap((pod) => pod.evidence),
      fix: 'Fix the Flannel pods first; these start on their own once it runs.',
    });
  return out;
}

function kubeProxySyncFailing(model: ClusterModel): Finding[] {
  const failures = model.all('ComponentLog').filter((log) => log.event === 'iptables-restore-failed');
  if (!failures.length) return [];
  const retries = model.all('ComponentLog').filter((log) => log.event === 'sync-failed').length;
  const first = failures[0];
  const why = first.message.replace(/^"?Failed to execute iptables-restore"?:?\s*(err=<\s*)?/, '').replace(/\s+/g, ' ');
  return [
    {
      id: 'kube-proxy-sync-failing',
      severity: 'error',
      title: `kube-proxy fails to apply its rules (${failures.length} failed iptables-restore)`,
      message:
        `kube-proxy's log shows iptables-restore rejecting its rules ${failures.length} time(s)` +
        `${retries ? `, each followed by "Sync failed; retrying"` : ''}: ${why.trim()}. While that ` +
        'lasts, the node keeps the rules of its last good sync, or none: new Services, new endpoints ' +
        'and replaced pods are not reflected (stale endpoints, "no route to host").',
      evidence: failures.slice(0, 3).flatMap((log) => log.evidence),
      fix:
        "Find what iptables-restore rejects (the line it names; an option the node's iptables does not " +
        "know, e.g. a kube-proxy newer than the node's iptables, or nf_tables against legacy), and make " +
        "kube-proxy's iptables and the node's agree; `iptables-save` on the node shows what is in place.",
    },
  ];
}

/**
 * Per host, the latest `conntrack -S` line of each CPU: the counters are cumulative since boot, so a
 * listing pasted before and after an experiment must not be added up.
 */
function latestStatsByHost(model: ClusterModel): Map<string, ConntrackStats[]> {
  const latest = new Map<string, Map<string, ConntrackStats>>();
  for (const stats of model.all('ConntrackStats')) {
    const host = stats.host ?? '';
    const perCpu = latest.get(host) ?? new Map<string, ConntrackStats>();
    perCpu.set(String(stats.cpu ?? perCpu.size), stats);
    latest.set(host, perCpu);
  }
  return new Map([...latest].map(([host, perCpu]) => [host, [...perCpu.values()]]));
}

function conntrackInsertFailed(model: ClusterModel): Finding[] {
  const byHost = latestStatsByHost(model);
  const out: Finding[] = [];
  for (const [host, lines] of byHost) {
    const failed = lines.reduce((sum, stats) => sum + (stats.counters.insert_failed ?? 0), 0);
    if (failed === 0) continue;
    const counted = lines.filter((stats) => (stats.counters.insert_failed ?? 0) > 0);
    out.push({
      id: 'conntrack-insert-failed',
      severity: 'warning',
      title: `conntrack dropped ${failed} packet(s) at insertion${host ? ` on ${host}` : ''} (insert_failed)`,
      message:
        `conntrack -S counts insert_failed = ${failed} over ${counted.length} CPU(s): packets whose ` +
        'new conntrack entry clashed with one created at the same instant for the same tuple were ' +
        'dropped. The classic causes are UDP DNS queries sent in parallel from one socket (A and ' +
        'AAAA) through the kube-dns DNAT — each loss is a 5 s resolver timeout — and SNAT port ' +
        'clashes of many concurrent connections. Kernels with conntrack clash resolution (its ' +
        'clash_resolve counter) resolve most of these.',
      evidence: counted.slice(0, 3).flatMap((stats) => stats.evidence),
      fix:
        "For DNS: options single-request-reopen (or use-vc) in the pods' dnsConfig, NodeLocal DNSCache, " +
        'or a kernel with conntrack clash resolution (5.0+ for the same NAT, 5.7+ for different ' +
        'endpoints); for SNAT: MASQUERADE --random-fully.',
    });
  }
  return out;
}

/** Every check of node and cluster state, in the order they are reported. */
export const CLUSTER_FINDINGS: readonly ClusterCheck[] = [
  { ids: ['system-pod-failing'], find: systemPodsFailing },
  { ids: ['kube-proxy-sync-failing'], find: kubeProxySyncFailing },
  { ids: ['conntrack-insert-failed'], find: conntrackInsertFailed },
  { ids: ['pod-event-warning'], find: podEventWarnings },
];

/** The findings about node and cluster state, in CLUSTER_FINDINGS order. */
export function clusterFindings(model: ClusterModel): Finding[] {
  return CLUSTER_FINDINGS.flatMap((check) => check.find(model));
}
