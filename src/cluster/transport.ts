/**
 * The only way this layer talks to an API server: HTTP GET of a path, JSON back.
 * There is no method parameter, so no code path can write to a cluster. TLS material,
 * tokens, exec plugins and proxies come from @kubernetes/client-node's KubeConfig;
 * the request itself is plain node:https so that every call has a deadline, can be
 * cancelled and has a size cap, and so the body stays the API's wire-format JSON.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';
import type { KubeConfig } from '@kubernetes/client-node';
import { redactUrlCredentials } from './redact';

export interface GetOptions {
  /** Cancels the request (user cancel or the overall deadline). */
  signal?: AbortSignal;
  /** Deadline for the whole request, headers and body. */
  timeoutMs: number;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or the text when the body was not JSON. */
  body: unknown;
  bytes: number;
  /** `Retry-After` in seconds (429 / 503 answers), when given. */
  retryAfter?: number;
}

export interface ApiTransport {
  /** Server URL as configured (for messages). */
  readonly server: string;
  get(path: string, options: GetOptions): Promise<ApiResponse>;
  /**
   * GET of a watch URL: the answer streams one JSON object per line, handed to `onLine`
   * as it arrives. Resolves with the status when the server ends the stream (for a non-200
   * answer `body` is the parsed error); rejects with a TransportError when the stream drops,
   * nothing arrives for `idleTimeoutMs`, or `signal` aborts.
   */
  stream(
    path: string,
    options: { signal?: AbortSignal; idleTimeoutMs: number; onLine(line: unknown): void },
  ): Promise<{ status: number; body?: unknown }>;
  /** Requests sent so far. */
  readonly requestCount: number;
  close(): void;
}

/** A failure below HTTP: connection, TLS, timeout, cancel, oversize body. `code` is Node's code or one of ours. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface TransportOptions {
  /** Largest response body accepted (a page of 500 pods is a few MB). */
  maxResponseBytes?: number;
  userAgent?: string;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/i;

interface RequestGuard {
  /** Ends the request with an error (destroys it). */
  fail(err: TransportError): void;
  /** Runs `fn` (which resolves) unless the request has already ended. */
  finish(fn: () => void): void;
  /** (Re)arms the one timer; when it fires the request fails with `err()`. */
  setTimer(ms: number, err: () => TransportError): void;
  /** Whether the request has ended (a callback may have cancelled it). */
  settled(): boolean;
}

/**
 * One GET request whose promise settles exactly once, whatever ends it first: the answer, a
 * socket error, the caller's cancellation or a timer. `fail` destroys the request. http or
 * https follows the URL's scheme.
 */
function guardedGet<T>(
  url: URL,
  options: http.RequestOptions,
  signal: AbortSignal | undefined,
  start: (req: http.ClientRequest, g: RequestGuard, resolve: (v: T) => void) => void,
): Promise<T> {
  const lib = url.protocol === 'http:' ? http : https;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(new TransportError('cancelled', 'ABORTED'));
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => fail(new TransportError('cancelled', 'ABORTED'));
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const req = lib.request(url, { ...options, method: 'GET' });
    const fail = (err: TransportError) =>
      finish(() => {
        req.destroy();
        reject(err);
      });
    const setTimer = (ms: number, err: () => TransportError) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(err()), ms);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    start(req, { fail, finish, setTimer, settled: () => settled }, resolve);
    req.end();
  });
}

