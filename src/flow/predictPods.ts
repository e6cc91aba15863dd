import {
  namespaceOf,
  ClusterModel,
  derivedEvidence,
  podHostnameDnsName,
  statefulSetPodName,
  type Fact,
  type FactKind,
  type Pod,
  type Workload,
} from '../model';

/** A copy of the model (facts are shared, indexes are not), so tracing never changes the caller's model. */
export function copyModel(model: ClusterModel): ClusterModel {
  const copy = new ClusterModel();
  for (const kind of Object.keys(model.summary()) as FactKind[]) copy.add(model.all(kind) as Fact[]);
  return copy;
}

/** Pods whose name shows they were made by this workload (`a-app-57974fdb4-mcz5n`, `a-app-0`). */
function ownedByName(workload: Workload, pod: Pod): boolean {
  if (namespaceOf(pod) !== namespaceOf(workload) || pod.predicted) return false;
  if (pod.owner?.name === workload.name) return true;
  if (workload.kind === 'StatefulSet') return new RegExp(`^${escape(workload.name)}-\\d+$`).test(pod.name);
  if (workload.kind === 'Deployment')
    return new RegExp(`^${escape(workload.name)}-[a-z0-9]{6,10}-[a-z0-9]{5}$`).test(pod.name);
  if (workload.kind === 'DaemonSet') return new RegExp(`^${escape(workload.name)}-[a-z0-9]{5}$`).test(pod.name);
  return false;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Adds what the workloads imply: StatefulSet pods `name-0..n-1` (with hostname and
 * subdomain, which make their per-pod DNS names), Deployment replicas as placeholders,
 * and the template's labels/ports/hostNetwork on pods that exist but were seen without
 * them (a `kubectl get pods` table has no labels). Everything added carries derived evidence.
 */
export function withPredictedPods(model: ClusterModel): ClusterModel {
  const out = copyModel(model);
  const added: Pod[] = [];
  for (const workload of model.workloads) {
    if (workload.kind === 'ReplicaSet') continue;
    const template = (name: string, extra: Partial<Pod>, why: string): Pod => ({
      kind: 'Pod',
      name,
      namespace: namespaceOf(workload),
      labels: workload.podLabels ?? workload.selector,
      containers: workload.containers,
      hostNetwork: workload.hostNetwork,
      owner: { kind: workload.kind, namespace: namespaceOf(workload), name: workload.name },
      evidence: [derivedEvidence(why), ...workload.evidence],
      ...extra,
    });
    const existing = model.pods.filter((pod) => ownedByName(workload, pod));
    for (const pod of existing) {
      const extra: Partial<Pod> =
        workload.kind === 'StatefulSet' && workload.serviceName
          ? { hostname: pod.name, subdomain: workload.serviceName }
          : {};
      added.push(
        template(
          pod.name,
          extra,
          `${workload.kind} ${workload.name} created ${pod.name}: template labels and ports apply`,
        ),
      );
    }
    if (workload.kind === 'StatefulSet') {
      for (let i = 0; i < (workload.replicas ?? 1); i++) {
        const name = statefulSetPodName(workload.name, i);
        if (existing.some((pod) => pod.name === name)) continue;
        added.push(
          template(
            name,
            { predicted: true, hostname: name, subdomain: workload.serviceName },
            `StatefulSet ${workload.name} replica ${i}: pods are named {statefulset}-{ordinal}`,
          ),
        );
      }
    } else if (workload.kind === 'Deployment') {
      for (let i = existing.length; i < (workload.replicas ?? 1); i++) {
        added.push(
          template(
            `${workload.name}-predicted-${i + 1}`,
            { predicted: true },
            `Deployment ${workload.name} replica ${i + 1} of ${workload.replicas ?? 1}: ` +
              'real name and IP unknown until scheduled',
          ),
        );
      }
    }
  }
  if (added.length) out.add(added);
  return withDnsLearnedIps(out);
}

/**
 * A per-pod name (`a-app-1.a-app.default.svc.cluster.local`) answering one A record
 * tells that pod's IP, by the DNS spec: fill it in where nothing else did, with the lookup as evidence.
 */
function withDnsLearnedIps(model: ClusterModel): ClusterModel {
  const learned: Pod[] = [];
  const lookups = model.all('DnsLookup');
  if (!lookups.length) return model;
  // `{pod}.{service}.{ns}.svc.{domain}` names the pod even when the StatefulSet's serviceName was not seen.
  const domain = model.clusterDomain;
  for (const dnsLookup of lookups) {
    const labels = dnsLookup.question.name.replace(/\.$/, '').toLowerCase().split('.');
    if (labels.length < 5 || labels[3] !== 'svc' || labels.slice(4).join('.') !== domain) continue;
    const pod = model.findPod(labels[0], labels[2]);
    const svc = model.findService(labels[1], labels[2]);
    if (!pod || pod.hostname || !svc || svc.clusterIP !== 'None') continue;
    learned.push({
      kind: 'Pod',
      name: pod.name,
      namespace: namespaceOf(pod),
      hostname: labels[0],
      subdomain: labels[1],
      evidence: dnsLookup.evidence,
    });
  }
  if (learned.length) {
    model.add(learned);
    learned.length = 0;
  }
  for (const pod of model.pods) {
    if (pod.ip || !pod.hostname || !pod.subdomain) continue;
    const name = podHostnameDnsName(pod.hostname, pod.subdomain, namespaceOf(pod), model.clusterDomain);
    const hit = lookups.find(
      (lookup) =>
        lookup.question.name.replace(/\.$/, '').toLowerCase() === name &&
        lookup.answers.filter((dnsAnswer) => dnsAnswer.type === 'A').length === 1,
    );
    if (hit)
      learned.push({
        kind: 'Pod',
        name: pod.name,
        namespace: namespaceOf(pod),
        ip: hit.answers.find((dnsAnswer) => dnsAnswer.type === 'A')!.data,
        evidence: hit.evidence,
      });
  }
  return learned.length ? model.add(learned) : model;
}
