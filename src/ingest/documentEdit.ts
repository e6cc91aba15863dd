import { moveEvidence, type Capture, type Evidence, type Fact } from '../model';
import { parseDocument, type DocumentBlock, type DocumentResult } from './document';
import { SNIFF_LINES } from './sniff';
import { lineBreaks } from './lineEnds';
import { PacketColumns } from './tcpdump/columns/packetColumns';
import { SegmentedPackets } from './tcpdump/columns/segmentedPackets';
import { spanPackets, tcpdumpFormat } from './tcpdump';
import { applyPieces, piecesOfTable, readPieces } from './tcpdump/segments';
import { leadOf } from './transcript/lines';
import { commandLine } from './transcript/prompt';
import { continues, sniffBest } from './transcript/split';
import { formatForCommand, formatSpec } from './registry';

/**
 * Re-parses an edited document by reading again only the blocks an edit touched. The blocks before
 * the edit are kept as they are, those after it are kept with their lines moved; the touched ones
 * (and one block on each side, where the splitter may draw the border elsewhere once the text
 * changed) are cut out of the new text, parsed as a document, and put back at their lines. Facts of
 * the kept blocks stay the same objects, so what points at them (hovers) stays valid.
 */

/**
 * Lines an edit replaced, 0-based: old lines [from, oldLast] became new lines [from, newLast] (either may be empty:
 * last < from).
 */
export interface EditedLines {
  from: number;
  oldLast: number;
  newLast: number;
}

/**
 * The lines an editor change replaced: `startLine`..`endLine` (0-based, the range it replaced) and
 * the text it put there. Several changes (one after the other, each in the lines the one before
 * left) become one span that covers them all.
 */
export function editedLines(
  changes: readonly { startLine: number; endLine: number; text: string }[],
  before?: EditedLines,
): EditedLines | undefined {
  let span = before;
  for (const change of changes) {
    const delta = lineBreaks(change.text) - (change.endLine - change.startLine);
    if (!span) {
      span = { from: change.startLine, oldLast: change.endLine, newLast: change.endLine + delta };
      continue;
    }
    // the span in the current lines is [from, newLast]; stretch it over the change, then move its end
    const from = Math.min(span.from, change.startLine);
    let { oldLast, newLast } = span;
    if (change.endLine > newLast) {
      oldLast += change.endLine - newLast;
      newLast = change.endLine;
    }
    span = { from, oldLast, newLast: newLast + delta };
  }
  return span;
}

/** First line (1-based) a block depends on: its command's prompt line when it has one. */
const firstLineOf = (block: DocumentBlock) =>
  block.command !== null ? Math.max(1, block.startLine - 1) : block.startLine;

/**
 * Moves the lines of facts by `delta`: their evidence (an evidence object shared by several facts
 * once), the evidence of a Packet's inner frames, a capture's table, and a traceroute's hop lines,
 * which is where the model keeps line numbers (src/model: only those types extend `Sourced` or hold
 * a line). Much cheaper than remapResult's walk through every nested object of every fact, which
 * took 0.6 s for the 85,000 facts after an edit near the top of a 235,000-line session.
 */
function moveFacts(facts: readonly Fact[], delta: number, uri: string): void {
  const seen = new Set<Evidence>();
  const move = (line: number) => ({ line: line + delta, column: 0 });
  const moveAll = (list: readonly Evidence[]) => {
    for (const evidence of list)
      if (evidence.uri === uri && !seen.has(evidence)) {
        seen.add(evidence);
        moveEvidence(evidence, move);
      }
  };
  for (const fact of facts) {
    moveAll(fact.evidence);
    if (fact.kind === 'Capture') {
      // a table of columns moves its rows' lines and keeps its Packets (remapLines builds them again)
      if (fact.packets instanceof SegmentedPackets || fact.packets instanceof PacketColumns)
        fact.packets.moveLines(delta);
      else fact.packets.remapLines(move);
    } else if (fact.kind === 'Packet') for (let inner = fact.inner; inner; inner = inner.inner) moveAll(inner.evidence);
    else if (fact.kind === 'Traceroute') for (const hop of fact.hops) if (hop.line !== undefined) hop.line += delta;
  }
}

