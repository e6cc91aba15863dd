import * as vscode from 'vscode';
import { withPredictedPods } from '../../flow/predictPods';
import { namespaceOf, type Evidence, type Pod, type Service } from '../../model';
import type { ConnectionSummary } from '../../flow/types';
import type { WorkspaceModel } from '../workspace/workspaceModel';
import { lastTracedConnections, onDidTrace, readTracedConnections, type TracedConnections } from './runTrace';

/**
 * The "Kube Packet Path" view in the Explorer: the Services and pods the workspace model knows
 * (files, open documents and the last cluster read; pods the workloads predict say so), grouped
 * by namespace, each with its Trace action, then the connections the last trace found (each
 * opens its own flow). An element is the object reference the trace
 * commands take from a CodeLens (`{ kind, name, namespace, uri }`), so the menus pass it on as is.
 */

interface ObjectNode {
  kind: 'Service' | 'Pod';
  name: string;
  namespace: string;
  uri?: string;
  description: string;
  tooltip: string;
  predicted?: boolean;
}
interface GroupNode {
  group: 'Service' | 'Pod';
  namespace: string;
  children: ObjectNode[];
}
/** A connection the last trace found; its Trace action (and a click) opens that connection's flow. */
interface ConnectionNode {
  kind: 'Connection';
  from: string;
  to: string;
  number: number;
  label: string;
  description: string;
  tooltip: string;
}
interface ConnectionGroupNode {
  group: 'Connection';
  title: string;
  children: ConnectionNode[];
}
type Node = GroupNode | ObjectNode | ConnectionGroupNode | ConnectionNode;

/** Where a fact was read, in words: the file, the cluster context, or a derivation. */
function origin(evidence: readonly Evidence[]): string {
  const sources = [
    ...new Set(
      evidence.map(({ source, uri }) =>
        source === 'cluster'
          ? vscode.l10n.t('cluster {0}', uri.replace(/^cluster:\/\/([^/]*)\/.*$/, '$1'))
          : uri.startsWith('file:') || uri.startsWith('/')
            ? vscode.workspace.asRelativePath(vscode.Uri.parse(uri.startsWith('/') ? `file://${uri}` : uri))
            : uri,
      ),
    ),
  ];
  return sources.slice(0, 3).join(', ') + (sources.length > 3 ? ` (+${sources.length - 3})` : '');
}

/** A file the object is declared in (the trace commands prefer that folder's logs). */
const fileOf = (evidence: readonly Evidence[]) => evidence.find(({ uri }) => /^file:/.test(uri))?.uri;

function serviceNode(service: Service): ObjectNode {
  const port = service.ports.map((servicePort) => `${servicePort.port}/${servicePort.protocol}`).join(', ');
  const address = service.clusterIP === 'None' ? vscode.l10n.t('headless') : (service.clusterIP ?? '');
  return {
    kind: 'Service',
    name: service.name,
    namespace: namespaceOf(service),
    uri: fileOf(service.evidence),
    description: [address, port].filter(Boolean).join(' · '),
    tooltip: vscode.l10n.t(
      'Service {0}/{1}, read from {2}',
      namespaceOf(service),
      service.name,
      origin(service.evidence),
    ),
  };
}

function podNode(pod: Pod): ObjectNode {
  return {
    kind: 'Pod',
    name: pod.name,
    namespace: namespaceOf(pod),
    uri: fileOf(pod.evidence),
    predicted: pod.predicted,
    description: pod.predicted
      ? vscode.l10n.t('predicted from {0} {1}', pod.owner?.kind ?? '', pod.owner?.name ?? '')
      : (pod.ip ?? ''),
    tooltip: pod.predicted
      ? vscode.l10n.t('Pod {0}/{1}: not seen, predicted from its workload', namespaceOf(pod), pod.name)
      : vscode.l10n.t('Pod {0}/{1}, read from {2}', namespaceOf(pod), pod.name, origin(pod.evidence)),
  };
}

