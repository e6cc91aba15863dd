/**
 * The parser list (src/ingest/formats.ts) is the one place a parser is wired: its ids are unique,
 * each names the tools whose output it reads, and those tools start a command line in a transcript
 * even without a prompt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COMMAND_WORDS, FORMATS } from '../../../src/ingest/formats';
import { allFormats, formatSpec } from '../../../src/ingest/registry';
import { commandLine } from '../../../src/ingest/transcript/prompt';
import { splitTranscript } from '../../../src/ingest/transcript/split';

test('one entry per format id, and the registry serves them in the list order', () => {
  const ids = FORMATS.map((spec) => spec.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids.join(', ')}`);
  assert.deepEqual(
    allFormats().map((spec) => spec.id),
    ids,
  );
  for (const id of ids) assert.equal(formatSpec(id)?.id, id);
});

test('every parser names its tools, and a bare line starting with one is a command', () => {
  for (const spec of FORMATS) {
    assert.ok(spec.tools.length > 0, `${spec.id} names no tool`);
    for (const tool of spec.tools) {
      assert.ok(COMMAND_WORDS.has(tool), `${spec.id}: ${tool}`);
      assert.equal(commandLine(`${tool} --help`)?.command, `${tool} --help`, `${spec.id}: ${tool}`);
    }
  }
});

test('a sysctl transcript pasted without its prompts still splits at each command', () => {
  // The real transcript (generate.sh beside it); notes often quote commands without the prompt.
  const lines = readFileSync('test/fixtures/broken/parsers/sysctl.txt', 'utf8')
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.replace(/^root@node1:\/# /, ''));
  const blocks = splitTranscript(lines);
  const commands = blocks.map((block) => block.command);
  assert.deepEqual(
    commands.filter((command) => command?.startsWith('sysctl')),
    lines.filter((line) => line.startsWith('sysctl ')),
  );
  assert.ok(
    blocks.every((block) => block.format === 'sysctl'),
    JSON.stringify(blocks),
  );
});