/** Moves blocks' lines (and their facts' evidence) by `delta`, in one walk over their facts. */
export function shifted(blocks: DocumentBlock[], delta: number, uri: string): DocumentBlock[] {
  if (delta === 0 || blocks.length === 0) return blocks;
  const facts: Fact[] = [];
  for (const block of blocks) for (const fact of block.result.facts) facts.push(fact);
  moveFacts(facts, delta, uri);
  return blocks.map((block) => ({
    ...block,
    startLine: block.startLine + delta,
    endLine: block.endLine + delta,
    result: {
      ...block.result,
      unparsed: block.result.unparsed.map((entry) => ({ ...entry, line: entry.line + delta })),
    },
  }));
}

/**
 * A document's text as an edit reads it: its length, where its lines start, and pieces of it. A held
 * document keeps its text in chunks, so that an edit does not copy the whole text (see heldDocuments).
 */
export interface EditedText {
  readonly length: number;
  /** Where each (0-based) line starts. */
  readonly lineStarts: readonly number[];
  slice(from: number, to: number): string;
}

/** A string as an EditedText (its line starts found now). */
function editedText(text: string | EditedText): EditedText {
  if (typeof text !== 'string') return text;
  return { length: text.length, lineStarts: lineStartsOf(text), slice: (from, to) => text.slice(from, to) };
}

/**
 * The rows of a capture an edit read again in place (see readInPieces): its `removed` rows from row
 * `from` became `added` rows; the rows after them are the same packets, `added - removed` rows on.
 */
export interface CaptureRowsEdit {
  capture: Capture;
  from: number;
  removed: number;
  added: number;
}

/**
 * What reparseEdited read: blocks and lines; `inPlace` when only a capture's packets changed (see
 * readInPieces), and which rows.
 */
export interface ReadAgain {
  readBlocks: number;
  readLines: number;
  inPlace?: true;
  rows?: CaptureRowsEdit;
}

/**
 * The document `text` (after the edit) as parseDocument would read it, given how it was read before
 * the edit (`previous`, which this consumes: its kept facts move with their lines). `readBlocks`
 * says how many blocks were read again.
 */
export function reparseEdited(
  previous: DocumentResult,
  text: string | EditedText,
  edit: EditedLines,
): DocumentResult & ReadAgain {
  const source = editedText(text);
  const inPieces = readInPieces(previous, source, edit);
  if (inPieces) return inPieces;
  const plan = readEdited(previous, source, edit);
  return finish(plan, shifted(plan.after, plan.delta, plan.uri));
}

/**
 * reparseEdited in turns: the blocks after the edit are moved `slice` blocks at a time, awaiting
 * `pause()` between slices (on the extension host, moving 85,000 facts at once took 0.2–0.5 s).
 */
export async function reparseEditedInTurns(
  previous: DocumentResult,
  text: string,
  edit: EditedLines,
  options: { slice: number; pause: () => Promise<unknown> },
): Promise<DocumentResult & ReadAgain> {
  const plan = readEdited(previous, editedText(text), edit);
  const after: DocumentBlock[] = [];
  for (let at = 0; at < plan.after.length; at += options.slice) {
    for (const block of shifted(plan.after.slice(at, at + options.slice), plan.delta, plan.uri)) after.push(block);
    if (at + options.slice < plan.after.length) await options.pause();
  }
  return finish(plan, after);
}

interface ReadPlan {
  uri: string;
  before: DocumentBlock[];
  read: DocumentBlock[];
  /** Blocks after the edit, still at their old lines; `delta` moves them. */
  after: DocumentBlock[];
  delta: number;
  readLines: number;
}

function finish(plan: ReadPlan, after: DocumentBlock[]): DocumentResult & ReadAgain {
  const out = [...plan.before, ...plan.read, ...after];
  const facts: Fact[] = [];
  for (const block of out) for (const fact of block.result.facts) facts.push(fact);
  return { uri: plan.uri, blocks: out, facts, readBlocks: plan.read.length, readLines: plan.readLines };
}

