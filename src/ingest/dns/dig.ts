/**
 * `dig` output: full messages (header, sections, `;; SERVER:`), `+short`,
 * `+search +showsearch` (one message per search-list attempt, so the NXDOMAINs
 * that ndots:5 causes are visible), `-x`, SRV, and timeouts.
 */
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import {
  fractionMatching,
  logicalLines,
  splitBeforeTokens,
  tokenize,
  totalParse,
  unparsedLine,
  type Token,
} from './lines';
import {
  isKubectlChatter,
  parseToolCommand,
  podLabel,
  podsOfKubectlLogs,
  splitArgs,
  toolCommandPatterns,
} from './commandLine';
import { questionNameFromArgs, questionTypeFromArgs } from './dnsFacts';
import { DigReader, parseRecord } from './digMessage';

const FORMAT = 'dig';
/** Lines only dig prints. */
const DIG_MARKS =
  /^;; ((QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:|OPT PSEUDOSECTION:|SERVER: \S+#\d+|Query time: \d+ msec|MSG SIZE +rcvd: \d+|WHEN: |global options: )/;

/** Cuts flattened dig text before `;`/`;;` comments, `#` prompts and resource records. */
export function unflattenDig(line: string): { text: string; start: number }[] {
  return splitBeforeTokens(line, (tokens: readonly Token[], i: number) => {
    const x = tokens[i].text;
    if (x.startsWith(';')) return true;
    if (x === '#' || x === '$') return true;
    // `name. 30 IN A 10.244.0.219` inside a flattened answer section
    return (
      i + 3 < tokens.length && x.endsWith('.') && /^\d{1,10}$/.test(tokens[i + 1].text) && tokens[i + 2].text === 'IN'
    );
  });
}

/** Arguments of the banner line `; <<>> DiG 9.18.49 <<>> +search a-app`. */
function bannerArgs(text: string): string[] | undefined {
  const match = /^; <<>> DiG \S+ <<>>(.*)$/.exec(text.trim());
  return match ? splitArgs(match[1].trim()) : undefined;
}

export function parseDig(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const cmd = parseToolCommand(input.command, input.host);
    const args = cmd.tool === 'dig' ? cmd.args : [];
    const reader = new DigReader({
      tool: 'dig',
      format: FORMAT,
      uri: input.uri,
      client: cmd.client,
      short: args.includes('+short'),
      askedName: questionNameFromArgs(args, 'dig'),
      askedType: questionTypeFromArgs(args),
      server: args.find((a) => a.startsWith('@'))?.slice(1),
    });
    const logPods = podsOfKubectlLogs(input.command);
    for (const logicalLine of logicalLines(input, unflattenDig)) {
      const t = logicalLine.text.trim();
      const banner = bannerArgs(t);
      const prompt = /^[#$]\s*dig\s/.exec(t) ? splitArgs(t.replace(/^[#$]\s*dig\s+/, '')) : undefined;
      const a = banner ?? prompt;
      if (a) {
        reader.begin(
          logicalLine,
          questionNameFromArgs(a, 'dig'),
          questionTypeFromArgs(a),
          a.find((x) => x.startsWith('@'))?.slice(1),
        );
        continue;
      }
      const label = podLabel(t, logPods);
      if (label) {
        reader.setClient(label);
        continue;
      }
      if (t.startsWith('#')) continue; // annotation or prompt of another command
      if (!reader.feed(logicalLine) && !isKubectlChatter(t))
        reader.unparsed.push(unparsedLine(logicalLine, 'not dig output'));
    }
    reader.flush();
    return { format: FORMAT, facts: reader.facts, records: reader.records, unparsed: reader.unparsed };
  });
}

export const digFormat: FormatSpec = {
  id: FORMAT,
  tools: ['dig'],
  parse: parseDig,
  unflatten: unflattenDig,
  commands: toolCommandPatterns('dig'),
  sniff(lines) {
    if (lines.some((l) => l.includes('<<>> DiG '))) return 0.95;
    if (lines.some((l) => l.includes(';; ->>HEADER<<-'))) return 0.9;
    // a later paragraph of one dig message (dig prints blank lines between its sections)
    if (lines.some((l) => DIG_MARKS.test(l.trim()))) return 0.85;
    const rr = fractionMatching(
      lines,
      (l) => l.trim().startsWith(';') || parseRecord(tokenize(l.trim())) !== undefined,
    );
    return lines.some((l) => parseRecord(tokenize(l.trim())) !== undefined) ? 0.7 * rr : 0.3 * rr;
  },
};
