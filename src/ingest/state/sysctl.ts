/**
 * `sysctl NAME…`, `sysctl -a [--pattern RE]`, `sysctl -w NAME=VALUE` (each prints `name = value`),
 * `sysctl -n NAME…` (bare values, named by the command), `cat /proc/sys/a/b/c…` (bare values,
 * named by the paths), and sysctl's `cannot stat /proc/sys/…: No such file or directory` for a
 * setting that does not exist (net.bridge.* before br_netfilter is loaded).
 */
import type { Fact, KernelSetting, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, splitBeforeTokens, unparsedLine } from '../dns/lines';
import { totalParse } from '../total';

const FORMAT = 'sysctl';
const KEY = /^[a-z][\w-]*(?:\.[\w:@/-]+)+$/;
const SETTING = /^(?<name>[a-z][\w-]*(?:\.[\w:@/-]+)+) = ?(?<value>.*)$/;
const CANNOT_STAT = /^sysctl: cannot stat \/proc\/sys\/(?<path>\S+?): No such file or directory$/;
const UNREADABLE = /^sysctl: (?:reading key|permission denied on key) ["'](?<name>[^"']+)["']/;

/**
 * `/proc/sys/net/ipv4/ip_forward` → `net.ipv4.ip_forward` (a `.` inside a component, as in `eth0.100`, becomes `/`).
 */
function sysctlName(procPath: string): string {
  return procPath
    .replace(/^\/proc\/sys\//, '')
    .split('/')
    .map((part) => part.replace(/\./g, '/'))
    .join('.');
}

/** The names a command prints bare values for, in order: `sysctl -n a b`, `cat /proc/sys/x /proc/sys/y`. */
function bareValueNames(command: string | undefined): string[] {
  const words = (command ?? '').trim().split(/\s+/);
  if (words[0] === 'cat')
    return words
      .slice(1)
      .filter((word) => word.startsWith('/proc/sys/'))
      .map(sysctlName);
  if (words[0] !== 'sysctl' || !words.some((word) => /^-\w*[nb]/.test(word))) return [];
  return words.slice(1).filter((word) => !word.startsWith('-') && KEY.test(word.split('=')[0]));
}

function parseSysctl(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  const bare = bareValueNames(input.command);
  let bareIndex = 0;
  const add = (setting: Omit<KernelSetting, 'kind' | 'evidence'>, evidence: KernelSetting['evidence']) => {
    const fact: KernelSetting = { kind: 'KernelSetting', ...setting, evidence };
    if (input.host) fact.host = input.host;
    facts.push(fact);
  };
  for (const logicalLine of logicalLines(input, unflattenSysctl)) {
    const text = logicalLine.text.trim();
    if (!text) continue;
    const ev = [lineEvidence(input.uri, { ...logicalLine, text }, FORMAT)];
    const setting = text.length < 4000 ? SETTING.exec(text) : null;
    if (setting?.groups) {
      add({ name: setting.groups.name, value: setting.groups.value.trim() }, ev);
      continue;
    }
    const missing = CANNOT_STAT.exec(text);
    if (missing?.groups) {
      add({ name: sysctlName(missing.groups.path), value: '', missing: true }, ev);
      continue;
    }
    if (UNREADABLE.test(text)) {
      unparsed.push(unparsedLine(logicalLine, 'sysctl could not read this key'));
      continue;
    }
    if (bareIndex < bare.length && !text.includes(' = ')) {
      add({ name: bare[bareIndex++], value: text }, ev);
      continue;
    }
    unparsed.push(unparsedLine(logicalLine, 'not a sysctl setting (`name = value`)'));
  }
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

/** Cuts a flattened `a.b = 1 c.d = 0` before each `name =`. */
function unflattenSysctl(line: string) {
  return splitBeforeTokens(line, (tokens, index) => tokens[index + 1]?.text === '=' && KEY.test(tokens[index].text));
}

export const sysctlFormat: FormatSpec = {
  id: FORMAT,
  tools: ['sysctl', 'cat'],
  parse: (input) => totalParse(FORMAT, input, () => parseSysctl(input)),
  unflatten: unflattenSysctl,
  commands: [/^sysctl(\s|$)/, /^cat\s+\/proc\/sys\//],
  sniff: (lines) => 0.9 * fractionMatching(lines, (line) => SETTING.test(line.trim()) || CANNOT_STAT.test(line.trim())),
};
