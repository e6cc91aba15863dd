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
  /** The command that produced the output, unwrapped (`nslookup cluster.local` for `kubectl exec b -- nslookup ...`). */
  effective: string;
  /** Host from the prompt, pod from `kubectl exec`, netns from `ip netns exec`. */
  host?: string;
}

/**
 * Output lines that begin with a command word (`traceroute to X (IP), 30 hops max`, conntrack's
 * `conntrack v1.4.7 (conntrack-tools): 14 flow entries have been shown.`; `PING ...` is upper case).
 */
const OUTPUT_LOOKALIKES =
  /^(?:traceroute to \S+ \(|host \S+ not found|conntrack v\d+\.\d+\S* \(conntrack-tools\)|iptables-legacy tables present, |ip6?tables(?:-[a-z]+)* v\d+\.\d+|ip: |cat: |grep: |kubectl: |sudo: )/;

const SHELLS = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash', 'zsh', '/bin/zsh']);

function firstWord(s: string): string {
  const sp = s.indexOf(' ');
  return sp < 0 ? s : s.slice(0, sp);
}

function isCommandText(s: string): boolean {
  return COMMAND_WORDS.has(firstWord(s)) && !OUTPUT_LOOKALIKES.test(s);
}

/** `user@host:~/dir$ cmd`, `root@node1:~# cmd`, `[root@node1 ~]# cmd`. */
const USER_HOST_PROMPT = /^(?:\([^)\s]{1,40}\)\s)?([\w.-]{1,64})@([\w.-]{1,128})(?::[^\s$#]{0,200})?\s?[$#%>]\s+(.*)$/;
const BRACKET_PROMPT = /^\[([\w.-]{1,64})@([\w.-]{1,128})(?:\s[^\]]{0,200})?\][$#]\s+(.*)$/;
/** `$ cmd`, `# cmd`, `/ # cmd`, `~ $ cmd`, `/tmp # cmd`, `node1$ cmd`. */
const BARE_PROMPT = /^(?:([~/][^\s$#]{0,200})\s?)?([$#])\s+(.*)$/;

/**
 * The command a line runs, or undefined for output/prose. `# text` is a prompt only when the text
 * is a known command (it is also how comments and /etc/hosts headers start).
 */
export function commandLine(line: string): CommandLine | undefined {
  const s = line.trim();
  if (s.length < 2 || s.length > 4000) return undefined;
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) return undefined; // output (timestamps, counters, ip link indexes)
  let host: string | undefined;
  let cmd: string | undefined;
  let strict = false;
  if (s.indexOf('@') > 0 && s.indexOf('@') < 64) {
    const match = USER_HOST_PROMPT.exec(s) ?? BRACKET_PROMPT.exec(s);
    if (match) {
      host = match[2];
      cmd = match[3];
    }
  }
  if (cmd === undefined && (c === 36 || c === 35 || c === 47 || c === 126)) {
    const m = BARE_PROMPT.exec(s);
    if (m) {
      cmd = m[3];
      strict = m[2] === '#';
    }
  }
  if (cmd === undefined) {
    // A bare command (no prompt) never starts with a tab: tab-indented lines are output, such as
    // the rules inside an `nft list ruleset` chain (`\t\tip daddr …`, `\t\ttimeout 3h`).
    if (line.charCodeAt(0) === 9 || !isCommandText(s)) return undefined;
    // An indented one is a command only when a parser reads its output: `ip -d link` prints
    // `    bridge forward_delay 1500 …` under a bridge, and `bridge` is a command word.
    if (line.charCodeAt(0) === 32 && !formatForCommand(unwrap(s).effective) && !formatForCommand(s)) return undefined;
    cmd = s;
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
      let k = 1;
      while (k < words.length && words[k].startsWith('-')) k++;
      effective = words.slice(k).join(' ');
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
        const prompt = /^(?:[~/]\S*\s)?[$#]\s+(.*)$/.exec(rest);
        if (prompt) inner = prompt[1];
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
    const w = words[k];
    if (w === '--') {
      out.inner = words.slice(k + 1).join(' ');
      break;
    }
    if (w === '-n' || w === '--namespace') {
      out.ns = words[++k];
      continue;
    }
    if (w.startsWith('--namespace=')) {
      out.ns = w.slice(12);
      continue;
    }
    if (KUBECTL_VALUE_FLAGS.has(w)) {
      k++;
      continue;
    }
    if (w.startsWith('-')) continue;
    if (out.pod === undefined) {
      out.pod = w.replace(/^(pods?|po)\//, '');
      continue;
    }
    if (words[1] === 'exec' && out.inner === undefined) {
      out.inner = words.slice(k).join(' ');
      break;
    } // old `kubectl exec POD CMD`
  }
  return out;
}
