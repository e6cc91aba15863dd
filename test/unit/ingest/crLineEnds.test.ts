/**
 * Text whose lines end with a lone CR (classic Mac files, some serial consoles and copy paths)
 * must read like the same text with LF line ends: every fixture of the real tools is parsed
 * both ways and the blocks, facts and unparsed lines compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { formatSpec } from '../../../src/ingest/registry';
import { normalizeLineEnds } from '../../../src/ingest/lineEnds';

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return fixtureFiles(path);
    return /\.(txt|log|ya?ml|json|conf|env|out)$/.test(name) && name !== 'README.md' ? [path] : [];
  });
}

/** What a reader sees of a document: its blocks, their unparsed lines and their facts. */
function digest(text: string): string {
  const doc = parseDocument(text, 'file:///fixture');
  return JSON.stringify({
    blocks: doc.blocks.map((b) => [b.format, b.startLine, b.endLine, b.result.unparsed.map((u) => u.line)]),
    facts: doc.facts.map((f) => f.kind),
  });
}

/** tcpdump's own test outputs (195 files, test/unit/conformance): every tenth, to keep this test quick. */
const UPSTREAM_TCPDUMP = 'test/fixtures/conformance/tcpdump/';
const ALL_FIXTURES = fixtureFiles('test/fixtures');
const UPSTREAM_FILES = ALL_FIXTURES.filter((f) => f.startsWith(UPSTREAM_TCPDUMP));
const FILES = ALL_FIXTURES.filter((f) => {
  if (f.startsWith(UPSTREAM_TCPDUMP) && UPSTREAM_FILES.indexOf(f) % 10 !== 0) return false;
  const text = readFileSync(f, 'utf8');
  return text.includes('\n') && !text.includes('\r') && !text.includes('\0');
});

test('every fixture reads the same with CR-only line ends as with LF', () => {
  assert.ok(FILES.length > 150, `${FILES.length} fixtures`);
  const different = FILES.filter((f) => {
    const text = readFileSync(f, 'utf8');
    return digest(text) !== digest(text.replace(/\n/g, '\r'));
  });
  assert.deepEqual(different, [], `${different.length} of ${FILES.length} read differently`);
});

test('a parser called directly (a document of one format) reads CR-only text too', () => {
  const text = readFileSync('test/fixtures/netfilter/legacy.nat.L-n.txt', 'utf8');
  const spec = formatSpec('iptables-list')!;
  const lf = spec.parse({ text, uri: 'lf' });
  const cr = spec.parse({ text: text.replace(/\n/g, '\r'), uri: 'cr' });
  assert.equal(cr.facts.length, lf.facts.length);
  assert.deepEqual(cr.unparsed, lf.unparsed);
});

test('which text counts as CR-only', () => {
  assert.equal(normalizeLineEnds('a\rb\rc'), 'a\nb\nc');
  assert.equal(normalizeLineEnds('a\rb\rc\n'), 'a\nb\nc\n', 'an LF added at the end does not hide the CRs');
  assert.equal(normalizeLineEnds('a\r\nb\r\n'), 'a\r\nb\r\n', 'CRLF is left to the parsers');
  assert.equal(normalizeLineEnds('a\nb\rc\n'), 'a\nb\rc\n', 'a CR inside LF text stays');
  assert.equal(normalizeLineEnds('a\rb\nc\rd'), 'a\rb\nc\rd', 'mixed text keeps its lines as the parsers count them');
});

test('a stray CR inside one line of an LF document stays inside that line (the block is not re-split)', () => {
  const capture = readFileSync('test/fixtures/tcpdump/any-nn.txt', 'utf8').split('\n');
  const record = capture.find((line) => / IP \d+\.\d+\.\d+\.\d+\.\d+ > /.test(line)) ?? '';
  const cut = record.indexOf(' > ') + 4;
  // the notes of a report, then a capture line whose destination a copy path broke with a lone CR
  const text = `notes about the capture\n\n${record.slice(0, cut)}\r${record.slice(cut)}`;
  const doc = parseDocument(text, 'file:///stray-cr');
  const lineCount = text.split('\n').length;
  for (const block of doc.blocks) {
    assert.ok(block.endLine <= lineCount);
    for (const entry of block.result.unparsed) assert.ok(entry.line <= lineCount, `unparsed line ${entry.line}`);
  }
  assert.ok(doc.blocks.some((block) => block.format === 'tcpdump'));
});
