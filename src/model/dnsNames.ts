/**
 * The names cluster DNS (CoreDNS `kubernetes` plugin, per the Kubernetes DNS spec)
 * answers, and the order in which a resolver tries names from its search list.
 */

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** `{service}.{namespace}.svc.{domain}`: ClusterIP for normal Services, every ready pod IP for headless ones. */
export function serviceDnsName(service: string, namespace: string, domain = DEFAULT_CLUSTER_DOMAIN): string {
  return `${service}.${namespace}.svc.${domain}`;
}

/**
 * `{hostname}.{subdomain}.{namespace}.svc.{domain}`: a pod with `hostname`/`subdomain`
 * set (StatefulSet pods get hostname = pod name, subdomain = serviceName) behind a
 * headless Service.
 */
export function podHostnameDnsName(
  hostname: string,
  subdomain: string,
  namespace: string,
  domain = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${hostname}.${subdomain}.${namespace}.svc.${domain}`;
}

/** `a-b-c-d.{namespace}.pod.{domain}` (IPv6: colons become dashes). */
export function podIpDnsName(ip: string, namespace: string, domain = DEFAULT_CLUSTER_DOMAIN): string {
  return `${ip.replace(/[.:]/g, '-')}.${namespace}.pod.${domain}`;
}

/** A named port of a Service, as its SRV record names it. */
export interface SrvPort {
  portName: string;
  protocol: string;
  service: string;
  namespace: string;
  domain?: string;
}

/** `_{port}._{proto}.{service}.{namespace}.svc.{domain}` for a named Service port. */
export function srvDnsName(port: SrvPort): string {
  const { portName, protocol, service, namespace, domain = DEFAULT_CLUSTER_DOMAIN } = port;
  return `_${portName}._${protocol.toLowerCase()}.${serviceDnsName(service, namespace, domain)}`;
}

/** StatefulSet pods are named `{statefulset}-{ordinal}`. */
export function statefulSetPodName(statefulSet: string, ordinal: number): string {
  return `${statefulSet}-${ordinal}`;
}

/** The search list kubelet writes into a ClusterFirst pod's resolv.conf. */
export function podSearchList(namespace: string, domain = DEFAULT_CLUSTER_DOMAIN): string[] {
  return [`${namespace}.svc.${domain}`, `svc.${domain}`, domain];
}

/**
 * The names a glibc/musl stub resolver queries, in order, for `name` given a search
 * list and `ndots`: a name with at least `ndots` dots (or a trailing dot) is tried
 * as-is first; otherwise each search suffix is tried first and the bare name last.
 * A trailing dot disables the search list entirely.
 */
export function searchExpansion(name: string, search: readonly string[], ndots = 1): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = (name.match(/\./g) ?? []).length;
  const withSuffixes = search.map((domain) => `${name}.${domain}`);
  return dots >= ndots ? [name, ...withSuffixes] : [...withSuffixes, name];
}
