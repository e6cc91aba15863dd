/**
 * LIST with `limit`/`continue`, one page at a time, handing each page's items to the
 * caller and dropping them, so memory holds one page plus the facts already made.
 * An expired continue token (410 Gone) restarts the list once; objects already
 * delivered from the first pass are skipped so nothing is counted twice.
 */
/** An API object or List as parsed JSON. */
export type Json = Record<string, unknown>;
import { scalarText } from '../model';
import { httpProblem, transportProblem, type ClusterProblem, type Target } from './problems';
import { TransportError, type ApiTransport } from './transport';
import { setTimeout as sleep } from 'node:timers/promises';

/** API Priority and Fairness answers 429 under load: wait as told (capped) and retry a few times. */
const MAX_THROTTLE_RETRIES = 3;
const MAX_RETRY_AFTER_S = 5;

export interface PageOptions {
  pageSize: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Objects read from one list before paging stops (default {@link DEFAULT_LIST_LIMITS}). */
  maxItems?: number;
  /** Response bytes of one list (all its pages) before paging stops. */
  maxBytes?: number;
}

/**
 * Per list: Kubernetes' own scalability limit is 150,000 pods per cluster, and a page of 500
 * pods is a few MB, so a real list stays far below both; a server that keeps sending
 * continue tokens is stopped here instead of filling memory.
 */
const DEFAULT_LIST_LIMITS = { maxItems: 150_000, maxBytes: 512 * 1024 * 1024 };

/** An API object as a List item: a JSON object, not null, a string or an array. */
export function isApiObject(item: unknown): item is Json {
  return typeof item === 'object' && item !== null && !Array.isArray(item);
}

/** A short description of an answer that is not what was expected, for messages. */
export function describeBody(body: unknown): string {
  if (body === null) return 'null';
  if (Array.isArray(body)) return `a JSON array of ${body.length}`;
  if (typeof body === 'object') {
    const json = body as Json;
    const kind = typeof json.kind === 'string' ? ` of kind ${JSON.stringify(json.kind.slice(0, 60))}` : '';
    const keys = Object.keys(json).slice(0, 6).join(', ');
    return `a JSON object${kind} (keys: ${keys || 'none'})`;
  }
  if (typeof body === 'string') {
    const text = body.replace(/\s+/g, ' ').trim();
    return text ? `text starting ${JSON.stringify(text.slice(0, 80))}` : 'an empty body';
  }
  return `a JSON ${typeof body}`;
}

export interface ListOutcome {
  items: number;
  pages: number;
  /** Notes and failures; a failure means the list is incomplete. */
  problems: ClusterProblem[];
  complete: boolean;
  /** The raw error when the list failed below HTTP (for connection-level decisions). */
  error?: unknown;
  /** The List's resourceVersion (of the last pass), where a watch can start. */
  resourceVersion?: string;
}

function keyOf(json: Json): string {
  const metadata = (json.metadata ?? {}) as Record<string, unknown>;
  return `${scalarText(metadata.namespace)}/${scalarText(metadata.name)}`;
}

/** Which list to read: its API path, the target problems name, and what is missing without it. */
export interface ListRequest {
  path: string;
  target: Target;
  missing: string;
}

