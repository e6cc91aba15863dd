/**
 * A loopback HTTPS server that speaks enough of the Kubernetes API wire protocol for
 * the cluster reader and for kubectl: discovery, GET/LIST with limit/continue, bearer
 * tokens, Status bodies for failures, and injectable faults per resource. It records
 * every request so tests can assert that only GET was used.
 *
 * Watch (`?watch=1&resourceVersion=N`): changes made with `upsert`/`remove` get increasing
 * resourceVersions, are kept in a history and streamed as JSON lines (ADDED / MODIFIED /
 * DELETED) to open watches; `bookmark()` sends BOOKMARK events, `compact()` forgets the
 * history so an older resourceVersion gets the API's 410 "too old resource version" ERROR
 * event, `dropWatches()` cuts every open stream, and `timeoutSeconds` ends a stream.
 */
import * as https from 'node:https';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  apiVersionOf,
  discoveryDocument,
  findResource,
  RESOURCES,
  versionDocument,
  type ResourceInfo,
} from './catalog';
import {
  expired,
  forbidden,
  tooOld,
  internalError,
  methodNotAllowed,
  notFound,
  pathNotFound,
  tooManyRequests,
  unauthorized,
} from './status';

export type KubeObject = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; [k: string]: unknown };
};

/** A failure injected for one resource (the plural name, e.g. `endpointslices`). */
export type Fault =
  /** Answer with this HTTP status and the matching Status body (403 RBAC, 500...). Optional filters: a namespace, a name, or only cluster-wide requests. */
  | { type: 'status'; code: number; namespace?: string; name?: string; clusterScope?: boolean; times?: number }
  /** 410 Gone for requests carrying a continue token, `times` times (default: always). */
  | { type: 'expireContinue'; times?: number }
  /** Wait before answering. */
  | { type: 'delay'; ms: number }
  /** Destroy the connection without an answer. */
  | { type: 'reset' }
  /** Send the headers and half the body, then destroy the connection. */
  | { type: 'truncate' }
  /** Never answer (until the server closes). */
  | { type: 'hang' }
  /** Answer 200 with this JSON body (or text, when a string) instead of the List. */
  | { type: 'body'; body: unknown }
  /** Lists carry a `null` among their items (a broken proxy or aggregated API). */
  | { type: 'nullItem' }
  /** Every list page carries a fresh continue token, forever (a server that never finishes). */
  | { type: 'endlessContinue' }
  /** Watch streams start with this raw line (e.g. `null`). */
  | { type: 'watchLine'; line: string }
  /** Every watch is answered with the 410 "too old resource version" ERROR event. */
  | { type: 'watchExpired' }
  /** Every watch stream sends one MODIFIED event of the first object, then the connection drops. */
  | { type: 'watchDropAfterEvent' };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorized: boolean;
  userAgent?: string;
}

export interface FakeApiServerOptions {
  cert: string;
  key: string;
  /** Accepted bearer token; requests without it get 401. */
  token: string;
  /** User name in RBAC messages. */
  user?: string;
  /** Gzip answers over 128 KiB when the client sends Accept-Encoding: gzip, as kube-apiserver does. */
  compress?: boolean;
}

interface WatchEvent {
  rv: number;
  key: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

interface OpenWatch {
  key: string;
  namespace?: string;
  res: ServerResponse;
  socket: Socket;
}

interface Stored {
  info: ResourceInfo;
  /** Sorted by `namespace/name`, as etcd keys are. */
  items: KubeObject[];
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Bytes of list answers as sent (after compression). */
  bytesSent = 0;
  private readonly store = new Map<string, Stored>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly sockets = new Set<Socket>();
  private readonly server: https.Server;
  private resourceVersion = 48213;
  private port = 0;
  /** Ends injected delays when the server closes, so no timer outlives a test. */
  private readonly closing = new AbortController();
  private readonly history: WatchEvent[] = [];
  /** Watches from a resourceVersion below this get 410 Gone (etcd compaction). */
  private compactedBelow = 0;
  private readonly watches = new Set<OpenWatch>();

