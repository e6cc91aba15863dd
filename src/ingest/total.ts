import type { FormatId, ParseInput, ParseResult } from './types';

/** Runs a parser body and turns any surprise into an unparsed entry: parsers never throw. */
export function totalParse(format: FormatId, input: ParseInput, body: () => ParseResult): ParseResult {
  try {
    return body();
  } catch (e) {
    return {
      format,
      facts: [],
      records: 0,
      unparsed: [{ line: input.firstLine ?? 1, reason: `internal error: ${String(e)}` }],
    };
  }
}