/** Reads the blocks the edit touched from the new text; says which blocks stay and how far the later ones move. */
function readEdited(previous: DocumentResult, text: EditedText, edit: EditedLines): ReadPlan {
  const uri = previous.uri;
  const blocks = previous.blocks;
  // 1-based old lines the edit touched (an insertion touches the line it was made in)
  const touchedFrom = edit.from + 1;
  const touchedTo = Math.max(edit.oldLast, edit.from) + 1;
  let first = blocks.findIndex((block) => block.endLine >= touchedFrom - 1);
  if (first < 0) first = blocks.length;
  let last = blocks.length - 1;
  while (last >= 0 && firstLineOf(blocks[last]) > touchedTo + 1) last--;
  // one more block on each side: the splitter may join or cut them differently now; and the pieces
  // of one command's output (`cat a b` gives a block per file) are read together, from the prompt
  const sameCommand = (index: number) =>
    blocks[index].command !== null && blocks[index].command === blocks[index - 1].command;
  first = Math.max(0, first - 1);
  while (first > 0 && sameCommand(first)) first--;
  last = Math.min(blocks.length - 1, last + 1);
  while (last + 1 < blocks.length && sameCommand(last + 1)) last++;
  const delta = edit.newLast - edit.oldLast;
  // the region to read, in old lines, then in new lines (1-based, inclusive)
  const oldFrom = Math.min(touchedFrom, first <= last ? firstLineOf(blocks[first]) : touchedFrom);
  const oldTo = Math.max(touchedTo, first <= last ? blocks[last].endLine : touchedTo);
  const starts = text.lineStarts;
  const lineCount = starts.length - (text.length > 0 && text.slice(text.length - 1, text.length) === '\n' ? 1 : 0);
  const newFrom = Math.max(1, oldFrom);
  const newTo = Math.min(lineCount, oldTo + delta);
  const region =
    newTo >= newFrom ? text.slice(starts[newFrom - 1], newTo < starts.length ? starts[newTo] : text.length) : '';
  const read = parseDocument(region, uri);
  return {
    uri,
    before: blocks.slice(0, first),
    read: shifted(read.blocks, newFrom - 1, uri),
    after: blocks.slice(last + 1),
    delta,
    readLines: Math.max(0, newTo - newFrom + 1),
  };
}

/** Offsets where each line of `text` starts. */
export function lineStartsOf(text: string): number[] {
  const out = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) out.push(at + 1);
  return out;
}

const isBlank = (line: string) => leadOf(line, 0, line.length) < 0;

/** Whether the splitter takes `line` for a command line (a prompt): as split.ts's commandAt decides. */
function startsCommand(line: string): boolean {
  const lead = leadOf(line, 0, line.length);
  return lead >= 0 && !(lead >= 48 && lead <= 57) && commandLine(line) !== undefined;
}

/** Whether the splitter would cut `line` into several tcpdump records (its newlines were lost). */
function cutIntoRecords(line: string): boolean {
  if (line.length === 0) return false;
  try {
    const pieces = tcpdumpFormat.unflatten!(line);
    return Array.isArray(pieces) && pieces.length > 1;
  } catch {
    return false;
  }
}

/**
 * An edit inside a large tcpdump capture, read in pieces (see tcpdump/segments.ts): only
 * the pieces it touched are read again, into the same Capture fact (its table and evidence change
 * in place, its other pieces keep their Packets); the blocks after it move. Undefined when the edit
 * may change more than those pieces: how the document is cut into blocks (a command line added, a
 * line in the head the block's format was sniffed from, a paragraph after a blank line that no longer
 * goes on the block, a line of several records to cut), or a piece that cannot be cut where it was.
 * A blank line typed (Enter) or removed inside a capture is read in place: 1.1 s before, on 400,000 lines.
 */
