import * as vscode from 'vscode';
import { hostKubeconfigPath, type ExplorerNode } from './explorerNode.pure';

/**
 * The Kubernetes extension (ms-kubernetes-tools.vscode-kubernetes-tools), when installed:
 * its kubeconfig path and context changes (public API `configuration`) and its Cluster
 * Explorer nodes (`clusterexplorer`). Optional: without it everything else works, and
 * package.json has no extensionDependencies. The API is reached the way its helper package
 * does (`exports.get(component, version)` → `{ available, api }`), with local minimal types.
 */
export const KUBERNETES_EXTENSION_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';

type Api<T> = { available: true; api: T } | { available: false; reason: string };
interface ApiBroker {
  get(component: string, version: string): Api<unknown>;
}
interface ConfigurationApi {
  getKubeconfigPath(): unknown;
  /** v1_1 names */
  onDidChangeKubeconfigPath?: vscode.Event<unknown>;
  onDidChangeContext?: vscode.Event<string | null>;
  /** v1 names */
  onDidKubeconfigPathChange?: vscode.Event<unknown>;
  onDidActiveContextChanged?: vscode.Event<string | null>;
}
interface ClusterExplorerApi {
  resolveCommandTarget(target?: unknown): ExplorerNode | undefined;
}

function available<T>(broker: ApiBroker, component: string, versions: string[]): T | undefined {
  for (const version of versions) {
    try {
      const offered = broker.get(component, version);
      if (offered?.available) return offered.api as T;
    } catch {
      /* an older or newer extension: try the next version */
    }
  }
  return undefined;
}

export class KubernetesExtension implements vscode.Disposable {
  private config?: ConfigurationApi;
  private explorer?: ClusterExplorerApi;
  private path?: string;
  private readonly subs: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<'kubeconfig' | 'context'>();
  /** The Kubernetes extension changed its kubeconfig or its current context. */
  readonly onDidChange = this.changed.event;
  private connecting?: Promise<boolean>;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Whether the extension is installed at all (no activation). */
  get installed(): boolean {
    return vscode.extensions.getExtension(KUBERNETES_EXTENSION_ID) !== undefined;
  }

  /** Installed and already activated (connecting then costs nothing extra). */
  get active(): boolean {
    return vscode.extensions.getExtension(KUBERNETES_EXTENSION_ID)?.isActive === true;
  }

  /** Its kubeconfig path once connected (host paths only). */
  kubeconfigPath(): string | undefined {
    return this.path;
  }

  /**
   * Activates the Kubernetes extension (if installed) and subscribes to its changes; resolves
   * false when unavailable.
   */
  connect(): Promise<boolean> {
    this.connecting ??= this.doConnect();
    return this.connecting;
  }

  private async doConnect(): Promise<boolean> {
    const ext = vscode.extensions.getExtension<ApiBroker>(KUBERNETES_EXTENSION_ID);
    if (!ext) return false;
    let broker: ApiBroker | undefined;
    try {
      broker = await ext.activate();
    } catch (e) {
      this.log.warn(`The Kubernetes extension did not activate: ${(e as Error).message}`);
      return false;
    }
    if (!broker || typeof broker.get !== 'function') {
      this.log.warn('The Kubernetes extension exposes no API broker; its kubeconfig is not followed.');
      return false;
    }
    this.config = available<ConfigurationApi>(broker, 'configuration', ['v1_1', 'v1']);
    this.explorer = available<ClusterExplorerApi>(broker, 'clusterexplorer', ['v1_2', 'v1_1', 'v1']);
    if (this.config) {
      this.readPath();
      const onPath = this.config.onDidChangeKubeconfigPath ?? this.config.onDidKubeconfigPathChange;
      const onContext = this.config.onDidChangeContext ?? this.config.onDidActiveContextChanged;
      if (onPath)
        this.subs.push(
          onPath(() => {
            this.readPath();
            this.changed.fire('kubeconfig');
          }),
        );
      if (onContext)
        this.subs.push(
          onContext((newContext) => {
            this.log.info(`The Kubernetes extension switched to context ${newContext ?? '(none)'}`);
            this.changed.fire('context');
          }),
        );
      this.log.info(`Following the Kubernetes extension's kubeconfig: ${this.path ?? '(none)'}`);
    }
    this.changed.fire('kubeconfig');
    return true;
  }

  private readPath(): void {
    try {
      this.path = hostKubeconfigPath(this.config?.getKubeconfigPath());
    } catch {
      this.path = undefined;
    }
  }

  /** A Cluster Explorer command target → its node, through the extension's own resolver. */
  async resolveNode(target: unknown): Promise<ExplorerNode | undefined> {
    await this.connect();
    return this.explorer?.resolveCommandTarget(target);
  }

  dispose(): void {
    for (const subscription of this.subs) subscription.dispose();
    this.changed.dispose();
  }
}
