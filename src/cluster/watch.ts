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
import { httpProblem, statusOf, transportProblem, type ClusterProblem } from './problems';
import { redactSecrets } from './redact';
import { collectionPath, LISTS, rbacName, type ListSpec } from './resources';
import type { ApiTransport } from './transport';

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
  /**
   * Delays before a re-list or a reconnect: initial, doubling up to max, each shortened by up
   * to `jitter` (0–1, default 0.5) at random so many clients do not come back in step. The
   * first re-list after a 410 is immediate. Failures are counted until a stream stays open
   * `resetAfterMs`; after `maxFailures` in a row the resource stops and says so.
   */
  backoff?: { initialMs: number; maxMs: number; jitter?: number; resetAfterMs?: number; maxFailures?: number };
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
    const timeout = setTimeout(done, ms);
    function done() {
      clearTimeout(timeout);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** 0.5 s doubling to 30 s; ten failures in a row (about three minutes) stop the resource. */
const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000, jitter: 0.5, resetAfterMs: 10_000, maxFailures: 10 };

const keyOf = (json: Json) => {
  const metadata = (json.metadata ?? {}) as Json;
  return `${scalarText(metadata.namespace)}/${scalarText(metadata.name)}`;
};

/** Runs until `signal` aborts (or the connection cannot be made); resolves then. */
export async function watchCluster(options: WatchOptions): Promise<WatchEnd> {
  const settings = {
    requestTimeoutMs: 15_000,
    streamSeconds: 300,
    idleTimeoutMs: 0,
    pageSize: 500,
    resources: ['endpointslices', 'pods'] as const,
    ...options,
  };
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const idleMs = settings.idleTimeoutMs || (settings.streamSeconds + 60) * 1000;
  const conn = await connect(
    { ...settings, requestTimeoutMs: settings.requestTimeoutMs },
    settings.signal,
    () => 'cancelled',
  );
  const clean = (clusterProblem: ClusterProblem): ClusterProblem => ({
    ...clusterProblem,
    message: redactSecrets(clusterProblem.message, conn.secrets),
  });
  if (!conn.ok) return { context: conn.context, problem: conn.problem && clean(conn.problem), requests: 0 };
  const apiTransport = conn.transport;
  const context = conn.context;
  /** Current objects' facts per resource and key. */
  const state = new Map<WatchedResource, Map<string, Fact[]>>();
  const allFacts = () => [...state.values()].flatMap((byKind) => [...byKind.values()].flat());
  const namespaces = settings.namespaces && settings.namespaces !== 'all' ? [...settings.namespaces] : [undefined];
  try {
    const loops: Promise<ClusterProblem | undefined>[] = [];
    for (const resource of settings.resources) {
      const spec = LISTS.find((listSpec) => listSpec.resource === resource)!;
      state.set(resource, new Map());
      for (const ns of namespaces) loops.push(watchOne(apiTransport, spec, ns));
    }
    const problems = (await Promise.all(loops)).filter(
      (clusterProblem): clusterProblem is ClusterProblem => !!clusterProblem,
    );
    return { context, problem: settings.signal.aborted ? undefined : problems[0], requests: apiTransport.requestCount };
  } finally {
    apiTransport.close();
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
    /** Failures in a row (lists, streams, 410s) since the last healthy stream. */
    let failures = 0;
    /** Counts a failure and waits; resolves false when the resource must stop. */
    const retry = async (problem: ClusterProblem, immediateFirst = false): Promise<boolean> => {
      failures++;
      if (failures >= backoff.maxFailures) return false;
      const step = immediateFirst ? failures - 2 : failures - 1;
      const full = step < 0 ? 0 : Math.min(backoff.maxMs, backoff.initialMs * 2 ** step);
      const delayMs = Math.round(full * (1 - backoff.jitter * Math.random()));
      settings.onStatus?.({ state: 'retrying', resource, delayMs, attempt: failures, problem: clean(problem) });
      if (delayMs > 0) await sleep(delayMs, settings.signal);
      return true;
    };
    const stop = (problem: ClusterProblem): ClusterProblem => {
      const final = clean(problem);
      settings.onStatus?.({ state: 'stopped', resource, problem: final });
      return final;
    };
    const giveUp = (problem: ClusterProblem): ClusterProblem =>
      stop({
        ...problem,
        severity: 'error',
        message:
          `stopped keeping ${target.resource} current after ${failures} failed attempts in a row (last: ` +
          `${problem.message})`,
      });
    while (!settings.signal.aborted) {
      if (rv === undefined) {
        // (Re-)list: the state and the version to watch from.
        settings.onStatus?.({ state: 'listing', resource });
        const fresh = new Map<string, Fact[]>();
        const outcome = await listPaged(
          transport,
          { path, target, missing: spec.missing },
          { pageSize: settings.pageSize, timeoutMs: settings.requestTimeoutMs, signal: settings.signal },
          (items) => {
            for (const item of items) fresh.set(keyOf(item), apiObjectFacts(spec.kind, item, context).facts);
          },
        );
        if (settings.signal.aborted) return undefined;
        if (!outcome.complete || !outcome.resourceVersion) {
          const problem = outcome.problems.find((clusterProblem) => clusterProblem.severity !== 'info') ?? {
            severity: 'warning',
            ...target,
            message: `cannot watch ${target.resource}: the list has no resourceVersion`,
          };
          if (problem.code === 403 || problem.code === 401) return stop(problem);
          if (!(await retry(problem))) return giveUp(problem);
          continue;
        }
        for (const key of mine) if (!fresh.has(key)) objects.delete(key);
        mine.clear();
        for (const [key, fact] of fresh) {
          objects.set(key, fact);
          mine.add(key);
        }
        rv = outcome.resourceVersion;
        settings.onChange({ resource, type: 'RELIST', key: target.resource, facts: allFacts });
      }
      settings.onStatus?.({ state: 'watching', resource, resourceVersion: rv });
      const query = new URLSearchParams({
        watch: '1',
        resourceVersion: rv,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(settings.streamSeconds),
      });
      let expired = false;
      const openedAt = Date.now();
      /** A stream that stayed open long enough ends the run of failures. */
      const healthy = () => {
        if (Date.now() - openedAt >= backoff.resetAfterMs) failures = 0;
      };
      const gone: ClusterProblem = {
        severity: 'warning',
        ...target,
        code: 410,
        reason: 'Expired',
        message: `the watch of ${target.resource} from resourceVersion ${rv} expired (410 Gone); listing again`,
      };
      try {
        const res = await transport.stream(`${path}?${query.toString()}`, {
          signal: settings.signal,
          idleTimeoutMs: idleMs,
          onLine: (line) => {
            const ev = line as { type?: unknown; object?: unknown };
            const obj: Json = ev.object && typeof ev.object === 'object' ? (ev.object as Json) : {};
            if (ev.type === 'ERROR') {
              if (statusOf(obj).code === 410) expired = true;
              return;
            }
            const meta = obj.metadata && typeof obj.metadata === 'object' ? (obj.metadata as Json) : {};
            if (typeof meta.resourceVersion === 'string') rv = meta.resourceVersion;
            if (ev.type === 'BOOKMARK') return;
            if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
            const key = keyOf(obj);
            if (ev.type === 'DELETED') {
              objects.delete(key);
              mine.delete(key);
            } else {
              objects.set(key, apiObjectFacts(spec.kind, obj, context).facts);
              mine.add(key);
            }
            settings.onChange({ resource, type: ev.type, key, facts: allFacts });
          },
        });
        healthy();
        if (expired || res.status === 410) {
          rv = undefined;
          if (!(await retry(gone, true))) return giveUp(gone);
          continue;
        }
        if (res.status !== 200) {
          const problem = httpProblem(
            { ...target },
            res,
            `${target.resource} are no longer kept current`,
            transport.server,
          );
          if (res.status === 403 || res.status === 401) return stop(problem);
          if (!(await retry(problem))) return giveUp(problem);
          continue;
        }
        // The server ended the stream (timeoutSeconds): reopen from the last version, at once
        // after a healthy stream, with backoff when streams keep ending early.
        if (failures > 0 || Date.now() - openedAt < backoff.resetAfterMs) {
          const short: ClusterProblem = {
            severity: 'warning',
            ...target,
            message:
              `the server ended the watch of ${target.resource} after ` +
              `${Math.round((Date.now() - openedAt) / 100) / 10} s`,
          };
          if (!(await retry(short))) return giveUp(short);
        }
      } catch (e) {
        if (settings.signal.aborted) return undefined;
        healthy();
        if (expired) {
          rv = undefined;
          if (!(await retry(gone, true))) return giveUp(gone);
          continue;
        }
        const problem = transportProblem(target, e, `reconnecting from resourceVersion ${rv}`, transport.server);
        if (!(await retry(problem))) return giveUp(problem);
      }
    }
    settings.onStatus?.({ state: 'stopped', resource });
    return undefined;
  }
}
