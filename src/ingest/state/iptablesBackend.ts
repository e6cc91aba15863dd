/**
 * Which iptables a node runs: `iptables -V` → `iptables v1.8.9 (nf_tables)` / `(legacy)` (before
 * 1.8 there was no nf_tables variant and no suffix: legacy). iptables-nft's own warning
 * `# Warning: iptables-legacy tables present, use iptables-legacy to see them` says the other
 * backend holds rules too; the iptables -L / -S / -save readers turn that line into the same fact.
 */
import type { Evidence, Fact, IptablesBackend } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, unparsedLine } from '../dns/lines';
import { totalParse } from '../total';

const FORMAT = 'iptables-version';
const IPTABLES_TOOLS = [
  'ip6?tables',
  String.raw`ip6?tables-(?:legacy|nft)(?:-save|-restore)?`,
  String.raw`ip6?tables-(?:save|restore)`,
];
const IPTABLES_TOOL = `(?:${IPTABLES_TOOLS.join('|')})`;
const VERSION = new RegExp(
  String.raw`^${IPTABLES_TOOL} v(?<version>\d+(?:\.\d+){1,3})(?: \((?<backend>nf_tables|legacy)\))?$`,
);
const LEGACY_WARNING =
  /^# Warning: iptables-legacy tables present, use iptables-legacy(?:-save)? to (?:see|list) them$/;

/** `iptables`, `ip6tables` and their `-legacy` and `-nft` builds, each with `suffix` (`-save`): six command words. */
export function iptablesCommands(suffix: string): string[] {
  return ['iptables', 'ip6tables'].flatMap((family) =>
    ['', '-legacy', '-nft'].map((build) => `${family}${build}${suffix}`),
  );
}

/** The fact for iptables-nft's warning line, or undefined when `text` is not that line. */
export function legacyTablesWarning(text: string, evidence: Evidence, host?: string): IptablesBackend | undefined {
  if (!LEGACY_WARNING.test(text.trim())) return undefined;
  const fact: IptablesBackend = {
    kind: 'IptablesBackend',
    backend: 'nf_tables',
    legacyTablesPresent: true,
    evidence: [evidence],
  };
  if (host) fact.host = host;
  return fact;
}

function parseIptablesVersion(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: ReturnType<typeof unparsedLine>[] = [];
  for (const logicalLine of logicalLines(input)) {
    const text = logicalLine.text.trim();
    if (!text) continue;
    const match = text.length < 200 ? VERSION.exec(text) : null;
    if (!match?.groups) {
      unparsed.push(unparsedLine(logicalLine, 'not an `iptables -V` line (`iptables v1.8.9 (nf_tables)`)'));
      continue;
    }
    const [major, minor] = match.groups.version.split('.').map(Number);
    const fact: IptablesBackend = {
      kind: 'IptablesBackend',
      version: match.groups.version,
      evidence: [lineEvidence(input.uri, { ...logicalLine, text }, FORMAT)],
    };
    const backend = match.groups.backend as IptablesBackend['backend'];
    if (backend) fact.backend = backend;
    else if (major < 1 || (major === 1 && minor < 8)) fact.backend = 'legacy';
    if (input.host) fact.host = input.host;
    facts.push(fact);
  }
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

export const iptablesVersionFormat: FormatSpec = {
  id: FORMAT,
  tools: ['', '-save', '-restore'].flatMap(iptablesCommands),
  parse: (input) => totalParse(FORMAT, input, () => parseIptablesVersion(input)),
  commands: [/^ip6?tables(-legacy|-nft)?(-save|-restore)?\s+(-V|--version)(\s|$)/],
  sniff: (lines) => 0.95 * fractionMatching(lines, (line) => VERSION.test(line.trim())),
};
