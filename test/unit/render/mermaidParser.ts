// Runs the real Mermaid sequence-diagram parser (mermaid's jison grammar, from the
// installed package) on renderer output in plain Node. `mermaid.parse()` itself
// needs a DOM (DOMPurify), so this reproduces its text pipeline around the grammar:
// directive detection, `%%` comment removal, `encodeEntities`, then the grammar with
// a recording `yy` in place of Mermaid's database. What the grammar hands to the
// database (actors, messages, notes, blocks) is what Mermaid would draw.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ParsedRecord {
  type: string;
  [key: string]: unknown;
}

export interface ParsedDiagram {
  records: ParsedRecord[];
  messages: { from: string; to: string; signalType: string; text: string }[];
  notes: { actor: unknown; text: string }[];
  participants: Map<string, string>;
  boxes: string[];
  title?: string;
  blocks: { type: string; text: string }[];
  /** What Mermaid's directive detection finds (must be nothing for our output). */
  directives: unknown;
  /** Lines Mermaid would drop as `%%` comments (must be none). */
  commentLines: string[];
}

interface MermaidInternals {
  parser: { parse(text: string): unknown; yy: unknown };
  encodeEntities(text: string): string;
  decodeEntities(text: string): string;
  detectInit(text: string): unknown;
}

let loaded: Promise<MermaidInternals> | undefined;

function chunkFile(dir: string, test: (name: string, text: string) => boolean): string {
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.mjs') && test(name, readFileSync(join(dir, name), 'utf8'))) return join(dir, name);
  }
  throw new Error(`no mermaid chunk found in ${dir}`);
}

async function load(): Promise<MermaidInternals> {
  const dir = join(dirname(require.resolve('mermaid/package.json')), 'dist/chunks/mermaid.core');
  const seq = chunkFile(dir, (n) => n.startsWith('sequenceDiagram-'));
  const utils = chunkFile(dir, (_n, t) => t.includes('var encodeEntities =') && t.includes('var decodeEntities ='));
  const seqMod = (await import(pathToFileURL(seq).href)) as {
    diagram: { parser: { parser: MermaidInternals['parser'] } };
  };
  const utilMod = (await import(pathToFileURL(utils).href)) as {
    encodeEntities: (t: string) => string;
    decodeEntities: (t: string) => string;
    utils_default: { detectInit(t: string): unknown };
  };
  return {
    parser: seqMod.diagram.parser.parser,
    encodeEntities: utilMod.encodeEntities,
    decodeEntities: utilMod.decodeEntities,
    detectInit: utilMod.utils_default.detectInit,
  };
}

/**
 * Text as the SVG shows it: Mermaid's placeholders → `&#NN;` → characters. Line
 * breaks (`<br/>`, which the renderer puts only between words) read as spaces.
 */
function shown(m: MermaidInternals, text: string): string {
  return m
    .decodeEntities(text.replace(/<br\s*\/?>/gi, ' '))
    .replace(/&#(\d+);/g, (_, c: string) => String.fromCodePoint(Number(c)));
}

export async function parseSequence(source: string): Promise<ParsedDiagram> {
  const m = await (loaded ??= load());
  const records: ParsedRecord[] = [];
  const names = (k: string | symbol) => String(k);
  m.parser.yy = {
    apply: (r: unknown) => records.push(...(([r] as unknown[]).flat(Infinity) as ParsedRecord[])),
    parseMessage: (s: string) => ({ text: s.trim() }),
    parseBoxData: (s: string) => ({ text: s.trim() }),
    setDiagramTitle: (t: string) => records.push({ type: 'title', text: t }),
    setAccTitle: (t: string) => records.push({ type: 'accTitle', text: t }),
    setAccDescription: (t: string) => records.push({ type: 'accDescr', text: t }),
    LINETYPE: new Proxy({}, { get: (_t, k) => names(k) }),
    PLACEMENT: new Proxy({}, { get: (_t, k) => names(k) }),
  };
  const commentLines = source.split('\n').filter((l) => /^\s*%%(?!{)[^\n]+/.test(l));
  const directives = m.detectInit(source);
  m.parser.parse(m.encodeEntities(source) + '\n');
  const text = (v: unknown) => shown(m, (v as { text?: string } | undefined)?.text ?? '');
  const participants = new Map<string, string>();
  for (const r of records)
    if (r.type === 'addParticipant' && r.description) participants.set(String(r.actor), text(r.description));
  return {
    records,
    messages: records
      .filter((r) => r.type === 'addMessage')
      .map((r) => ({ from: String(r.from), to: String(r.to), signalType: String(r.signalType), text: text(r.msg) })),
    notes: records.filter((r) => r.type === 'addNote').map((r) => ({ actor: r.actor, text: text(r.text) })),
    participants,
    title: records.some((r) => r.type === 'title') ? text(records.find((r) => r.type === 'title')) : undefined,
    boxes: records.filter((r) => r.type === 'boxStart').map((r) => text(r.boxData)),
    blocks: records
      .filter((r) => /Start$|^else$/.test(r.type) && r.type !== 'boxStart')
      .map((r) => ({ type: r.type, text: text(r.altText ?? r.optText ?? r.color ?? r.loopText ?? r.rectData) })),
    directives,
    commentLines,
  };
}
