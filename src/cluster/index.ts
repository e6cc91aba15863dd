/**
 * Cluster access, bundled separately as dist/cluster.js and loaded only when a
 * command needs it (the client library is large). Read-only by construction: the
 * only transport this layer has issues GET.
 */
import { contextsOf, loadKubeConfig, type KubeContextInfo, type WorkspaceConfinement } from './kubeconfig';
import { clusterAccessPolicy } from './policy';

export type { KubeContextInfo } from './kubeconfig';
export { pullCluster, type PullOptions, type PullResult, type PullProgress, type FactSink } from './reader';
export type { ClusterProblem, Severity } from './problems';
export {
  clusterAccessPolicy,
  workspaceConfinement,
  type ClusterAccessInput,
  type ClusterAccessDecision,
} from './policy';
export type { WorkspaceConfinement } from './kubeconfig';
export { redactSecrets } from './redact';
export { listNamespaceNames, type NamespaceListing } from './namespaces';
export { summarizePull, type PullSummary } from './summary';
export { apiObjectFacts, clusterEvidence, parseClusterUri } from './convert';

/**
 * Lists the contexts of a kubeconfig. With no path: `KUBECONFIG`, then ~/.kube/config
 * (kept for the lead's first callers; new code passes the policy's paths to `listKubeContexts`).
 */
export function listContexts(kubeconfigPath?: string): { current: string; contexts: KubeContextInfo[] } {
  const policy = clusterAccessPolicy({
    trusted: true,
    kubeconfigPath,
    workspaceFolders: [],
    envKubeconfig: process.env.KUBECONFIG,
    homeDir: process.env.HOME ?? process.env.USERPROFILE,
  });
  return listKubeContexts(policy.kubeconfigPaths);
}

/** Contexts of the merged kubeconfig files (never runs credential plugins). */
export function listKubeContexts(
  paths: readonly string[],
  workspace?: WorkspaceConfinement,
): { current: string; contexts: KubeContextInfo[] } {
  return contextsOf(loadKubeConfig(paths, workspace));
}
export {
  watchCluster,
  type WatchOptions,
  type WatchChange,
  type WatchStatus,
  type WatchEnd,
  type WatchedResource,
} from './watch';