function readInPieces(
  previous: DocumentResult,
  text: EditedText,
  edit: EditedLines,
): (DocumentResult & ReadAgain) | undefined {
  const uri = previous.uri;
  const touchedFrom = edit.from + 1;
  const touchedTo = Math.max(edit.oldLast, edit.from) + 1;
  const delta = edit.newLast - edit.oldLast;
  const index = previous.blocks.findIndex((block) => block.endLine >= touchedFrom);
  const block = previous.blocks[index] as DocumentBlock | undefined;
  const capture = block?.result.facts.length === 1 ? block.result.facts[0] : undefined;
  if (
    !block ||
    capture?.kind !== 'Capture' ||
    !(capture.packets instanceof PacketColumns || capture.packets instanceof SegmentedPackets) ||
    (capture.packets instanceof SegmentedPackets && capture.packets.remapped) ||
    touchedFrom < block.startLine ||
    touchedTo > block.endLine ||
    // `cat a b`: where one file's output ends depends on the lines
    (block.command !== null && /\bcat\b/.test(block.command)) ||
    !lineFeedText(text)
  )
    return undefined;
  const starts = text.lineStarts;
  const lineStart = (line: number) => (line - 1 < starts.length ? starts[line - 1] : text.length);
  /** A 1-based line of the new text without its line end. */
  const lineAt = (line: number) => {
    const end = line < starts.length ? starts[line] - 1 : text.length;
    const content = text.slice(lineStart(line), end);
    return content.charCodeAt(content.length - 1) === 13 ? content.slice(0, -1) : content;
  };
  // in the block's own head the same format; the block still begins and ends with a line that is not blank
  const newEnd = block.endLine + delta;
  if (touchedFrom < block.startLine + SNIFF_LINES && !sameFormat(previous.blocks, index, { lineAt, end: newEnd }))
    return undefined;
  if (newEnd < block.startLine || isBlank(lineAt(block.startLine)) || isBlank(lineAt(newEnd))) return undefined;
  // a paragraph after a blank line whose head (the lines it is sniffed from) the edit changed, or that the
  // edit began, still goes on the block: as splitTranscript decides it
  const lastTouched = Math.max(edit.newLast, edit.from) + 1;
  for (let line = Math.max(block.startLine + 1, touchedFrom - SNIFF_LINES); line <= lastTouched + 1; line++) {
    if (line > newEnd || isBlank(lineAt(line)) || !isBlank(lineAt(line - 1))) continue;
    const head: string[] = [];
    for (let next = line; next <= newEnd && head.length < SNIFF_LINES && !isBlank(lineAt(next)); next++)
      head.push(lineAt(next));
    if (!goesOn(block, head, lineAt)) return undefined;
  }
  // the new lines: no command line (it ends the block), none the splitter would cut into records
  for (let line = touchedFrom; line <= Math.max(edit.newLast, edit.from) + 1; line++) {
    const content = lineAt(line);
    if (startsCommand(content) || cutIntoRecords(content)) return undefined;
  }
  let blockEnd = newEnd < starts.length ? starts[newEnd] - 1 : text.length;
  if (blockEnd > lineStart(newEnd) && text.slice(blockEnd - 1, blockEnd) === '\r') blockEnd--;
  // a capture read whole is cut into pieces on the first edit, unless cutIntoPieces did it before
  const table = inPieces(block);
  if (!table) return undefined;
  const read = readPieces(
    table,
    { slice: (from, to) => text.slice(from, to), lineStart, blockEnd, touchedFrom, touchedTo, delta },
    { uri, command: capture.command },
  );
  if (!read) return undefined;
  let from = 0;
  for (let k = 0; k < read.from; k++) from += table.segments[k].table.size;
  let removed = 0;
  for (let k = read.from; k < read.from + read.removed; k++) removed += table.segments[k].table.size;
  let added = 0;
  for (const piece of read.added) added += piece.table.size;
  if (table.size - removed + added === 0) return undefined;
  applyPieces(table, read, delta);
  spanPackets(capture.evidence[0], table);
  const unparsed = [];
  let records = 0;
  for (const piece of table.segments) {
    records += piece.records;
    for (const entry of piece.unparsed) unparsed.push({ ...entry });
  }
  const edited: DocumentBlock = {
    ...block,
    endLine: newEnd,
    result: { ...block.result, records, unparsed },
  };
  const blocks = [...previous.blocks.slice(0, index), edited, ...shifted(previous.blocks.slice(index + 1), delta, uri)];
  const facts: Fact[] = [];
  for (const each of blocks) for (const fact of each.result.facts) facts.push(fact);
  const rows = { capture, from, removed, added };
  return { uri, blocks, facts, readBlocks: 1, readLines: read.lines, inPlace: true, rows };
}

