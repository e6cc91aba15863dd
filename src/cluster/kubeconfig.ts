/**
 * Loading kubeconfig files with @kubernetes/client-node, the way kubectl merges them:
 * the first file that sets current-context wins, the first definition of a name wins.
 * Unlike `KubeConfig.loadFromDefault` this never falls back to http://localhost:8080
 * or to an in-cluster service account: no kubeconfig means a clear error.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { scalarText } from '../model';
import { MAX_YAML_DEPTH, yamlTooDeep } from '../ingest/kube/yamlDepth';
import { insideAnyFolder } from './policy';
import { realPathOf } from './realPath';
import { redactUrlCredentials } from './redact';

/**
 * Which kubeconfig files the workspace provides (`ClusterAccessDecision.workspaceProvided`)
 * and the folders their file references must stay in (`workspaceFolders`).
 */
export interface WorkspaceConfinement {
  files: readonly string[];
  folders: readonly string[];
}

export interface KubeContextInfo {
  name: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
}

export class KubeconfigError extends Error {}

/** A file a kubeconfig names, with the field that names it. */
interface FileReference {
  field: string;
  path: string;
}

/**
 * The files a kubeconfig text names, resolved as @kubernetes/client-node resolves them:
 * certificates and keys against the kubeconfig's folder, `token-file` against the process's
 * working directory (the library reads it while parsing, for every user).
 */
function fileReferences(text: string, kubeconfigFile: string): FileReference[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch {
    return []; // the library rejects it too
  }
  const refs: FileReference[] = [];
  const asRecord = (value: unknown): Record<string, unknown> | undefined =>
    value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  const entries = (list: unknown, key: string): Record<string, unknown>[] =>
    Array.isArray(list)
      ? list.flatMap((entry: unknown): Record<string, unknown>[] => {
          const inner = asRecord(asRecord(entry)?.[key]);
          return inner ? [inner] : [];
        })
      : [];
  const root = asRecord(doc) ?? {};
  const dir = nodePath.dirname(kubeconfigFile);
  const add = (entry: Record<string, unknown>, field: string, base: string) => {
    const value = entry[field];
    if (typeof value === 'string' && value !== '') refs.push({ field, path: nodePath.resolve(base, value) });
  };
  for (const cluster of entries(root.clusters, 'cluster')) add(cluster, 'certificate-authority', dir);
  for (const user of entries(root.users, 'user')) {
    add(user, 'client-certificate', dir);
    add(user, 'client-key', dir);
    add(user, 'token-file', process.cwd());
  }
  return refs;
}

/**
 * Refuses a workspace-provided kubeconfig that names a file outside the workspace folders
 * (real paths): the library would read it and send what it holds (a token, a client key)
 * to whatever server the workspace names.
 */
function checkConfinement(file: string, text: string, confinement: WorkspaceConfinement): void {
  if (!confinement.files.includes(file)) return;
  for (const ref of fileReferences(text, file)) {
    if (!insideAnyFolder(ref.path, confinement.folders, { by: 'every', realPath: realPathOf })) {
      const real = realPathOf(ref.path);
      throw new KubeconfigError(
        `Refused kubeconfig ${file}: it is provided by the workspace and its ${ref.field} names ${ref.path}${
          real && real !== ref.path ? ` (really ${real})` : ''
        }, outside the workspace; a workspace kubeconfig may only name files inside the workspace.`,
      );
    }
  }
}

export function loadKubeConfig(paths: readonly string[], confinement?: WorkspaceConfinement): KubeConfig {
  const existing = paths.filter((path) => existsSync(path));
  if (existing.length === 0)
    throw new KubeconfigError(`No kubeconfig file found (looked at ${paths.join(', ') || 'nothing'}).`);
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: '' });
  const origins: EntryOrigins = { clusters: new Map(), users: new Map() };
  for (const file of existing) {
    const one = new KubeConfig();
    try {
      const text = readFileSync(file, 'utf8');
      const deep = yamlTooDeep(text);
      if (deep)
        throw new KubeconfigError(
          `Cannot read kubeconfig ${file}: nested ${deep.depth} levels deep at line ${deep.line}, over the limit of ` +
            `${MAX_YAML_DEPTH}.`,
        );
      if (confinement) checkConfinement(file, text, confinement);
      one.loadFromString(text);
      one.makePathsAbsolute(nodePath.dirname(file));
    } catch (e) {
      if (e instanceof KubeconfigError) throw e;
      throw new KubeconfigError(`Cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!kc.currentContext && one.currentContext) kc.currentContext = one.currentContext;
    for (const cluster of one.clusters ?? [])
      if (!kc.getCluster(cluster.name)) {
        kc.clusters.push(cluster);
        origins.clusters.set(cluster.name, file);
      }
    for (const user of one.users ?? [])
      if (!kc.getUser(user.name)) {
        kc.users.push(user);
        origins.users.set(user.name, file);
      }
    for (const context of one.contexts ?? []) if (!kc.getContextObject(context.name)) kc.contexts.push(context);
  }
  ORIGINS.set(kc, origins);
  return kc;
}

/** Which file defined each cluster and user of a merged kubeconfig. */
interface EntryOrigins {
  clusters: Map<string, string>;
  users: Map<string, string>;
}
const ORIGINS = new WeakMap<KubeConfig, EntryOrigins>();

/**
 * When several kubeconfig files are merged (a KUBECONFIG list), a server defined by a
 * workspace file must not receive credentials defined outside it: a workspace file listed
 * first could otherwise redefine the cluster of the user's own context. Returns why the
 * selected context mixes them, or undefined.
 */
export function crossOriginCredentials(kc: KubeConfig, workspaceFiles: readonly string[]): string | undefined {
  const origins = ORIGINS.get(kc);
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (!origins || !ctx) return undefined;
  const clusterFile = origins.clusters.get(ctx.cluster);
  const userFile = ctx.user ? origins.users.get(ctx.user) : undefined;
  if (!clusterFile || !userFile || !workspaceFiles.includes(clusterFile) || workspaceFiles.includes(userFile))
    return undefined;
  return (
    `its cluster '${ctx.cluster}' comes from ${clusterFile}, which the workspace provides, and its user ` +
    `'${ctx.user}' from ${userFile}, which it does not`
  );
}

export function contextsOf(kc: KubeConfig): { current: string; contexts: KubeContextInfo[] } {
  return {
    current: kc.getCurrentContext() ?? '',
    contexts: kc.getContexts().map((context) => ({
      name: context.name,
      cluster: context.cluster,
      user: context.user,
      namespace: context.namespace,
      server: ((server) => server && redactUrlCredentials(server))(kc.getCluster(context.cluster)?.server),
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
          .map((known) => known.name)
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
  const user = kc.getCurrentUser();
  if (!user) return [];
  return [user.token, user.password, user.keyData, user.certData].filter(
    (secret): secret is string => typeof secret === 'string' && secret.length > 0,
  );
}