function groups(kind: 'Service' | 'Pod', nodes: ObjectNode[]): GroupNode[] {
  const namespaces = [...new Set(nodes.map((node) => node.namespace))].sort();
  return namespaces.map((namespace) => ({
    group: kind,
    namespace,
    children: nodes
      .filter((node) => node.namespace === namespace)
      .sort((first, second) => first.name.localeCompare(second.name)),
  }));
}

/** One row per connection: client → where it was sent, how it ended (and where NAT sent it). */
function connectionNode(traced: TracedConnections, connection: ConnectionSummary): ConnectionNode {
  const where = connection.translated ? ` → ${connection.translated}` : '';
  return {
    kind: 'Connection',
    from: traced.from,
    to: traced.to,
    number: connection.number,
    label: `${connection.client} → ${connection.original}`,
    description: `${connection.outcome}${where}`,
    tooltip: vscode.l10n.t(
      'Connection {0} ({1}): {2}; {3} capture lines, seen on {4}',
      connection.number,
      connection.protocol,
      connection.forms.join(', '),
      connection.packets,
      connection.nodes.join(', ') || '?',
    ),
  };
}

function connectionGroups(traced: TracedConnections | undefined): ConnectionGroupNode[] {
  if (!traced?.connections.length) return [];
  const title = vscode.l10n.t('Connections of the last trace, {0} → {1}', traced.from, traced.to);
  return [
    {
      group: 'Connection',
      title,
      children: traced.connections.map((connection) => connectionNode(traced, connection)),
    },
  ];
}

function groupItem(node: GroupNode | ConnectionGroupNode): vscode.TreeItem {
  const label =
    node.group === 'Connection'
      ? node.title
      : node.group === 'Service'
        ? vscode.l10n.t('Services in {0}', node.namespace)
        : vscode.l10n.t('Pods in {0}', node.namespace);
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
  item.description = String(node.children.length);
  item.contextValue = 'kubePacketPath.group';
  return item;
}

function connectionItem(node: ConnectionNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.description = node.description;
  item.tooltip = node.tooltip;
  item.iconPath = new vscode.ThemeIcon('arrow-swap');
  item.contextValue = 'kubePacketPath.connection';
  const args = { from: node.from, to: node.to, number: node.number };
  item.command = { command: 'kubePacketPath.trace.connection', title: node.label, arguments: [args] };
  return item;
}

function objectItem(node: ObjectNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
  item.description = node.description;
  item.tooltip = node.tooltip;
  item.iconPath = new vscode.ThemeIcon(
    node.kind === 'Service' ? 'symbol-interface' : node.predicted ? 'circle-outline' : 'vm',
  );
  item.contextValue = node.kind === 'Service' ? 'kubePacketPath.service' : 'kubePacketPath.pod';
  return item;
}

class ModelTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly workspace: WorkspaceModel) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return 'group' in node ? node.children : [];
    const model = withPredictedPods(await this.workspace.getModel());
    // a large trace's list is read a slice per turn, not at once
    await readTracedConnections();
    return [
      ...groups('Service', model.services.map(serviceNode)),
      ...groups('Pod', model.pods.filter((pod) => !pod.hostNetwork).map(podNode)),
      ...connectionGroups(lastTracedConnections()),
    ];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if ('group' in node) return groupItem(node);
    return node.kind === 'Connection' ? connectionItem(node) : objectItem(node);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * The view's tree on the workspace model. The activation bundle creates the view (id
 * `kubePacketPath.model`) with a stand-in that hands its calls to this tree once loaded.
 */
export function createModelTree(workspace: WorkspaceModel): {
  tree: vscode.TreeDataProvider<unknown>;
  disposable: vscode.Disposable;
} {
  const tree = new ModelTree(workspace);
  // The model changes with every edit of an open document: refresh once things settle.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const disposable = vscode.Disposable.from(
    tree,
    workspace.onDidChange(() => {
      clearTimeout(timer);
      timer = setTimeout(() => tree.refresh(), 500);
    }),
    onDidTrace(() => tree.refresh()),
    { dispose: () => clearTimeout(timer) },
  );
  return { tree, disposable };
}
