import { ArrayPacketTable, type Capture, type Evidence, type Packet, type PacketTable, type Unparsed } from '../../model';
import { registerFormat } from '../registry';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { parsePacketText } from './packet';
import { excerptOf, Interner, readStamp } from './scan';
import { looksFlattened, unflattenTcpdump } from './unflatten';

/**
 * tcpdump text output (`tcpdump -i any -nn`, `-e`, `-v`, `-vv`, single interface, with or without
 * name resolution) → one Capture fact holding the packets as a table. One pass over the lines; a record is its first line plus the
 * indented continuation lines `-v` prints, plus — for VXLAN/OTV — the inner frame on the next line.
 * Header (`tcpdump: ...`, `listening on ...`) and trailer (`N packets captured`) lines are records
 * that are not packets.
 */

const FORMAT = 'tcpdump';

/** A record that has continuation lines or an inner frame (the rare, multi-line case). */
interface Extra {
  /** -v continuation lines (trimmed), in order. */
  cont: string[] | undefined;
  inner: { text: string; line: number; column: number; endLine: number; cont: string[] | undefined } | undefined;
}

function headerOrTrailer(s: string): boolean {
  const c = s.charCodeAt(0);
  if (c === 116) return s.startsWith('tcpdump: ');
  if (c === 108) return s.startsWith('listening on ');
  if (c === 114) return s.startsWith('reading from file ');
  if (c === 100) return s.startsWith('dropped privs to ');
  if (c >= 48 && c <= 57) return /^\d+ packets? (captured|received by filter|dropped by (kernel|interface))\b/.test(s);
  if (c === 94) return s === '^C';
  return false;
}

function isEncapsulation(first: string, x: Extra | undefined): boolean {
  const has = (t: string) => t.indexOf('OTV, flags') >= 0 || t.indexOf('VXLAN, flags') >= 0;
  return has(first) || (x?.cont !== undefined && x.cont.some(has));
}

/** Starts a frame without a timestamp (`-t`, or the inner frame of VXLAN): IP, IP6, ARP or a MAC. */
function frameStart(s: string): boolean {
  return s.startsWith('IP ') || s.startsWith('IP6 ') || s.startsWith('ARP, ') || /^[0-9a-f]{2}(:[0-9a-f]{2}){5} > /.test(s);
}

/** The table a capture's packets are kept in: the one place to change how they are stored. */
function packetTable(packets: Packet[]): PacketTable {
  return new ArrayPacketTable(packets);
}

/** One Capture fact for the packets, its evidence spanning the first packet's line to the last one's; none for no packets. */
function captureOf(packets: Packet[], uri: string): Capture[] {
  if (packets.length === 0) return [];
  const first = packets[0].evidence[0];
  const last = packets[packets.length - 1].evidence[0];
  const evidence: Evidence = { source: 'log', uri, line: first.line, excerpt: `tcpdump capture: ${packets.length} packets`, format: FORMAT };
  // A packet's evidence already spans its -v lines and, for VXLAN, its inner frame.
  const end = last.endLine ?? last.line;
  if (end !== first.line) evidence.endLine = end;
  return [{ kind: 'Capture', evidence: [evidence], packets: packetTable(packets) }];
}

