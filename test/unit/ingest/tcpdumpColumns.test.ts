/**
 * The columnar packet table behind a tcpdump Capture: rows across chunk boundaries, packets built
 * once, the address filter that builds nothing, numbers too wide for their column, and the -v
 * address line read where it is. Inputs are the real captures of test/fixtures/tcpdump/, repeated
 * or rearranged (each rearrangement is described where it is made).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isMssSyn, packetTouches, type Capture, type Packet } from '../../../src/model';
import { parseTcpdump } from '../../../src/ingest/tcpdump';
import { CHUNK_SIZE } from '../../../src/ingest/tcpdump/columns/chunk';

const DIR = 'test/fixtures/tcpdump/';
const read = (f: string) => readFileSync(DIR + f, 'utf8');
const STAMP = /^\d\d:\d\d:\d\d\.\d{6} /;

function capture(text: string, uri = 'x'): Capture {
  const r = parseTcpdump({ text, uri });
  assert.deepEqual(r.unparsed, [], uri);
  assert.equal(r.facts.length, 1);
  return r.facts[0] as Capture;
}

/** A packet without where it was printed: what two copies of one line must share. */
function content(p: Packet): unknown {
  const { evidence: _e, inner, ...rest } = p;
  return { ...rest, inner: inner ? content(inner) : undefined };
}

test('rows across chunk boundaries: a capture repeated past two chunks reads every copy alike', () => {
  const lines = read('any-nn.txt')
    .split('\n')
    .filter((l) => STAMP.test(l));
  const copies = Math.ceil((2 * CHUNK_SIZE + 100) / lines.length);
  const text = Array.from({ length: copies }, () => lines.join('\n')).join('\n');
  const table = capture(text).packets;
  assert.equal(table.size, lines.length * copies);
  assert.ok(table.size > 2 * CHUNK_SIZE);
  const first = Array.from({ length: lines.length }, (_, i) => content(table.packet(i)));
  for (const i of [CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, table.size - 1, 63, 64, 65, 127, 128]) {
    assert.deepEqual(content(table.packet(i)), first[i % lines.length], `row ${i}`);
    assert.equal(table.lineOf(i), i + 1, `line of row ${i}`);
    assert.equal(table.packet(i).evidence[0].line, i + 1);
  }
});

test('a packet is built once: the same object from packet(i) and all(), in capture order', () => {
  const table = capture(read('any-v.txt')).packets;
  const all = table.all();
  assert.equal(all.length, table.size);
  for (let i = 0; i < table.size; i++) {
    assert.equal(table.packet(i), all[i]);
    assert.equal(table.lineOf(i), all[i].evidence[0].line);
    if (i > 0) assert.ok(table.lineOf(i) > table.lineOf(i - 1));
  }
  assert.equal(table.all()[3], all[3]);
});

test('touching(ips) finds the packets the built objects say touch those addresses (outer, inner VXLAN and ARP)', () => {
  for (const f of ['any-nn.txt', 'any-e.txt', 'any-vv.txt', 'vxlan-8472.txt', 'vxlan-4789-e.txt', 'any-names.txt']) {
    const table = capture(read(f), f).packets;
    const all = table.all();
    const addresses = new Set<string>();
    for (const p of all)
      for (let x: Packet | undefined = p; x; x = x.inner) {
        if (x.src) addresses.add(x.src.ip);
        if (x.dst) addresses.add(x.dst.ip);
        if (x.arp?.targetIp) addresses.add(x.arp.targetIp);
      }
    assert.ok(addresses.size > 2, f);
    for (const ip of addresses) {
      const ips = new Set([ip]);
      const expected = all.flatMap((p, i) => (packetTouches(p, ips) ? [i] : []));
      assert.deepEqual(table.touching(ips), expected, `${f}: ${ip}`);
      assert.ok(expected.length > 0);
    }
    assert.deepEqual(table.touching(new Set(['203.0.113.9'])), [], f);
  }
});

test('firstMssSyn finds in the columns the first packet the built objects say is a SYN with an MSS', () => {
  let found = 0;
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.txt'))) {
    const r = parseTcpdump({ text: read(f), uri: f });
    for (const c of r.facts.filter((x): x is Capture => x.kind === 'Capture')) {
      const expected = c.packets.all().findIndex(isMssSyn);
      assert.equal(c.packets.firstMssSyn(), expected, f);
      if (expected >= 0) found++;
    }
  }
  assert.ok(found >= 3, `captures with a SYN: ${found}`);
  // an MSS option on a packet whose flags have no S (the real SYN lines of any-nn.txt with their
  // flags rewritten to [P.]) is not one; the SYN-ACK after them is
  const lines = read('any-nn.txt').split('\n');
  const synAck = lines.findIndex((l) => l.includes('Flags [S.]'));
  const rewritten = lines
    .slice(0, synAck + 1)
    .map((l) => l.replace('Flags [S], ', 'Flags [P.], '))
    .join('\n');
  const table = capture(rewritten).packets;
  assert.ok(table.all().some((p) => p.tcp?.flags === 'P.' && p.tcp.mss !== undefined));
  assert.equal(
    table.firstMssSyn(),
    table.all().findIndex((p) => p.tcp?.flags === 'S.'),
  );
  assert.equal(table.packet(table.firstMssSyn()).tcp?.flags, 'S.');
});

