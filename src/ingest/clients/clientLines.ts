import type { ClientResult, Evidence } from '../../model';

/** `timeout 3 …`, `busybox …`: the prefixes a client command is run with in a transcript. */
export const RUNNER_PREFIX = String.raw`(?:timeout\s+(?:-\S+\s+)*\S+\s+)?(?:busybox\s+)?`;

/** The exit status a command line prints for itself (`…; echo "exit=$?"`). */
export const EXIT_STATUS = /^exit=\d{1,3}$/;

/** A ClientResult fact for one line. */
export function clientResult(
  fields: Omit<ClientResult, 'kind' | 'evidence'>,
  evidence: Evidence,
  host: string | undefined,
): ClientResult {
  const fact: ClientResult = { kind: 'ClientResult', ...fields, evidence: [evidence] };
  if (host) fact.host = host;
  return fact;
}

/** What an errno text says happened to a connection. */
export function outcomeOfErrno(text: string): ClientResult['outcome'] | undefined {
  if (/Connection refused/i.test(text)) return 'refused';
  if (/No route to host/i.test(text)) return 'no-route';
  if (/Network is unreachable/i.test(text)) return 'network-unreachable';
  if (/timed out|Timeout was reached/i.test(text)) return 'timeout';
  return undefined;
}
