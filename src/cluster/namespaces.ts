/** Namespace names for the namespace picker (GET /api/v1/namespaces, paged). */
import { scalarText } from '../model';
import { connect, type ConnectOptions } from './connection';
import type { Json } from './pager';
import { listPaged } from './pager';
import type { ClusterProblem } from './problems';
import { redactSecrets } from './redact';

export interface NamespaceListing {
  context: string;
  names: string[];
  problem?: ClusterProblem;
}

export async function listNamespaceNames(
  options: Omit<ConnectOptions, 'requestTimeoutMs'> & { requestTimeoutMs?: number; signal?: AbortSignal },
): Promise<NamespaceListing> {
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const controller = new AbortController();
  const onCancel = () => controller.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  const deadline = setTimeout(() => controller.abort(), timeoutMs * 2);
  try {
    const conn = await connect({ ...options, requestTimeoutMs: timeoutMs }, controller.signal, () =>
      options.signal?.aborted ? 'cancelled' : 'the deadline passed',
    );
    const clean = (clusterProblem?: ClusterProblem) =>
      clusterProblem && { ...clusterProblem, message: redactSecrets(clusterProblem.message, conn.secrets) };
    if (!conn.ok) return { context: conn.context, names: [], problem: clean(conn.problem) };
    try {
      const names: string[] = [];
      const outcome = await listPaged(
        conn.transport,
        {
          path: '/api/v1/namespaces',
          target: { verb: 'list', resource: 'namespaces' },
          missing: 'pick namespaces by name instead',
        },
        { pageSize: 500, timeoutMs, signal: controller.signal },
        (items: Json[]) => {
          for (const json of items) names.push(scalarText((json.metadata as Json | undefined)?.name));
        },
      );
      return {
        context: conn.context,
        names: names.filter(Boolean).sort(),
        problem: clean(outcome.problems.find((clusterProblem) => clusterProblem.severity !== 'info')),
      };
    } finally {
      conn.transport.close();
    }
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onCancel);
  }
}
