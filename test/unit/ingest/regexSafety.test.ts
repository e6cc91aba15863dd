/**
 * The regex safety net: every regular-expression literal in src/ingest and src/cluster runs on generated
 * pathological lines (long runs of one fragment: spaces, tabs, letters, digits, punctuation,
 * after the literal text the regex starts with), at two lengths four times apart. A linear
 * regex takes about 4× as long on the longer line, a quadratic one 16×: the test fails above
 * 10× (when the longer run takes long enough to measure). It asserts on growth, not on time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Where text from a paste, a workspace file or a cluster reaches a regex. */
const ROOTS = ['src/ingest', 'src/cluster'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface Found {
  file: string;
  line: number;
  regex: RegExp;
}

/** Every regex literal, found by the TypeScript scanner (not by a regex over the source). */
function regexLiterals(): Found[] {
  const found: Found[] = [];
  for (const file of ROOTS.flatMap(sourceFiles)) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const literal = node.getText(source);
        const slash = literal.lastIndexOf('/');
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push({ file, line, regex: new RegExp(literal.slice(1, slash), literal.slice(slash + 1)) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The literal text a regex must start with (after `^`), so the run lands where the regex looks. */
function literalPrefix(regex: RegExp): string {
  const body = regex.source.replace(/^\^/, '');
  let prefix = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\' && /[./:\-[\]()*+?{}|$^ #=]/.test(body[i + 1] ?? '')) {
      prefix += body[++i];
      continue;
    }
    if (/[\\[\](){}|*+?.$^]/.test(char)) {
      // A quantifier makes the previous character optional or repeated: drop it.
      if (/[*+?{]/.test(char)) prefix = prefix.slice(0, -1);
      break;
    }
    prefix += char;
  }
  return prefix;
}

const FRAGMENTS = [
  ' ',
  '\t',
  'a',
  'A',
  '0',
  'a ',
  '0.',
  '0:',
  'a=',
  ' -',
  '-',
  '.',
  ':',
  '/',
  ',',
  '"',
  "'",
  '# ',
  '*',
  ' ;',
];
/** Around the run: nothing or a word before it, and something the regex must then fail on after it. */
const SHAPES: [lead: string, tail: string][] = [
  ['', '\u0001'],
  ['', '!'],
  ['a', 'b\u0001'],
];

/** Runs the regex the way the code does (once, or to the end for g/y), returns elapsed ms. */
function run(regex: RegExp, line: string): number {
  const re = new RegExp(regex.source, regex.flags);
  const start = process.hrtime.bigint();
  if (re.global || re.sticky) {
    let guard = 0;
    while (re.exec(line) !== null && guard++ < 1_000_000) if (re.lastIndex === 0) break;
  } else re.exec(line);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const best = (regex: RegExp, line: string) => Math.min(run(regex, line), run(regex, line), run(regex, line));

const SHORT = 10_000;
const LONG = 40_000;
/** Below this the longer run is too quick to measure growth reliably. */
const MEASURABLE_MS = 4;

export interface Growth {
  where: string;
  fragment: string;
  shortMs: number;
  longMs: number;
}

export function superLinear(found: Found): Growth | undefined {
  const prefix = literalPrefix(found.regex);
  for (const fragment of FRAGMENTS) {
    for (const [lead, tail] of SHAPES) {
      const line = (n: number) => prefix + lead + fragment.repeat(Math.ceil(n / fragment.length)) + tail;
      const longLine = line(LONG);
      let longMs = best(found.regex, longLine);
      if (longMs < MEASURABLE_MS) continue;
      let shortMs = best(found.regex, line(SHORT));
      if (longMs / Math.max(shortMs, 0.05) <= 10) continue;
      // Measure again before blaming the regex (the machine is shared).
      shortMs = Math.min(shortMs, best(found.regex, line(SHORT)));
      longMs = Math.min(longMs, best(found.regex, longLine));
      if (longMs >= MEASURABLE_MS && longMs / Math.max(shortMs, 0.05) > 10)
        return {
          where: `${found.file}:${found.line} ${found.regex}`,
          fragment: JSON.stringify(fragment),
          shortMs,
          longMs,
        };
    }
  }
  return undefined;
}

test('the net finds the regex literals of src/ingest and src/cluster', () => {
  const found = regexLiterals();
  assert.ok(found.length > 200, `only ${found.length} regex literals found`);
  assert.equal(literalPrefix(/^Server:\s+(?<server>\S+)/), 'Server:');
  assert.equal(literalPrefix(/^\/\* (?<comment>.*) \*\//), '/* ');
});

test('no regex in src/ingest or src/cluster grows super-linearly on a long pathological line', () => {
  const slow = regexLiterals()
    .map(superLinear)
    .filter((g): g is Growth => g !== undefined);
  assert.deepEqual(
    slow.map(
      (g) =>
        `${g.where} on ${g.fragment}: ${g.shortMs.toFixed(1)} ms at ${SHORT}, ${g.longMs.toFixed(1)} ms at ${LONG}`,
    ),
    [],
  );
});
