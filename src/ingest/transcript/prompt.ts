/**
 * Recognises the line where a pasted terminal session runs a command: a shell prompt
 * (`$ `, `# `, `/ # `, `user@host:~$ `, `[root@node1 ~]# `) or, in notes and reports, a bare command
 * line (`kubectl get pods -o wide`, `sudo iptables -t nat -L KUBE-SERVICES -n`). Also unwraps
 * `kubectl exec POD -- cmd`, `kubectl run X ... -- cmd` and `ip netns exec NS cmd` to the command that
 * produced the output and the pod/namespace it ran in.
 */

import { COMMAND_WORDS } from '../formats';
import { formatForCommand } from '../registry';

export interface CommandLine {
  /** The command as typed after the prompt (`sudo tcpdump -i any -n`). */
  command: string;
  /**
   * The command that produced the output, unwrapped (`nslookup cluster.local` for `kubectl exec b -- nslookup ...`).
   */
  effective: string;
  /** Host from the prompt, pod from `kubectl exec`, netns from `ip netns exec`. */
  host?: string;
}

/**
 * Output lines that begin with a command word (`traceroute to X (IP), 30 hops max`, conntrack's
 * `conntrack v1.4.7 (conntrack-tools): 14 flow entries have been shown.`; `PING ...` is upper case).
 */
const OUTPUT_LOOKALIKE_STARTS = [
  String.raw`traceroute to \S+ \(`,
  String.raw`host \S+ not found`,
  String.raw`conntrack v\d+\.\d+\S* \(conntrack-tools\)`,
  'iptables-legacy tables present, ',
  String.raw`ip6?tables(?:-[a-z]+)* v\d+\.\d+`,
  ...['ip: ', 'cat: ', 'grep: ', 'kubectl: ', 'sudo: '], // error messages
];
const OUTPUT_LOOKALIKES = new RegExp(`^(?:${OUTPUT_LOOKALIKE_STARTS.join('|')})`);

const SHELLS = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash', 'zsh', '/bin/zsh']);

function firstWord(text: string): string {
  const sp = text.indexOf(' ');
  return sp < 0 ? text : text.slice(0, sp);
}

function isCommandText(text: string): boolean {
  return COMMAND_WORDS.has(firstWord(text)) && !OUTPUT_LOOKALIKES.test(text);
}

