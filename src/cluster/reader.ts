/**
 * Pulls one cluster's network state into the model: nodes, pods, Services,
 * EndpointSlices, workloads and the kube-proxy / Flannel / CoreDNS ConfigMaps.
 * Read-only (GET through `transport.ts`), bounded (per-request and overall deadlines,
 * paged lists), and partial rather than failing: whatever could be read is kept,
 * and every gap is explained in `problems`.
 */
import { ClusterModel, type Fact } from '../model';
import { apiObjectFacts } from './convert';
import { connect } from './connection';
import type { WorkspaceConfinement } from './kubeconfig';
import { listPaged } from './pager';
import { readNetworkConfigMap } from './configMaps';
import { isConnectionFailure, type ClusterProblem } from './problems';
import { redactSecrets } from './redact';
import { CONFIG_MAPS, LISTS, collectionPath, rbacName, type ConfigMapSpec, type ListSpec } from './resources';
import type { ApiTransport } from './transport';

/** Anything that takes facts page by page (a ClusterModel does). */
export interface FactSink {
  add(facts: Fact[]): unknown;
}

export interface PullProgress {
  /** Tasks (lists and ConfigMap reads) finished / planned. */
  done: number;
  total: number;
  /** What was just read, e.g. `pods (page 3)`. */
  step: string;
  objects: number;
}

export interface PullOptions {
  /** From `clusterAccessPolicy(...).kubeconfigPaths`. */
  kubeconfigPaths: readonly string[];
  /** Context to use; the kubeconfig's current context when omitted. */
  context?: string;
  /** `'all'` (default) lists across namespaces; a list reads only those namespaces. */
  namespaces?: 'all' | readonly string[];
  /** From the access policy: false refuses kubeconfig users that need exec/auth-provider plugins. */
  allowCredentialPlugins: boolean;
  /** From the access policy (`workspaceConfinement(decision)`): files a workspace kubeconfig may name. */
  workspace?: WorkspaceConfinement;
  /** Where facts go; a fresh ClusterModel when omitted. */
  sink?: FactSink;
  pageSize?: number;
  requestTimeoutMs?: number;
  overallTimeoutMs?: number;
  /** Largest response body accepted per request (default 64 MiB; a page of 500 pods is a few MB). */
  maxResponseBytes?: number;
  /** Objects and response bytes per list before paging stops (defaults: `DEFAULT_LIST_LIMITS`). */
  maxListItems?: number;
  maxListBytes?: number;
  /** Lists in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
}

export interface PullResult {
  context: string;
  server?: string;
  /** The sink (or the ClusterModel created for this pull). */
  sink: FactSink;
  problems: ClusterProblem[];
  /** Objects read per resource (`pods`, `configmaps`…). */
  counts: Record<string, number>;
  requests: number;
  /** Every planned read succeeded (404s of optional ConfigMaps count as success). */
  complete: boolean;
  cancelled: boolean;
}

const DEFAULTS = { pageSize: 500, requestTimeoutMs: 15_000, overallTimeoutMs: 120_000, concurrency: 4 };

interface Task {
  label: string;
  run(): Promise<void>;
}

type Settings = typeof DEFAULTS & PullOptions;

/** What the reads of one pull share: where facts and problems go, and the signal that stops them. */
interface PullContext {
  settings: Settings;
  result: PullResult;
  sink: FactSink;
  controller: AbortController;
  transport: ApiTransport;
  /** The context's namespace: read instead when RBAC forbids a cluster-wide list. */
  namespace: string;
  report(problem: ClusterProblem): void;
}

/** The lists and ConfigMaps of one pull, read a few at a time, and what their outcomes say. */
class PullTasks {
  readonly tasks: Task[] = [];
  failedTasks = 0;
  listsNotFound = 0;
  connectionLost: ClusterProblem | undefined;
  /** Tasks never started / stopped in flight by cancel or the overall deadline. */
  readonly skipped: string[] = [];
  readonly stopped: string[] = [];
  private objects = 0;
  private doneCount = 0;

  constructor(private readonly pull: PullContext) {}

  private bump(kind: string, count: number): void {
    const counts = this.pull.result.counts;
    counts[kind] = (counts[kind] ?? 0) + count;
  }

