/**
 * What "Trace this Service" needs from a node of the Kubernetes extension's Cluster
 * Explorer, after its `clusterExplorer.resolveCommandTarget` resolved it. Pure (no
 * `vscode`), so unit tests cover every shape. The node types are a local, minimal copy
 * of the public contract (vscode-kubernetes-tools-api, cluster-explorer v1), not the package.
 */
import { scalarText } from '../../model';

export interface ExplorerResourceKind {
  readonly manifestKind: string;
  readonly abbreviation: string;
}

/** The parts of ClusterExplorerV1.ClusterExplorerNode this extension reads. */
export type ExplorerNode =
  | {
      readonly nodeType: 'resource';
      readonly namespace: string | null;
      readonly name: string;
      readonly resourceKind: ExplorerResourceKind;
      readonly metadata?: unknown;
    }
  | { readonly nodeType: string; readonly name?: string };

export type ServiceTarget = { kind: 'Service'; name: string; namespace?: string };

/** The Service a node stands for, or why it is not one (for a message). */
export function serviceOfExplorerNode(node: unknown): ServiceTarget | { problem: string } {
  if (!node || typeof node !== 'object') return { problem: 'no Cluster Explorer node was given' };
  const fields = node as Record<string, unknown>;
  if (fields.nodeType !== 'resource')
    return { problem: `the node is a ${scalarText(fields.nodeType, 'unknown node')}, not a Service` };
  const kind = fields.resourceKind as Partial<ExplorerResourceKind> | undefined;
  const isService = kind?.manifestKind === 'Service' || /^(svc|services?)$/i.test(kind?.abbreviation ?? '');
  if (!isService)
    return {
      problem: `the node is a ${kind?.manifestKind ?? kind?.abbreviation ?? 'resource of unknown kind'}, not a Service`,
    };
  const name = typeof fields.name === 'string' ? fields.name.replace(/^(?:services?|svc)\//i, '') : '';
  if (!name) return { problem: 'the Service node has no name' };
  const meta = (fields.metadata && typeof fields.metadata === 'object' ? fields.metadata : {}) as Record<
    string,
    unknown
  >;
  const namespace =
    typeof fields.namespace === 'string' && fields.namespace
      ? fields.namespace
      : typeof meta.namespace === 'string' && meta.namespace
        ? meta.namespace
        : undefined;
  return namespace ? { kind: 'Service', name, namespace } : { kind: 'Service', name };
}

/**
 * The kubeconfig path of ConfigurationV1(_1).getKubeconfigPath(): host paths only (a WSL path
 * is not readable from here).
 */
export function hostKubeconfigPath(kubeconfigPath: unknown): string | undefined {
  if (!kubeconfigPath || typeof kubeconfigPath !== 'object') return undefined;
  const path = kubeconfigPath as Record<string, unknown>;
  return path.pathType === 'host' && typeof path.hostPath === 'string' && path.hostPath.trim()
    ? path.hostPath
    : undefined;
}
