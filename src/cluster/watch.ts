/**
 * Keeping Pods and EndpointSlices current after a pull, with the API's list+watch
 * protocol: LIST (paged) for the state and its resourceVersion, then
 * `GET …?watch=1&resourceVersion=…&allowWatchBookmarks=true` streaming one event per line.
 * BOOKMARK events only move the resourceVersion; `410 Gone` (answer or ERROR event) means
 * the version was compacted away, so the resource is listed again; a dropped stream is
 * reopened from the last version with exponential backoff. GET only, like everything here.
 */
import { scalarText, type Fact } from '../model';
import { connect, type ConnectOptions } from './connection';
import { apiObjectFacts } from './convert';
import { listPaged, type Json } from './pager';
import { httpProblem, isConnectionFailure, statusOf, transportProblem, type ClusterProblem } from './problems';
import { redactSecrets } from './redact';
import { collectionPath, LISTS, rbacName, type ListSpec } from './resources';
import { TransportError, type ApiTransport } from './transport';

export type WatchedResource = 'pods' | 'endpointslices';

export interface WatchChange {
  resource: WatchedResource;
  /** ADDED / MODIFIED / DELETED for one object; RELIST after a 410 re-list (all objects replaced). */
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RELIST';
  /** `namespace/name` of the object (RELIST: the resource). */
  key: string;
  /** Facts of every object currently known for the watched resources. */
  facts(): Fact[];
}

export type WatchStatus =
  | { state: 'listing' | 'watching'; resource: WatchedResource; resourceVersion?: string }
  | { state: 'retrying'; resource: WatchedResource; delayMs: number; attempt: number; problem: ClusterProblem }
  | { state: 'stopped'; resource: WatchedResource; problem?: ClusterProblem };

export interface WatchOptions extends Omit<ConnectOptions, 'requestTimeoutMs'> {
  namespaces?: 'all' | readonly string[];
  resources?: readonly WatchedResource[];
  signal: AbortSignal;
  onChange(change: WatchChange): void;
  onStatus?(status: WatchStatus): void;
  requestTimeoutMs?: number;
  /** Asked of the server per stream (`timeoutSeconds`); the stream then ends and is reopened at once. */
  streamSeconds?: number;
  /** A stream silent for this long is taken as dropped (bookmarks keep a healthy one alive). */
  idleTimeoutMs?: number;
  /** Reconnect delays: initial, doubling up to max; reset after a stream delivers an event. */
  backoff?: { initialMs: number; maxMs: number };
  pageSize?: number;
}

