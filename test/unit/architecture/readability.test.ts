/**
 * Issue 18's line-level figures over src/ and webview/ (scripts/readability.ts): one-letter
 * parameters and locals, lines over 120 characters, functions with more than four parameters.
 * Printed on every run and held: fewer than 3 % one-letter names, fewer than 0.5 % lines over 120
 * characters (issue 18's targets). The measurement itself is tested here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure, measureFile, percent, sourceFiles } from '../../../scripts/readability';

test('the measurement: what counts as a one-letter name, a long line, a long parameter list', () => {
  const text = [
    'export function route(a: string, packet: number, { s, port }: { s: string; port: number }) {',
    '  for (let i = 0; i < 3; i++) packet += i;',
    '  for (const x of [1]) packet += x;',
    '  try { packet++; } catch (e) { packet--; }',
    '  const n = [1, 2].map((v, k) => v + k).filter((_, index) => index > 0);',
    '  type Sniff = (l: string) => number;',
    '  const sniff: Sniff = (line) => line.length;',
    `  return a + s + port + n.length + sniff('${'x'.repeat(120)}');`,
    '}',
    'function five(first: number, second: number, third: number, fourth: number, fifth: number) {',
    '  return first + second + third + fourth + fifth;',
    '}',
  ].join('\n');
  const figures = measureFile('sample.ts', text);
  // a, s, x, n, v: one letter; i (a loop index), k (a map index), e (caught), _ and the type's l are not names here
  assert.deepEqual(
    figures.oneLetter.map((site) => `${site.name}:${site.kind}`),
    ['a:parameter', 's:parameter', 'x:local', 'n:local', 'v:parameter'],
  );
  // route: a, packet, s, port; x, n, sniff; v; line; five's five
  assert.equal(figures.names, 4 + 3 + 1 + 1 + 5);
  assert.equal(figures.lines, 12);
  assert.equal(figures.longLines, 1);
  assert.deepEqual(
    figures.longParameterLists.map((list) => `${list.name}:${list.parameters}`),
    ['five:5'],
  );
});

test('src/ and webview/: one-letter names, long lines, long parameter lists (printed)', (t) => {
  const figures = measure(sourceFiles(['src', 'webview']));
  const oneLetterParameters = figures.oneLetter.filter((site) => site.kind === 'parameter').length;
  t.diagnostic(
    `${figures.files} files, ${figures.lines} lines: ${figures.longLines} over 120 characters ` +
      `(${percent(figures.longLines, figures.lines)}); ${figures.names} parameters and locals: ` +
      `${figures.oneLetter.length} one letter (${percent(figures.oneLetter.length, figures.names)}; ` +
      `${oneLetterParameters} parameters, ${figures.oneLetter.length - oneLetterParameters} locals); ` +
      `${figures.longParameterLists.length} functions take more than four parameters`,
  );
  assert.ok(figures.files > 100 && figures.names > 1000, 'the walk found the source');
  const where = (sites: { file: string; line: number }[]) =>
    sites
      .slice(0, 10)
      .map((site) => `${site.file}:${site.line}`)
      .join(', ');
  assert.ok(
    figures.oneLetter.length < 0.03 * figures.names,
    `one-letter names: ${percent(figures.oneLetter.length, figures.names)} (at most 3 %), e.g. ${where(figures.oneLetter)}`,
  );
  assert.ok(
    figures.longLines < 0.005 * figures.lines,
    `lines over 120 characters: ${percent(figures.longLines, figures.lines)} (at most 0.5 %)`,
  );
});
