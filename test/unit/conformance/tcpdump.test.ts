import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import type { Capture, Packet } from '../../../src/model';

/**
 * The tcpdump project's own test outputs as the judge (tests/*.out, a selection in
 * test/fixtures/conformance/tcpdump with the TESTLIST lines that made them). Every line must be
 * read into a packet or reported as not understood, never dropped; and what a packet holds must
 * agree with an independent reading of its record (addresses, ports, TCP flags, lengths).
 */

const DIR = 'test/fixtures/conformance/tcpdump';
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.out'));

/** `    12  ` before the stamp: tcpdump's -# packet number, which the test harness always adds. */
const NUMBERED = /^ {0,4}\d+ {2}/;
const IPV4_ADDRESSES =
  /(?<src>\d{1,3}(?:\.\d{1,3}){3})(?:\.(?<sport>\d+))? > (?<dst>\d{1,3}(?:\.\d{1,3}){3})(?:\.(?<dport>\d+))?:/;
const IPV6_ADDRESSES =
  /(?<![\w:.])(?<src>[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})(?:\.(?<sport>\d+))? > (?<dst>[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})(?:\.(?<dport>\d+))?:/;
/** `ARP, ` or, with -e, `ethertype ARP (0x0806), length N: `, then -v's `Ethernet (len 6), IPv4 (len 4), `. */
const ARP_PREFIX = String.raw`(?:ARP, |ethertype ARP \(0x0806\), length \d+: )(?:[^,]*, )*?`;
const ARP_REQUEST = new RegExp(
  `${ARP_PREFIX}Request who-has (?<target>[^\\s,]+)(?: \\([^)]*\\))? tell (?<sender>[^\\s,]+)`,
);
const ARP_REPLY = new RegExp(`${ARP_PREFIX}Reply (?<sender>[^\\s,]+) is-at (?<mac>[0-9a-f]{2}(?::[0-9a-f]{2})+)`);
const TCP_FLAGS = /^ Flags \[(?<flags>[^\]]*)\]/;

type Reading =
  | { kind: 'ip'; src: string; dst: string; sport?: number; dport?: number; flags?: string; length?: number }
  | { kind: 'arp'; op: 'request' | 'reply'; sender: string; target?: string; mac?: string };

/** An IPv6 address as printed: with `::`, or all eight groups (so that a MAC is not one). */
function isIPv6(text: string): boolean {
  return text.includes('::') || text.split(':').length === 8;
}

/**
 * What a record (its lines joined by newlines) says, read with plain regexes of its text, not with
 * the parser under test: the first `SRC > DST:` (IPv4, or IPv6 when it comes first), or the ARP
 * operation with its addresses; for TCP the flags and the last `length N` of the address line.
 */
function independentReading(record: string): Reading | undefined {
  let addresses = IPV4_ADDRESSES.exec(record);
  const six = IPV6_ADDRESSES.exec(record);
  if (six?.groups && isIPv6(six.groups.src) && isIPv6(six.groups.dst) && (!addresses || six.index < addresses.index))
    addresses = six;
  const request = ARP_REQUEST.exec(record);
  if (request?.groups && (!addresses || request.index < addresses.index))
    return { kind: 'arp', op: 'request', sender: request.groups.sender, target: request.groups.target };
  const reply = ARP_REPLY.exec(record);
  if (reply?.groups && (!addresses || reply.index < addresses.index))
    return { kind: 'arp', op: 'reply', sender: reply.groups.sender, mac: reply.groups.mac };
  if (!addresses?.groups) return undefined;
  const { src, dst, sport, dport } = addresses.groups;
  const reading: Reading = { kind: 'ip', src, dst };
  if (sport) reading.sport = Number(sport);
  if (dport) reading.dport = Number(dport);
  const addressLine = record.slice(addresses.index + addresses[0].length).split('\n')[0];
  const flags = TCP_FLAGS.exec(addressLine)?.groups;
  if (flags) {
    reading.flags = flags.flags;
    const lengths = [...addressLine.matchAll(/, length (?<length>\d+)/g)];
    if (lengths.length) reading.length = Number(lengths[lengths.length - 1].groups?.length);
  }
  return reading;
}

