/**
 * sniffFormat (output with no command: workspace files, the CLI, the diagram's sample) shares the
 * transcript splitter's guard: a sniffer that throws or returns no number scores 0, and sniffers
 * see the head of each line only, so a huge flattened line costs nothing and is still recognised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allFormats, sniffFormat } from '../../../src/ingest/registry';
import type { FormatId, FormatSpec } from '../../../src/ingest/types';

const capture = readFileSync('test/fixtures/tcpdump/any-nn.txt', 'utf8');

test('a sniffer that throws or answers NaN neither wins nor stops the others', () => {
  const seen: number[] = [];
  const bad = (id: string, sniff: FormatSpec['sniff']): FormatSpec => ({
    id: id as FormatId,
    tools: [],
    parse: () => ({ format: id as FormatId, facts: [], records: 0, unparsed: [] }),
    commands: [],
    sniff,
  });
  const formats = [
    bad('test-throws', (lines) => {
      seen.push(Math.max(...lines.map((l) => l.length)));
      throw new Error('boom');
    }),
    bad('test-nan', () => NaN),
    ...allFormats(),
  ];
  assert.equal(sniffFormat(capture.split('\n'), 0.5, formats)?.id, 'tcpdump');
  // a capture whose newlines were lost: one line of a few megabytes
  const flat = Array.from({ length: 300 }, () => capture.replace(/\n/g, ' ')).join(' ');
  assert.ok(flat.length > 2_000_000);
  assert.equal(sniffFormat([flat], 0.5, formats)?.id, 'tcpdump');
  assert.ok(seen.length === 2 && seen[1] <= 4096, `sniffers saw lines of at most ${seen[1]} characters`);
});
