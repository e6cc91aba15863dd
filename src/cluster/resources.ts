/** What the reader lists and gets, and what the model lacks when one of them cannot be read. */

export interface ListSpec {
  /** Plural resource name as in the URL and in RBAC rules. */
  resource: string;
  /** API group; '' for the core group (`/api/v1`). */
  group: string;
  version: string;
  /** Kind of the items (List items carry none). */
  kind: string;
  namespaced: boolean;
  /** What stays unknown when this list cannot be read. */
  missing: string;
}

export const LISTS: readonly ListSpec[] = [
  {
    resource: 'nodes',
    group: '',
    version: 'v1',
    kind: 'Node',
    namespaced: false,
    missing: 'Nodes missing — node IPs, pod CIDRs and Flannel VTEP MACs unknown',
  },
  {
    resource: 'pods',
    group: '',
    version: 'v1',
    kind: 'Pod',
    namespaced: true,
    missing: 'Pods missing — pod IPs, nodes and labels unknown',
  },
  {
    resource: 'services',
    group: '',
    version: 'v1',
    kind: 'Service',
    namespaced: true,
    missing: 'Services missing — ClusterIPs and ports unknown',
  },
  {
    resource: 'endpointslices',
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    namespaced: true,
    missing: 'EndpointSlices missing — endpoints of Services unknown',
  },
  {
    resource: 'deployments',
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespaced: true,
    missing: 'Deployments missing — which workload owns which pods unknown',
  },
  {
    resource: 'statefulsets',
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    namespaced: true,
    missing: 'StatefulSets missing — governing headless Services and per-pod DNS names unknown',
  },
  {
    resource: 'daemonsets',
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    namespaced: true,
    missing: 'DaemonSets missing — node agents (kube-proxy, flannel) as workloads unknown',
  },
];

export interface ConfigMapSpec {
  /** Namespaces to try in order (Flannel moved from kube-system to kube-flannel). */
  namespaces: string[];
  name: string;
  /** The fact kind it should yield. */
  yields: 'KubeProxy' | 'Cni' | 'ClusterDns';
  missing: string;
}

export const CONFIG_MAPS: readonly ConfigMapSpec[] = [
  {
    namespaces: ['kube-system'],
    name: 'kube-proxy',
    yields: 'KubeProxy',
    missing: 'kube-proxy mode and clusterCIDR unknown (not a kubeadm cluster, or kube-proxy is replaced)',
  },
  {
    namespaces: ['kube-flannel', 'kube-system'],
    name: 'kube-flannel-cfg',
    yields: 'Cni',
    missing:
      'Flannel network and backend (VXLAN VNI/port) unknown (Flannel not installed from its manifest, or another CNI)',
  },
  {
    namespaces: ['kube-system'],
    name: 'coredns',
    yields: 'ClusterDns',
    missing: 'cluster domain and CoreDNS loadbalance unknown (cluster.local assumed)',
  },
];
export function rbacName(spec: { resource: string; group: string }): string {
  return spec.group ? `${spec.resource}.${spec.group}` : spec.resource;
}

/** `/api/v1/namespaces/ns/pods` or `/apis/apps/v1/deployments`. */
export function collectionPath(spec: { resource: string; group: string; version: string }, namespace?: string): string {
  const root = spec.group ? `/apis/${spec.group}/${spec.version}` : `/api/${spec.version}`;
  return `${root}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${spec.resource}`;
}
