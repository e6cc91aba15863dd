import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { editedLines, reparseEdited } from '../../../src/ingest/documentEdit';
import { apply, lineChange, random, readable, type Change } from '../../support/lineEdits';

// A real lab session (prompts, nslookup, iptables -L, tcpdump -i any) three times over: many blocks.
const LAB = 'test/fixtures/lab/a2-pod-to-service.txt';
const lab = readFileSync(LAB, 'utf8');
const URI = 'file:///edited.log';

/** A random edit of whole lines: delete some, insert a copy of others, change a digit, add a prompt. */
function randomChange(lines: string[], pick: (n: number) => number): Change {
  const at = pick(lines.length);
  const kind = pick(4);
  if (kind < 3) return lineChange(lines, at, kind, pick);
  return { startLine: at, endLine: at, text: 'root@node1:/# iptables-save -t nat\n' };
}

test('an edit in one block re-reads only that block (and its neighbours) and gives what a full parse gives', () => {
  const text = [lab, lab, lab].join('');
  const before = parseDocument(text, URI);
  const tcpdump = before.blocks.filter((b) => b.format === 'tcpdump')[1];
  const lines = text.split('\n');
  // change one port digit of a packet in the middle of the second capture
  const line = Math.floor((tcpdump.startLine + tcpdump.endLine) / 2) - 1;
  const changed = apply(lines, {
    startLine: line,
    endLine: line + 1,
    text: lines[line].replace(/\.80\b/, '.81') + '\n',
  });
  const edited = changed.join('\n');
  const edit = editedLines([{ startLine: line, endLine: line + 1, text: changed[line] + '\n' }])!;
  const result = reparseEdited(before, edited, edit);
  assert.deepEqual(readable(result), readable(parseDocument(edited, URI)));
  assert.ok(result.readBlocks <= 3, `read ${result.readBlocks} blocks`);
  assert.ok(result.readLines < (tcpdump.endLine - tcpdump.startLine + 1) * 3, `read ${result.readLines} lines`);
  assert.ok(before.blocks.length > 20, 'the document has many blocks');
});

test('random edits on a real lab session: each incremental re-parse equals a full parse of the text', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const pick = random(seed);
    let lines = [lab, lab].join('').split('\n');
    let doc = parseDocument(lines.join('\n'), URI);
    for (let step = 0; step < 15; step++) {
      const change = randomChange(lines, pick);
      lines = apply(lines, change);
      const text = lines.join('\n');
      doc = reparseEdited(doc, text, editedLines([change])!);
      assert.deepEqual(readable(doc), readable(parseDocument(text, URI)), `seed ${seed}, step ${step}`);
    }
  }
});