  constructor(private readonly options: FakeApiServerOptions) {
    this.server = https.createServer({ cert: options.cert, key: options.key }, (req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    for (const info of RESOURCES) this.store.set(this.storeKey(info.group, info.resource), { info, items: [] });
  }

  /** Binds 127.0.0.1 on a free port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private storeKey(group: string, resource: string): string {
    return group ? `${resource}.${group}` : resource;
  }

  /** Replaces the objects of one resource (`pods`, `endpointslices.discovery.k8s.io`, …). Items may be List items or full objects. */
  setObjects(resource: string, items: KubeObject[]): this {
    const stored = this.store.get(resource) ?? [...this.store.values()].find((s) => s.info.resource === resource);
    if (!stored) throw new Error(`fake-apiserver: unknown resource ${resource}`);
    stored.items = items
      .map((o) => {
        const { kind: _k, apiVersion: _a, ...rest } = o;
        return rest;
      })
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    return this;
  }

  private stored(resource: string): Stored {
    const stored = this.store.get(resource) ?? [...this.store.values()].find((x) => x.info.resource === resource);
    if (!stored) throw new Error(`fake-apiserver: unknown resource ${resource}`);
    return stored;
  }

  /** Creates or replaces one object (matched by namespace/name) and streams ADDED/MODIFIED to open watches. Returns its new resourceVersion. */
  upsert(resource: string, object: KubeObject): string {
    const stored = this.stored(resource);
    const { kind: _k, apiVersion: _a, ...rest } = object;
    const rv = ++this.resourceVersion;
    const obj = { ...rest, metadata: { ...rest.metadata, resourceVersion: String(rv) } } as KubeObject;
    const i = stored.items.findIndex((x) => keyOf(x) === keyOf(obj));
    if (i >= 0) stored.items[i] = obj;
    else stored.items = [...stored.items, obj].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    this.emit({
      rv,
      key: this.storeKey(stored.info.group, stored.info.resource),
      type: i >= 0 ? 'MODIFIED' : 'ADDED',
      object: obj,
    });
    return String(rv);
  }

  /** Deletes one object and streams DELETED. */
  remove(resource: string, namespace: string | undefined, name: string): void {
    const stored = this.stored(resource);
    const i = stored.items.findIndex((x) => x.metadata.name === name && x.metadata.namespace === namespace);
    if (i < 0) throw new Error(`fake-apiserver: no ${resource} ${namespace}/${name}`);
    const [gone] = stored.items.splice(i, 1);
    const rv = ++this.resourceVersion;
    this.emit({
      rv,
      key: this.storeKey(stored.info.group, stored.info.resource),
      type: 'DELETED',
      object: { ...gone, metadata: { ...gone.metadata, resourceVersion: String(rv) } },
    });
  }

  /** An object as stored (for tests that change one field). */
  object(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.stored(resource).items.find(
      (x) => x.metadata.name === name && x.metadata.namespace === namespace,
    );
    return found && structuredClone(found);
  }

  /** Forgets the change history: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedBelow = this.resourceVersion;
    this.history.length = 0;
  }

  /** Sends a BOOKMARK (current resourceVersion) on every open watch. */
  bookmark(): void {
    for (const w of this.watches)
      this.writeEvent(w, {
        type: 'BOOKMARK',
        object: {
          kind: this.stored(w.key).info.kind,
          apiVersion: apiVersionOf(this.stored(w.key).info),
          metadata: { resourceVersion: String(this.resourceVersion) },
        },
      });
  }

  /** Cuts every open watch stream (as a load balancer or an API server restart would). */
  dropWatches(): number {
    const n = this.watches.size;
    for (const w of [...this.watches]) w.socket.destroy();
    this.watches.clear();
    return n;
  }

  /** Open watch streams now. */
  get openWatches(): number {
    return this.watches.size;
  }

  private emit(e: WatchEvent): void {
    this.history.push(e);
    const info = this.stored(e.key).info;
    for (const w of this.watches) {
      if (w.key === e.key && (!w.namespace || w.namespace === e.object.metadata.namespace)) {
        this.writeEvent(w, { type: e.type, object: { kind: info.kind, apiVersion: apiVersionOf(info), ...e.object } });
      }
    }
  }

  private writeEvent(w: OpenWatch, event: unknown): void {
    if (!w.res.writableEnded) w.res.write(`${JSON.stringify(event)}\n`);
  }

  private serveWatch(
    req: IncomingMessage,
    res: ServerResponse,
    info: ResourceInfo,
    namespace: string | undefined,
    q: URLSearchParams,
  ): void {
    const key = this.storeKey(info.group, info.resource);
    const from = Number(q.get('resourceVersion') ?? '0');
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    const w: OpenWatch = { key, namespace, res, socket: req.socket };
    const faults = this.faults.get(key) ?? [];
    for (const f of faults) if (f.type === 'watchLine') res.write(`${f.line}\n`);
    if (faults.some((f) => f.type === 'watchExpired')) {
      this.writeEvent(w, { type: 'ERROR', object: tooOld(from, this.resourceVersion + 1) });
      res.end();
      return;
    }
    if (faults.some((f) => f.type === 'watchDropAfterEvent')) {
      const first = this.store.get(key)!.items[0];
      if (first)
        this.writeEvent(w, { type: 'MODIFIED', object: { kind: info.kind, apiVersion: apiVersionOf(info), ...first } });
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    if (from && from < this.compactedBelow) {
      this.writeEvent(w, { type: 'ERROR', object: tooOld(from, this.compactedBelow) });
      res.end();
      return;
    }
    this.watches.add(w);
    const end = () => {
      this.watches.delete(w);
      clearTimeout(timer);
    };
    const seconds = Number(q.get('timeoutSeconds') ?? '0');
    const timer = setTimeout(
      () => {
        end();
        res.end();
      },
      seconds > 0 ? seconds * 1000 : 3_600_000,
    );
    timer.unref();
    res.on('close', end);
    for (const e of this.history) {
      if (e.key === key && e.rv > from && (!namespace || namespace === e.object.metadata.namespace)) {
        this.writeEvent(w, { type: e.type, object: { kind: info.kind, apiVersion: apiVersionOf(info), ...e.object } });
      }
    }
  }

  /** Loads a List document (as `GET /api/v1/pods` returns it) into the matching resource. */
  loadList(list: { kind: string; items: KubeObject[] }): this {
    const kind = list.kind.replace(/List$/, '');
    const info = RESOURCES.find((r) => r.kind === kind);
    if (!info) throw new Error(`fake-apiserver: unknown list kind ${list.kind}`);
    return this.setObjects(this.storeKey(info.group, info.resource), list.items);
  }

  fault(resource: string, fault: Fault): this {
    const list = this.faults.get(resource) ?? [];
    list.push(fault);
    this.faults.set(resource, list);
    return this;
  }

  clearFaults(): this {
    this.faults.clear();
    return this;
  }

  private send(res: ServerResponse, code: number, body: unknown, req?: IncomingMessage): void {
    const text = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Audit-Id': `fake-${this.requests.length}`,
    };
    if (
      this.options.compress &&
      req &&
      /gzip/.test(String(req.headers['accept-encoding'] ?? '')) &&
      text.length > 128 * 1024
    ) {
      const gz = gzipSync(text);
      this.bytesSent += gz.length;
      res.writeHead(code, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': gz.length });
      res.end(gz);
      return;
    }
    this.bytesSent += Buffer.byteLength(text);
    res.writeHead(code, { ...headers, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const authorized = req.headers.authorization === `Bearer ${this.options.token}`;
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorized,
      userAgent: req.headers['user-agent'],
    });
    req.resume();
    if (!authorized) return this.send(res, 401, unauthorized());
    if (req.method !== 'GET') return this.send(res, 405, methodNotAllowed());
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/version') return this.send(res, 200, versionDocument());
    const discovery = discoveryDocument(path, `127.0.0.1:${this.port}`);
    if (discovery) return this.send(res, 200, discovery);
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
    if (!m) return this.send(res, 404, pathNotFound());
    const group = m[2] ?? '';
    const version = m[1] ?? m[3];
    const seg = m[4].split('/').map(decodeURIComponent);
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    if (seg[0] === 'namespaces' && seg.length >= 3) [, namespace, resource, name] = seg;
    else [resource, name] = seg;
    const info = findResource(group, version, resource);
    if (!info || (namespace && !info.namespaced)) return this.send(res, 404, pathNotFound());
    void this.serveResource(req, res, info, namespace, name, url.searchParams);
  }

  private async serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    info: ResourceInfo,
    namespace: string | undefined,
    name: string | undefined,
    q: URLSearchParams,
  ): Promise<void> {
    const key = this.storeKey(info.group, info.resource);
    const token = q.get('continue') ?? undefined;
    for (const f of this.faults.get(key) ?? []) {
      if (
        f.type === 'status' &&
        (!f.namespace || f.namespace === namespace) &&
        (!f.name || f.name === name) &&
        (!f.clusterScope || !namespace) &&
        (f.times === undefined || f.times > 0)
      ) {
        if (f.times !== undefined) f.times--;
        const verb = name ? 'get' : 'list';
        if (f.code === 429) {
          res.setHeader('Retry-After', '1');
          return this.send(res, 429, tooManyRequests(1));
        }
        const body =
          f.code === 403
            ? forbidden(
                this.options.user ?? 'system:serviceaccount:default:reader',
                verb,
                info.resource,
                info.group,
                namespace,
                name,
              )
            : f.code === 404
              ? notFound(info.resource, info.group, name ?? '')
              : f.code === 401
                ? unauthorized()
                : internalError('injected fault');
        return this.send(res, f.code, body);
      }
      if (f.type === 'expireContinue' && token && (f.times === undefined || f.times > 0)) {
        if (f.times !== undefined) f.times--;
        return this.send(res, 410, expired(this.continueToken('', this.resourceVersion + 1)));
      }
      if (f.type === 'delay') {
        try {
          await sleep(f.ms, undefined, { signal: this.closing.signal });
        } catch {
          return;
        }
      }
      if (f.type === 'reset') {
        req.socket.destroy();
        return;
      }
      if (f.type === 'hang') return;
      if (f.type === 'body') {
        if (typeof f.body !== 'string') return this.send(res, 200, f.body);
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(f.body);
        return;
      }
    }
    if (!name && /^(1|true)$/.test(q.get('watch') ?? '')) return this.serveWatch(req, res, info, namespace, q);
    const truncate = (this.faults.get(key) ?? []).some((f) => f.type === 'truncate');
    const items = this.store.get(key)!.items;
    if (name) {
      const found = items.find((o) => o.metadata.name === name && (o.metadata.namespace ?? undefined) === namespace);
      if (!found) return this.send(res, 404, notFound(info.resource, info.group, name));
      return this.send(res, 200, { kind: info.kind, apiVersion: apiVersionOf(info), ...found });
    }
    const scoped = namespace ? items.filter((o) => o.metadata.namespace === namespace) : items;
    let start = 0;
    let rv = String(this.resourceVersion);
    if (token) {
      let decoded: { rv?: number; start?: string };
      try {
        decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      } catch {
        return this.send(res, 400, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'continue key is not valid: illegal base64 data',
          reason: 'BadRequest',
          code: 400,
        });
      }
      const after = (decoded.start ?? '').replace(/\0$/, '');
      start = scoped.findIndex((o) => keyOf(o) > after);
      if (start < 0) start = scoped.length;
      rv = String(decoded.rv ?? rv);
    }
    const limit = Number(q.get('limit') ?? '0');
    const end = limit > 0 ? Math.min(scoped.length, start + limit) : scoped.length;
    const faults = this.faults.get(key) ?? [];
    const endless = faults.some((f) => f.type === 'endlessContinue');
    const page: (KubeObject | null)[] = endless ? scoped.slice(0, limit || scoped.length) : scoped.slice(start, end);
    if (faults.some((f) => f.type === 'nullItem')) page.splice(Math.min(1, page.length), 0, null);
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (endless) {
      metadata.continue = this.continueToken(`${keyOf(scoped[scoped.length - 1])}#${this.requests.length}`, Number(rv));
    } else if (end < scoped.length) {
      metadata.continue = this.continueToken(keyOf(scoped[end - 1]), Number(rv));
      metadata.remainingItemCount = scoped.length - end;
    }
    const body = { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata, items: page };
    if (truncate) {
      const text = JSON.stringify(body);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    this.send(res, 200, body, req);
  }

  /** Same shape as the API server's tokens: base64 of {"v":"meta.k8s.io/v1","rv":…,"start":"<key>\u0000"}. */
  private continueToken(lastKey: string, rv: number): string {
    return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` })).toString('base64');
  }
}