export function parseTcpdump(input: ParseInput): ParseResult {
  const { text, uri } = input;
  const base = input.firstLine ?? 1;
  const facts: Packet[] = [];
  const unparsed: Unparsed[] = [];
  const intern = new Interner();
  let records = 0;

  // The open record, kept in locals: a capture has millions of lines and most records are one line.
  let pText: string | undefined;
  let pLine = 0;
  let pEndLine = 0;
  let pColumn = 1;
  let pExtra: Extra | undefined;

  const evidence = (line: number, endLine: number, column: number, s: string): Evidence => {
    const e: Evidence = { source: 'log', uri, line, excerpt: excerptOf(s), format: FORMAT };
    if (endLine !== line) e.endLine = endLine;
    if (column > 1) e.column = column;
    return e;
  };

  /** Joins `IP (tos ...)` with the addresses -v prints on the next line; the rest stays extra. */
  const build = (first: string, line: number, endLine: number, column: number, cont: string[] | undefined): Packet | string => {
    let s = first;
    let extra: string[] | undefined;
    if (cont !== undefined) {
      if (s.endsWith(')') && (s.indexOf(' IP (') >= 0 || s.indexOf(' IP6 (') >= 0 || s.startsWith('IP (') || s.startsWith('IP6 ('))) {
        s = s + ' ' + cont[0];
        extra = cont.length > 1 ? cont.slice(1) : undefined;
      } else extra = cont;
    }
    const pk = parsePacketText(s, intern, evidence(line, endLine, column, s));
    if (typeof pk === 'string' || extra === undefined) return pk;
    const more = extra.join(' | ');
    if (pk.tcp?.http === 'HTTP') pk.tcp.http = extra[0];
    if (pk.icmp?.detail !== undefined) pk.icmp.detail += ' | ' + more;
    else pk.info = pk.info === undefined ? more : pk.info + ' | ' + more;
    return pk;
  };

  const close = () => {
    if (pText === undefined) return;
    const x = pExtra;
    const pk = build(pText, pLine, pEndLine, pColumn, x?.cont);
    if (typeof pk === 'string') unparsed.push({ line: pLine, reason: pk, text: excerptOf(pText) });
    else {
      if (x?.inner !== undefined) {
        const i = x.inner;
        const inner = build(i.text, i.line, i.endLine, i.column, i.cont);
        if (typeof inner === 'string') unparsed.push({ line: i.line, reason: `inner frame: ${inner}`, text: excerptOf(i.text) });
        else pk.inner = inner;
      }
      facts.push(pk);
      records++;
    }
    pText = undefined;
    pExtra = undefined;
  };

  const open = (s: string, line: number, column: number) => {
    close();
    pText = s;
    pLine = line;
    pEndLine = line;
    pColumn = column;
  };

  const take = (s: string, line: number, column: number) => {
    if (s.length === 0) return;
    const c = s.charCodeAt(0);
    if (c >= 48 && c <= 57 && readStamp(s, 0) !== undefined) { open(s, line, column); return; }
    if (c === 32 || c === 9) {
      const t = s.trim();
      if (t.length === 0) return;
      if (pText !== undefined) {
        const x = (pExtra ??= { cont: undefined, inner: undefined });
        if (x.inner !== undefined) { (x.inner.cont ??= []).push(t); x.inner.endLine = line; }
        else (x.cont ??= []).push(t);
        pEndLine = line;
      } else unparsed.push({ line, reason: 'continuation line without a packet before it', text: excerptOf(s) });
      return;
    }
    if (headerOrTrailer(s)) { close(); records++; return; }
    if (pText !== undefined && pExtra?.inner === undefined && frameStart(s) && isEncapsulation(pText, pExtra)) {
      (pExtra ??= { cont: undefined, inner: undefined }).inner = { text: s, line, column, endLine: line, cont: undefined };
      pEndLine = line;
      return;
    }
    if (frameStart(s)) { open(s, line, column); return; }
    close();
    unparsed.push({ line, reason: 'not a tcpdump line (no timestamp, header or packet summary)', text: excerptOf(s) });
  };

  let lineNo = base;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let line = text.slice(pos, nl);
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length > 0) {
      if (looksFlattened(line)) for (const p of unflattenTcpdump(line)) take(p.text, lineNo, p.start + 1);
      else take(line, lineNo, 1);
    }
    lineNo++;
    pos = nl + 1;
    if (nl === n) break;
  }
  close();
  return { format: FORMAT, facts: captureOf(facts, uri), records, unparsed };
}

/** Share of the first lines that look like tcpdump output (also when flattened). */
export function sniffTcpdump(lines: readonly string[]): number {
  let hits = 0;
  let total = 0;
  const intern = new Interner();
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    // -v continuation lines say nothing on their own; they neither count for nor against
    if ((raw.charCodeAt(0) === 32 || raw.charCodeAt(0) === 9) && !looksFlattened(line)) continue;
    total++;
    if (headerOrTrailer(line) && !looksFlattened(line)) { hits++; continue; }
    const pieces = looksFlattened(line) ? unflattenTcpdump(line).map((p) => p.text) : [line];
    let ok = 0;
    for (const p of pieces) {
      if (headerOrTrailer(p)) { ok++; continue; }
      if (readStamp(p, 0)) {
        const pk = parsePacketText(p, intern, { source: 'log', uri: '' });
        if (typeof pk !== 'string' && pk.network !== 'other') ok++;
      }
    }
    if (ok > 0 && ok >= pieces.length / 2) hits++;
  }
  return total === 0 ? 0 : hits / total;
}

export const tcpdumpFormat: FormatSpec = {
  id: FORMAT,
  parse: parseTcpdump,
  commands: [
    /^(?:\S*\/)?tcpdump\b/,
    /^(?:timeout|ip\s+netns\s+exec|nsenter)\s[^|]*?\btcpdump\b/,
  ],
  sniff: sniffTcpdump,
  unflatten: unflattenTcpdump,
};

registerFormat(tcpdumpFormat);
