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
  r: Pick<PullResult, 'context' | 'counts' | 'problems' | 'cancelled' | 'complete'>,
): PullSummary {
  const read = LABELS.filter(([k]) => r.counts[k] !== undefined).map(
    ([k, one, many]) => `${r.counts[k]} ${r.counts[k] === 1 ? one : many}`,
  );
  const errors = r.problems.filter((clusterProblem) => clusterProblem.severity === 'error').length;
  const warnings = r.problems.filter((clusterProblem) => clusterProblem.severity === 'warning').length;
  const level = errors ? 'error' : warnings ? 'warning' : r.problems.length ? 'info' : 'ok';
  const issues = [
    errors && `${errors} error${errors > 1 ? 's' : ''}`,
    warnings && `${warnings} warning${warnings > 1 ? 's' : ''}`,
  ]
    .filter(Boolean)
    .join(', ');
  const what = read.length ? `Read ${read.join(', ')}` : 'Read nothing';
  const headline = `${what} from context '${r.context}'${r.cancelled ? ' (cancelled)' : !r.complete && !issues ? ' (incomplete)' : ''}${issues ? ` — ${issues}` : ''}`;
  return {
    headline,
    level,
    details: r.problems.map((clusterProblem) => `[${clusterProblem.severity}] ${clusterProblem.message}`),
  };
}
