import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packetsOf, type Capture } from '../../../src/model';
import { parseDocument } from '../../../src/ingest/document';
import { remapResult, unflattenBlock } from '../../../src/ingest/transcript/lineMap';
import type { FormatSpec, ParseResult } from '../../../src/ingest/types';

const SEED = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';
const seedText = readFileSync(SEED, 'utf8');
const seedLines = seedText.split('\n');

test('the seed report as is: its flattened tcpdump outputs come out as packets with interfaces and directions', () => {
  const doc = parseDocument(seedText, SEED);
  const tcpdump = doc.blocks.filter((b) => b.format === 'tcpdump');
  assert.deepEqual(
    tcpdump.map((b) => [b.startLine, b.endLine]),
    [
      [92, 92],
      [264, 264],
      [268, 268],
    ],
  );
  for (const b of tcpdump) assert.deepEqual(b.result.unparsed, [], `block at ${b.startLine}`);

  const at = (line: number) => packetsOf(tcpdump.find((b) => b.startLine === line)!.result.facts);
  // A.1: b-pod pings a-pod
  const a1 = at(92);
  assert.equal(a1.length, 12);
  assert.deepEqual(
    a1.slice(0, 4).map((p) => `${p.interface} ${p.direction}`),
    ['vethded7ef9f P', 'veth75a7f7d6 Out', 'veth75a7f7d6 P', 'vethded7ef9f Out'],
  );
  for (const b of tcpdump) {
    // the capture itself points at the flattened line, at the column its first packet starts
    const cap = b.result.facts[0] as Capture;
    assert.equal(b.result.facts.length, 1);
    assert.equal(cap.kind, 'Capture');
    assert.equal(cap.evidence[0].line, b.startLine);
    assert.equal(cap.evidence[0].endLine, undefined);
    assert.equal(cap.evidence[0].column, cap.packets.packet(0).evidence[0].column);
    for (let i = 0; i < cap.packets.size; i++) {
      const p = cap.packets.packet(i);
      assert.equal(cap.packets.lineOf(i), b.startLine, 'the table reports the file line');
      assert.ok(
        seedLines[b.startLine - 1].slice(p.evidence[0].column! - 1).startsWith(p.time!),
        `column of packet ${i} at ${b.startLine}`,
      );
      if (p.inner)
        assert.ok(
          seedLines[b.startLine - 1]
            .slice(p.inner.evidence[0].column! - 1)
            .startsWith(p.inner.evidence[0].excerpt!.slice(0, 10)),
          'inner frame column',
        );
    }
  }
  for (const p of a1) {
    assert.equal(p.evidence[0].line, 92, 'evidence points at the flattened line of the file');
    const col = p.evidence[0].column!;
    assert.ok(seedLines[91].slice(col - 1).startsWith(p.time!), 'column is where the record starts in that line');
  }
  // A.2: after DNAT the SYN goes out of cni0 and the server veth vethedfea565; before it, on the client veth vetha999267c
  const a2 = at(264);
  assert.equal(`${a2[0].interface} ${a2[0].direction}`, 'cni0 Out');
  assert.ok(a2.some((p) => p.interface === 'vethedfea565' && p.direction === 'Out' && p.tcp?.flags === 'S'));
  assert.ok(a2.some((p) => p.interface === 'vethedfea565' && p.direction === 'P' && p.tcp?.flags === 'S.'));
  const svc = at(268);
  assert.ok(svc.every((p) => p.interface === 'vetha999267c'));
  assert.deepEqual([...new Set(svc.map((p) => p.direction))].sort(), ['Out', 'P']);
  const ifaces = new Set(packetsOf(doc.facts).map((p) => p.interface));
  for (const i of ['vethded7ef9f', 'veth75a7f7d6', 'vetha999267c', 'vethedfea565', 'cni0']) assert.ok(ifaces.has(i), i);
});