test('onInterface finds in the columns the packets the built objects say were seen there, nearest first to the given row', () => {
  let checked = 0;
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.txt'))) {
    for (const c of parseTcpdump({ text: read(f), uri: f }).facts.filter((x): x is Capture => x.kind === 'Capture')) {
      const all = c.packets.all();
      const names = new Set(all.map((p) => p.interface).filter((n): n is string => n !== undefined));
      for (const name of names) {
        const rows = all.flatMap((p, i) => (p.interface === name ? [i] : []));
        assert.deepEqual(c.packets.onInterface(name, 0, all.length), rows, `${f} ${name}`);
        // the 3 nearest to the middle row: by distance, the earlier one on a tie
        const mid = all.length >> 1;
        const nearest = [...rows]
          .sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b)
          .slice(0, 3)
          .sort((a, b) => a - b);
        assert.deepEqual(c.packets.onInterface(name, mid, 3), nearest, `${f} ${name} near ${mid}`);
        checked++;
      }
      assert.deepEqual(c.packets.onInterface('no-such-if0', 0, 10), []);
    }
  }
  assert.ok(checked >= 10, `interfaces checked: ${checked}`);
});

test('numbers too wide for their column come back exactly (a mangled sequence number, a huge length)', () => {
  // the first TCP line of any-nn.txt with its seq, ack and length made wider than 32 bits
  const tcp = read('any-nn.txt')
    .split('\n')
    .find((l) => l.includes('Flags [S.], seq'))!;
  const wide = tcp
    .replace(/seq \d+/, 'seq 98765432101')
    .replace(/ack \d+/, 'ack 4294967296')
    .replace(/length \d+$/, 'length 5000000000');
  const p = capture(wide).packets.packet(0);
  assert.equal(p.tcp?.seq, 98765432101);
  assert.equal(p.tcp?.ack, 4294967296);
  assert.equal(p.length, 5000000000);
  const plain = capture(tcp).packets.packet(0);
  assert.equal(p.tcp?.win, plain.tcp?.win);
  assert.equal(p.tcp?.flags, 'S.');
});

test('-v: the address line read in place gives what the same record printed on one line gives', () => {
  const lines = read('any-v.txt').split('\n');
  let checked = 0;
  for (let k = 0; k + 1 < lines.length; k++) {
    if (!STAMP.test(lines[k]) || !lines[k].endsWith(')') || !/^\s/.test(lines[k + 1])) continue;
    const twoLines = capture(lines[k] + '\n' + lines[k + 1]).packets.packet(0);
    // the same record with its address line appended after a space, as the parser reads it
    const oneLine = capture(lines[k] + ' ' + lines[k + 1].trim()).packets.packet(0);
    assert.deepEqual(content(twoLines), content(oneLine), lines[k]);
    assert.equal(twoLines.evidence[0].excerpt, oneLine.evidence[0].excerpt);
    assert.equal(twoLines.evidence[0].endLine, 2);
    assert.ok(twoLines.src && twoLines.dst && twoLines.ttl !== undefined);
    checked++;
  }
  assert.ok(checked >= 20, `${checked} -v records`);
});

test('CRLF text gives the same packets as LF text', () => {
  for (const f of ['any-nn.txt', 'any-vv.txt', 'vxlan-8472-v.txt']) {
    const lf = capture(read(f), f).packets.all();
    const crlf = capture(read(f).replace(/\n/g, '\r\n'), f).packets.all();
    assert.deepEqual(crlf, lf, f);
  }
});

test('a record that repeats the one before it after its interface (-i any) reads as if read on its own', () => {
  // every record of four real captures, printed again right after itself on another interface
  // whose name is shorter (so every offset into the record moves)
  for (const f of ['any-vv.txt', 'any-v.txt', 'vxlan-8472.txt', 'any-e.txt']) {
    const lines = read(f).split('\n');
    const records: string[][] = [];
    for (const l of lines) {
      if (STAMP.test(l)) records.push([l]);
      else if (records.length && l.trim() && !/^(\d+ packets|tcpdump:|listening)/.test(l))
        records[records.length - 1].push(l);
    }
    let checked = 0;
    for (const rec of records) {
      const again = rec.map((l, k) => (k === 0 ? l.replace(/^(\S+) \S+\s+(In|Out|P|B|M)\s+/, '$1 eth9 Out ') : l));
      if (again[0] === rec[0]) continue; // no interface column (single-interface capture)
      const both = capture([...rec, ...again].join('\n')).packets;
      const alone = capture(again.join('\n')).packets;
      assert.equal(both.size, 2, rec[0]);
      const copied = both.packet(1);
      const read1 = alone.packet(0);
      assert.deepEqual(content(copied), content(read1), rec[0]);
      assert.equal(copied.evidence[0].excerpt, read1.evidence[0].excerpt);
      assert.equal(copied.interface, 'eth9');
      checked++;
    }
    assert.ok(checked > 10, `${f}: ${checked} records`);
  }
});
