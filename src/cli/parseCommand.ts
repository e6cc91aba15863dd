import { parseArgs } from 'node:util';
import { registerCommand } from './commands';
import { UsageError } from './usage';
import { parseDocument, type DocumentResult } from '../ingest/document';
import { shortened } from '../model';

/** Unparsed lines listed per block in --json; junk can be millions of lines (2 MB gave 81 MB of JSON). */
const DEFAULT_MAX_UNPARSED = 200;
/** And per file, across its blocks, as a multiple of the per-block limit. */
const FILE_FACTOR = 10;

const usage = `Usage: kube-packet-path parse FILE... [--json] [--max-unparsed N]

Finds the command outputs in each file (a saved terminal session, a report quoting outputs, a plain
capture — also text whose newlines were lost), says which format each block is, how many records
were understood, and which lines were not, with the reason. Line numbers count from 1 in the file
as given. --json lists at most N unparsed lines per block (default ${DEFAULT_MAX_UNPARSED}; 0: all) and
${FILE_FACTOR} × N per file, and gives each block's total as unparsedTotal.

Example:
  kube-packet-path parse capture.txt session.log --json`;

interface JsonBlock {
  format: string;
  command: string | null;
  startLine: number;
  endLine: number;
  records: number;
  /** The first unparsed lines (see --max-unparsed); `unparsedTotal` counts them all. */
  unparsed: { line: number; reason: string }[];
  unparsedTotal: number;
}

function jsonOf(path: string, doc: DocumentResult, maxUnparsed: number): { path: string; blocks: JsonBlock[] } {
  let fileBudget = maxUnparsed > 0 ? maxUnparsed * FILE_FACTOR : Infinity;
  return {
    path,
    blocks: doc.blocks.map((documentBlock) => {
      const listed = documentBlock.result.unparsed.slice(
        0,
        Math.min(maxUnparsed > 0 ? maxUnparsed : Infinity, fileBudget),
      );
      fileBudget -= listed.length;
      return {
        format: documentBlock.format,
        command: documentBlock.command,
        startLine: documentBlock.startLine,
        endLine: documentBlock.endLine,
        records: documentBlock.result.records,
        unparsed: listed.map((entry) => ({ line: entry.line, reason: entry.reason })),
        unparsedTotal: documentBlock.result.unparsed.length,
      };
    }),
  };
}

const MAX_UNPARSED_SHOWN = 5;

function textOf(path: string, doc: DocumentResult): string {
  // A capture is one fact holding its packets; count the packets, as the reader thinks of them.
  const facts = doc.facts.reduce((total, fact) => total + (fact.kind === 'Capture' ? fact.packets.size : 1), 0);
  const out = [
    `${path}: ${doc.blocks.length} block${doc.blocks.length === 1 ? '' : 's'}, ${facts} fact${facts === 1 ? '' : 's'}`,
  ];
  for (const documentBlock of doc.blocks) {
    const lines =
      documentBlock.startLine === documentBlock.endLine
        ? `line ${documentBlock.startLine}`
        : `lines ${documentBlock.startLine}-${documentBlock.endLine}`;
    const cmd =
      documentBlock.command === null ? '(no command; format recognised from the text)' : `$ ${documentBlock.command}`;
    out.push(
      `  ${lines}  ${documentBlock.format}  ${documentBlock.result.records} ` +
        `record${documentBlock.result.records === 1 ? '' : 's'}, ${documentBlock.result.unparsed.length} ` +
        `unparsed${documentBlock.host ? `  [on ${documentBlock.host}]` : ''}`,
    );
    out.push(`    ${shortened(cmd, 120)}`);
    for (const entry of documentBlock.result.unparsed.slice(0, MAX_UNPARSED_SHOWN))
      out.push(`    line ${entry.line}: ${entry.reason}`);
    if (documentBlock.result.unparsed.length > MAX_UNPARSED_SHOWN)
      out.push(
        `    … and ${documentBlock.result.unparsed.length - MAX_UNPARSED_SHOWN} more unparsed lines (--json ` +
          `--max-unparsed 0 lists them all)`,
      );
  }
  return out.join('\n');
}

registerCommand({
  name: 'parse',
  summary: 'find command outputs in files and report formats, records and unparsed lines',
  usage,
  run(args, io) {
    let values;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args,
        options: { json: { type: 'boolean', default: false }, 'max-unparsed': { type: 'string' } },
        allowPositionals: true,
        strict: true,
      }));
    } catch (e) {
      throw new UsageError((e as Error).message, usage);
    }
    if (positionals.length === 0) throw new UsageError('at least one FILE is required', usage);
    const maxUnparsed = Number(values['max-unparsed'] ?? DEFAULT_MAX_UNPARSED);
    if (!Number.isInteger(maxUnparsed) || maxUnparsed < 0)
      throw new UsageError(`--max-unparsed takes a whole number (0: all), not '${values['max-unparsed']}'`, usage);
    const files: { path: string; doc: DocumentResult }[] = [];
    for (const path of positionals) {
      let text: string;
      try {
        text = io.readFile(path);
      } catch (e) {
        io.err(
          `kube-packet-path parse: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
        );
        return 1;
      }
      files.push({ path, doc: parseDocument(text, path) });
    }
    if (values.json) {
      io.out(JSON.stringify({ files: files.map((file) => jsonOf(file.path, file.doc, maxUnparsed)) }) + '\n');
    } else {
      io.out(files.map((file) => textOf(file.path, file.doc)).join('\n\n') + '\n');
    }
    return 0;
  },
});
