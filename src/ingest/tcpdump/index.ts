import type { Evidence, Packet, Unparsed } from '../../model';
import { registerFormat } from '../registry';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { parsePacketText } from './packet';
import { excerptOf, Interner, readStamp } from './scan';
import { looksFlattened, unflattenTcpdump } from './unflatten';

/**
 * tcpdump text output (`tcpdump -i any -nn`, `-e`, `-v`, `-vv`, single interface, with or without
 * name resolution) → Packet facts. One pass over the lines; a record is its first line plus the
 * indented continuation lines `-v` prints, plus — for VXLAN/OTV — the inner frame on the next line.
 * Header (`tcpdump: ...`, `listening on ...`) and trailer (`N packets captured`) lines are records
 * that are not packets.
 */

const FORMAT = 'tcpdump';

interface Piece { text: string; line: number; column: number }

interface OpenRecord {
  first: Piece;
  /** -v continuation lines (trimmed), in order. */
  cont: string[] | undefined;
  endLine: number;
  inner: OpenRecord | undefined;
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

function isEncapsulation(r: OpenRecord): boolean {
  const has = (t: string) => t.indexOf('OTV, flags') >= 0 || t.indexOf('VXLAN, flags') >= 0;
  return has(r.first.text) || (r.cont !== undefined && r.cont.some(has));
}

/** Starts a frame without a timestamp (`-t`, or the inner frame of VXLAN): IP, IP6, ARP or a MAC. */
function frameStart(s: string): boolean {
  return s.startsWith('IP ') || s.startsWith('IP6 ') || s.startsWith('ARP, ') || /^[0-9a-f]{2}(:[0-9a-f]{2}){5} > /.test(s);
}

export function parseTcpdump(input: ParseInput): ParseResult {
  const { text, uri } = input;
  const base = input.firstLine ?? 1;
  const facts: Packet[] = [];
  const unparsed: Unparsed[] = [];
  const intern = new Interner();
  let records = 0;
  let open: OpenRecord | undefined;

  const evidenceFor = (r: OpenRecord, text: string): Evidence => {
    const e: Evidence = { source: 'log', uri, line: r.first.line, excerpt: excerptOf(text), format: FORMAT };
    if (r.endLine !== r.first.line) e.endLine = r.endLine;
    if (r.first.column > 1) e.column = r.first.column;
    return e;
  };

  const build = (r: OpenRecord): Packet | string => {
    let s = r.first.text;
    let extra: string[] | undefined;
    if (r.cont !== undefined) {
      // `IP (tos ...)` alone on its line: the addresses follow on the first continuation line.
      if (s.endsWith(')') && (s.indexOf(' IP (') >= 0 || s.indexOf(' IP6 (') >= 0 || s.startsWith('IP (') || s.startsWith('IP6 ('))) {
        s = s + ' ' + r.cont[0];
        extra = r.cont.length > 1 ? r.cont.slice(1) : undefined;
      } else extra = r.cont;
    }
    const pk = parsePacketText(s, intern);
    if (typeof pk === 'string') return pk;
    if (extra !== undefined) {
      const more = extra.join(' | ');
      if (pk.tcp?.http === 'HTTP' && extra.length) pk.tcp.http = extra[0];
      if (pk.icmp?.detail !== undefined) pk.icmp.detail += ' | ' + more;
      else pk.info = pk.info === undefined ? more : pk.info + ' | ' + more;
    }
    pk.evidence.push(evidenceFor(r, s));
    if (r.inner !== undefined) {
      const inner = build(r.inner);
      if (typeof inner === 'string') unparsed.push({ line: r.inner.first.line, reason: `inner frame: ${inner}`, text: excerptOf(r.inner.first.text) });
      else pk.inner = inner;
    }
    return pk;
  };

  const close = () => {
    if (open === undefined) return;
    const r = open;
    open = undefined;
    const pk = build(r);
    if (typeof pk === 'string') unparsed.push({ line: r.first.line, reason: pk, text: excerptOf(r.first.text) });
    else { facts.push(pk); records++; }
  };

  const take = (piece: Piece) => {
    const s = piece.text;
    if (s.length === 0) return;
    const c = s.charCodeAt(0);
    if (c >= 48 && c <= 57 && readStamp(s, 0) !== undefined) {
      close();
      open = { first: piece, cont: undefined, endLine: piece.line, inner: undefined };
      return;
    }
    if (c === 32 || c === 9) {
      const t = s.trim();
      if (t.length === 0) return;
      if (open !== undefined) {
        const target = open.inner ?? open;
        (target.cont ??= []).push(t);
        target.endLine = piece.line;
        open.endLine = piece.line;
      } else unparsed.push({ line: piece.line, reason: 'continuation line without a packet before it', text: excerptOf(s) });
      return;
    }
    if (headerOrTrailer(s)) {
      close();
      records++;
      return;
    }
    if (open !== undefined && open.inner === undefined && frameStart(s) && isEncapsulation(open)) {
      open.inner = { first: piece, cont: undefined, endLine: piece.line, inner: undefined };
      open.endLine = piece.line;
      return;
    }
    if (frameStart(s)) {
      close();
      open = { first: piece, cont: undefined, endLine: piece.line, inner: undefined };
      return;
    }
    close();
    unparsed.push({ line: piece.line, reason: 'not a tcpdump line (no timestamp, header or packet summary)', text: excerptOf(s) });
  };

  let lineNo = base;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let line = text.slice(pos, nl);
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (looksFlattened(line)) {
      for (const p of unflattenTcpdump(line)) take({ text: p.text, line: lineNo, column: p.start + 1 });
    } else if (line.length > 0) {
      take({ text: line, line: lineNo, column: 1 });
    }
    lineNo++;
    pos = nl + 1;
    if (nl === n) break;
  }
  close();
  return { format: FORMAT, facts, records, unparsed };
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
      if (readStamp(p, 0) && typeof parsePacketText(p, intern) !== 'string') {
        const pk = parsePacketText(p, intern);
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