/** Builds a GET-only transport for the kubeconfig's current context (runs its credential plugin, if any, once). */
export async function kubeTransport(kc: KubeConfig, options: TransportOptions = {}): Promise<ApiTransport> {
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new TransportError('The current context has no cluster server URL.', 'NO_SERVER');
  const base = new URL(cluster.server);
  if (base.protocol === 'http:' && !LOOPBACK.test(base.hostname)) {
    throw new TransportError(
      `Refusing plain HTTP to ${base.host}: credentials would travel unencrypted (use https).`,
      'INSECURE',
    );
  }
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  // Our own keep-alive agent (the library makes a fresh one per call); keep its proxy agent when a proxy is configured.
  const agent = cluster.proxyUrl
    ? (opts.agent as http.Agent)
    : base.protocol === 'http:'
      ? new http.Agent({ keepAlive: true, maxSockets: 8 })
      : new https.Agent({
          keepAlive: true,
          maxSockets: 8,
          ca: opts.ca,
          cert: opts.cert,
          key: opts.key,
          pfx: opts.pfx,
          passphrase: opts.passphrase,
          servername: opts.servername,
          ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
        });
  // The API server gzips large answers when asked (lists of thousands of pods shrink ~10x).
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Encoding': 'gzip',
    'User-Agent': options.userAgent ?? 'kube-packet-path (read-only)',
  };
  for (const [name, value] of Object.entries(opts.headers ?? {}))
    if (value !== undefined) headers[name] = String(value);
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
  // The server URL's path without its trailing slashes (a loop: `\/+$` is quadratic on a run of them).
  let prefixEnd = base.pathname.length;
  while (prefixEnd > 0 && base.pathname[prefixEnd - 1] === '/') prefixEnd--;
  const prefix = base.pathname.slice(0, prefixEnd);
  let count = 0;

  return {
    server: redactUrlCredentials(cluster.server),
    get requestCount() {
      return count;
    },
    close: () => agent.destroy(),
    get(path: string, { signal, timeoutMs }: GetOptions): Promise<ApiResponse> {
      count++;
      const url = new URL(base.origin + prefix + path);
      return guardedGet<ApiResponse>(url, { agent, headers }, signal, (req, { fail, finish, setTimer }, resolve) => {
        setTimer(
          timeoutMs,
          () => new TransportError(`no complete answer within ${Math.round(timeoutMs / 100) / 10} s`, 'TIMEOUT'),
        );
        req.on('error', (errnoException: NodeJS.ErrnoException) =>
          fail(
            new TransportError(
              errnoException.message,
              errnoException.code ?? 'ERROR',
              !opts.ca && /CERT|SIGNATURE|SELF_SIGNED/.test(errnoException.code ?? '')
                ? 'the kubeconfig names no certificate-authority, so only the system CAs were trusted'
                : undefined,
            ),
          ),
        );
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('error', (errnoException: NodeJS.ErrnoException) =>
            fail(new TransportError(errnoException.message, errnoException.code ?? 'ECONNRESET')),
          );
          res.on('aborted', () =>
            fail(new TransportError('the server closed the connection mid-response', 'ECONNRESET')),
          );
          // The size cap counts decompressed bytes, so a small gzip bomb cannot fill memory.
          let body: NodeJS.ReadableStream = res;
          if (/gzip/i.test(String(res.headers['content-encoding'] ?? ''))) {
            const gunzip = zlib.createGunzip();
            gunzip.on('error', (errnoException: NodeJS.ErrnoException) =>
              fail(new TransportError(`bad gzip answer: ${errnoException.message}`, 'ECONNRESET')),
            );
            body = res.pipe(gunzip);
          }
          body.on('data', (buffer: Buffer) => {
            bytes += buffer.length;
            if (bytes > maxBytes) fail(new TransportError(`response larger than ${maxBytes} bytes`, 'TOO_LARGE'));
            else chunks.push(buffer);
          });
          body.on('end', () =>
            finish(() => {
              const text = Buffer.concat(chunks).toString('utf8');
              let body: unknown = text;
              if (/json/i.test(String(res.headers['content-type'] ?? '')) || /^\s*[{[]/.test(text)) {
                try {
                  body = JSON.parse(text);
                } catch {
                  body = text;
                }
              }
              const retry = Number(res.headers['retry-after']);
              resolve({
                status: res.statusCode ?? 0,
                body,
                bytes,
                ...(Number.isFinite(retry) && retry >= 0 ? { retryAfter: retry } : {}),
              });
            }),
          );
        });
      });
    },
    stream(path, { signal, idleTimeoutMs, onLine }) {
      count++;
      const url = new URL(base.origin + prefix + path);
      // Watch streams are long-lived: no Accept-Encoding (a gzip stream would hold lines back).
      const { 'Accept-Encoding': _gzip, ...streamHeaders } = headers;
      return guardedGet<{ status: number; body?: unknown }>(
        url,
        { agent, headers: streamHeaders },
        signal,
        (req, requestGuard, resolve) => {
          const { fail, finish } = requestGuard;
          const idle = () =>
            requestGuard.setTimer(
              idleTimeoutMs,
              () =>
                new TransportError(`the watch stream was silent for ${Math.round(idleTimeoutMs / 1000)} s`, 'TIMEOUT'),
            );
          idle();
          req.on('error', (errnoException: NodeJS.ErrnoException) =>
            fail(new TransportError(errnoException.message, errnoException.code ?? 'ERROR')),
          );
          req.on('response', (res) => {
            const status = res.statusCode ?? 0;
            let pending = '';
            let bytes = 0;
            res.setEncoding('utf8');
            res.on('error', (errnoException: NodeJS.ErrnoException) =>
              fail(new TransportError(errnoException.message, errnoException.code ?? 'ECONNRESET')),
            );
            res.on('aborted', () =>
              fail(new TransportError('the server closed the watch stream mid-event', 'ECONNRESET')),
            );
            res.on('data', (chunk: string) => {
              idle();
              if (status !== 200) {
                bytes += chunk.length;
                if (bytes <= 1024 * 1024) pending += chunk;
                return;
              }
              pending += chunk;
              if (pending.length > maxBytes)
                return fail(new TransportError(`watch event larger than ${maxBytes} bytes`, 'TOO_LARGE'));
              let nl: number;
              while ((nl = pending.indexOf('\n')) >= 0) {
                const line = pending.slice(0, nl).trim();
                pending = pending.slice(nl + 1);
                if (!line) continue;
                let event: unknown;
                try {
                  event = JSON.parse(line);
                } catch {
                  return fail(new TransportError('the watch stream sent a line that is not JSON', 'BAD_STREAM'));
                }
                if (typeof event !== 'object' || event === null || Array.isArray(event))
                  return fail(
                    new TransportError(
                      `the watch stream sent a line that is not an event object (${line.slice(0, 40)})`,
                      'BAD_STREAM',
                    ),
                  );
                try {
                  onLine(event);
                } catch (e) {
                  // A callback that throws here would be an uncaught exception: end the stream instead.
                  return fail(
                    new TransportError(`a watch event could not be handled: ${(e as Error).message}`, 'BAD_STREAM'),
                  );
                }
                if (requestGuard.settled()) return;
              }
            });
            res.on('end', () =>
              finish(() => {
                if (status === 200) return resolve({ status });
                let body: unknown = pending;
                try {
                  body = JSON.parse(pending);
                } catch {
                  /* text */
                }
                resolve({ status, body });
              }),
            );
          });
        },
      );
    },
  };
}
