import type { Capture, Evidence } from '../../model';
import { registerFormat } from '../registry';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { Chunk } from './columns/chunk';
import { headerOrTrailer } from './columns/lineKinds';
import { clearRow, NET_OTHER, RecordScanner } from './columns/recordScanner';
import { scanCapture } from './columns/scanCapture';
import type { PacketColumns } from './columns/packetColumns';
import { readStamp } from './scan';
import { looksFlattened, unflattenTcpdump } from './unflatten';

/**
 * tcpdump text output (`tcpdump -i any -nn`, `-e`, `-v`, `-vv`, single interface, with or without
 * name resolution) → one Capture fact holding the packets as a table of columns (see columns/).
 * Header (`tcpdump: ...`, `listening on ...`) and trailer (`N packets captured`) lines are records
 * that are not packets.
 */

const FORMAT = 'tcpdump';

/** One Capture fact for the packets, its evidence spanning the first packet's line to the last one's; none for no packets. */
function captureOf(table: PacketColumns, uri: string): Capture[] {
  if (table.size === 0) return [];
  const line = table.lineOf(0);
  // A packet's end line already covers its -v lines and, for VXLAN, its inner frame.
  const end = table.endLineOf(table.size - 1);
  const evidence: Evidence = { source: 'log', uri, line, excerpt: `tcpdump capture: ${table.size} packets`, format: FORMAT };
  if (end !== line) evidence.endLine = end;
  return [{ kind: 'Capture', evidence: [evidence], packets: table }];
}

export function parseTcpdump(input: ParseInput): ParseResult {
  const { table, records, unparsed } = scanCapture(input.text, input.uri, input.firstLine ?? 1);
  return { format: FORMAT, facts: captureOf(table, input.uri), records, unparsed };
}

/** Share of the first lines that look like tcpdump output (also when flattened). */
export function sniffTcpdump(lines: readonly string[]): number {
  let hits = 0;
  let total = 0;
  const scanner = new RecordScanner();
  const row = new Chunk(1);
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
      const stamp = readStamp(p, 0);
      if (stamp && scanner.scan(p, row, 0, 0, stamp.end, stamp.t) === undefined && row.net[0] !== NET_OTHER) ok++;
      clearRow(row, 0);
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
