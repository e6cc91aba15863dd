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
    const tasks: Task[] = [];
    let failedTasks = 0;
    let listsNotFound = 0;
    let connectionLost: ClusterProblem | undefined;
    /** Tasks never started / stopped in flight by cancel or the overall deadline. */
    const skipped: string[] = [];
    const stopped: string[] = [];
    const bump = (kind: string, count: number) => {
      result.counts[kind] = (result.counts[kind] ?? 0) + count;
    };
    let objects = 0;

    const readList = async (spec: ListSpec, ns: string | undefined) => {
      const target = { verb: 'list' as const, resource: rbacName(spec), namespace: spec.namespaced ? ns : undefined };
      bump(spec.resource, 0);
      let page = 0;
      const outcome = await listPaged(
        apiTransport,
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
          bump(spec.resource, items.length);
          objects += items.length;
          options.onProgress?.({
            done: doneCount,
            total: tasks.length,
            step: `${target.resource} (page ${++page})`,
            objects,
          });
        },
      );
      return { target, outcome };
    };

    const listTask = (spec: ListSpec, ns: string | undefined): Task => ({
      label: `${rbacName(spec)}${ns ? ` in ${ns}` : ''}`,
      run: async () => {
        let { target, outcome } = await readList(spec, ns);
        // Namespace-scoped RBAC (a Role, not a ClusterRole) forbids the cluster-wide list:
        // read the context's namespace instead, as kubectl users would.
        const forbidden = outcome.problems.find((clusterProblem) => clusterProblem.code === 403);
        if (!ns && spec.namespaced && forbidden && !outcome.items) {
          const fallback = await readList(spec, conn.namespace);
          if (fallback.outcome.complete) {
            fallback.outcome.problems.unshift({
              ...forbidden,
              message: `cannot list ${target.resource} at cluster scope: RBAC forbids (403); read namespace ${conn.namespace} only (the context's namespace) — other namespaces unknown`,
            });
            failedTasks++; // the model still lacks the other namespaces
            ({ target, outcome } = fallback);
          } else if (fallback.outcome.problems.some((clusterProblem) => clusterProblem.code === 403)) {
            forbidden.message += ` (namespace ${conn.namespace} is forbidden too)`;
          } else {
            outcome.problems.push(...fallback.outcome.problems);
          }
        }
        for (const problem of outcome.problems) {
          if (controller.signal.aborted && problem.reason === 'ABORTED')
            stopped.push(
              `${target.resource}${target.namespace ? ` in ${target.namespace}` : ''}${outcome.items ? ` (${outcome.items} read)` : ''}`,
            );
          else report(problem);
        }
        if (!outcome.complete) failedTasks++;
        if (outcome.problems.some((clusterProblem) => clusterProblem.code === 404)) listsNotFound++;
        if (outcome.error && isConnectionFailure(outcome.error))
          connectionLost ??= outcome.problems[outcome.problems.length - 1];
      },
    });

    const configMapTask = (spec: ConfigMapSpec): Task => ({
      label: `configmap ${spec.name}`,
      run: async () => {
        bump('configmaps', 0);
        const outcome = await readNetworkConfigMap(apiTransport, spec, {
          context: result.context,
          signal: controller.signal,
          timeoutMs: settings.requestTimeoutMs,
        });
        if (outcome.facts.length) sink.add(outcome.facts);
        if (outcome.found) bump('configmaps', 1);
        if (outcome.error && controller.signal.aborted) stopped.push(`configmap ${spec.name}`);
        else for (const clusterProblem of outcome.problems) report(clusterProblem);
        if (!outcome.ok) failedTasks++;
        if (outcome.error && isConnectionFailure(outcome.error)) connectionLost ??= outcome.problems[0];
      },
    });

    for (const spec of LISTS) {
      if (!spec.namespaced || !namespaces) tasks.push(listTask(spec, undefined));
      else for (const ns of namespaces) tasks.push(listTask(spec, ns));
    }
    for (const spec of CONFIG_MAPS) tasks.push(configMapTask(spec));

    let next = 0;
    let doneCount = 0;
    const worker = async () => {
      while (next < tasks.length) {
        const task = tasks[next++];
        if (controller.signal.aborted || connectionLost) {
          skipped.push(task.label);
          continue;
        }
        await task.run();
        doneCount++;
        options.onProgress?.({ done: doneCount, total: tasks.length, step: task.label, objects });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, settings.concurrency) }, worker));

    const lists = `${stopped.length ? `; stopped while reading: ${stopped.join(', ')}` : ''}${skipped.length ? `; not read: ${skipped.join(', ')}` : ''}`;
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
    const listTasks = tasks.length - CONFIG_MAPS.length;
    if (listTasks > 0 && listsNotFound === listTasks)
      report({
        severity: 'error',
        code: 404,
        reason: 'NotKubernetesApi',
        message: `every list answered 404 Not Found (${listsNotFound} of ${listTasks}): ${apiTransport.server} does not serve the Kubernetes API at this address (a proxy or a wrong path in the kubeconfig's server URL?); nothing was read`,
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