  private progress(step: string): void {
    this.pull.settings.onProgress?.({ done: this.doneCount, total: this.tasks.length, step, objects: this.objects });
  }

  private async readList(spec: ListSpec, ns: string | undefined) {
    const { settings, result, sink, controller, transport } = this.pull;
    const target = { verb: 'list' as const, resource: rbacName(spec), namespace: spec.namespaced ? ns : undefined };
    this.bump(spec.resource, 0);
    let page = 0;
    const outcome = await listPaged(
      transport,
      { path: collectionPath(spec, spec.namespaced ? ns : undefined), target, missing: spec.missing },
      {
        pageSize: settings.pageSize,
        timeoutMs: settings.requestTimeoutMs,
        signal: controller.signal,
        maxItems: settings.maxListItems,
        maxBytes: settings.maxListBytes,
      },
      (items) => {
        const facts: Fact[] = [];
        for (const item of items) facts.push(...apiObjectFacts(spec.kind, item, result.context).facts);
        sink.add(facts);
        this.bump(spec.resource, items.length);
        this.objects += items.length;
        this.progress(`${target.resource} (page ${++page})`);
      },
    );
    return { target, outcome };
  }

  /** Lists `spec` in `ns` (all namespaces when undefined). */
  addList(spec: ListSpec, ns: string | undefined): void {
    this.tasks.push({
      label: `${rbacName(spec)}${ns ? ` in ${ns}` : ''}`,
      run: async () => {
        const { controller, namespace, report } = this.pull;
        let { target, outcome } = await this.readList(spec, ns);
        // Namespace-scoped RBAC (a Role, not a ClusterRole) forbids the cluster-wide list:
        // read the context's namespace instead, as kubectl users would.
        const forbidden = outcome.problems.find((clusterProblem) => clusterProblem.code === 403);
        if (!ns && spec.namespaced && forbidden && !outcome.items) {
          const fallback = await this.readList(spec, namespace);
          if (fallback.outcome.complete) {
            fallback.outcome.problems.unshift({
              ...forbidden,
              message:
                `cannot list ${target.resource} at cluster scope: RBAC forbids (403); read namespace ` +
                `${namespace} only (the context's namespace) — other namespaces unknown`,
            });
            this.failedTasks++; // the model still lacks the other namespaces
            ({ target, outcome } = fallback);
          } else if (fallback.outcome.problems.some((clusterProblem) => clusterProblem.code === 403)) {
            forbidden.message += ` (namespace ${namespace} is forbidden too)`;
          } else {
            outcome.problems.push(...fallback.outcome.problems);
          }
        }
        for (const problem of outcome.problems) {
          if (controller.signal.aborted && problem.reason === 'ABORTED')
            this.stopped.push(
              target.resource +
                (target.namespace ? ` in ${target.namespace}` : '') +
                (outcome.items ? ` (${outcome.items} read)` : ''),
            );
          else report(problem);
        }
        if (!outcome.complete) this.failedTasks++;
        if (outcome.problems.some((clusterProblem) => clusterProblem.code === 404)) this.listsNotFound++;
        if (outcome.error && isConnectionFailure(outcome.error))
          this.connectionLost ??= outcome.problems[outcome.problems.length - 1];
      },
    });
  }

  /** Reads the network ConfigMap `spec` names. */
  addConfigMap(spec: ConfigMapSpec): void {
    this.tasks.push({
      label: `configmap ${spec.name}`,
      run: async () => {
        const { settings, result, sink, controller, transport, report } = this.pull;
        this.bump('configmaps', 0);
        const outcome = await readNetworkConfigMap(transport, spec, {
          context: result.context,
          signal: controller.signal,
          timeoutMs: settings.requestTimeoutMs,
        });
        if (outcome.facts.length) sink.add(outcome.facts);
        if (outcome.found) this.bump('configmaps', 1);
        if (outcome.error && controller.signal.aborted) this.stopped.push(`configmap ${spec.name}`);
        else for (const clusterProblem of outcome.problems) report(clusterProblem);
        if (!outcome.ok) this.failedTasks++;
        if (outcome.error && isConnectionFailure(outcome.error)) this.connectionLost ??= outcome.problems[0];
      },
    });
  }

