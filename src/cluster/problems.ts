/**
 * What went wrong while reading a cluster, in words a user can act on: which verb on
 * which resource failed, why, and what is therefore unknown in the model.
 */
import { TransportError } from './transport';

export type Severity = 'error' | 'warning' | 'info';

export interface ClusterProblem {
  severity: Severity;
  /** Plural resource with group, as RBAC names it: `pods`, `endpointslices.discovery.k8s.io`. */
  resource?: string;
  verb?: 'get' | 'list';
  namespace?: string;
  name?: string;
  /** HTTP status, when the API answered. */
  code?: number;
  /** The Status `reason` (Forbidden, NotFound, Expired…) or a transport code (ECONNREFUSED, TIMEOUT…). */
  reason?: string;
  /**
   * The whole sentence, e.g. "cannot list endpointslices.discovery.k8s.io in namespace default: RBAC forbids (403);
   * …".
   */
  message: string;
}

export interface Target {
  verb: 'get' | 'list';
  resource: string;
  namespace?: string;
  name?: string;
}

/** `resource namespace/name`, `resource name`, or the resource alone when no object is named. */
function objectName(target: Target): string {
  if (!target.name) return target.resource;
  return `${target.resource} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

function where(target: Target): string {
  const obj = objectName(target);
  const scope = target.name ? '' : target.namespace ? ` in namespace ${target.namespace}` : ' at cluster scope';
  return `${target.verb} ${obj}${scope}`;
}

/** The `message` of a Kubernetes Status body, when the answer is one. */
export function statusOf(body: unknown): { message?: string; reason?: string; code?: number } {
  if (typeof body !== 'object' || body === null) return {};
  const status = body as Record<string, unknown>;
  if (status.kind !== 'Status') return {};
  return {
    message: typeof status.message === 'string' ? status.message : undefined,
    reason: typeof status.reason === 'string' ? status.reason : undefined,
    code: typeof status.code === 'number' ? status.code : undefined,
  };
}

/** An HTTP error answer → a problem. `missing` says what the model lacks because of it. */
export function httpProblem(
  target: Target,
  answer: { status: number; body?: unknown },
  missing: string,
  server: string,
): ClusterProblem {
  const { status, body } = answer;
  const statusBody = statusOf(body);
  const reason = statusBody.reason ?? String(status);
  const base = {
    resource: target.resource,
    verb: target.verb,
    namespace: target.namespace,
    name: target.name,
    code: status,
    reason,
  };
  switch (status) {
    case 401:
      return {
        ...base,
        severity: 'error',
        message:
          `cannot ${where(target)}: the API server at ${server} rejected the credentials (401 Unauthorized) — ` +
          `the token or client certificate is expired or invalid; refresh the kubeconfig (log in again)`,
      };
    case 403:
      return { ...base, severity: 'warning', message: `cannot ${where(target)}: RBAC forbids (403); ${missing}` };
    case 404:
      // A list that is not found means that resource is missing from the model; a named object
      // that is not found (an optional ConfigMap) is only a note.
      if (target.verb === 'list')
        return {
          ...base,
          severity: 'warning',
          message: `cannot ${where(target)}: not found (404) at ${server}; ${missing}`,
        };
      return {
        ...base,
        severity: 'info',
        message: `${objectName(target)} not found (404); ${missing}`,
      };
    case 410:
      return {
        ...base,
        severity: 'warning',
        message: `cannot ${where(target)}: the list expired twice while paging (410 Gone); ${missing}`,
      };
    default: {
      const detail = statusBody.message ? `: ${statusBody.message}` : '';
      return { ...base, severity: 'warning', message: `cannot ${where(target)}: HTTP ${status}${detail}; ${missing}` };
    }
  }
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Is this failure about the connection as a whole (no point trying other resources)? */
export function isConnectionFailure(error: unknown): boolean {
  return (
    error instanceof TransportError &&
    (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'NO_SERVER', 'INSECURE'].includes(
      error.code,
    ) ||
      TLS_CODES.has(error.code))
  );
}

/** A failure below HTTP → a problem. */
export function transportProblem(
  target: Target | undefined,
  error: unknown,
  missing: string,
  server: string,
): ClusterProblem {
  const code = error instanceof TransportError ? error.code : ((error as NodeJS.ErrnoException)?.code ?? 'ERROR');
  const raw = error instanceof Error ? error.message : String(error);
  const what = target ? `cannot ${where(target)}` : `cannot reach ${server}`;
  const tail = missing ? `; ${missing}` : '';
  const base = {
    resource: target?.resource,
    verb: target?.verb,
    namespace: target?.namespace,
    name: target?.name,
    reason: code,
  };
  let why: string;
  if (code === 'ECONNREFUSED')
    why =
      `the API server at ${server} refused the connection (nothing listens there: is the cluster running, is the ` +
      `address right?)`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    why = `the API server host of ${server} does not resolve (${code})`;
  else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') why = `no route to ${server} (${code})`;
  else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    why = `TLS: the server certificate of ${server} is not valid for that host name (${raw})`;
  else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    why = `TLS: the server certificate of ${server} is outside its validity period (${code})`;
  else if (TLS_CODES.has(code) && error instanceof TransportError && error.hint)
    why =
      `TLS: the server certificate of ${server} is not signed by a trusted certificate authority (${code}): ` +
      `${error.hint}; add the cluster's certificate-authority-data to the kubeconfig`;
  else if (TLS_CODES.has(code))
    why =
      `TLS: the server certificate of ${server} is not signed by the certificate authority in the kubeconfig ` +
      `(${code}); the kubeconfig may belong to another cluster, or the cluster's CA changed`;
  else if (code === 'TIMEOUT') why = `the API server did not answer in time (${raw})`;
  else if (code === 'ABORTED') why = 'cancelled';
  else if (code === 'ECONNRESET' || code === 'EPIPE')
    why = `the connection to ${server} was reset mid-request (${code})`;
  else if (code === 'TOO_LARGE') why = `the answer was too large (${raw})`;
  else why = `${raw} (${code})`;
  return { ...base, severity: 'error', message: `${what}: ${why}${tail}` };
}
