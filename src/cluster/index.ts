/**
 * Cluster access, loaded only when a command needs it (the client library is large).
 * Read-only by construction: this layer only ever issues get/list/watch.
 */
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeContextInfo {
  name: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
}

/** Reads a kubeconfig (file, or default locations / KUBECONFIG) and lists its contexts. */
export function listContexts(kubeconfigPath?: string): { current: string; contexts: KubeContextInfo[] } {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  return {
    current: kc.getCurrentContext(),
    contexts: kc.getContexts().map((c) => ({
      name: c.name,
      cluster: c.cluster,
      user: c.user,
      namespace: c.namespace,
      server: kc.getCluster(c.cluster)?.server,
    })),
  };
}
