import { cellFits, MAY_VANISH, splitGluedIpPort, TWO_WORD_HEADERS } from './tableValues';

/**
 * Splits kubectl table output into sections (header + rows) and rows into cells.
 * Normal output: cells are cut at the header's column positions (kubectl's tabwriter aligns
 * them, values may be empty or contain spaces like `55 (22m ago)`). Output whose newlines were
 * lost (`NAME IP a-pod 10.244.0.53 b-pod 10.244.0.54`): tokens are aligned to the columns by
 * what each column can hold, skipping vanished `<none>` cells and ungluing `10.103.129.8680/TCP`.
 */

export interface TableRow {
  /** 0-based index of the input line. */
  index: number;
  /** 1-based column where the row starts within that line. */
  column: number;
  text: string;
  cells: Map<string, string | undefined>;
  /** Repairs made while aligning (ungluing, vanished cells, ambiguities). */
  notes: string[];
}

export interface TableSection {
  headers: string[];
  headerIndex: number;
  rows: TableRow[];
  flattened: boolean;
}

export interface TableRead {
  sections: TableSection[];
  /** Lines outside any table. */
  stray: { index: number; reason: string }[];
}

interface Tok {
  text: string;
  col: number;
}

const HEADER_TOKEN = /^[A-Z][A-Z0-9()_./%-]{0,40}$/;
const isHeaderToken = (token: string) => HEADER_TOKEN.test(token) && /[A-Z]{2}|^[A-Z]$/.test(token);

function tokenize(line: string): Tok[] {
  const out: Tok[] = [];
  const re = /\S+/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(line)) !== null) out.push({ text: match[0], col: match.index });
  return out;
}

/**
 * Headers with their start positions; `NOMINATED NODE` stays one header. kubectl pads columns
 * with at least 3 blanks, so in a padded header a single blank always joins two words.
 */
function headerColumns(toks: Tok[], padded: boolean): { name: string; start: number }[] {
  const cols: { name: string; start: number; end: number }[] = [];
  for (const tok of toks) {
    const prev = cols[cols.length - 1];
    if (prev && tok.col === prev.end + 1 && (padded || TWO_WORD_HEADERS.has(`${prev.name} ${tok.text}`))) {
      prev.name = `${prev.name} ${tok.text}`;
      prev.end = tok.col + tok.text.length;
    } else cols.push({ name: tok.text, start: tok.col, end: tok.col + tok.text.length });
  }
  return cols;
}

/** Joins tokens that belong to one cell when spaces are the only separators: `(22m ago)`, `+ 3 more...`. */
function joinCellTokens(toks: Tok[]): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i];
    const prev = out[out.length - 1];
    if (prev && tok.text.startsWith('(') && /^\d/.test(prev.text)) {
      let text = `${prev.text} ${tok.text}`;
      while (!text.endsWith(')') && i + 1 < toks.length && text.length < 60) text += ` ${toks[++i].text}`;
      prev.text = text;
    } else if (prev && tok.text === '+' && /^\d+$/.test(toks[i + 1]?.text ?? '') && toks[i + 2]?.text === 'more...') {
      prev.text = `${prev.text} + ${toks[i + 1].text} more...`;
      i += 2;
    } else out.push({ ...tok });
  }
  return out;
}

/** Aligns tokens starting at `pos` to `headers`; returns the cells and the next position. */
function alignRow(
  toks: Tok[],
  pos: number,
  headers: string[],
  notes: string[],
): { cells: Map<string, string | undefined>; next: number } {
  const cells = new Map<string, string | undefined>();
  let position = pos;
  for (let c = 0; c < headers.length && position < toks.length; c++) {
    const col = headers[c];
    const text = toks[position].text;
    if (col === 'OS-IMAGE' && headers[c + 1] === 'KERNEL-VERSION') {
      // `Ubuntu 22.04.5 LTS`: words up to the kernel version (followed by the runtime URL).
      let next = position + 1;
      while (
        next + 1 < toks.length &&
        !(cellFits('KERNEL-VERSION', toks[next].text) && cellFits('CONTAINER-RUNTIME', toks[next + 1]?.text ?? ''))
      )
        next++;
      if (next + 1 < toks.length) {
        cells.set(
          col,
          toks
            .slice(position, next)
            .map((tok) => tok.text)
            .join(' '),
        );
        position = next;
        continue;
      }
    }
    if (cellFits(col, text)) {
      cells.set(col, text);
      position++;
      continue;
    }
    if (col === 'CLUSTER-IP' || col === 'IP' || col === 'INTERNAL-IP') {
      const glued = splitGluedIpPort(text);
      if (glued) {
        cells.set(col, glued.ip);
        toks[position] = { text: glued.rest, col: toks[position].col + glued.ip.length };
        notes.push(
          `unglued "${text}" as ${glued.ip} + ${glued.rest}` +
            (glued.ambiguous.length ? ` (also possible: ${glued.ambiguous.join('; ')})` : ''),
        );
        continue;
      }
    }
    const nextCol = headers[c + 1];
    if (MAY_VANISH.has(col) && nextCol !== undefined && cellFits(nextCol, text)) {
      cells.set(col, undefined);
      notes.push(`${col} missing (an HTML-stripped <none>?)`);
      continue;
    }
    cells.set(col, text);
    notes.push(`"${text}" does not look like ${col}`);
    position++;
  }
  return { cells, next: position };
}

