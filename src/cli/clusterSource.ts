/**
 * Reading a live cluster from the command line, through the same reader as the extension
 * (src/cluster: GET only, paged, bounded, partial rather than failing). The client library
 * lives in dist/cluster.js and is loaded only when a cluster option is given.
 */
import * as os from 'node:os';
import * as nodePath from 'node:path';
import type { FactSink, PullResult } from '../cluster';
import { ClusterModel } from '../model';
import { UsageError, type CliIO } from './usage';

export type ClusterApi = typeof import('../cluster');

/** Exit status when a cluster was asked for and nothing could be read from it. */
export const EXIT_NOTHING_READ = 3;

/** The options `trace`, `rules` and `pull` share (for parseArgs). */
export const CLUSTER_OPTIONS = {
  cluster: { type: 'boolean', default: false },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', multiple: true, default: [] as string[] },
  timeout: { type: 'string' },
} as const;

export const CLUSTER_USAGE = `  --cluster          read the live cluster too (KUBECONFIG, else ~/.kube/config); \
read-only
  --kubeconfig PATH  kubeconfig to read it with (implies --cluster)
  --context NAME     context to use (implies --cluster; default: the kubeconfig's current one)
  --namespace NS     read only this namespace (repeatable; default: all namespaces)
  --timeout SECONDS  overall deadline of the read (default 60)`;

export interface ClusterValues {
  cluster?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string[];
  timeout?: string;
}

export function wantsCluster(values: ClusterValues): boolean {
  return values.cluster === true || values.kubeconfig !== undefined || values.context !== undefined;
}

export interface ClusterRead {
  result: PullResult;
  /** Nothing could be read: the caller exits with EXIT_NOTHING_READ. */
  nothingRead: boolean;
  /** One line per problem, `error:`/`warning:`/`note:` first. */
  lines: string[];
  headline: string;
}

/**
 * Reads the cluster into `sink` (a fresh model when omitted). The kubeconfig comes from
 * --kubeconfig, else KUBECONFIG, else ~/.kube/config, as kubectl finds it; the user typed the
 * command, so credential plugins run as they do for kubectl.
 */
export async function readCluster(values: ClusterValues, io: CliIO, sink?: FactSink): Promise<ClusterRead> {
  const timeoutSeconds = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError(`--timeout takes a number of seconds, not '${values.timeout}'`);
  const api = (io.loadCluster ?? loadBundledCluster)();
  const decision = api.clusterAccessPolicy({
    trusted: true,
    // relative to where the command runs, as kubectl reads it
    kubeconfigPath: values.kubeconfig === undefined ? undefined : nodePath.resolve(values.kubeconfig),
    workspaceFolders: [],
    envKubeconfig: process.env.KUBECONFIG,
    homeDir: os.homedir(),
  });
  if (!decision.allowed) throw new UsageError(decision.reason);
  const overallTimeoutMs = timeoutSeconds * 1000;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await api.pullCluster({
      kubeconfigPaths: decision.kubeconfigPaths,
      context: values.context,
      namespaces: values.namespace?.length ? values.namespace : 'all',
      allowCredentialPlugins: decision.allowCredentialPlugins,
      sink: sink ?? new ClusterModel(),
      overallTimeoutMs,
      requestTimeoutMs: Math.min(15_000, overallTimeoutMs),
      signal: abort.signal,
    });
    const summary = api.summarizePull(result);
    const read = Object.values(result.counts).reduce((total, count) => total + count, 0);
    return {
      result,
      nothingRead: read === 0 && result.problems.some((clusterProblem) => clusterProblem.severity === 'error'),
      lines: result.problems.map(
        (clusterProblem) =>
          `${clusterProblem.severity === 'info' ? 'note' : clusterProblem.severity}: ${clusterProblem.message}`,
      ),
      headline: summary.headline,
    };
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** dist/cluster.js beside dist/cli.js (esbuild keeps it external, as for the extension). */
function loadBundledCluster(): ClusterApi {
  // A path in a variable: left to Node at run time (dist/cli.js requires dist/cluster.js),
  // so no bundle (the CLI's, the tests') pulls the client library in.
  const beside = './cluster.js';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(beside) as ClusterApi;
}
