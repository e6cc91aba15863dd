import * as os from 'node:os';
import * as vscode from 'vscode';
import { clusterAccessPolicy, type ClusterAccessDecision } from '../../cluster/policy';
import { realPathOf } from '../../cluster/realPath';

/** The cluster settings and the access decision for the current window (pure policy, no client library). */
export interface ClusterSettings {
  /** '' → the kubeconfig's current-context. */
  context: string;
  /** Empty → all namespaces. */
  namespaces: string[];
  decision: ClusterAccessDecision;
  /** Watch Pods and EndpointSlices after a pull (`kubePacketPath.cluster.watch`). */
  watch: boolean;
}

let kubernetesExtensionKubeconfig: () => string | undefined = () => undefined;

/** Where the Kubernetes extension's kubeconfig comes from (set once it is connected). */
export function followKubernetesExtension(path: () => string | undefined): void {
  kubernetesExtensionKubeconfig = path;
}

export function readClusterSettings(): ClusterSettings {
  const cfg = vscode.workspace.getConfiguration('kubePacketPath');
  const kubeconfigSetting = cfg.inspect<string>('kubeconfig');
  const namespaces = (cfg.get<unknown[]>('namespaces') ?? [])
    .filter((name): name is string => typeof name === 'string' && name.trim() !== '')
    .map((name) => name.trim());
  return {
    context: (cfg.get<string>('context') ?? '').trim(),
    namespaces,
    watch: cfg.get<boolean>('cluster.watch') === true,
    decision: clusterAccessPolicy({
      trusted: vscode.workspace.isTrusted,
      kubeconfigPath: cfg.get<string>('kubeconfig') ?? '',
      workspaceFolders: (vscode.workspace.workspaceFolders ?? [])
        .filter((folder) => folder.uri.scheme === 'file')
        .map((folder) => folder.uri.fsPath),
      envKubeconfig: process.env.KUBECONFIG,
      kubernetesExtensionKubeconfig: kubernetesExtensionKubeconfig(),
      homeDir: os.homedir(),
      // A kubeconfig named in .vscode/settings.json (or a folder's settings) is the workspace's choice.
      kubeconfigSettingFromWorkspace: [kubeconfigSetting?.workspaceValue, kubeconfigSetting?.workspaceFolderValue].some(
        (value) => typeof value === 'string' && value.trim() !== '',
      ),
      realPath: realPathOf,
    }),
  };
}

/** Workspace settings when a folder is open (a context is usually per project), else user settings. */
export async function writeClusterSetting(key: 'context' | 'namespaces', value: unknown): Promise<void> {
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('kubePacketPath').update(key, value, target);
}
