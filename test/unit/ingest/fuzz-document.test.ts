/**
 * The transcript splitter against hostile pastes: slices of every real fixture, some lines mutated
 * or spliced with lines of other tools, some pastes with CRLF ends or with their newlines lost.
 * The contract: parseDocument never throws and no parser fails inside it; blocks are in order,
 * inside the text and do not overlap; every unparsed line and every evidence line (packets of a
 * capture included) points inside the text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLineEnds } from '../../../src/ingest/lineEnds';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from '../../../src/ingest/document';
import { packetsOf } from '../../../src/model';
import { rng } from '../../support/random';
import { mutate, type Mutation } from '../../support/mutate';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.(txt|log|conf|yaml|yml|json)$/.test(n) ? [p] : [];
  });
}

const FILES = walk('test/fixtures').map((f) => readFileSync(f, 'utf8').split('\n'));
const REAL = FILES.flat().filter((l) => l.trim() && l.length < 3000);
const MUTATION: Mutation = {
  maxEdits: 6,
  deleteShare: 0.3,
  insertShare: 0.6,
  maxDelete: 10,
  selfShare: 0.8,
  donors: REAL,
  alphabet: ' :/.,-*[]()"{}#\t0123456789abcXYZ\uFFFD>|=@%$!?\'`\\\r',
};

/** A paste: a slice of a real file, some lines mutated, maybe lines of other tools after it. */
function paste(r: () => number): string {
  const f = FILES[Math.floor(r() * FILES.length)];
  const a = Math.floor(r() * f.length);
  let lines = f.slice(a, a + Math.floor(r() * 60)).map((l) => (r() < 0.3 ? mutate(l, r, MUTATION) : l));
  if (r() < 0.3)
    lines = lines.concat(
      Array.from({ length: Math.floor(r() * 10) }, () => mutate(REAL[Math.floor(r() * REAL.length)], r, MUTATION)),
    );
  const text = lines.join(r() < 0.1 ? '\r\n' : '\n');
  return r() < 0.15 ? text.replace(/\r?\n/g, ' ') : text;
}

test('parseDocument on 600 hostile pastes: never throws, no parser fails, every line it names is inside the text', () => {
  const r = rng(20261126);
  let blocks = 0;
  let packets = 0;
  for (let k = 0; k < 600; k++) {
    const text = paste(r);
    const label = `paste #${k}: ${JSON.stringify(text).slice(0, 200)}`;
    // Lines as an editor counts them: CR-only text has its lines at the CRs (see lineEnds.ts).
    const lineCount = normalizeLineEnds(text).split('\n').length;
    const inside = (line: number | undefined) =>
      line === undefined || (Number.isInteger(line) && line >= 1 && line <= lineCount);
    let doc;
    try {
      doc = parseDocument(text, 'fuzz');
    } catch (e) {
      assert.fail(`threw on ${label}: ${(e as Error).stack}`);
    }
    let end = 0;
    for (const b of doc.blocks) {
      assert.ok(
        b.startLine > end && b.startLine <= b.endLine && b.endLine <= lineCount,
        `block ${b.format} ${b.startLine}-${b.endLine} after line ${end}, of ${lineCount}: ${label}`,
      );
      end = b.endLine;
      for (const u of b.result.unparsed) {
        assert.ok(inside(u.line), `unparsed line ${u.line} of ${lineCount}: ${label}`);
        assert.ok(!u.reason.startsWith('parser failed'), `${b.format}: ${u.reason}: ${label}`);
      }
      blocks++;
    }
    for (const f of doc.facts)
      for (const e of f.evidence)
        if (e.uri === 'fuzz')
          assert.ok(
            inside(e.line) && inside(e.endLine),
            `${f.kind} evidence line ${e.line}-${e.endLine} of ${lineCount}: ${label}`,
          );
    for (const p of packetsOf(doc.facts)) {
      for (const e of p.evidence)
        assert.ok(inside(e.line) && inside(e.endLine), `packet evidence line ${e.line} of ${lineCount}: ${label}`);
      packets++;
    }
  }
  // the pastes reached the parsers: many blocks, packets among the facts
  assert.ok(blocks > 300 && packets > 100, `${blocks} blocks, ${packets} packets`);
});