/** `user@host:~/dir$ cmd`, `root@node1:~# cmd`, `[root@node1 ~]# cmd`. */
const USER_HOST_PROMPT = new RegExp(
  String.raw`^(?:\([^)\s]{1,40}\)\s)?(?<user>[\w.-]{1,64})@(?<host>[\w.-]{1,128})(?::[^\s$#]{0,200})?` +
    String.raw`\s?[$#%>]\s+(?<command>.*)$`,
);
const BRACKET_PROMPT = /^\[(?<user>[\w.-]{1,64})@(?<host>[\w.-]{1,128})(?:\s[^\]]{0,200})?\][$#]\s+(?<command>.*)$/;
/** `$ cmd`, `# cmd`, `/ # cmd`, `~ $ cmd`, `/tmp # cmd`, `node1$ cmd`. */
const BARE_PROMPT = /^(?:(?<dir>[~/][^\s$#]{0,200})\s?)?(?<sign>[$#])\s+(?<command>.*)$/;

/**
 * The command a line runs, or undefined for output/prose. `# text` is a prompt only when the text
 * is a known command (it is also how comments and /etc/hosts headers start).
 */
export function commandLine(line: string): CommandLine | undefined {
  const trimmed = line.trim();
  if (trimmed.length < 2 || trimmed.length > 4000) return undefined;
  const lead = trimmed.charCodeAt(0);
  if (lead >= 48 && lead <= 57) return undefined; // output (timestamps, counters, ip link indexes)
  let host: string | undefined;
  let cmd: string | undefined;
  let strict = false;
  if (trimmed.indexOf('@') > 0 && trimmed.indexOf('@') < 64) {
    const prompt = (USER_HOST_PROMPT.exec(trimmed) ?? BRACKET_PROMPT.exec(trimmed))?.groups;
    if (prompt) {
      host = prompt.host;
      cmd = prompt.command;
    }
  }
  if (cmd === undefined && (lead === 36 || lead === 35 || lead === 47 || lead === 126)) {
    const prompt = BARE_PROMPT.exec(trimmed)?.groups;
    if (prompt) {
      cmd = prompt.command;
      strict = prompt.sign === '#';
    }
  }
  if (cmd === undefined) {
    // A bare command (no prompt) never starts with a tab: tab-indented lines are output, such as
    // the rules inside an `nft list ruleset` chain (`\t\tip daddr …`, `\t\ttimeout 3h`).
    if (line.charCodeAt(0) === 9 || !isCommandText(trimmed)) return undefined;
    // An indented one is a command only when a parser reads its output: `ip -d link` prints
    // `    bridge forward_delay 1500 …` under a bridge, and `bridge` is a command word.
    if (line.charCodeAt(0) === 32 && !formatForCommand(unwrap(trimmed).effective) && !formatForCommand(trimmed))
      return undefined;
    cmd = trimmed;
  } else if (strict || cmd.length === 0) {
    // `# Host ip link | grep veth`: a label before the command
    if (!isCommandText(cmd)) {
      const rest = cmd.slice(firstWord(cmd).length + 1);
      if (!rest || !isCommandText(rest)) return undefined;
      cmd = rest;
    }
  }
  cmd = cmd.trim();
  if (!cmd) return undefined;
  return unwrap(cmd, host);
}

/** Unwraps `kubectl exec|run|debug ... -- CMD`, `ip netns exec NS CMD`, `sudo CMD`. */
export function unwrap(command: string, host?: string): CommandLine {
  let effective = command;
  let where = host;
  for (let guard = 0; guard < 4; guard++) {
    const words = effective.split(/\s+/);
    if (words[0] === 'sudo') {
      let afterFlags = 1;
      while (afterFlags < words.length && words[afterFlags].startsWith('-')) afterFlags++;
      effective = words.slice(afterFlags).join(' ');
      continue;
    }
    if (words[0] === 'ip' && words[1] === 'netns' && words[2] === 'exec' && words[3]) {
      where = words[3];
      effective = words.slice(4).join(' ');
      continue;
    }
    if (
      (words[0] === 'kubectl' || words[0] === 'k' || words[0] === 'oc') &&
      ['exec', 'run', 'debug'].includes(words[1] ?? '')
    ) {
      const target = kubectlTarget(words);
      if (target.pod) where = target.ns ? `${target.ns}/${target.pod}` : target.pod;
      if (target.inner === undefined) break;
      let inner = target.inner;
      // `kubectl exec -it b-pod -- /bin/sh / # ping -c 1 ...` (a shell, then a prompt, flattened)
      const w0 = firstWord(inner);
      if (SHELLS.has(w0)) {
        const rest = inner.slice(w0.length).trim();
        const prompt = /^(?:[~/]\S*\s)?[$#]\s+(?<command>.*)$/.exec(rest)?.groups;
        if (prompt) inner = prompt.command;
        else if (rest.startsWith('-c ')) inner = rest.slice(3).replace(/^(['"])(.*)\1$/, '$2');
      }
      effective = inner;
      continue;
    }
    break;
  }
  const out: CommandLine = { command, effective: effective.trim() || command };
  if (where) out.host = where;
  return out;
}

const KUBECTL_VALUE_FLAGS = new Set([
  '-n',
  '--namespace',
  '-c',
  '--container',
  '--image',
  '--context',
  '--kubeconfig',
  '-f',
  '--filename',
  '--restart',
  '--overrides',
  '--target',
  '--profile',
]);

function kubectlTarget(words: string[]): { pod?: string; ns?: string; inner?: string } {
  const out: { pod?: string; ns?: string; inner?: string } = {};
  for (let k = 2; k < words.length; k++) {
    const word = words[k];
    if (word === '--') {
      out.inner = words.slice(k + 1).join(' ');
      break;
    }
    if (word === '-n' || word === '--namespace') {
      out.ns = words[++k];
      continue;
    }
    if (word.startsWith('--namespace=')) {
      out.ns = word.slice(12);
      continue;
    }
    if (KUBECTL_VALUE_FLAGS.has(word)) {
      k++;
      continue;
    }
    if (word.startsWith('-')) continue;
    if (out.pod === undefined) {
      out.pod = word.replace(/^(pods?|po)\//, '');
      continue;
    }
    if (words[1] === 'exec' && out.inner === undefined) {
      out.inner = words.slice(k).join(' ');
      break;
    } // old `kubectl exec POD CMD`
  }
  return out;
}
