/**
 * Loads dist/cluster.js (the cluster reader with @kubernetes/client-node) on first use.
 * esbuild keeps './cluster.js' external in dist/extension.js, so activation never
 * parses the client library; both files sit side by side in dist/.
 */
export type ClusterApi = typeof import('../../cluster');

let api: ClusterApi | undefined;

export function loadClusterApi(): ClusterApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  api ??= require('./cluster.js') as ClusterApi;
  return api;
}
