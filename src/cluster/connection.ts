/**
 * Opening a read-only connection: kubeconfig → context → credential-plugin guard →
 * GET-only transport → one preflight GET. Every failure becomes one ClusterProblem.
 */
import {
  credentialPlugin,
  crossOriginCredentials,
  KubeconfigError,
  loadKubeConfig,
  secretsOf,
  useContext,
  type WorkspaceConfinement,
} from './kubeconfig';
import { httpProblem, transportProblem, type ClusterProblem } from './problems';
import { kubeTransport, TransportError, type ApiTransport } from './transport';

export interface ConnectOptions {
  kubeconfigPaths: readonly string[];
  context?: string;
  allowCredentialPlugins: boolean;
  /**
   * From the access policy (`workspaceProvided`, `workspaceFolders`): a workspace-provided
   * kubeconfig that names a file outside these folders is refused before anything reads it.
   */
  workspace?: WorkspaceConfinement;
  requestTimeoutMs: number;
  /** Largest response body accepted per request. */
  maxResponseBytes?: number;
}

export type Connection =
  /** `namespace`: the context's namespace, or `default` as kubectl assumes. */
  | {
      ok: true;
      context: string;
      namespace: string;
      secrets: string[];
      transport: ApiTransport;
      notes: ClusterProblem[];
    }
  /** `problem` is undefined when the caller cancelled. */
  | { ok: false; context: string; secrets: string[]; problem?: ClusterProblem };

/**
 * Rejects when `signal` aborts first; the promise itself keeps running (a plugin process cannot be reached from
 * here).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `whyAborted` words the abort (user cancel or a deadline) for messages. */
export async function connect(
  connectOptions: ConnectOptions,
  signal: AbortSignal,
  whyAborted: () => string,
): Promise<Connection> {
  let context = connectOptions.context ?? '';
  let kc;
  try {
    kc = loadKubeConfig(connectOptions.kubeconfigPaths, connectOptions.workspace);
    context = useContext(kc, connectOptions.context);
    const mixed = connectOptions.workspace && crossOriginCredentials(kc, connectOptions.workspace.files);
    if (mixed)
      throw new KubeconfigError(
        `Refused context '${context}': ${mixed}; credentials from outside the workspace are never sent to a server ` +
          `the workspace names.`,
      );
  } catch (e) {
    return {
      ok: false,
      context,
      secrets: [],
      problem: {
        severity: 'error',
        message: e instanceof KubeconfigError ? e.message : `Cannot load the kubeconfig: ${(e as Error).message}`,
      },
    };
  }
  const secrets = secretsOf(kc);
  const plugin = credentialPlugin(kc.getCurrentUser());
  if (plugin && !connectOptions.allowCredentialPlugins) {
    return {
      ok: false,
      context,
      secrets,
      problem: {
        severity: 'error',
        reason: 'CredentialPluginRefused',
        message:
          `Context '${context}' authenticates with an ${plugin}; refused because the kubeconfig is provided ` +
          `by the workspace. Use a kubeconfig outside the workspace to run credential plugins.`,
      },
    };
  }
  let transport: ApiTransport;
  try {
    // A credential plugin may hang (it has no timeout of its own): deadlines and cancel still apply.
    transport = await untilAborted(kubeTransport(kc, { maxResponseBytes: connectOptions.maxResponseBytes }), signal);
  } catch (e) {
    const why = whyAborted();
    if (signal.aborted && why === 'cancelled') return { ok: false, context, secrets };
    const msg =
      e instanceof TransportError
        ? e.message
        : signal.aborted
          ? `credentials were not ready when ${why} (a credential plugin may be waiting for input)`
          : `credentials could not be prepared: ${(e as Error).message}`;
    return {
      ok: false,
      context,
      secrets,
      problem: {
        severity: 'error',
        reason: e instanceof TransportError ? e.code : 'Credentials',
        message: `Cannot connect with context '${context}': ${msg}`,
      },
    };
  }
  // Preflight: one cheap GET tells unreachable / TLS / bad credentials apart before many lists fail the same way.
  try {
    const res = await transport.get('/version', { signal, timeoutMs: connectOptions.requestTimeoutMs });
    if (res.status === 401) {
      transport.close();
      return {
        ok: false,
        context,
        secrets,
        problem: httpProblem(
          { verb: 'get', resource: '/version' },
          { status: 401, body: res.body },
          'nothing was read',
          transport.server,
        ),
      };
    }
  } catch (e) {
    transport.close();
    const why = whyAborted();
    if (signal.aborted && why === 'cancelled') return { ok: false, context, secrets };
    return {
      ok: false,
      context,
      secrets,
      problem: signal.aborted
        ? {
            severity: 'error',
            reason: 'Timeout',
            message: `cannot reach ${transport.server}: no answer to the first request before ${why}; nothing was read`,
          }
        : transportProblem(undefined, e, 'nothing was read', transport.server),
    };
  }
  const notes: ClusterProblem[] = kc.getCurrentCluster()?.skipTLSVerify
    ? [
        {
          severity: 'warning',
          reason: 'InsecureSkipTLSVerify',
          message:
            `the kubeconfig disables TLS verification for ${transport.server} (insecure-skip-tls-verify): the ` +
            `server's identity was not checked`,
        },
      ]
    : [];
  return {
    ok: true,
    context,
    namespace: kc.getContextObject(context)?.namespace || 'default',
    secrets,
    transport,
    notes,
  };
}
