/**
 * Escaping for text that ends up inside Mermaid source. Labels come from logs,
 * manifests and cluster objects, so they are hostile until proven otherwise: they
 * must not end a statement, open a directive, become HTML or spoof the layout.
 *
 * Mermaid's own mechanism is used: `#<code>;` entity codes are swapped for
 * placeholders before the diagram is lexed (mermaid `encodeEntities`) and turned
 * back into `&#<code>;` in the final SVG, where the browser shows them as text.
 * See https://mermaid.js.org/syntax/sequenceDiagram.html#entity-codes-to-escape-characters
 */

/**
 * Characters written as entity codes. Why each one:
 * `#` `;` end a statement or start an entity; `:` starts message text and `wrap:`;
 * `%` starts `%%` comments and `%%{init}%%` directives; `<` `>` `&` `"` `'` `` ` ``
 * would become HTML (and `<br>` a line break); `{` `}` start participant config
 * (`@{`); `,` separates actors; `$` starts KaTeX (`$$`); `\` is an escape in
 * Mermaid's markdown strings. U+FB02 and U+00B6 are the characters of Mermaid's
 * own entity placeholders (`ﬂ°°…¶ß`), so a label cannot forge one. Parentheses are
 * only escaped in box titles (see `escapeBoxTitle`).
 */
const ENTITY_CHARS = new Set('#;:%<>&"\'`{},$\\\uFB02\u00B6');

/**
 * Invisible characters that reorder or hide text (bidi overrides and isolates,
 * zero-width characters, soft hyphen, BOM): they are dropped so a label reads in
 * the picture exactly as it is stored.
 */

const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

/** Line and control characters: a label is always one line of the diagram. */
// eslint-disable-next-line no-control-regex
const BREAKING_SPACE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\s]+/g;

/** Default upper bound on a label, in characters, so one huge log line cannot swamp the picture. */
const MAX_LABEL = 160;

/** True when a surrogate pair (one character, two code units) starts at `at`. */
function pairAt(text: string, at: number): boolean {
  const unit = text.charCodeAt(at);
  const next = text.charCodeAt(at + 1);
  return unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
}

/** Characters (code points) in `text`, as `Array.from(text).length` counts them, without the array. */
function charCount(text: string): number {
  let count = text.length;
  for (let at = 0; at < text.length - 1; at++) {
    if (!pairAt(text, at)) continue;
    count--; // a surrogate pair: one character
    at++;
  }
  return count;
}

/**
 * Whether BREAKING_SPACE would change a text: a breaking character other than a space, or two in a
 * row (a lone space is replaced by itself). A label is mostly words and single spaces.
 */
// eslint-disable-next-line no-control-regex
const FLATTENS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]|[^\S ]| {2}/;

/** Where the code unit after the first `count` characters of `text` is (its length when it has fewer). */
function afterChars(text: string, count: number): number {
  let at = 0;
  for (let char = 0; char < count && at < text.length; char++) at += pairAt(text, at) ? 2 : 1;
  return at;
}

/** Normalises whitespace, drops invisible characters and shortens to `max` characters. */
export function cleanLabel(text: string, max = MAX_LABEL): string {
  const visible = String(text).replace(INVISIBLE, '');
  const flat = (FLATTENS.test(visible) ? visible.replace(BREAKING_SPACE, ' ') : visible).trim();
  // no more characters than code units: most labels are short
  if (flat.length <= max || charCount(flat) <= max) return flat;
  return flat.slice(0, afterChars(flat, max - 1)).trimEnd() + '…';
}

/** Any character of ENTITY_CHARS (made from the set, so the two cannot drift apart). */
const ENTITY_CHAR = new RegExp(
  `[${[...ENTITY_CHARS].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`,
);

function encode(text: string): string {
  if (!ENTITY_CHAR.test(text)) return text;
  let out = '';
  for (const ch of text) out += ENTITY_CHARS.has(ch) ? `#${ch.codePointAt(0)};` : ch;
  return out;
}

/** Text after `:` in a message or note, after `alt`/`else`/`opt`, after `box <colour>`, after `title`. */
export function escapeMermaidText(text: string, max = MAX_LABEL): string {
  const clean = cleanLabel(text, max);
  return clean === '' ? '#160;' : encode(clean);
}

/** Splits at spaces into lines of at most `width` characters (a longer word keeps its own line). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let lineChars = 0; // charCount(line), kept as the line grows
  for (const word of text.split(' ')) {
    const wordChars = charCount(word);
    if (line !== '' && lineChars + 1 + wordChars > width) {
      lines.push(line);
      line = word;
      lineChars = wordChars;
    } else {
      lineChars = line === '' ? wordChars : lineChars + 1 + wordChars;
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Message, note and block text wrapped by us rather than by Mermaid: Mermaid's own
 * `wrap` hyphenates inside entity codes (`10.0.0.1#58;80` would show `&#-58;`), so
 * lines are broken at spaces here, each line escaped, and joined with `<br/>`, the
 * one piece of markup the renderer emits itself.
 */
export function escapeWrapped(text: string, width: number, max = MAX_LABEL): string {
  const clean = cleanLabel(text, max);
  if (clean === '') return '#160;';
  return wrapWords(clean, width).map(encode).join('<br/>');
}

/**
 * A box title (`box <colour> TITLE`). Mermaid takes the leading `rgba(…)` up to the
 * last `)` on the line as the colour, so parentheses in the title are escaped too.
 */
export function escapeBoxTitle(text: string, max = 80): string {
  return escapeMermaidText(text, max).replace(/[()]/g, (char) => `#${char.charCodeAt(0)};`);
}

/**
 * A participant's display name (`participant p0 as NAME`). Mermaid reads it with a
 * stricter rule than message text: it may not start or end with `-`, and a
 * whitespace-separated ` as ` inside it would start a second alias.
 */
export function escapeParticipantName(text: string, max = 60): string {
  const clean = cleanLabel(text, max);
  if (clean === '') return '#160;';
  return encode(clean)
    .replace(/^-+|-+$/g, (dashes) => '#45;'.repeat(dashes.length))
    .replace(/ (?=as(?:\s|$))/gi, '#32;');
}

/** Decodes `#<code>;` entity codes the way the rendered SVG shows them (tests and plain-text views). */
export function decodeMermaidEntities(text: string): string {
  return text.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}
