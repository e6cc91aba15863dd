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
  /**
   * The `kubePacketPath.kubeconfig` value comes from workspace or folder settings
   * (`.vscode/settings.json`): the workspace chose that kubeconfig, wherever it lives.
   */
  kubeconfigSettingFromWorkspace?: boolean;
  /**
   * Resolves symlinks (the editor passes `fs.realpathSync.native`); undefined when the path
   * does not exist. Without it paths are compared as written.
   */
  realPath?: (path: string) => string | undefined;
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
  /**
   * The kubeconfig files the workspace provides: inside a workspace folder by the path as
   * written or by its real path (symlinks resolved, either side), or chosen by a relative
   * or workspace-scoped setting.
   */
  workspaceProvided: string[];
  /**
   * The workspace folders, as written and as real paths. Files a workspace-provided
   * kubeconfig names (token-file, certificates, keys) must lie inside one of them.
   */
  workspaceFolders: string[];
}

function pathApi(platform: NodeJS.Platform): typeof nodePath.posix {
  return platform === 'win32' ? nodePath.win32 : nodePath.posix;
}

/**
 * Is `file` inside `folder` (or the folder itself)? A name that merely starts with `..`
 * (`..kube/config`) is inside; only a `..` path segment leaves the folder.
 */
function isInsideFolder(platformPath: typeof nodePath.posix, file: string, folder: string, caseless: boolean): boolean {
  const rel = platformPath.relative(caseless ? folder.toLowerCase() : folder, caseless ? file.toLowerCase() : file);
  if (rel === '') return true;
  if (platformPath.isAbsolute(rel)) return false;
  return rel !== '..' && !rel.startsWith(`..${platformPath.sep}`);
}

/** A path as written and its real path (when it exists and differs). */
function pathForms(path: string, realPath?: (path: string) => string | undefined): string[] {
  const real = realPath?.(path);
  return real && real !== path ? [path, real] : [path];
}

/**
 * Whether `file` is inside one of the `folders` (each as written and as real path). `by`
 * 'any' form of the file (as written or real: does the workspace provide it?) or by 'every'
 * form (may a workspace kubeconfig name it? a symlink out of the workspace may not).
 */
export function insideAnyFolder(
  file: string,
  folders: readonly string[],
  options: { by: 'any' | 'every'; platform?: NodeJS.Platform; realPath?: (path: string) => string | undefined },
): boolean {
  const platform = options.platform ?? process.platform;
  const platformPath = pathApi(platform);
  const caseless = platform === 'win32' || platform === 'darwin';
  const files = pathForms(platformPath.normalize(file), options.realPath);
  const inside = (form: string) =>
    folders.some((folder) => isInsideFolder(platformPath, form, platformPath.normalize(folder), caseless));
  return options.by === 'any' ? files.some(inside) : files.every(inside);
}

export function clusterAccessPolicy(input: ClusterAccessInput): ClusterAccessDecision {
  const platform = input.platform ?? process.platform;
  const platformPath = pathApi(platform);
  const deny = (reason: string): ClusterAccessDecision => ({
    allowed: false,
    reason,
    kubeconfigPaths: [],
    allowCredentialPlugins: false,
    workspaceProvided: [],
    workspaceFolders: [],
  });
  if (!input.trusted) {
    return deny(
      'This workspace is not trusted: Kube Packet Path does not contact clusters or read kubeconfig files here. ' +
        'Trust the workspace to enable cluster access.',
    );
  }
  const expand = (setting: string) => {
    const home = input.homeDir;
    const withHome =
      home && (setting === '~' || setting.startsWith('~/') || setting.startsWith('~\\'))
        ? platformPath.join(home, setting.slice(1))
        : setting;
    // A relative setting is relative to the first workspace folder, which makes it workspace-provided.
    return platformPath.isAbsolute(withHome)
      ? platformPath.normalize(withHome)
      : input.workspaceFolders[0]
        ? platformPath.resolve(input.workspaceFolders[0], withHome)
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
      .map((piece) => piece.trim())
      .filter(Boolean);
  } else if (input.homeDir) {
    origin = 'default';
    raw = [platformPath.join(input.homeDir, '.kube', 'config')];
  } else {
    return deny(
      'No kubeconfig: set kubePacketPath.kubeconfig or KUBECONFIG (no home directory to look for ~/.kube/config).',
    );
  }
  const paths: string[] = [];
  /** Chosen by the workspace whatever their path: a relative or workspace-scoped setting. */
  const chosenByWorkspace = new Set<string>();
  for (const entry of raw) {
    const abs = expand(entry);
    if (!abs) return deny(`The kubeconfig path '${entry}' is relative and no workspace folder is open to resolve it.`);
    if (!paths.includes(abs)) paths.push(abs);
    if (origin === 'setting' && (input.kubeconfigSettingFromWorkspace || !isAbsoluteSetting(platformPath, entry))) {
      chosenByWorkspace.add(abs);
    }
  }
  const workspaceFolders = [
    ...new Set(
      input.workspaceFolders.flatMap((workspaceFolder) =>
        pathForms(platformPath.normalize(workspaceFolder), input.realPath),
      ),
    ),
  ];
  const workspaceProvided = paths.filter(
    (path) =>
      chosenByWorkspace.has(path) ||
      insideAnyFolder(path, workspaceFolders, { by: 'any', platform, realPath: input.realPath }),
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
      ? `Using ${from} (${paths.join(', ')}); it is provided by the workspace, so exec/auth-provider credential ` +
        `plugins are refused and it may name no file outside the workspace.`
      : `Using ${from} (${paths.join(', ')}).`,
    kubeconfigPaths: paths,
    origin,
    allowCredentialPlugins: workspaceProvided.length === 0,
    workspaceProvided,
    workspaceFolders,
  };
}

/** `~/…` and absolute paths are the user's own; anything else resolves against the workspace. */
function isAbsoluteSetting(platformPath: typeof nodePath.posix, value: string): boolean {
  return platformPath.isAbsolute(value) || value === '~' || value.startsWith('~/') || value.startsWith('~\\');
}

/** What the cluster reader needs to keep a workspace-provided kubeconfig inside the workspace. */
export function workspaceConfinement(decision: ClusterAccessDecision): { files: string[]; folders: string[] } {
  return { files: decision.workspaceProvided, folders: decision.workspaceFolders };
}
