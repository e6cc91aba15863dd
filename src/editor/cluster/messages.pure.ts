import * as l10n from '@vscode/l10n';
import type { ClusterProblem } from '../../cluster/problems';
import type { PullSummary } from '../../cluster/summary';

/**
 * What the editor says about a cluster read, without `vscode`: the notification names the
 * reason (not only "1 error"), the log lines carry no placeholder and no severity prefix (the
 * log channel writes its own `[error]`), and the status bar does not name a kubeconfig that is
 * not there.
 */

/** The log channel's method for a line. */
type Level = 'info' | 'warn' | 'error';

/** The notification: the headline, then the first problem of the worst severity (the others are in the log). */
export function pullMessage(summary: PullSummary, problems: readonly Pick<ClusterProblem, 'severity' | 'message'>[]) {
  const worst = summary.level === 'error' ? 'error' : summary.level === 'warning' ? 'warning' : undefined;
  const first = worst ? problems.find((problem) => problem.severity === worst) : undefined;
  if (!first) return summary.headline;
  const others = problems.filter((problem) => problem.severity === worst).length - 1;
  return `${summary.headline}: ${first.message}${others > 0 ? ` (+${others} more in the log)` : ''}`;
}

/** The log lines of a read: the headline with where it went, then one line per problem at its own level. */
export function pullLogLines(
  summary: PullSummary,
  read: { requests: number; server?: string; problems: readonly Pick<ClusterProblem, 'severity' | 'message'>[] },
): { level: Level; text: string }[] {
  const where = read.server
    ? ` (${read.requests} GET request${read.requests === 1 ? '' : 's'} to ${read.server})`
    : read.requests > 0
      ? ` (${read.requests} GET request${read.requests === 1 ? '' : 's'})`
      : ' (no request was sent: the API server was never reached)';
  return [
    { level: 'info', text: `${summary.headline}${where}` },
    ...read.problems.map((problem) => ({
      level:
        problem.severity === 'error'
          ? ('error' as const)
          : problem.severity === 'warning'
            ? ('warn' as const)
            : ('info' as const),
      text: problem.message,
    })),
  ];
}

export interface StatusBarInput {
  /** `kubePacketPath.context` ('' = the kubeconfig's current context). */
  contextSetting: string;
  /** The kubeconfig's current-context as read from the files; undefined when unread or unset. */
  fileContext?: string;
  /** Context of the last read. */
  knownContext?: string;
  /** The kubeconfig files the policy chose, and which of them could not be read (after a read attempt). */
  kubeconfigPaths: readonly string[];
  missingKubeconfigs?: readonly string[];
  /**
   * The files `fileContext` and `missingKubeconfigs` were read from. When the policy has chosen
   * other files since (a setting changed), that read says nothing about them yet.
   */
  readKubeconfigPaths?: readonly string[];
}

/** The status bar's context label, or why there is none. */
export function statusBarContext(input: StatusBarInput): { label: string; problem?: string } {
  const stale =
    input.readKubeconfigPaths !== undefined &&
    input.readKubeconfigPaths.join('\0') !== input.kubeconfigPaths.join('\0');
  if (stale)
    return statusBarContext({
      ...input,
      fileContext: undefined,
      missingKubeconfigs: undefined,
      readKubeconfigPaths: undefined,
    });
  const missing = input.missingKubeconfigs ?? [];
  const noFile = input.kubeconfigPaths.length > 0 && missing.length === input.kubeconfigPaths.length;
  if (noFile)
    return {
      label: l10n.t('no kubeconfig'),
      problem: l10n.t(
        'No kubeconfig found at {0}: set kubePacketPath.kubeconfig or KUBECONFIG, or create one (kind, minikube, your cloud CLI …).',
        missing.join(', '),
      ),
    };
  const label = input.contextSetting || input.fileContext || input.knownContext;
  if (label) return { label };
  // Until the files are read, the kubeconfig's own choice.
  if (input.missingKubeconfigs === undefined) return { label: l10n.t('current context') };
  return {
    label: l10n.t('no current context'),
    problem: l10n.t(
      'The kubeconfig ({0}) sets no current-context: click to choose a context.',
      input.kubeconfigPaths.join(', '),
    ),
  };
}
