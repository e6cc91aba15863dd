/**
 * How deeply a YAML text nests, measured before the `yaml` library sees it: the library
 * builds a node per level (a 2 MB line of `[` took 5 s and 1.1 GB), while no Kubernetes
 * object nests more than a few dozen levels. One linear pass: flow collections (`[`, `{`
 * outside quotes and comments) and block nesting (indentation levels plus `- ` / `? `
 * markers at the start of a line).
 */
export const MAX_YAML_DEPTH = 100;

export interface TooDeep {
  /** 1-based line where the nesting passed the limit. */
  line: number;
  depth: number;
}

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;

export function yamlTooDeep(text: string, limit = MAX_YAML_DEPTH): TooDeep | undefined {
  let line = 1;
  let flow = 0;
  const indents: number[] = [];
  let position = 0;
  const length = text.length;
  while (position < length) {
    // Line start: indentation and sequence / complex-key markers (block nesting), outside flow collections.
    let column = 0;
    while (position < length && (text.charCodeAt(position) === SPACE || text.charCodeAt(position) === TAB)) {
      position++;
      column++;
    }
    const code = text.charCodeAt(position);
    if (flow === 0 && position < length && code !== LF && code !== CR && code !== 35 /* # */) {
      while (indents.length && indents[indents.length - 1] >= column) indents.pop();
      indents.push(column);
      let markers = 0;
      while (
        position + 1 < length &&
        (text[position] === '-' || text[position] === '?') &&
        (text.charCodeAt(position + 1) === SPACE || text.charCodeAt(position + 1) === TAB)
      ) {
        if (indents.length + ++markers > limit) return { line, depth: indents.length + markers };
        position += 2;
        while (position < length && text.charCodeAt(position) === SPACE) position++;
      }
      if (indents.length + markers > limit) return { line, depth: indents.length + markers };
    }
    // The rest of the line: flow brackets outside quotes and comments.
    let previous = SPACE;
    while (position < length) {
      const char = text.charCodeAt(position);
      if (char === LF) break;
      if (char === 34 /* " */) {
        position++;
        while (position < length && text.charCodeAt(position) !== 34 && text.charCodeAt(position) !== LF)
          position += text[position] === '\\' ? 2 : 1;
      } else if (
        char === 39 /* ' */ &&
        (previous === SPACE || previous === TAB || '[{,:'.includes(text[position - 1]))
      ) {
        position++;
        while (position < length && text.charCodeAt(position) !== 39 && text.charCodeAt(position) !== LF) position++;
      } else if (char === 35 /* # */ && (previous === SPACE || previous === TAB)) {
        while (position < length && text.charCodeAt(position) !== LF) position++;
        break;
      } else if (char === 91 /* [ */ || char === 123 /* { */) {
        if (++flow > limit) return { line, depth: flow };
      } else if ((char === 93 /* ] */ || char === 125) /* } */ && flow > 0) flow--;
      previous = text.charCodeAt(position);
      position++;
    }
    // a document marker ends every collection (a broken one must not carry over)
    position++;
    line++;
    if (text.startsWith('---', position) || text.startsWith('...', position)) flow = 0;
  }
  return undefined;
}
