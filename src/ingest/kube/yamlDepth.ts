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
  let i = 0;
  const length = text.length;
  while (i < length) {
    // Line start: indentation and sequence / complex-key markers (block nesting), outside flow collections.
    let column = 0;
    while (i < length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) {
      i++;
      column++;
    }
    const code = text.charCodeAt(i);
    if (flow === 0 && i < length && code !== LF && code !== CR && code !== 35 /* # */) {
      while (indents.length && indents[indents.length - 1] >= column) indents.pop();
      indents.push(column);
      let markers = 0;
      while (
        i + 1 < length &&
        (text[i] === '-' || text[i] === '?') &&
        (text.charCodeAt(i + 1) === SPACE || text.charCodeAt(i + 1) === TAB)
      ) {
        if (indents.length + ++markers > limit) return { line, depth: indents.length + markers };
        i += 2;
        while (i < length && text.charCodeAt(i) === SPACE) i++;
      }
      if (indents.length + markers > limit) return { line, depth: indents.length + markers };
    }
    // The rest of the line: flow brackets outside quotes and comments.
    let previous = SPACE;
    while (i < length) {
      const char = text.charCodeAt(i);
      if (char === LF) break;
      if (char === 34 /* " */) {
        i++;
        while (i < length && text.charCodeAt(i) !== 34 && text.charCodeAt(i) !== LF) i += text[i] === '\\' ? 2 : 1;
      } else if (char === 39 /* ' */ && (previous === SPACE || previous === TAB || '[{,:'.includes(text[i - 1]))) {
        i++;
        while (i < length && text.charCodeAt(i) !== 39 && text.charCodeAt(i) !== LF) i++;
      } else if (char === 35 /* # */ && (previous === SPACE || previous === TAB)) {
        while (i < length && text.charCodeAt(i) !== LF) i++;
        break;
      } else if (char === 91 /* [ */ || char === 123 /* { */) {
        if (++flow > limit) return { line, depth: flow };
      } else if ((char === 93 /* ] */ || char === 125) /* } */ && flow > 0) flow--;
      previous = text.charCodeAt(i);
      i++;
    }
    // a document marker ends every collection (a broken one must not carry over)
    i++;
    line++;
    if (text.startsWith('---', i) || text.startsWith('...', i)) flow = 0;
  }
  return undefined;
}
