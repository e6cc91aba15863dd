/**
 * Loading kubeconfig files with @kubernetes/client-node, the way kubectl merges them:
 * the first file that sets current-context wins, the first definition of a name wins.
 * Unlike `KubeConfig.loadFromDefault` this never falls back to http://localhost:8080
 * or to an in-cluster service account: no kubeconfig means a clear error.
 */
import { existsSync } from 'node:fs';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { scalarText } from '../model';

export interface KubeContextInfo {
  name: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
}

export class KubeconfigError extends Error {}

export function loadKubeConfig(paths: readonly string[]): KubeConfig {
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length === 0)
    throw new KubeconfigError(`No kubeconfig file found (looked at ${paths.join(', ') || 'nothing'}).`);
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: '' });
  for (const file of existing) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (e) {
      throw new KubeconfigError(`Cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!kc.currentContext && one.currentContext) kc.currentContext = one.currentContext;
    for (const c of one.clusters ?? []) if (!kc.getCluster(c.name)) kc.clusters.push(c);
    for (const u of one.users ?? []) if (!kc.getUser(u.name)) kc.users.push(u);
    for (const c of one.contexts ?? []) if (!kc.getContextObject(c.name)) kc.contexts.push(c);
  }
  return kc;
}

export function contextsOf(kc: KubeConfig): { current: string; contexts: KubeContextInfo[] } {
  return {
    current: kc.getCurrentContext() ?? '',
    contexts: kc.getContexts().map((c) => ({
      name: c.name,
      cluster: c.cluster,
      user: c.user,
      namespace: c.namespace,
      server: kc.getCluster(c.cluster)?.server,
    })),
  };
}

/** Selects `context` (or keeps the current one); throws when it does not exist or names a missing cluster. */
export function useContext(kc: KubeConfig, context?: string): string {
  const name = context || kc.getCurrentContext();
  if (!name) throw new KubeconfigError('The kubeconfig has no current-context; pick a context.');
  const ctx = kc.getContextObject(name);
  if (!ctx)
    throw new KubeconfigError(
      `Context '${name}' is not in the kubeconfig (contexts: ${
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none'
      }).`,
    );
  if (!kc.getCluster(ctx.cluster))
    throw new KubeconfigError(
      `Context '${name}' refers to cluster '${ctx.cluster}', which the kubeconfig does not define.`,
    );
  kc.setCurrentContext(name);
  return name;
}

/** Describes a credential plugin the user entry would run (exec command or auth-provider), if any. */
export function credentialPlugin(user: User | null): string | undefined {
  if (!user) return undefined;
  if (user.exec) return `exec credential plugin '${scalarText((user.exec as { command?: unknown }).command, '?')}'`;
  if (user.authProvider) return `auth-provider '${scalarText((user.authProvider as { name?: unknown }).name, '?')}'`;
  return undefined;
}

/** Secret values in the selected user entry, so messages can be scrubbed of them verbatim. */
export function secretsOf(kc: KubeConfig): string[] {
  const u = kc.getCurrentUser();
  if (!u) return [];
  return [u.token, u.password, u.keyData, u.certData].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