export interface WatchEnd {
  context: string;
  /** Why the watch could not start or stopped for good (undefined when stopped by the caller). */
  problem?: ClusterProblem;
  requests: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

const keyOf = (o: Json) => {
  const m = (o.metadata ?? {}) as Json;
  return `${scalarText(m.namespace)}/${scalarText(m.name)}`;
};

/** Runs until `signal` aborts (or the connection cannot be made); resolves then. */
export async function watchCluster(options: WatchOptions): Promise<WatchEnd> {
  const o = {
    requestTimeoutMs: 15_000,
    streamSeconds: 300,
    idleTimeoutMs: 0,
    backoff: { initialMs: 500, maxMs: 30_000 },
    pageSize: 500,
    resources: ['endpointslices', 'pods'] as const,
    ...options,
  };
  const idleMs = o.idleTimeoutMs || (o.streamSeconds + 60) * 1000;
  const conn = await connect({ ...o, requestTimeoutMs: o.requestTimeoutMs }, o.signal, () => 'cancelled');
  const clean = (p: ClusterProblem): ClusterProblem => ({ ...p, message: redactSecrets(p.message, conn.secrets) });
  if (!conn.ok) return { context: conn.context, problem: conn.problem && clean(conn.problem), requests: 0 };
  const t = conn.transport;
  const context = conn.context;
  /** Current objects' facts per resource and key. */
  const state = new Map<WatchedResource, Map<string, Fact[]>>();
  const allFacts = () => [...state.values()].flatMap((m) => [...m.values()].flat());
  const namespaces = o.namespaces && o.namespaces !== 'all' ? [...o.namespaces] : [undefined];
  try {
    const loops: Promise<ClusterProblem | undefined>[] = [];
    for (const resource of o.resources) {
      const spec = LISTS.find((l) => l.resource === resource)!;
      state.set(resource, new Map());
      for (const ns of namespaces) loops.push(watchOne(t, spec, ns));
    }
    const problems = (await Promise.all(loops)).filter((p): p is ClusterProblem => !!p);
    return { context, problem: o.signal.aborted ? undefined : problems[0], requests: t.requestCount };
  } finally {
    t.close();
  }

  async function watchOne(
    transport: ApiTransport,
    spec: ListSpec,
    ns: string | undefined,
  ): Promise<ClusterProblem | undefined> {
    const resource = spec.resource as WatchedResource;
    const objects = state.get(resource)!;
    const path = collectionPath(spec, ns);
    const target = { verb: 'list' as const, resource: rbacName(spec), namespace: ns };
    const mine = new Set<string>();
    let rv: string | undefined;
    let attempt = 0;
    const retry = async (problem: ClusterProblem) => {
      const delayMs = Math.min(o.backoff.maxMs, o.backoff.initialMs * 2 ** attempt);
      attempt++;
      o.onStatus?.({ state: 'retrying', resource, delayMs, attempt, problem: clean(problem) });
      await sleep(delayMs, o.signal);
    };
    while (!o.signal.aborted) {
      if (rv === undefined) {
        // (Re-)list: the state and the version to watch from.
        o.onStatus?.({ state: 'listing', resource });
        const fresh = new Map<string, Fact[]>();
        const outcome = await listPaged(
          transport,
          path,
          target,
          spec.missing,
          { pageSize: o.pageSize, timeoutMs: o.requestTimeoutMs, signal: o.signal },
          (items) => {
            for (const item of items) fresh.set(keyOf(item), apiObjectFacts(spec.kind, item, context).facts);
          },
        );
        if (o.signal.aborted) return undefined;
        if (!outcome.complete || !outcome.resourceVersion) {
          const problem = outcome.problems.find((p) => p.severity !== 'info') ?? {
            severity: 'warning',
            ...target,
            message: `cannot watch ${target.resource}: the list has no resourceVersion`,
          };
          if (problem.code === 403 || problem.code === 401) {
            o.onStatus?.({ state: 'stopped', resource, problem: clean(problem) });
            return clean(problem);
          }
          await retry(problem);
          continue;
        }
        for (const k of mine) if (!fresh.has(k)) objects.delete(k);
        mine.clear();
        for (const [k, f] of fresh) {
          objects.set(k, f);
          mine.add(k);
        }
        rv = outcome.resourceVersion;
        o.onChange({ resource, type: 'RELIST', key: target.resource, facts: allFacts });
      }
      o.onStatus?.({ state: 'watching', resource, resourceVersion: rv });
      const query = new URLSearchParams({
        watch: '1',
        resourceVersion: rv,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(o.streamSeconds),
      });
      let expired = false;
      let delivered = false;
      try {
        const res = await transport.stream(`${path}?${query.toString()}`, {
          signal: o.signal,
          idleTimeoutMs: idleMs,
          onLine: (line) => {
            const ev = line as { type?: string; object?: Json };
            const obj = ev.object ?? {};
            if (ev.type === 'ERROR') {
              if (statusOf(obj).code === 410) expired = true;
              return;
            }
            const version = (obj.metadata as Json | undefined)?.resourceVersion;
            if (typeof version === 'string') rv = version;
            if (ev.type === 'BOOKMARK') return;
            if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
            delivered = true;
            attempt = 0;
            const key = keyOf(obj);
            if (ev.type === 'DELETED') {
              objects.delete(key);
              mine.delete(key);
            } else {
              objects.set(key, apiObjectFacts(spec.kind, obj, context).facts);
              mine.add(key);
            }
            o.onChange({ resource, type: ev.type, key, facts: allFacts });
          },
        });
        if (expired || res.status === 410) {
          rv = undefined;
          continue;
        }
        if (res.status !== 200) {
          const problem = httpProblem(
            { ...target },
            res.status,
            res.body,
            `${target.resource} are no longer kept current`,
            transport.server,
          );
          if (res.status === 403 || res.status === 401) {
            o.onStatus?.({ state: 'stopped', resource, problem: clean(problem) });
            return clean(problem);
          }
          await retry(problem);
          continue;
        }
        // The server ended the stream (timeoutSeconds): reopen from the last version at once.
        if (delivered) attempt = 0;
      } catch (e) {
        if (o.signal.aborted) return undefined;
        if (expired) {
          rv = undefined;
          continue;
        }
        const problem = transportProblem(target, e, `reconnecting from resourceVersion ${rv}`, transport.server);
        if (e instanceof TransportError && !isConnectionFailure(e) && delivered) attempt = 0;
        await retry(problem);
      }
    }
    o.onStatus?.({ state: 'stopped', resource });
    return undefined;
  }
}