test('the seed report: commands found, hosts from kubectl exec, every fact inside its block', () => {
  const doc = parseDocument(seedText, SEED);
  const ping = doc.blocks.find((b) => b.startLine === 88)!;
  assert.equal(ping.host, 'b-pod');
  // The ping output lost its newlines: the header and the reply are cut apart and both read.
  assert.equal(ping.format, 'ping');
  assert.deepEqual(ping.result.unparsed, []);
  const nslookup = doc.blocks.find((b) => b.command === 'kubectl exec -it b-app -- nslookup cluster.local')!;
  assert.equal(nslookup.host, 'b-app');
  assert.equal(nslookup.format, 'nslookup');
  const iptables = doc.blocks.filter((b) => b.format === 'iptables-list');
  assert.ok(iptables.length >= 3);
  assert.ok(iptables.every((b) => b.command!.includes('iptables -t nat -L')));
  let total = 0;
  for (const b of doc.blocks) {
    total += b.result.facts.length;
    assert.ok(b.startLine <= b.endLine);
    for (const f of b.result.facts)
      for (const e of f.evidence) {
        if (e.uri !== SEED || e.line === undefined) continue;
        assert.ok(
          e.line >= b.startLine && e.line <= b.endLine,
          `${b.format} fact at ${e.line} inside ${b.startLine}-${b.endLine}`,
        );
      }
    for (const u of b.result.unparsed) assert.ok(u.line >= b.startLine && u.line <= b.endLine);
  }
  assert.equal(doc.facts.length, total);
});

test('a capture pasted with its newlines lost in the middle of notes keeps file line numbers', () => {
  const capture = readFileSync('test/fixtures/tcpdump/any-nn.txt', 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .join(' ');
  const text = ['notes', '', '$ tcpdump -i any -nn', capture, '', 'more notes'].join('\n');
  const doc = parseDocument(text, 'notes.md');
  // the notes are reported as not recognised (never dropped without a word); the capture is one block
  assert.deepEqual(
    doc.blocks.map((block) => [block.format, block.startLine]),
    [
      ['unknown', 1],
      ['tcpdump', 4],
      ['unknown', 6],
    ],
  );
  const b = doc.blocks[1];
  assert.deepEqual([b.format, b.command, b.startLine, b.endLine], ['tcpdump', 'tcpdump -i any -nn', 4, 4]);
  assert.deepEqual(b.result.unparsed, []);
  const ps = packetsOf(b.result.facts);
  assert.equal(
    ps.length,
    readFileSync('test/fixtures/tcpdump/any-nn.txt', 'utf8')
      .split('\n')
      .filter((l) => /^\d\d:/.test(l)).length,
  );
  assert.ok(ps.every((p) => p.evidence[0].line === 4));
  assert.ok(ps.every((p) => capture.slice(p.evidence[0].column! - 1).startsWith(p.time!)));
});

test("unflattenBlock/remapResult: a format's unflatten hook splits lines; results map back to file lines and columns", () => {
  const spec: FormatSpec = {
    id: 'unknown',
    tools: [],
    commands: [],
    sniff: () => 0,
    unflatten: (l) =>
      l.split(' | ').map((text, k, all) => ({ text, start: all.slice(0, k).reduce((n, x) => n + x.length + 3, 0) })),
    parse: (input): ParseResult => ({
      format: 'unknown',
      records: 0,
      unparsed: [{ line: 3, reason: 'third record' }],
      facts: input.text.split('\n').map((t, k) => ({
        kind: 'HostsEntry',
        ip: t,
        names: [],
        evidence: [{ source: 'log', uri: input.uri, line: (input.firstLine ?? 1) + k, excerpt: t }],
      })) as unknown as ParseResult['facts'],
    }),
  };
  const lines = ['a | b | c', 'd'];
  const flat = unflattenBlock(spec, lines, 10);
  assert.equal(flat.text, 'a\nb\nc\nd');
  const r = spec.parse({ text: flat.text, uri: 'f', firstLine: 1 });
  remapResult(r, flat.map!, 'f');
  assert.deepEqual(
    r.facts.map((f) => [f.evidence[0].line, f.evidence[0].column]),
    [
      [10, undefined],
      [10, 5],
      [10, 9],
      [11, undefined],
    ],
  );
  assert.deepEqual(r.unparsed, [{ line: 10, reason: 'third record' }]);
  // nothing flattened: the text is passed through unchanged and no mapping is needed
  assert.equal(unflattenBlock(spec, ['x', 'y'], 1).map, undefined);
});

test('parseDocument never throws on odd input', () => {
  for (const text of [
    '',
    '\n\n\n',
    '$ ',
    '# ',
    'root@x:~# ',
    '\u0000\u0001\u0002',
    '$ tcpdump\n' + '\uFFFD'.repeat(1000),
  ]) {
    const doc = parseDocument(text, 'odd');
    assert.ok(Array.isArray(doc.blocks));
  }
});
