import { namespacedName, namespaceOf, serviceDnsName, type ClusterModel } from '../model';

/** Edit distance, bounded: names are short. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** Every name a user could type for something in the model. */
function knownNames(model: ClusterModel): string[] {
  const names = new Set<string>();
  for (const pod of model.pods) {
    names.add(pod.name);
    names.add(namespacedName(pod));
    if (pod.ip) names.add(pod.ip);
  }
  for (const service of model.services) {
    names.add(service.name);
    names.add(namespacedName(service));
    names.add(serviceDnsName(service.name, namespaceOf(service), model.clusterDomain));
    if (service.clusterIP && service.clusterIP !== 'None') names.add(service.clusterIP);
  }
  for (const node of model.nodes) {
    names.add(node.name);
    if (node.internalIP) names.add(node.internalIP);
  }
  return [...names];
}

/** Up to `limit` known names closest to `text` (substring matches first, then by edit distance). */
export function closeMatches(model: ClusterModel, text: string, limit = 5): string[] {
  const t = text.toLowerCase();
  const scored = knownNames(model).map((n) => {
    const l = n.toLowerCase();
    const d = l.includes(t) || t.includes(l) ? Math.abs(l.length - t.length) / 100 : distance(l, t);
    return { n, d };
  });
  const max = Math.max(2, Math.ceil(t.length / 3));
  return scored
    .filter((s) => s.d <= max)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, limit)
    .map((s) => s.n);
}
