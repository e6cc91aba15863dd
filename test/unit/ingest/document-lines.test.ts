import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packetsOf, type Fact } from '../../../src/model';
import { parseDocument, splitLines, type DocumentResult } from '../../../src/ingest/document';
import { textLines } from '../../../src/ingest/transcript/lines';
import { splitTranscript } from '../../../src/ingest/transcript/split';
import { unflattenBlock, unflattenLines } from '../../../src/ingest/transcript/lineMap';
import { commandLine } from '../../../src/ingest/transcript/prompt';
import { formatSpec } from '../../../src/ingest/registry';

// parseDocument reads its lines as offsets into the text (textLines) instead of an array of
// strings (splitLines). These tests hold the two to the same lines, blocks and results.

const SEED = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';

function fixtureFiles(dir = 'test/fixtures'): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...fixtureFiles(p));
    else if (!p.endsWith('.md') && statSync(p).size < 2_000_000) out.push(p);
  }
  return out;
}

const FILES = fixtureFiles();
/** The text saved with CRLF line ends (lines that end in CRLF already, as an HTTP answer in a transcript, kept). */
const crlf = (t: string) => t.replace(/\r?\n/g, '\r\n');

/** Blank as the splitter has always meant it: nothing but spaces, tabs and CRs. */
const blank = (s: string) => /^[ \t\r]*$/.test(s);

function assertSameLines(text: string, what: string): void {
  const arr = splitLines(text);
  const src = textLines(text);
  assert.equal(src.count, arr.length, `${what}: line count`);
  for (let k = 0; k < arr.length; k++) {
    assert.equal(src.at(k), arr[k], `${what}: line ${k + 1}`);
    const lead = src.lead(k);
    assert.equal(lead < 0, blank(arr[k]), `${what}: blank line ${k + 1}`);
    if (lead >= 0)
      assert.equal(lead, arr[k].replace(/^[ \t\r]+/, '').charCodeAt(0), `${what}: first character of line ${k + 1}`);
  }
}

test('textLines cuts exactly as splitLines: CRLF, lone CRs, a last line with or without its newline, empty text', () => {
  const texts = [
    '',
    '\n',
    '\n\n',
    'a',
    'a\n',
    'a\r\n',
    'a\r\nb',
    'a\r\nb\r\n',
    'a\n\r',
    '\r',
    '\r\n',
    'a\r\r\nb',
    'a\rb\nc\r',
    ' \t\r\n\nx',
    'x\n\n\n',
    'tcpdump\r\n\r\n  \r\n',
  ];
  for (const t of texts) {
    assertSameLines(t, JSON.stringify(t));
    const arr = splitLines(t);
    const src = textLines(t);
    // every block of lines joins to what the old code built: the lines without their CRs, `\n` between
    for (let a = 0; a < arr.length; a++)
      for (let b = a; b < arr.length; b++) {
        assert.equal(src.join(a, b), arr.slice(a, b + 1).join('\n'), `${JSON.stringify(t)}: join ${a}..${b}`);
        // slice keeps the CRLF pairs inside the block; without them it is the join
        assert.equal(src.slice(a, b).replace(/\r\n/g, '\n'), src.join(a, b), `${JSON.stringify(t)}: slice ${a}..${b}`);
      }
  }
});

test('textLines matches splitLines on every fixture and the seed report, as LF and as CRLF', () => {
  for (const f of FILES) {
    const t = readFileSync(f, 'utf8');
    assertSameLines(t, f);
    assertSameLines(crlf(t), `${f} (CRLF)`);
    const src = textLines(crlf(t));
    const arr = splitLines(t);
    if (arr.length) assert.equal(src.join(0, arr.length - 1), arr.join('\n'), `${f}: the whole text joined`);
  }
});

test('a line that starts (after blanks) with a digit is never a command: the splitter decides those without reading them', () => {
  let digitLines = 0;
  for (const f of FILES) {
    const src = textLines(readFileSync(f, 'utf8'));
    for (let k = 0; k < src.count; k++) {
      const c = src.lead(k);
      if (c < 48 || c > 57) continue;
      digitLines++;
      assert.equal(commandLine(src.at(k)), undefined, `${f}:${k + 1}`);
    }
  }
  assert.ok(digitLines > 1000, `the fixtures hold many such lines (${digitLines})`);
});

test('the splitter gives the same blocks from lines read on demand as from an array, for every fixture and the seed', () => {
  let blocks = 0;
  for (const f of FILES) {
    const t = readFileSync(f, 'utf8');
    const fromArray = splitTranscript(splitLines(t));
    assert.deepEqual(splitTranscript(textLines(t)), fromArray, f);
    assert.deepEqual(splitTranscript(textLines(crlf(t))), fromArray, `${f} (CRLF)`);
    blocks += fromArray.length;
  }
  assert.ok(blocks > FILES.length / 2, `most fixtures make blocks (${blocks} from ${FILES.length} files)`);
});

test("unflattenLines over a document's lines builds the same text and line map as unflattenBlock over the block's strings (seed report)", () => {
  const text = readFileSync(SEED, 'utf8');
  const arr = splitLines(text);
  const src = textLines(text);
  let split = 0;
  for (const b of splitTranscript(src)) {
    if (b.format === 'unknown') continue;
    const spec = formatSpec(b.format);
    const old = unflattenBlock(spec, arr.slice(b.startLine - 1, b.endLine), b.startLine, true);
    const now = unflattenLines(spec, {
      lines: src,
      first: b.startLine - 1,
      last: b.endLine - 1,
      firstLine: b.startLine,
    });
    assert.deepEqual(now, old, `block ${b.format} at ${b.startLine}`);
    if (now.map) split++;
  }
  // the seed's outputs lost their newlines: many blocks are unflattened
  assert.ok(split >= 5, `flattened blocks in the seed: ${split}`);
});

