import { namespacedName, namespaceOf, serviceDnsName, type ClusterModel } from '../model';

/** Edit distance, bounded: names are short. */
function distance(from: string, to: string): number {
  const prev = Array.from({ length: to.length + 1 }, (_, i) => i);
  for (let i = 1; i <= from.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= to.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (from[i - 1] === to[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[to.length];
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
  const typed = text.toLowerCase();
  const scored = knownNames(model).map((known) => {
    const name = known.toLowerCase();
    const score =
      name.includes(typed) || typed.includes(name) ? Math.abs(name.length - typed.length) / 100 : distance(name, typed);
    return { known, score };
  });
  const max = Math.max(2, Math.ceil(typed.length / 3));
  return scored
    .filter((candidate) => candidate.score <= max)
    .sort((left, right) => left.score - right.score || left.known.localeCompare(right.known))
    .slice(0, limit)
    .map((candidate) => candidate.known);
}
