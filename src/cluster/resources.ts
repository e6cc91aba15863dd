/** What the reader lists and gets, and what the model lacks when one of them cannot be read. */
import type { ClusterDns, CniConfig, Fact, KubeProxyConfig } from '../model';
import { endpointSliceFact, nodeFact, podFact, serviceFact, workloadFact } from './convert/objects';
import { clusterDnsFromConfigMap, flannelFromConfigMap, kubeProxyFromConfigMap, type ConfigMapReading } from './convert/configMaps';
import type { Json } from './convert/json';

export interface ListSpec {
  /** Plural resource name as in the URL and in RBAC rules. */
  resource: string;
  /** API group; '' for the core group (`/api/v1`). */
  group: string;
  version: string;
  namespaced: boolean;
  /** What stays unknown when this list cannot be read. */
  missing: string;
  convert(o: Json, context: string): Fact;
}

export const LISTS: readonly ListSpec[] = [
  { resource: 'nodes', group: '', version: 'v1', namespaced: false, missing: 'Nodes missing — node IPs, pod CIDRs and Flannel VTEP MACs unknown', convert: nodeFact },
  { resource: 'pods', group: '', version: 'v1', namespaced: true, missing: 'Pods missing — pod IPs, nodes and labels unknown', convert: podFact },
  { resource: 'services', group: '', version: 'v1', namespaced: true, missing: 'Services missing — ClusterIPs and ports unknown', convert: serviceFact },
  { resource: 'endpointslices', group: 'discovery.k8s.io', version: 'v1', namespaced: true, missing: 'EndpointSlices missing — endpoints of Services unknown', convert: endpointSliceFact },
  { resource: 'deployments', group: 'apps', version: 'v1', namespaced: true, missing: 'Deployments missing — which workload owns which pods unknown', convert: (o, c) => workloadFact('Deployment', o, c) },
  { resource: 'statefulsets', group: 'apps', version: 'v1', namespaced: true, missing: 'StatefulSets missing — governing headless Services and per-pod DNS names unknown', convert: (o, c) => workloadFact('StatefulSet', o, c) },
  { resource: 'daemonsets', group: 'apps', version: 'v1', namespaced: true, missing: 'DaemonSets missing — node agents (kube-proxy, flannel) as workloads unknown', convert: (o, c) => workloadFact('DaemonSet', o, c) },
];

export interface ConfigMapSpec {
  /** Namespaces to try in order (Flannel moved from kube-system to kube-flannel). */
  namespaces: string[];
  name: string;
  missing: string;
  read(cm: Json, context: string): ConfigMapReading<KubeProxyConfig | CniConfig | ClusterDns>;
}

export const CONFIG_MAPS: readonly ConfigMapSpec[] = [
  { namespaces: ['kube-system'], name: 'kube-proxy', missing: 'kube-proxy mode and clusterCIDR unknown (not a kubeadm cluster, or kube-proxy is replaced)', read: kubeProxyFromConfigMap },
  { namespaces: ['kube-flannel', 'kube-system'], name: 'kube-flannel-cfg', missing: 'Flannel network and backend (VXLAN VNI/port) unknown (Flannel not installed from its manifest, or another CNI)', read: flannelFromConfigMap },
  { namespaces: ['kube-system'], name: 'coredns', missing: 'cluster domain and CoreDNS loadbalance unknown (cluster.local assumed)', read: clusterDnsFromConfigMap },
];

export function rbacName(spec: { resource: string; group: string }): string {
  return spec.group ? `${spec.resource}.${spec.group}` : spec.resource;
}

/** `/api/v1/namespaces/ns/pods` or `/apis/apps/v1/deployments`. */
export function collectionPath(spec: { resource: string; group: string; version: string }, namespace?: string): string {
  const root = spec.group ? `/apis/${spec.group}/${spec.version}` : `/api/${spec.version}`;
  return `${root}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${spec.resource}`;
}
