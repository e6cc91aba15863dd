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
const DIG_MARK_WORDS = [
  String.raw`(QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:`,
  String.raw`OPT PSEUDOSECTION:`,
  String.raw`SERVER: \S+#\d+`,
  String.raw`Query time: \d+ msec`,
  String.raw`MSG SIZE +rcvd: \d+`,
  String.raw`WHEN: `,
  String.raw`global options: `,
];
const DIG_MARKS = new RegExp(`^;; (${DIG_MARK_WORDS.join('|')})`);

/** Cuts flattened dig text before `;`/`;;` comments, `#` prompts and resource records. */
export function unflattenDig(line: string): { text: string; start: number }[] {
  return splitBeforeTokens(line, (tokens: readonly Token[], index: number) => {
    const word = tokens[index].text;
    if (word.startsWith(';')) return true;
    if (word === '#' || word === '$') return true;
    // `name. 30 IN A 10.244.0.219` inside a flattened answer section
    return (
      index + 3 < tokens.length &&
      word.endsWith('.') &&
      /^\d{1,10}$/.test(tokens[index + 1].text) &&
      tokens[index + 2].text === 'IN'
    );
  });
}

/** Arguments of the banner line `; <<>> DiG 9.18.49 <<>> +search a-app`. */
function bannerArgs(text: string): string[] | undefined {
  const args = /^; <<>> DiG \S+ <<>>(?<args>.*)$/.exec(text.trim())?.groups?.args;
  return args !== undefined ? splitArgs(args.trim()) : undefined;
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
      server: args.find((arg) => arg.startsWith('@'))?.slice(1),
    });
    const logPods = podsOfKubectlLogs(input.command);
    for (const logicalLine of logicalLines(input, unflattenDig)) {
      const text = logicalLine.text.trim();
      const banner = bannerArgs(text);
      const prompt = /^[#$]\s*dig\s/.exec(text) ? splitArgs(text.replace(/^[#$]\s*dig\s+/, '')) : undefined;
      const digArgs = banner ?? prompt;
      if (digArgs) {
        reader.begin(
          logicalLine,
          questionNameFromArgs(digArgs, 'dig'),
          questionTypeFromArgs(digArgs),
          digArgs.find((arg) => arg.startsWith('@'))?.slice(1),
        );
        continue;
      }
      const label = podLabel(text, logPods);
      if (label) {
        reader.setClient(label);
        continue;
      }
      if (text.startsWith('#')) continue; // annotation or prompt of another command
      if (!reader.feed(logicalLine) && !isKubectlChatter(text))
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
    if (lines.some((line) => line.includes('<<>> DiG '))) return 0.95;
    if (lines.some((line) => line.includes(';; ->>HEADER<<-'))) return 0.9;
    // a later paragraph of one dig message (dig prints blank lines between its sections)
    if (lines.some((line) => DIG_MARKS.test(line.trim()))) return 0.85;
    const rr = fractionMatching(
      lines,
      (line) => line.trim().startsWith(';') || parseRecord(tokenize(line.trim())) !== undefined,
    );
    return lines.some((line) => parseRecord(tokenize(line.trim())) !== undefined) ? 0.7 * rr : 0.3 * rr;
  },
};
