/**
 * Line-level readability figures of the source (issue 18's targets), read with the TypeScript
 * parser: one-letter parameters and locals as a share of all parameters and locals, lines over
 * 120 characters as a share of all lines, and the functions that take more than four parameters.
 * test/unit/architecture/readability.test.ts prints them and holds them.
 *
 * Not counted as names: loop indices (a variable of a `for (…; …; …)` head, the index parameter
 * of an array callback such as `map((item, i) => …)`), the caught error of `catch (e)`, and `_`
 * for a parameter a callback must take but does not read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const LONG_LINE = 120;
export const MAX_PARAMETERS = 4;

export interface NameSite {
  file: string;
  line: number;
  name: string;
  kind: 'parameter' | 'local';
}

export interface LongParameterList {
  file: string;
  line: number;
  name: string;
  parameters: number;
}

export interface FileFigures {
  file: string;
  lines: number;
  longLines: number;
  names: number;
  oneLetter: NameSite[];
  longParameterLists: LongParameterList[];
}

/** Array methods whose callback's parameter at this position is an index. */
const INDEX_PARAMETER: Readonly<Record<string, number>> = {
  map: 1,
  forEach: 1,
  filter: 1,
  some: 1,
  every: 1,
  find: 1,
  findIndex: 1,
  findLast: 1,
  findLastIndex: 1,
  flatMap: 1,
  from: 1,
  reduce: 2,
  reduceRight: 2,
};

/** Every `.ts` file under the given folders, test-free and sorted. */
export function sourceFiles(roots: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const root of roots) walk(root);
  return files;
}

function isLoopIndex(declaration: ts.VariableDeclaration): boolean {
  const list = declaration.parent;
  return ts.isVariableDeclarationList(list) && ts.isForStatement(list.parent) && list.parent.initializer === list;
}

function isIndexParameter(parameter: ts.ParameterDeclaration): boolean {
  const callback = parameter.parent;
  if (!ts.isArrowFunction(callback) && !ts.isFunctionExpression(callback)) return false;
  const call = callback.parent;
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) return false;
  const position = INDEX_PARAMETER[call.expression.name.text];
  return position !== undefined && callback.parameters.indexOf(parameter) === position;
}

/** A function with code, not a signature (a type, an interface method, an overload). */
function hasBody(node: ts.Node): boolean {
  return ts.isFunctionLike(node) && 'body' in node && node.body !== undefined;
}

const isThis = (parameter: ts.ParameterDeclaration): boolean =>
  ts.isIdentifier(parameter.name) && parameter.name.text === 'this';

/** The identifiers a binding introduces (`a`, or each name of `{ a, b: [c] }`). */
function boundNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : boundNames(element.name)));
}

function functionName(node: ts.SignatureDeclaration): string {
  if (node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

export function measureFile(file: string, text = readFileSync(file, 'utf8')): FileFigures {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const figures: FileFigures = {
    file,
    lines: lines.length,
    longLines: lines.filter((line) => line.length > LONG_LINE).length,
    names: 0,
    oneLetter: [],
    longParameterLists: [],
  };
  const count = (identifier: ts.Identifier, kind: NameSite['kind']): void => {
    if (identifier.text === '_') return;
    figures.names++;
    if (identifier.text.length === 1) {
      const line = source.getLineAndCharacterOfPosition(identifier.getStart(source)).line + 1;
      figures.oneLetter.push({ file, line, name: identifier.text, kind });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isParameter(node) && hasBody(node.parent) && !isThis(node) && !isIndexParameter(node)) {
      for (const name of boundNames(node.name)) count(name, 'parameter');
    } else if (ts.isVariableDeclaration(node) && !isLoopIndex(node) && !ts.isCatchClause(node.parent)) {
      for (const name of boundNames(node.name)) count(name, 'local');
    }
    if (ts.isFunctionLike(node) && hasBody(node)) {
      const parameters = node.parameters.filter((parameter) => !isThis(parameter));
      if (parameters.length > MAX_PARAMETERS) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        figures.longParameterLists.push({ file, line, name: functionName(node), parameters: parameters.length });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return figures;
}

export interface Figures {
  files: number;
  lines: number;
  longLines: number;
  names: number;
  oneLetter: NameSite[];
  longParameterLists: LongParameterList[];
}

export function measure(files: readonly string[]): Figures {
  const total: Figures = {
    files: files.length,
    lines: 0,
    longLines: 0,
    names: 0,
    oneLetter: [],
    longParameterLists: [],
  };
  for (const file of files) {
    const figures = measureFile(file);
    total.lines += figures.lines;
    total.longLines += figures.longLines;
    total.names += figures.names;
    total.oneLetter.push(...figures.oneLetter);
    total.longParameterLists.push(...figures.longParameterLists);
  }
  return total;
}

export const share = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);

export function percent(part: number, whole: number): string {
  return `${(100 * share(part, whole)).toFixed(2)} %`;
}