  /** Runs the tasks, `concurrency` at a time; once aborted or the connection is lost, the rest are skipped. */
  async runAll(concurrency: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.tasks.length) {
        const task = this.tasks[next++];
        if (this.pull.controller.signal.aborted || this.connectionLost) {
          this.skipped.push(task.label);
          continue;
        }
        await task.run();
        this.doneCount++;
        this.progress(task.label);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  }
}

export async function pullCluster(options: PullOptions): Promise<PullResult> {
  const settings = { ...DEFAULTS, ...options };
  const sink = options.sink ?? new ClusterModel();
  const result: PullResult = {
    context: options.context ?? '',
    sink,
    problems: [],
    counts: {},
    requests: 0,
    complete: false,
    cancelled: false,
  };
  let secrets: string[] = [];
  const report = (clusterProblem: ClusterProblem) =>
    result.problems.push({ ...clusterProblem, message: redactSecrets(clusterProblem.message, secrets) });

  // 1. Deadlines: the caller's cancel and our overall timeout abort everything in flight.
  const controller = new AbortController();
  let timedOut = false;
  const overall = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, settings.overallTimeoutMs);
  const onCancel = () => {
    result.cancelled = true;
    controller.abort();
  };
  options.signal?.addEventListener('abort', onCancel, { once: true });
  if (options.signal?.aborted) onCancel();

  let transport: ApiTransport | undefined;
  try {
    // 2. Kubeconfig, context, credentials and a preflight GET.
    const conn = await connect(settings, controller.signal, () =>
      result.cancelled ? 'cancelled' : `the overall deadline of ${settings.overallTimeoutMs / 1000} s passed`,
    );
    result.context = conn.context;
    secrets = conn.secrets;
    if (!conn.ok) {
      if (conn.problem) report(conn.problem);
      return result;
    }
    transport = conn.transport;
    result.server = transport.server;
    for (const note of conn.notes) report(note);
    const apiTransport = transport;

    // 4. The reads, a few at a time.
    const namespaces = options.namespaces && options.namespaces !== 'all' ? [...options.namespaces] : undefined;
    const run = new PullTasks({
      settings,
      result,
      sink,
      controller,
      transport: apiTransport,
      namespace: conn.namespace,
      report,
    });
    for (const spec of LISTS) {
      if (!spec.namespaced || !namespaces) run.addList(spec, undefined);
      else for (const ns of namespaces) run.addList(spec, ns);
    }
    for (const spec of CONFIG_MAPS) run.addConfigMap(spec);
    await run.runAll(settings.concurrency);
    const { skipped, stopped, listsNotFound, failedTasks } = run;

    const lists =
      (stopped.length ? `; stopped while reading: ${stopped.join(', ')}` : '') +
      (skipped.length ? `; not read: ${skipped.join(', ')}` : '');
    if (timedOut) {
      report({
        severity: 'error',
        reason: 'Timeout',
        message: `the overall deadline of ${settings.overallTimeoutMs / 1000} s passed${lists}; what was read is kept`,
      });
    } else if (result.cancelled) {
      report({ severity: 'info', reason: 'Cancelled', message: `cancelled${lists}; what was read is kept` });
    } else if (skipped.length) {
      report({
        severity: 'error',
        reason: 'ConnectionLost',
        message: `not read because the connection to the API server failed: ${skipped.join(', ')}`,
      });
    }
    const listTasks = run.tasks.length - CONFIG_MAPS.length;
    if (listTasks > 0 && listsNotFound === listTasks)
      report({
        severity: 'error',
        code: 404,
        reason: 'NotKubernetesApi',
        message:
          `every list answered 404 Not Found (${listsNotFound} of ${listTasks}): ${apiTransport.server} does ` +
          `not serve the Kubernetes API at this address (a proxy or a wrong path in the kubeconfig's server URL?); ` +
          `nothing was read`,
      });
    result.complete = failedTasks === 0 && skipped.length === 0 && !result.cancelled && !timedOut;
    return result;
  } finally {
    clearTimeout(overall);
    options.signal?.removeEventListener('abort', onCancel);
    result.requests = transport?.requestCount ?? 0;
    transport?.close();
  }
}
