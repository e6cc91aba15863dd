/** One-line and detailed wording of a pull, for the status bar, notifications and the log. */
import type { PullResult } from './reader';

const LABELS: [key: string, one: string, many: string][] = [
  ['pods', 'pod', 'pods'],
  ['services', 'Service', 'Services'],
  ['endpointslices', 'EndpointSlice', 'EndpointSlices'],
  ['nodes', 'node', 'nodes'],
  ['deployments', 'Deployment', 'Deployments'],
  ['statefulsets', 'StatefulSet', 'StatefulSets'],
  ['daemonsets', 'DaemonSet', 'DaemonSets'],
  ['configmaps', 'network ConfigMap', 'network ConfigMaps'],
];

export interface PullSummary {
  headline: string;
  /** Worst severity among the problems, or 'ok'. */
  level: 'ok' | 'info' | 'warning' | 'error';
  /** One line per problem, prefixed by severity. */
  details: string[];
}

export function summarizePull(
  result: Pick<PullResult, 'context' | 'counts' | 'problems' | 'cancelled' | 'complete'>,
): PullSummary {
  const read = LABELS.filter(([kind]) => result.counts[kind] !== undefined).map(
    ([kind, one, many]) => `${result.counts[kind]} ${result.counts[kind] === 1 ? one : many}`,
  );
  const errors = result.problems.filter((clusterProblem) => clusterProblem.severity === 'error').length;
  const warnings = result.problems.filter((clusterProblem) => clusterProblem.severity === 'warning').length;
  const level = errors ? 'error' : warnings ? 'warning' : result.problems.length ? 'info' : 'ok';
  const issues = [
    errors && `${errors} error${errors > 1 ? 's' : ''}`,
    warnings && `${warnings} warning${warnings > 1 ? 's' : ''}`,
  ]
    .filter(Boolean)
    .join(', ');
  const what = read.length ? `Read ${read.join(', ')}` : 'Read nothing';
  const state = result.cancelled ? ' (cancelled)' : !result.complete && !issues ? ' (incomplete)' : '';
  const headline = `${what} from context '${result.context}'${state}${issues ? ` — ${issues}` : ''}`;
  return {
    headline,
    level,
    details: result.problems.map((clusterProblem) => `[${clusterProblem.severity}] ${clusterProblem.message}`),
  };
}
