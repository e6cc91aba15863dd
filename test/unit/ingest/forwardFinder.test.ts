/**
 * ForwardFinder (columns/bounded.ts): the native forward search the record scanner uses for `' > '` and `': '` must
 * answer exactly what the bounded `findE` answers, for searches in order, searches that go back, and records cut out
 * into a text of their own; and it must read each stretch of the text natively at most once (no quadratic rescans when
 * the word never comes again). Inputs: random texts, and the lines of the real captures of test/fixtures/tcpdump/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { findE, ForwardFinder } from '../../../src/ingest/tcpdump/columns/bounded';

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

test('answers as findE on random texts, searched forward, back, and in shorter cut-out texts', () => {
  const alphabet = [' ', '>', ':', 'a', '\n', ' > ', ': '];
  for (let seed = 1; seed <= 40; seed++) {
    const next = random(seed);
    const pieces: string[] = [];
    for (let length = 0; length < 6000;) {
      const piece = alphabet[Math.floor(next() * alphabet.length)];
      pieces.push(piece);
      length += piece.length;
    }
    const text = pieces.join('');
    for (const word of [' > ', ': ']) {
      const finder = new ForwardFinder(word);
      finder.begin(text);
      let from = 0;
      for (let query = 0; query < 800; query++) {
        const roll = next();
        // mostly forward, sometimes back, sometimes a record cut out of the text (always shorter than it)
        if (roll < 0.1) from = Math.max(0, from - Math.floor(next() * 200));
        else from = Math.min(text.length, from + Math.floor(next() * 30));
        const end = Math.min(text.length, from + Math.floor(next() * 120));
        if (roll > 0.95) {
          const cut = text.slice(from, end) + ' ' + text.slice(end, Math.min(text.length, end + 40));
          const at = Math.floor(next() * cut.length);
          assert.equal(finder.find(cut, at, cut.length), findE(cut, word, at, cut.length), `seed ${seed}, cut`);
        }
        assert.equal(finder.find(text, from, end), findE(text, word, from, end), `seed ${seed}, [${from}, ${end})`);
      }
    }
  }
});

test('answers as findE over every line of the real captures, read in order', () => {
  const dir = 'test/fixtures/tcpdump/';
  const text = readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .map((name) => readFileSync(dir + name, 'utf8'))
    .join('\n');
  assert.ok(text.length > 4096, 'enough text');
  const arrow = new ForwardFinder(' > ');
  const colonSpace = new ForwardFinder(': ');
  arrow.begin(text);
  colonSpace.begin(text);
  let found = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const gt = arrow.find(text, start, end);
    assert.equal(gt, findE(text, ' > ', start, end));
    if (gt >= 0) {
      found++;
      assert.equal(colonSpace.find(text, gt + 3, end), findE(text, ': ', gt + 3, end));
    }
    start = end + 1;
  }
  assert.ok(found > 1000, `found ${found} arrows`);
});

test('reads each stretch of the text natively at most once, even when the word never comes again', () => {
  // 200,000 records without the word, then one with it: a search per record must not rescan the rest each time
  const record = 'IP 10.0.0.1.80 - 10.0.0.2.81 no arrow here\n';
  const text = record.repeat(200_000) + 'IP 1.2.3.4.5 > 6.7.8.9.10: x\n';
  const original = String.prototype.indexOf;
  let scanned = 0;
  String.prototype.indexOf = function (this: string, search: string, position?: number) {
    const at = original.call(this, search, position);
    if (this.length === text.length) scanned += (at < 0 ? this.length : at) - (position ?? 0);
    return at;
  } as typeof String.prototype.indexOf;
  try {
    const finder = new ForwardFinder(' > ');
    finder.begin(text);
    let hits = 0;
    for (let start = 0; start < text.length; start += record.length) {
      const end = Math.min(text.length, start + record.length - 1);
      if (finder.find(text, start, end) >= 0) hits++;
    }
    assert.equal(hits, 1);
  } finally {
    String.prototype.indexOf = original;
  }
  assert.ok(scanned <= text.length, `scanned ${scanned} characters of ${text.length}`);
});