export async function listPaged(
  transport: ApiTransport,
  list: ListRequest,
  options: PageOptions,
  onItems: (items: Json[]) => void,
): Promise<ListOutcome> {
  const { path, target, missing } = list;
  const out: ListOutcome = { items: 0, pages: 0, problems: [], complete: false };
  const maxItems = options.maxItems ?? DEFAULT_LIST_LIMITS.maxItems;
  const maxBytes = options.maxBytes ?? DEFAULT_LIST_LIMITS.maxBytes;
  let bytes = 0;
  let notObjects = 0;
  const noteNotObjects = () => {
    if (notObjects)
      out.problems.push({
        severity: 'warning',
        ...target,
        code: 200,
        reason: 'BadItem',
        message:
          `${notObjects} item${notObjects === 1 ? '' : 's'} of the ${target.resource} list from ` +
          `${transport.server} ${notObjects === 1 ? 'was' : 'were'} not an object (null or a scalar) and skipped`,
      });
  };
  const seen = new Set<string>();
  let restarted = false;
  let token: string | undefined;
  const tokensUsed = new Set<string>();
  let throttled = 0;
  for (;;) {
    const query = new URLSearchParams({ limit: String(options.pageSize) });
    if (token) query.set('continue', token);
    let res;
    try {
      res = await transport.get(`${path}?${query.toString()}`, {
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    } catch (e) {
      const partial = out.items ? ` (kept the ${out.items} read before)` : '';
      out.problems.push(transportProblem(target, e, missing + partial, transport.server));
      out.error = e;
      return out;
    }
    if (
      (res.status === 429 || (res.status === 503 && res.retryAfter !== undefined)) &&
      throttled < MAX_THROTTLE_RETRIES
    ) {
      const wait = Math.min(res.retryAfter ?? 1, MAX_RETRY_AFTER_S);
      if (throttled++ === 0)
        out.problems.push({
          severity: 'info',
          ...target,
          code: res.status,
          reason: 'TooManyRequests',
          message:
            `the API server throttled the list of ${target.resource} (${res.status}); waited ${wait} s and ` +
            `retried`,
        });
      try {
        await sleep(wait * 1000, undefined, { signal: options.signal });
      } catch {
        out.error = new TransportError('cancelled', 'ABORTED');
        out.problems.push(transportProblem(target, out.error, missing, transport.server));
        return out;
      }
      continue;
    }
    if (res.status === 410 && token && !restarted) {
      restarted = true;
      token = undefined;
      tokensUsed.clear();
      out.problems.push({
        severity: 'info',
        ...target,
        code: 410,
        reason: 'Expired',
        message:
          `the continue token for ${target.resource} expired while paging (410 Gone); restarted the list once ` +
          `— objects may come from two snapshots`,
      });
      continue;
    }
    if (res.status !== 200) {
      const partial = out.items ? ` (kept the ${out.items} read before)` : '';
      out.problems.push(httpProblem(target, res, missing + partial, transport.server));
      return out;
    }
    const body = res.body;
    if (!isApiObject(body) || !Array.isArray(body.items)) {
      noteNotObjects();
      out.problems.push({
        severity: 'warning',
        ...target,
        code: 200,
        reason: 'NotAList',
        message:
          `cannot ${target.verb} ${target.resource}: the answer from ${transport.server} (HTTP 200, ` +
          `${res.bytes} bytes) is not a List but ${describeBody(body)}; ${missing}`,
      });
      return out;
    }
    out.pages++;
    bytes += res.bytes;
    const metadata = isApiObject(body.metadata) ? body.metadata : undefined;
    const rv = metadata?.resourceVersion;
    if (!token && typeof rv === 'string') out.resourceVersion = rv;
    let items = (body.items as unknown[]).filter(isApiObject);
    notObjects += body.items.length - items.length;
    if (restarted) items = items.filter((json) => !seen.has(keyOf(json)));
    for (const item of items) seen.add(keyOf(item));
    out.items += items.length;
    if (items.length) onItems(items);
    const next = metadata?.continue;
    if (typeof next !== 'string' || next === '') {
      noteNotObjects();
      out.complete = true;
      return out;
    }
    if (out.items >= maxItems || bytes >= maxBytes) {
      noteNotObjects();
      out.problems.push({
        severity: 'warning',
        ...target,
        reason: 'ListTooLarge',
        message:
          `stopped listing ${target.resource} from ${transport.server} after ${out.items} objects in ` +
          `${out.pages} pages (${Math.round(bytes / 1024 / 1024)} MiB): the limit per list is ${maxItems} objects or ` +
          `${Math.round(maxBytes / 1024 / 1024)} MiB and the server still had more; ${missing} (the rest of them) — ` +
          `read fewer namespaces`,
      });
      return out;
    }
    if (tokensUsed.has(next)) {
      noteNotObjects();
      out.problems.push({
        severity: 'warning',
        ...target,
        message:
          `the server repeated a continue token for ${target.resource}; stopped paging after ${out.items} ` + `objects`,
      });
      return out;
    }
    tokensUsed.add(next);
    token = next;
  }
}