/** The format a block's command line (the line before the block) gives its output; undefined when it names none. */
function commandFormat(block: DocumentBlock, lineAt: (line: number) => string) {
  const command = commandLine(lineAt(block.startLine - 1));
  return command ? (formatForCommand(command.effective) ?? formatForCommand(command.command)) : undefined;
}

/**
 * Whether a paragraph after a blank line inside `block` (`head`: its first SNIFF_LINES lines) goes on
 * the block, as splitTranscript decides it: after a command while the command's format says the
 * paragraph continues its output (a command that names none ends at a blank line); without one
 * while the paragraph reads as the block's format or continues it.
 */
function goesOn(block: DocumentBlock, head: readonly string[], lineAt: (line: number) => string): boolean {
  if (block.command !== null) {
    const spec = commandFormat(block, lineAt);
    return spec !== undefined && continues(spec, head);
  }
  const format = formatSpec(block.format);
  return sniffBest(head)?.id === block.format || (format !== undefined && continues(format, head));
}

/**
 * Whether the splitter still gives block `index` its format after an edit in its head (its first
 * SNIFF_LINES lines; `lineAt` reads the new text, 1-based, `end` is the block's last line in it), as
 * splitTranscript decides it: from its
 * command when that names a format, else by sniffing the head; a paragraph with no command also
 * stays apart from a paragraph with no command just before it (else the head decides that too).
 */
function sameFormat(
  blocks: readonly DocumentBlock[],
  index: number,
  text: { lineAt: (line: number) => string; end: number },
): boolean {
  const { lineAt, end } = text;
  const block = blocks[index];
  const head: string[] = [];
  if (block.command !== null) {
    const spec = commandFormat(block, lineAt);
    if (spec) return spec.id === block.format;
    for (let line = block.startLine; line <= end && head.length < SNIFF_LINES; line++) head.push(lineAt(line));
  } else {
    const before = blocks[index - 1] as DocumentBlock | undefined;
    if (before?.command === null) {
      let line = before.endLine + 1;
      while (line < block.startLine && isBlank(lineAt(line))) line++;
      if (line === block.startLine) return false;
    }
    for (let line = block.startLine; line <= end && head.length < SNIFF_LINES; line++) {
      const content = lineAt(line);
      if (isBlank(content)) break;
      head.push(content);
    }
  }
  return sniffBest(head)?.id === block.format;
}

/**
 * A block's capture in pieces: cut into windows on its table (no row is read again) when it was read
 * whole; undefined when it cannot be cut (see piecesOfTable).
 */
function inPieces(block: DocumentBlock): SegmentedPackets | undefined {
  const capture = block.result.facts.length === 1 ? block.result.facts[0] : undefined;
  if (capture?.kind !== 'Capture') return undefined;
  if (capture.packets instanceof SegmentedPackets) return capture.packets;
  if (!(capture.packets instanceof PacketColumns)) return undefined;
  const pieces = piecesOfTable({
    table: capture.packets,
    firstLine: block.startLine,
    lines: block.endLine - block.startLine + 1,
    records: block.result.records,
    unparsed: block.result.unparsed,
    command: capture.command,
  });
  if (pieces) capture.packets = pieces;
  return pieces;
}

/**
 * Cuts a document's large captures into pieces (see inPieces), so that the first edit in one reads
 * one piece: done ahead of the edits, when there is time (a held document, once parsed).
 */
export function cutIntoPieces(doc: DocumentResult): void {
  for (const block of doc.blocks) if (block.format === 'tcpdump') inPieces(block);
}

/**
 * Whether parseDocument reads the text as it is (normalizeLineEnds leaves it): a line feed followed
 * by more than line ends. Looks at the text after the first line feed only (a lone-CR text is one line).
 */
function lineFeedText(text: EditedText): boolean {
  const starts = text.lineStarts;
  if (starts.length < 2) return false;
  return /[^\r\n]/.test(text.slice(starts[1], Math.min(text.length, starts[1] + 4096)));
}
