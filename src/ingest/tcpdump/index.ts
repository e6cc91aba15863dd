import type { Capture, Evidence } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { Chunk, NET_OTHER } from './columns/chunk';
import { RecordScanner, type RecordSpan } from './columns/recordScanner';
import {
  asciiBytesStart,
  headerOrTrailer,
  numberedStamp,
  scanCapture,
  type ScannedCapture,
} from './columns/scanCapture';
import { remapResult, unflattenLines } from '../transcript/lineMap';
import { textLines } from '../transcript/lines';
import type { PacketColumns } from './columns/packetColumns';
import type { SegmentedPackets } from './columns/segmentedPackets';
import { deltaStampsOf } from './segments';
import { readStamp } from './scan';
import { looksFlattened, unflattenTcpdump } from './unflatten';

/**
 * tcpdump text output (`tcpdump -i any -nn`, `-e`, `-v`, `-vv`, single interface, with or without
 * name resolution) → one Capture fact holding the packets as a table of columns (see columns/).
 * Header (`tcpdump: ...`, `listening on ...`) and trailer (`N packets captured`) lines are records
 * that are not packets.
 */

const FORMAT = 'tcpdump';

/**
 * Points a capture's evidence at its packets: from the first packet's line to the last one's end
 * (a packet's end line already covers its -v lines and, for VXLAN, its inner frame).
 */
export function spanPackets(evidence: Evidence, table: PacketColumns | SegmentedPackets): void {
  evidence.line = table.lineOf(0);
  const end = table.endLineOf(table.size - 1);
  if (end !== evidence.line) evidence.endLine = end;
  else delete evidence.endLine;
  evidence.excerpt = `tcpdump capture: ${table.size} packets`;
}

/** One Capture fact for the packets, its evidence spanning them (see spanPackets); none for no packets. */
function captureOf(table: PacketColumns, uri: string, input: ParseInput): Capture[] {
  if (table.size === 0) return [];
  const evidence: Evidence = { source: 'log', uri, format: FORMAT };
  spanPackets(evidence, table);
  const capture: Capture = { kind: 'Capture', evidence: [evidence], packets: table };
  if (input.host !== undefined) capture.host = input.host;
  if (input.command !== undefined) capture.command = input.command;
  return [capture];
}

export function parseTcpdump(input: ParseInput): ParseResult {
  const { text, uri } = input;
  const base = input.firstLine ?? 1;
  const deltas = deltaStampsOf(input.command);
  const scanned = scanCapture(text, uri, base, { linesCut: input.linesCut === true, deltas });
  if (scanned !== 'flattened')
    return {
      format: FORMAT,
      facts: captureOf(scanned.table, uri, input),
      records: scanned.records,
      unparsed: scanned.unparsed,
    };
  // newlines were lost somewhere: cut every line into its records, read that, then point back at the text as given
  const lines = textLines(text);
  const last = lines.count - 1;
  const { text: cut, map } = unflattenLines(tcpdumpFormat, { lines, first: 0, last, firstLine: base });
  const again = scanCapture(cut ?? lines.join(0, last), uri, map ? 1 : base, {
    linesCut: true,
    endsStripped: true,
    deltas,
  }) as ScannedCapture;
  const result: ParseResult = {
    format: FORMAT,
    facts: captureOf(again.table, uri, input),
    records: again.records,
    unparsed: again.unparsed,
  };
  if (map) remapResult(result, map, uri);
  return result;
}

/** Share of the first lines that look like tcpdump output (also when flattened). */
export function sniffTcpdump(lines: readonly string[]): number {
  let hits = 0;
  let total = 0;
  const scanner = new RecordScanner();
  const row = new Chunk(1);
  /** After a packet line: `-A` bytes may follow (see scanCapture). */
  let afterPacket = false;
  let ascii = false;
  let bytesOnly = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    const flat = looksFlattened(line);
    // (`-#` numbers a packet before its stamp: `    1  12:10:12.731347 IP ...`)
    const numbered = line.slice(numberedStamp(line, 0, line.length));
    const stamped = readStamp(numbered, 0) !== undefined;
    // -v continuation lines say nothing on their own; they neither count for nor against
    // (a stamp after a space is -ttt's, a packet)
    if ((raw.charCodeAt(0) === 32 || raw.charCodeAt(0) === 9) && !flat && !stamped) continue;
    // a paragraph that opens with -A bytes: the rest of a packet whose bytes hold a blank line
    if (total === 0 && !afterPacket && !stamped && asciiBytesStart(raw, 0, raw.length)) {
      afterPacket = true;
      bytesOnly = true;
    }
    // nor do the lines of a packet's bytes printed as text (-A)
    if (afterPacket && !stamped && !flat && !headerOrTrailer(line) && (ascii || asciiBytesStart(raw, 0, raw.length))) {
      ascii = true;
      continue;
    }
    afterPacket = false;
    total++;
    if (headerOrTrailer(line) && !flat) {
      hits++;
      continue;
    }
    const pieces = flat ? unflattenTcpdump(line).map((piece) => piece.text) : [numbered];
    let ok = 0;
    for (const piece of pieces) {
      if (headerOrTrailer(piece)) {
        ok++;
        continue;
      }
      // a packet line, stamped or not (-t); unstamped, only IP, IP6 and ARP frames are packets
      const stamp = readStamp(piece, 0);
      const record: RecordSpan = {
        at: 0,
        lineEnd: piece.length,
        stampEnd: stamp?.end ?? 0,
        stamp: stamp?.t ?? 0,
        contFrom: -1,
        contTo: -1,
        endAt: piece.length,
      };
      scanner.target(row, 0, 0);
      if (scanner.scan(piece, record, false) === undefined && row.net[0] !== NET_OTHER) {
        ok++;
        afterPacket = true;
      }
      row.clear(0);
      scanner.forget();
    }
    if (ok > 0 && ok >= pieces.length / 2) hits++;
  }
  // -A bytes alone are never a capture, but may go on one (see transcript/split.ts `continues`)
  if (total === 0) return bytesOnly ? BYTES_ONLY : 0;
  return hits / total;
}

/** The score of a paragraph of `-A` bytes only: below any format's claim, above "not this format". */
const BYTES_ONLY = 0.3;

export const tcpdumpFormat: FormatSpec = {
  id: FORMAT,
  tools: ['tcpdump'],
  parse: parseTcpdump,
  commands: [/^(?:\S*\/)?tcpdump\b/, /^(?:timeout|ip\s+netns\s+exec|nsenter)\s[^|]*?\btcpdump\b/],
  sniff: sniffTcpdump,
  unflatten: unflattenTcpdump,
  // the capture walk drops one `\r` before each `\n` (scanCapture's endsStripped)
  readsCrlf: true,
};
