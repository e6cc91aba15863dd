/**
 * Reads the command a transcript shows in front of the output: who ran the tool
 * (`kubectl exec -it b-app -- nslookup …`, `kubectl run dig-pod --image=… -- dig …`)
 * and the tool's own arguments (name asked, server, record type).
 */

export interface ToolCommand {
  /** `nslookup`, `dig`, `host`, `traceroute`, … (busybox applets without the `busybox` prefix). */
  tool?: string;
  /** The arguments after the tool name. */
  args: string[];
  /** The pod that ran it, when the command says so. */
  client?: string;
}

/** Shell-ish split: whitespace, with '…' and "…" kept together. Linear. */
export function splitArgs(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === ' ' || ch === '\t') {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

/** kubectl flags that take a value as the next word (so the value is not taken for the pod). */
const KUBECTL_VALUE_FLAGS = new Set([
  '-n',
  '--namespace',
  '-c',
  '--container',
  '--context',
  '--kubeconfig',
  '--image',
  '--restart',
  '-l',
  '--selector',
  '--tail',
  '--since',
  '--overrides',
  '--env',
]);

/** Parses `command`; `host` (the transcript's prompt) is the client unless kubectl names one. */
export function parseToolCommand(command: string | undefined, host?: string): ToolCommand {
  const out: ToolCommand = { args: [], client: host };
  if (!command) return out;
  let words = splitArgs(command.trim().replace(/^[#$]\s*/, ''));
  // Wrappers in front of the tool: sudo, timeout [-k N] DURATION, ip netns exec NAME.
  for (;;) {
    if (words[0] === 'sudo') {
      words = words.slice(1);
      continue;
    }
    if (words[0] === 'timeout') {
      words = words.slice(1);
      while (words.length > 0 && words[0].startsWith('-'))
        words = words.slice(words[0] === '-k' || words[0] === '-s' ? 2 : 1);
      words = words.slice(1);
      continue;
    }
    if (words[0] === 'ip' && words[1] === 'netns' && words[2] === 'exec' && words[3]) {
      out.client = words[3];
      words = words.slice(4);
      continue;
    }
    break;
  }
  // the verb may follow global flags: `kubectl -n default exec …`
  const verb =
    words[0] === 'kubectl'
      ? words.findIndex((word, i) => i > 0 && (word === 'exec' || word === 'run' || word === 'debug'))
      : -1;
  if (
    verb > 0 &&
    words.slice(1, verb).every((word, i, list) => word.startsWith('-') || KUBECTL_VALUE_FLAGS.has(list[i - 1] ?? ''))
  ) {
    const dash = words.indexOf('--');
    const head = dash >= 0 ? words.slice(verb + 1, dash) : words.slice(verb + 1);
    for (let i = 0; i < head.length; i++) {
      const word = head[i];
      if (word.startsWith('-')) {
        if (KUBECTL_VALUE_FLAGS.has(word)) i++;
        continue;
      }
      out.client = word.replace(/^(pod|pods)\//, '');
      break;
    }
    words = dash >= 0 ? words.slice(dash + 1) : [];
    if (words[0] === '/bin/sh' || words[0] === 'sh') {
      // `sh -c 'nslookup x'`: look inside the quoted script.
      const scriptAt = words.indexOf('-c');
      words = scriptAt >= 0 && words[scriptAt + 1] ? splitArgs(words[scriptAt + 1]) : [];
    }
  }
  if (words[0] === 'busybox') words = words.slice(1);
  if (words.length === 0) return out;
  out.tool = words[0].replace(/^.*\//, '');
  out.args = words.slice(1);
  return out;
}

/** The pod named by `kubectl logs [flags] POD` (`pod/x`, `-n ns`, `-c c`, `-f` understood). */
export function podOfKubectlLogs(command: string | undefined): string | undefined {
  if (!command) return undefined;
  const words = splitArgs(command.trim().replace(/^[#$]\s*/, ''));
  const logsAt = words.indexOf('logs');
  if (logsAt < 0 || !words.slice(0, logsAt).some((word) => word === 'kubectl' || word.endsWith('/kubectl')))
    return undefined;
  for (let i = logsAt + 1; i < words.length; i++) {
    const word = words[i];
    if (word.startsWith('-')) {
      if (KUBECTL_VALUE_FLAGS.has(word)) i++;
      continue;
    }
    return word.replace(/^(pod|pods|po)\//, '');
  }
  return undefined;
}

/**
 * Command patterns for a tool run directly, through `timeout`/`ip netns exec`/busybox,
 * or inside a pod (`kubectl exec POD -- dig …`, `kubectl run X --image=… -- dig …`).
 */
export function toolCommandPatterns(tool: string): RegExp[] {
  return [
    new RegExp(
      `^(timeout\\s+\\S+\\s+)?(ip\\s+netns\\s+exec\\s+\\S+\\s+)?(timeout\\s+\\S+\\s+)?(busybox\\s+)?${tool}\\b`,
    ),
    new RegExp(`^kubectl\\s.*\\s--\\s+(busybox\\s+)?${tool}\\b`),
  ];
}

/**
 * Every pod of `kubectl logs A kubectl logs B …` (a flattened list of commands): output
 * labelled `# A`, `# B` in the text can then be attributed to the pod that printed it.
 */
export function podsOfKubectlLogs(command: string | undefined): string[] {
  if (!command) return [];
  const parts = command.split(/(?=\bkubectl\s)/);
  const pods: string[] = [];
  for (const part of parts) {
    const pod = podOfKubectlLogs(part);
    if (pod && !pods.includes(pod)) pods.push(pod);
  }
  return pods;
}

/** `# A` in front of a pod's output, when A is one of `pods`: the pod whose logs follow. */
export function podLabel(line: string, pods: readonly string[]): string | undefined {
  const pod = /^#\s*(?<pod>\S+)\s*$/.exec(line.trim())?.groups?.pod;
  return pod !== undefined && pods.includes(pod) ? pod : undefined;
}

/**
 * What kubectl itself prints around a tool's output in `kubectl run -it --rm` / `kubectl exec -it`
 * sessions; understood, and no fact.
 */
export function isKubectlChatter(line: string): boolean {
  const trimmed = line.trim();
  return (
    trimmed === "If you don't see a command prompt, try pressing enter." ||
    /^pod "[^"]+" deleted( from \S+ namespace)?$/.test(trimmed) ||
    trimmed.startsWith("Session ended, resume using 'kubectl attach ") ||
    trimmed.startsWith('All commands and output from this session will be recorded in container logs') ||
    trimmed.startsWith('Unable to use a TTY - input is not a terminal') ||
    /^Waiting for pod \S+ to be running, status is \w+, pod ready: (true|false)$/.test(trimmed) ||
    /^(Defaulted container|Defaulting container name to) /.test(trimmed)
  );
}
