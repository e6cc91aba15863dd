/**
 * `conntrack -S`: one line per CPU,
 * `cpu=0 found=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 …`.
 * `insert_failed` and `drop` grow with the conntrack race of parallel A/AAAA DNS queries.
 */
import type { ConntrackStats, Fact } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, splitBeforeTokens, tokenize, unparsedLine } from '../dns/lines';
import { totalParse } from '../total';

const FORMAT = 'conntrack-stats';
const COUNTER = /^(?<key>[a-z_]{1,40})=(?<value>\d{1,20})$/;

function parseConntrackStats(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: ReturnType<typeof unparsedLine>[] = [];
  for (const logicalLine of logicalLines(input, unflattenConntrackStats)) {
    const text = logicalLine.text.trim();
    if (!text) continue;
    const words = text.length < 4000 ? tokenize(text).map((token) => token.text) : [];
    const counters: Record<string, number> = {};
    let understood = words.length > 0;
    for (const word of words) {
      const match = COUNTER.exec(word);
      if (!match?.groups) {
        understood = false;
        break;
      }
      counters[match.groups.key] = Number(match.groups.value);
    }
    if (!understood || counters.cpu === undefined) {
      unparsed.push(unparsedLine(logicalLine, 'not a conntrack -S line (`cpu=N found=N …`)'));
      continue;
    }
    const fact: ConntrackStats = {
      kind: 'ConntrackStats',
      cpu: counters.cpu,
      counters,
      evidence: [lineEvidence(input.uri, { ...logicalLine, text }, FORMAT)],
    };
    delete counters.cpu;
    if (input.host) fact.host = input.host;
    facts.push(fact);
  }
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

/** Cuts flattened `cpu=0 … cpu=1 …` before each `cpu=`. */
function unflattenConntrackStats(line: string) {
  return splitBeforeTokens(line, (tokens, index) => /^cpu=\d/.test(tokens[index].text));
}

export const conntrackStatsFormat: FormatSpec = {
  id: FORMAT,
  tools: ['conntrack'],
  parse: (input) => totalParse(FORMAT, input, () => parseConntrackStats(input)),
  unflatten: unflattenConntrackStats,
  commands: [/^conntrack\s(.*\s)?(-S|--stats)(\s|$)/],
  sniff: (lines) => 0.95 * fractionMatching(lines, (line) => /^cpu=\d+\s+(?:[a-z_]+=\d+\s*)+$/.test(line.trim())),
};