function disagreements(reading: Reading, packet: Packet): string[] {
  const out: string[] = [];
  if (reading.kind === 'arp') {
    if (packet.arp?.op !== reading.op) out.push(`arp ${packet.arp?.op} ≠ ${reading.op}`);
    if (packet.arp?.senderIp !== reading.sender) out.push(`sender ${packet.arp?.senderIp} ≠ ${reading.sender}`);
    if (reading.target !== undefined && packet.arp?.targetIp !== reading.target)
      out.push(`target ${packet.arp?.targetIp} ≠ ${reading.target}`);
    if (reading.mac !== undefined && packet.arp?.mac !== reading.mac)
      out.push(`mac ${packet.arp?.mac} ≠ ${reading.mac}`);
    return out;
  }
  if (packet.src?.ip !== reading.src) out.push(`src ${packet.src?.ip} ≠ ${reading.src}`);
  if (packet.dst?.ip !== reading.dst) out.push(`dst ${packet.dst?.ip} ≠ ${reading.dst}`);
  if (reading.sport !== undefined && packet.src?.port !== reading.sport)
    out.push(`sport ${packet.src?.port} ≠ ${reading.sport}`);
  if (reading.dport !== undefined && packet.dst?.port !== reading.dport)
    out.push(`dport ${packet.dst?.port} ≠ ${reading.dport}`);
  if (reading.flags !== undefined && packet.tcp?.flags !== reading.flags)
    out.push(`flags ${packet.tcp?.flags} ≠ ${reading.flags}`);
  if (reading.length !== undefined && packet.length !== reading.length)
    out.push(`length ${packet.length} ≠ ${reading.length}`);
  return out;
}

interface FileTally {
  lines: number;
  read: number;
  correct: number;
  /** Of the correct ones, ARP records (sender, target, MAC checked). */
  arp: number;
  wrong: string[];
  reported: number;
  lost: number[];
}

function tally(name: string): FileTally {
  const text = readFileSync(`${DIR}/${name}`, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const doc = parseDocument(text, `${DIR}/${name}`);
  const covered = new Set<number>();
  const packetAt = new Map<number, Packet>();
  for (const fact of doc.facts) {
    if (fact.kind !== 'Capture') continue;
    const table = (fact as Capture).packets;
    for (let i = 0; i < table.size; i++) {
      const packet = table.packet(i);
      const first = table.lineOf(i);
      packetAt.set(first, packet);
      const last = packet.evidence[0]?.endLine ?? first;
      for (let line = first; line <= last; line++) covered.add(line);
    }
  }
  const reported = new Set<number>();
  for (const block of doc.blocks) for (const entry of block.result.unparsed) reported.add(entry.line);
  const result: FileTally = { lines: 0, read: 0, correct: 0, arp: 0, wrong: [], reported: 0, lost: [] };
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (!line.trim()) return;
    result.lines++;
    if (covered.has(lineNo)) result.read++;
    else if (reported.has(lineNo)) result.reported++;
    else result.lost.push(lineNo);
    if (!NUMBERED.test(line)) return;
    let record = line;
    for (let next = index + 1; next < lines.length && !NUMBERED.test(lines[next]); next++) record += `\n${lines[next]}`;
    const reading = independentReading(record);
    const packet = packetAt.get(lineNo);
    if (!reading || !packet) return;
    const wrong = disagreements(reading, packet);
    if (wrong.length) result.wrong.push(`${name}:${lineNo}: ${wrong.join(', ')}`);
    else {
      result.correct++;
      if (reading.kind === 'arp') result.arp++;
    }
  });
  return result;
}

test('tcpdump test outputs: every line read or reported, fields as the line says', () => {
  assert.ok(FILES.length >= 190, 'the selection is committed');
  const selection = readFileSync(`${DIR}/TESTLIST.selection`, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[2]);
  assert.deepEqual(
    FILES.filter((name) => !selection.includes(name)),
    [],
    'each file has the TESTLIST line that made it',
  );
  const totals = { lines: 0, read: 0, correct: 0, arp: 0, wrong: [] as string[], reported: 0, lost: [] as string[] };
  for (const name of FILES) {
    const fileTally = tally(name);
    totals.lines += fileTally.lines;
    totals.read += fileTally.read;
    totals.correct += fileTally.correct;
    totals.arp += fileTally.arp;
    totals.reported += fileTally.reported;
    totals.wrong.push(...fileTally.wrong);
    totals.lost.push(...fileTally.lost.map((line) => `${name}:${line}`));
  }
  console.log(
    `conformance tcpdump: ${FILES.length} files, ${totals.lines} lines: ${totals.read} read ` +
      `(${totals.correct} records checked field by field, ${totals.arp} of them ARP; ${totals.wrong.length} wrong), ` +
      `${totals.reported} reported, ${totals.lost.length} lost`,
  );
  assert.deepEqual(totals.lost, [], 'no line dropped silently');
  assert.deepEqual(totals.wrong, [], 'every checked field as the line says');
  assert.ok(totals.correct > 2500, `${totals.correct} records checked`);
  assert.ok(totals.arp >= 40, `${totals.arp} ARP records checked`);
});