/** A result as plain data: a capture's packets are built from its table so that two results compare. */
function plain(d: DocumentResult): unknown {
  const facts = (fs: Fact[]) => fs.map((f) => (f.kind === 'Capture' ? { ...f, packets: packetsOf([f]) } : f));
  return {
    blocks: d.blocks.map((b) => ({ ...b, result: { ...b.result, facts: facts(b.result.facts) } })),
    facts: d.facts.length,
  };
}

test('parseDocument gives the same result for a file saved with CRLF as with LF (seed report and fixtures)', () => {
  for (const f of [SEED, ...FILES.filter((p) => /tcpdump|dns|netfilter|iptables|lab/.test(p))]) {
    const t = readFileSync(f, 'utf8');
    assert.deepEqual(plain(parseDocument(crlf(t), f)), plain(parseDocument(t, f)), f);
  }
});

test('a CRLF capture reaches the tcpdump parser as a slice of the document, CRs and all, not as a copy without them', () => {
  const t = crlf(readFileSync('test/fixtures/tcpdump/any-v.txt', 'utf8'));
  const spec = formatSpec('tcpdump')!;
  const parse = spec.parse;
  const seen: string[] = [];
  spec.parse = (input) => {
    seen.push(input.text);
    return parse(input);
  };
  try {
    const d = parseDocument(t, 'x');
    assert.equal(d.blocks.length, 1);
    assert.equal(seen.length, 1);
    // what it got is the document's text (minus the last line end), CRs included
    assert.equal(seen[0], t.replace(/\r\n$/, ''));
    assert.ok(packetsOf(d.facts).length > 10);
  } finally {
    spec.parse = parse;
  }
});

test('a block at the very end without a newline, LF and CRLF: same lines and facts as with the newline', () => {
  const resolv = readFileSync('test/fixtures/dns/resolv.conf.txt', 'utf8').replace(/\n+$/, '');
  const capture = readFileSync('test/fixtures/tcpdump/ttl-exceeded.txt', 'utf8').replace(/\n+$/, '');
  const session = [
    'root@node1:~# tcpdump -i any -nn',
    capture,
    'root@node1:~# kubectl exec b-app -- cat /etc/resolv.conf',
    resolv,
  ].join('\n');
  const lineCount = session.split('\n').length;
  const withNewline = parseDocument(session + '\n', 'x');
  const last = withNewline.blocks[withNewline.blocks.length - 1];
  assert.equal(last.format, 'resolv-conf');
  assert.equal(last.host, 'b-app');
  assert.equal(last.endLine, lineCount);
  assert.ok(last.result.facts.length > 0);
  for (const variant of [session, crlf(session), crlf(session) + '\r\n', session + '\r']) {
    assert.deepEqual(plain(parseDocument(variant, 'x')), plain(withNewline), JSON.stringify(variant.slice(-12)));
  }
});

test('a huge capture with one flattened line deep inside: only that line is remapped, the rest keep their lines', () => {
  const capture = readFileSync('test/fixtures/tcpdump/any-nn.txt', 'utf8')
    .split('\n')
    .filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
  const body: string[] = [];
  while (body.length < 3000) body.push(...capture);
  const flat = capture.slice(0, 3).join(' ');
  const lines = [...body.slice(0, 3000), flat, ...capture.slice(3, 6)];
  const doc = parseDocument(lines.join('\r\n') + '\r\n', 'x');
  assert.equal(doc.blocks.length, 1);
  assert.deepEqual([doc.blocks[0].startLine, doc.blocks[0].endLine], [1, lines.length]);
  const packets = packetsOf(doc.facts);
  assert.equal(packets.length, 3000 + 3 + 3);
  assert.deepEqual(
    packets.slice(3000, 3003).map((p) => p.evidence[0].line),
    [3001, 3001, 3001],
  );
  assert.equal(packets[3003].evidence[0].line, 3002);
  assert.equal(packets[2999].evidence[0].line, 3000);
  // the pieces of the flattened line point at their columns in it
  for (const p of packets.slice(3000, 3003)) assert.ok(flat.slice(p.evidence[0].column! - 1).startsWith(p.time!));
});

test('unknown blocks: every non-blank output line is unparsed with its own line number (CRLF too)', () => {
  const text = [
    '$ kubectl exec -it b-app -- uptime',
    ' 09:00:01 up 2 days,  load average: 0.1',
    '',
    '  ',
    'x',
    '',
  ].join('\r\n');
  const doc = parseDocument(text, 'x');
  assert.equal(doc.blocks.length, 2);
  assert.equal(doc.blocks[0].format, 'unknown');
  assert.equal(doc.blocks[0].host, 'b-app');
  assert.deepEqual(
    doc.blocks[0].result.unparsed.map((u) => [u.line, u.reason]),
    [[2, 'no parser for `uptime`']],
  );
  // the line the splitter left out of every block is reported too, not dropped
  assert.deepEqual(
    doc.blocks[1].result.unparsed.map((u) => [u.line, u.reason]),
    [[5, 'no format recognised']],
  );
});
