/**
 * Whether the extension may contact a cluster, and with which kubeconfig. Pure (no
 * I/O, no client library) so the editor can decide before loading dist/cluster.js
 * and unit tests can cover every case.
 */
import * as nodePath from 'node:path';

export interface ClusterAccessInput {
  /** `vscode.workspace.isTrusted`. */
  trusted: boolean;
  /** The `kubePacketPath.kubeconfig` setting ('' or undefined: not set). */
  kubeconfigPath?: string;
  /** Absolute paths of the open workspace folders. */
  workspaceFolders: readonly string[];
  /** `process.env.KUBECONFIG`. */
  envKubeconfig?: string;
  /** The kubeconfig the Kubernetes extension (ms-kubernetes-tools) uses, when it is installed. */
  kubernetesExtensionKubeconfig?: string;
  /** The user's home directory (for `~` and the default `~/.kube/config`). */
  homeDir?: string;
  /** Defaults to the running platform; tests pass it to check Windows paths. */
  platform?: NodeJS.Platform;
}

export type KubeconfigOrigin = 'setting' | 'kubernetes-extension' | 'KUBECONFIG' | 'default';

export interface ClusterAccessDecision {
  allowed: boolean;
  /** One sentence for the user (why not, or where the kubeconfig comes from). */
  reason: string;
  /** Kubeconfig files to load, in merge order (first wins, like kubectl). */
  kubeconfigPaths: string[];
  origin?: KubeconfigOrigin;
  /**
   * May kubeconfig `exec` / `auth-provider` credential plugins run? Never for a
   * kubeconfig that lives inside the workspace: opening a folder must not run a
   * command that folder chose.
   */
  allowCredentialPlugins: boolean;
  /** The kubeconfig files that are inside a workspace folder. */
  workspaceProvided: string[];
}

function pathApi(platform: NodeJS.Platform): typeof nodePath.posix {
  return platform === 'win32' ? nodePath.win32 : nodePath.posix;
}

function isInside(p: typeof nodePath.posix, file: string, folder: string, caseless: boolean): boolean {
  const rel = p.relative(caseless ? folder.toLowerCase() : folder, caseless ? file.toLowerCase() : file);
  return rel === '' || (!rel.startsWith('..') && !p.isAbsolute(rel));
}

export function clusterAccessPolicy(input: ClusterAccessInput): ClusterAccessDecision {
  const platform = input.platform ?? process.platform;
  const p = pathApi(platform);
  const deny = (reason: string): ClusterAccessDecision => ({
    allowed: false,
    reason,
    kubeconfigPaths: [],
    allowCredentialPlugins: false,
    workspaceProvided: [],
  });
  if (!input.trusted) {
    return deny(
      'This workspace is not trusted: Kube Packet Path does not contact clusters or read kubeconfig files here. Trust the workspace to enable cluster access.',
    );
  }
  const expand = (f: string) => {
    const home = input.homeDir;
    const withHome = home && (f === '~' || f.startsWith('~/') || f.startsWith('~\\')) ? p.join(home, f.slice(1)) : f;
    // A relative setting is relative to the first workspace folder, which makes it workspace-provided.
    return p.isAbsolute(withHome)
      ? p.normalize(withHome)
      : input.workspaceFolders[0]
        ? p.resolve(input.workspaceFolders[0], withHome)
        : undefined;
  };
  let origin: KubeconfigOrigin;
  let raw: string[];
  if (input.kubeconfigPath?.trim()) {
    origin = 'setting';
    raw = [input.kubeconfigPath.trim()];
  } else if (input.kubernetesExtensionKubeconfig?.trim()) {
    // Follow the Kubernetes extension, so both look at the same cluster.
    origin = 'kubernetes-extension';
    raw = [input.kubernetesExtensionKubeconfig.trim()];
  } else if (input.envKubeconfig?.trim()) {
    origin = 'KUBECONFIG';
    raw = input.envKubeconfig
      .split(platform === 'win32' ? ';' : ':')
      .map((s) => s.trim())
      .filter(Boolean);
  } else if (input.homeDir) {
    origin = 'default';
    raw = [p.join(input.homeDir, '.kube', 'config')];
  } else {
    return deny(
      'No kubeconfig: set kubePacketPath.kubeconfig or KUBECONFIG (no home directory to look for ~/.kube/config).',
    );
  }
  const paths: string[] = [];
  for (const f of raw) {
    const abs = expand(f);
    if (!abs) return deny(`The kubeconfig path '${f}' is relative and no workspace folder is open to resolve it.`);
    if (!paths.includes(abs)) paths.push(abs);
  }
  const caseless = platform === 'win32' || platform === 'darwin';
  const workspaceProvided = paths.filter((f) =>
    input.workspaceFolders.some((w) => isInside(p, f, p.normalize(w), caseless)),
  );
  const from =
    origin === 'setting'
      ? 'the kubePacketPath.kubeconfig setting'
      : origin === 'kubernetes-extension'
        ? "the Kubernetes extension's kubeconfig"
        : origin === 'KUBECONFIG'
          ? 'KUBECONFIG'
          : '~/.kube/config';
  return {
    allowed: true,
    reason: workspaceProvided.length
      ? `Using ${from} (${paths.join(', ')}); it is inside the workspace, so exec/auth-provider credential plugins are refused.`
      : `Using ${from} (${paths.join(', ')}).`,
    kubeconfigPaths: paths,
    origin,
    allowCredentialPlugins: workspaceProvided.length === 0,
    workspaceProvided,
  };
}
