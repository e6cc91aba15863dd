/**
 * `Status` bodies exactly as kube-apiserver writes them for failures (field order and
 * wording follow k8s.io/apimachinery/pkg/api/errors).
 */

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

const status = (
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): StatusBody => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata,
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

export const unauthorized = () => status(401, 'Unauthorized', 'Unauthorized');

export function forbidden(
  user: string,
  verb: string,
  resource: string,
  group: string,
  namespace?: string,
  name?: string,
): StatusBody {
  const qualified = group ? `${resource}.${group}` : resource;
  const subject = name ? `${qualified} "${name}"` : qualified;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  return status(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`,
    { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource },
  );
}

export function notFound(resource: string, group: string, name: string): StatusBody {
  const qualified = group ? `${resource}.${group}` : resource;
  return status(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export const pathNotFound = () => status(404, 'NotFound', 'the server could not find the requested resource', {});

export const expired = (inconsistentContinue: string) =>
  status(
    410,
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    undefined,
    { continue: inconsistentContinue },
  );

export const methodNotAllowed = () =>
  status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});

export const internalError = (message: string) =>
  status(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

export const tooManyRequests = (retryAfterSeconds: number) =>
  status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });

/** The ERROR event's object when a watch starts below the compacted revision. */
export const tooOld = (requested: number, oldest: number) =>
  status(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