function rowText(toks: Tok[], from: number, to: number): string {
  return toks
    .slice(from, to)
    .map((tok) => tok.text)
    .join(' ');
}

/** Position split; undefined when the row does not line up with the header. */
function splitByPosition(
  line: string,
  cols: { name: string; start: number }[],
): Map<string, string | undefined> | undefined {
  const cells = new Map<string, string | undefined>();
  if (line.slice(0, cols[0].start).trim() !== '') return undefined;
  for (let i = 0; i < cols.length; i++) {
    const start = cols[i].start;
    if (i > 0 && start - 1 < line.length && line[start - 1] !== ' ') return undefined;
    const end = i + 1 < cols.length ? cols[i + 1].start : line.length;
    const value = line.slice(start, end).trim();
    cells.set(cols[i].name, value === '' ? undefined : value);
  }
  return cells;
}

const MAX_HEADERS = 40;

/** `implicitHeaders`: the columns of output printed with `--no-headers` (known from the command). */
export function readTables(lines: readonly string[], implicitHeaders?: string[]): TableRead {
  const sections: TableSection[] = [];
  const stray: TableRead['stray'] = [];
  let cur: (TableSection & { cols: { name: string; start: number }[]; spaced: boolean }) | undefined;
  if (implicitHeaders?.length) {
    // No header line to take positions from: cells are aligned by what each column holds.
    cur = { headers: implicitHeaders, headerIndex: 0, rows: [], flattened: false, cols: [], spaced: false };
    sections.push(cur);
  }

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\t/g, '    ');
    if (line.trim() === '') {
      cur = undefined;
      continue;
    }
    const toks = tokenize(line);
    let headerCount = 0;
    while (headerCount < toks.length && headerCount < MAX_HEADERS && isHeaderToken(toks[headerCount].text))
      headerCount++;
    if (headerCount === toks.length && headerCount > 0) {
      // A header line (also between sections when `grep` removed the blank lines).
      const padded = /\S {3,}\S/.test(line);
      const cols = headerColumns(toks, padded);
      cur = {
        headers: cols.map((column) => column.name),
        headerIndex: index,
        rows: [],
        flattened: false,
        cols,
        spaced: cols.length === 1 || /\S {2,}\S/.test(line),
      };
      sections.push(cur);
      continue;
    }
    if (headerCount >= 2) {
      cur = undefined;
      readFlattened(toks, index, sections);
      continue;
    }
    if (!cur) {
      stray.push({ index, reason: 'not part of a kubectl table (no header line before it)' });
      continue;
    }
    const notes: string[] = [];
    let cells = cur.spaced ? splitByPosition(line, cur.cols) : undefined;
    if (!cells) {
      const joined = joinCellTokens(toks);
      const aligned = alignRow(joined, 0, cur.headers, notes);
      cells = aligned.cells;
      if (aligned.next < joined.length) notes.push(`extra text "${rowText(joined, aligned.next, joined.length)}"`);
    }
    cur.rows.push({ index, column: (toks[0]?.col ?? 0) + 1, text: line.trim(), cells, notes });
  }
  return { sections, stray };
}

/** One line holding one or more whole tables (headers and rows) separated only by spaces. */
function readFlattened(rawToks: Tok[], index: number, sections: TableSection[]): void {
  const toks = joinCellTokens(rawToks);
  let position = 0;
  let section: TableSection | undefined;
  while (position < toks.length) {
    // A run of two or more header words starts a (new) section, e.g. `NAME READY AGE` mid-line.
    let headerCount = 0;
    while (
      position + headerCount < toks.length &&
      headerCount < MAX_HEADERS &&
      isHeaderToken(toks[position + headerCount].text)
    )
      headerCount++;
    if (headerCount >= 2 || (headerCount === 1 && !section)) {
      // Positions are meaningless here: two-word headers are recognised by text.
      const names: string[] = [];
      for (let i = 0; i < headerCount; i++) {
        const pair = `${toks[position + i].text} ${toks[position + i + 1]?.text}`;
        if (i + 1 < headerCount && TWO_WORD_HEADERS.has(pair)) {
          names.push(pair);
          i++;
        } else names.push(toks[position + i].text);
      }
      section = { headers: names, headerIndex: index, rows: [], flattened: true };
      sections.push(section);
      position += headerCount;
      continue;
    }
    if (!section) break;
    const notes: string[] = [];
    const start = position;
    const { cells, next } = alignRow(toks, position, section.headers, notes);
    if (next === start) break; // cannot make progress
    section.rows.push({ index, column: toks[start].col + 1, text: rowText(toks, start, next), cells, notes });
    position = next;
  }
}
