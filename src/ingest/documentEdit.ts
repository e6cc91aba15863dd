import { moveEvidence, type Evidence, type Fact } from '../model';
import { parseDocument, type DocumentBlock, type DocumentResult } from './document';

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
    let added = 0;
    for (let at = change.text.indexOf('\n'); at >= 0; at = change.text.indexOf('\n', at + 1)) added++;
    const delta = added - (change.endLine - change.startLine);
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
    if (fact.kind === 'Capture') fact.packets.remapLines(move);
    else if (fact.kind === 'Packet') for (let inner = fact.inner; inner; inner = inner.inner) moveAll(inner.evidence);
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
 * The document `text` (after the edit) as parseDocument would read it, given how it was read before
 * the edit (`previous`, which this consumes: its kept facts move with their lines). `readBlocks`
 * says how many blocks were read again.
 */
export function reparseEdited(
  previous: DocumentResult,
  text: string,
  edit: EditedLines,
): DocumentResult & { readBlocks: number; readLines: number } {
  const plan = readEdited(previous, text, edit);
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
): Promise<DocumentResult & { readBlocks: number; readLines: number }> {
  const plan = readEdited(previous, text, edit);
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

function finish(plan: ReadPlan, after: DocumentBlock[]): DocumentResult & { readBlocks: number; readLines: number } {
  const out = [...plan.before, ...plan.read, ...after];
  const facts: Fact[] = [];
  for (const block of out) for (const fact of block.result.facts) facts.push(fact);
  return { uri: plan.uri, blocks: out, facts, readBlocks: plan.read.length, readLines: plan.readLines };
}

/** Reads the blocks the edit touched from the new text; says which blocks stay and how far the later ones move. */
function readEdited(previous: DocumentResult, text: string, edit: EditedLines): ReadPlan {
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
  const starts = lineStarts(text);
  const lineCount = starts.length - (text.endsWith('\n') ? 1 : 0);
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
function lineStarts(text: string): number[] {
  const out = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) out.push(at + 1);
  return out;
}
