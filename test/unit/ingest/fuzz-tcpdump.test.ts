import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parseTcpdump, sniffTcpdump } from '../../../src/ingest/tcpdump';
import { packetsOf } from '../../../src/model';
import { unflattenTcpdump } from '../../../src/ingest/tcpdump/unflatten';
import { parseDocument } from '../../../src/ingest/document';
import { rng } from '../../support/random';

const DIR = 'test/fixtures/tcpdump/';
const REAL = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .flatMap((f) => readFileSync(DIR + f, 'utf8').split('\n'))
  .filter((l) => l.trim());
const ALPHABET =
  ' .:>,[]()-+*?/0123456789abcdefIPARPOUTInoutFlags seq ack win length ICMP echo OTV VXLAN\t\u00e9\uFFFD\u0000';

function mutate(line: string, r: () => number): string {
  const chars = [...line];
  const ops = 1 + Math.floor(r() * 4);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(r() * (chars.length + 1));
    const op = r();
    if (op < 0.3) chars.splice(at, 1 + Math.floor(r() * 5));
    else if (op < 0.6) chars.splice(at, 0, ALPHABET[Math.floor(r() * ALPHABET.length)]);
    else if (op < 0.8) chars[at] = ALPHABET[Math.floor(r() * ALPHABET.length)];
    else chars.splice(at, 0, ...chars.slice(Math.floor(r() * chars.length), Math.floor(r() * chars.length))); // duplicate a span
  }
  return chars.join('');
}

function randomBytes(r: () => number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

/** Runs the parser and checks its contract: no throw, every line accounted for with a valid number. */
function checkContract(text: string, label: string): void {
  const lineCount = text.split('\n').length;
  const r = parseTcpdump({ text, uri: 'fuzz', firstLine: 7 });
  assert.equal(r.format, 'tcpdump');
  const packets = packetsOf(r.facts);
  assert.ok(r.records >= packets.length, label);
  // at most one fact, a Capture, and only when there are packets
  assert.ok(
    r.facts.length === (packets.length > 0 ? 1 : 0) && r.facts.every((f) => f.kind === 'Capture'),
    `${label}: one capture of the packets`,
  );
  for (const u of r.unparsed) {
    assert.ok(Number.isInteger(u.line) && u.line >= 7 && u.line < 7 + lineCount, `${label}: unparsed line ${u.line}`);
    assert.ok(u.reason.length > 0);
  }
  for (const f of [...r.facts, ...packets]) {
    const e = f.evidence[0];
    assert.ok(e.line! >= 7 && e.line! < 7 + lineCount, `${label}: evidence line ${e.line}`);
    assert.ok((e.excerpt ?? '').length <= 240, `${label}: excerpt bounded`);
    if (f.kind === 'Packet') JSON.stringify(f); // serialisable, no cycles
  }
  // every non-blank line is a packet, a header/trailer record, part of one, or unparsed
  const nonBlank = text.split('\n').filter((l) => l.trim()).length;
  if (nonBlank > 0) assert.ok(r.records + r.unparsed.length > 0, `${label}: nothing silently dropped`);
}

test('mutated real lines never throw and are either parsed or reported', () => {
  const r = rng(0xc0ffee);
  for (let k = 0; k < 3000; k++) {
    const lines = Array.from({ length: 1 + Math.floor(r() * 6) }, () => mutate(REAL[Math.floor(r() * REAL.length)], r));
    checkContract(lines.join('\n'), `mutation #${k}`);
  }
});

test('truncated real lines: every prefix parses or is reported, never throws', () => {
  const r = rng(42);
  for (let k = 0; k < 200; k++) {
    const line = REAL[Math.floor(r() * REAL.length)];
    for (let cut = 0; cut <= line.length; cut += 1 + Math.floor(r() * 3))
      checkContract(line.slice(0, cut), `prefix ${cut} of ${line}`);
  }
});

test('random bytes never throw; non-capture text is unparsed, not packets', () => {
  const r = rng(7);
  for (let k = 0; k < 500; k++) {
    const text = randomBytes(r, Math.floor(r() * 400));
    checkContract(text, `random #${k}`);
    sniffTcpdump(text.split('\n'));
    unflattenTcpdump(text);
  }
});

test('huge lines and huge flattened captures return within a bound', () => {
  const line = REAL.find((l) => l.includes('Flags [P.]'))!;
  const huge = line + ' x'.repeat(2_000_000);
  let t0 = process.hrtime.bigint();
  checkContract(huge, 'huge line');
  const hugeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(hugeMs < 30_000, `4 MB line took ${hugeMs} ms`);
  // 20,000 records on one line (a whole capture copied from a web page)
  const stamped = REAL.filter((l) => /^\d\d:/.test(l));
  const flat = Array.from({ length: 20_000 }, (_, k) => stamped[k % stamped.length]).join(' ');
  t0 = process.hrtime.bigint();
  const res = parseTcpdump({ text: flat, uri: 'flat' });
  const flatMs = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(packetsOf(res.facts).length, 20_000);
  assert.ok(flatMs < 30_000, `flattened 20k records took ${flatMs} ms`);
  // pathological repetition of record-start lookalikes
  for (const evil of [
    '12:34:56.'.repeat(100_000),
    '00:00:00.000000 '.repeat(50_000),
    'tcpdump: '.repeat(100_000),
    'IP 1.2.3.4 > '.repeat(50_000),
    '['.repeat(200_000),
    '(' + ' ('.repeat(100_000),
  ]) {
    t0 = process.hrtime.bigint();
    checkContract(evil, evil.slice(0, 20));
    parseDocument(evil, 'evil');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 30_000, `${evil.slice(0, 20)}… took ${ms} ms`);
  }
});
