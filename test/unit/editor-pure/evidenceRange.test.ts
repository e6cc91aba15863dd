// Revealing evidence selects the record, not the rest of a flattened line: the bundled a2 sample
// (the seed report's outputs, most of them one long line) traced as `trace --sample` does, and
// every piece of evidence it cites checked against the file it points at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Evidence } from '../../../src/model';
import { evidenceSpan } from '../../../src/editor/diagram/evidenceRange.pure';
import { tracedSample } from '../../support/tracedSample';

test('evidence on the flattened a2 sample selects each record, not the rest of its line', () => {
  const cited = new Map<string, Evidence>();
  for (const flow of tracedSample('a2-pod-to-service').flows)
    for (const phase of flow.phases)
      for (const step of phase.steps)
        for (const e of step.evidence)
          if (
            e.uri.startsWith('samples/') &&
            e.line !== undefined &&
            (e.endLine ?? e.line) === e.line &&
            e.column &&
            e.excerpt
          )
            cited.set(`${e.uri}:${e.line}:${e.column}`, e);
  assert.ok(cited.size >= 10, `the trace cites ${cited.size} records with a column`);
  let before = 0;
  let after = 0;
  for (const e of cited.values()) {
    const lines = readFileSync(e.uri, 'utf8').split('\n');
    const span = evidenceSpan(e, lines.length, (line) => lines[line]);
    const line = lines[span.startLine];
    const selected = line.slice(span.startCharacter, span.endCharacter);
    before += line.length - (e.column! - 1);
    after += selected.length;
    assert.equal(span.endLine, span.startLine);
    assert.ok(selected.length > 0, `${e.uri}:${e.line}:${e.column} selects something`);
    assert.ok(e.excerpt!.startsWith(selected.slice(0, 20)), `${e.uri}:${e.column}: ${selected.slice(0, 60)}`);
    assert.ok(selected.length <= e.excerpt!.length, `${e.uri}:${e.column}: no more than the record`);
  }
  // Before: from the record to the end of its line; after: the record.
  assert.ok(after * 5 < before, `selected ${after} characters in all, against ${before} to the line ends`);
});

test('evidence span: a record in the middle of a line, a shortened excerpt, and whole lines without a column', () => {
  const line =
    'aaa 12:00:01.000001 IP 10.0.0.1.5 > 10.0.0.2.80: Flags [S], length 0 12:00:01.000002 IP 10.0.0.2.80 > x';
  const column = line.indexOf('12:00:01.000001') + 1;
  const record = '12:00:01.000001 IP 10.0.0.1.5 > 10.0.0.2.80: Flags [S], length 0';
  assert.deepEqual(
    evidenceSpan({ line: 1, column, excerpt: record }, 1, () => line),
    {
      startLine: 0,
      startCharacter: column - 1,
      endLine: 0,
      endCharacter: column - 1 + record.length,
    },
  );
  const short = evidenceSpan({ line: 1, column, excerpt: '12:00:01.000001 IP 10.0.0.1.5 > 10.0.…' }, 1, () => line);
  assert.equal(line.slice(short.startCharacter, short.endCharacter), '12:00:01.000001 IP 10.0.0.1.5 > 10.0.');
  const found = evidenceSpan({ line: 1, excerpt: '12:00:01.000002 IP 10.0.0.2.80' }, 1, () => line);
  assert.equal(line.slice(found.startCharacter, found.endCharacter), '12:00:01.000002 IP 10.0.0.2.80');
  assert.deepEqual(
    evidenceSpan({ line: 2, endLine: 3 }, 3, (n) => ['a', 'bb', 'ccc'][n]),
    {
      startLine: 1,
      startCharacter: 0,
      endLine: 2,
      endCharacter: 3,
    },
  );
  assert.deepEqual(
    evidenceSpan({ line: 1, excerpt: 'not on the line' }, 1, () => line),
    {
      startLine: 0,
      startCharacter: 0,
      endLine: 0,
      endCharacter: line.length,
    },
  );
});
