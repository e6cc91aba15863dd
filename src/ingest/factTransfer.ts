import { ArrayPacketTable, type Capture, type Fact, type Packet } from '../model';
import type { DocumentResult } from './document';
import { PacketColumns } from './tcpdump/columns/packetColumns';
import { RowWindow, SegmentedPackets, type CaptureSegment } from './tcpdump/columns/segmentedPackets';
import { packColumns, unpackColumns, type PackedCapture, type TextOfCapture } from './tcpdump/columns/transfer';

/**
 * Facts and parsed documents as data for `postMessage` (a worker thread and the extension host):
 * plain facts go as they are (the structured clone copies them), a capture's packet table as its
 * typed-array columns (see tcpdump/columns/transfer.ts), whose buffers are transferred when the
 * sender lets them go. A capture's text is not sent when the receiver holds it: only where it
 * starts in the document's text.
 */

/**
 * A capture read in pieces (SegmentedPackets): each piece's own columns, or a window on one of the
 * tables `bases` (the capture's table as first read), and where it sits.
 */
type PackedPiece = Omit<CaptureSegment, 'table'> & ({ columns: PackedCapture } | { window: [number, number, number] });
type PackedTable =
  { columns: PackedCapture } | { pieces: PackedPiece[]; bases: PackedCapture[] } | { packets: Packet[] };
type PackedFact = Fact | (Omit<Capture, 'packets'> & { packets: PackedTable });

export interface PackedFacts {
  facts: PackedFact[];
}

export interface PackFactsOptions {
  /**
   * Where a capture's text is: an offset into the text the receiver holds, or undefined to send the text.
   * `at`: where the table's text starts in the text the capture was parsed from (a piece's, see SegmentedPackets).
   */
  textOf?: (table: PacketColumns, at: number) => TextOfCapture | undefined;
  /** Transfer the columns' buffers (the sender's tables become unreadable) instead of copying them. */
  transfer: boolean;
}

export function packFacts(
  facts: readonly Fact[],
  options: PackFactsOptions,
): { packed: PackedFacts; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const out: PackedFact[] = facts.map((fact) => {
    if (fact.kind !== 'Capture') return fact;
    const table = fact.packets;
    const columns = (piece: PacketColumns, at: number) => {
      const where = options.textOf && at >= 0 ? options.textOf(piece, at) : undefined;
      const packed = packColumns(piece, where ?? { text: piece.text });
      if (options.transfer) for (const buffer of packed.transfer) transfer.push(buffer);
      return packed.packed;
    };
    if (table instanceof SegmentedPackets) {
      const bases: PacketColumns[] = [];
      const pieces = table.segments.map(({ table: piece, ...where }): PackedPiece => {
        if (piece instanceof PacketColumns) return { ...where, columns: columns(piece, where.textAt) };
        if (!bases.includes(piece.base)) bases.push(piece.base);
        return { ...where, window: [bases.indexOf(piece.base), piece.from, piece.to] };
      });
      // a window's table was read from the capture's text as first read: where it starts is not known here
      return { ...fact, packets: { pieces, bases: bases.map((base) => columns(base, -1)) } };
    }
    if (!(table instanceof PacketColumns)) return { ...fact, packets: { packets: table.all() } };
    return { ...fact, packets: { columns: columns(table, 0) } };
  });
  return { packed: { facts: out }, transfer };
}

/** Facts from `packFacts`; `text` is the text the sender's `textOf` offsets point into. */
export function unpackFacts(packed: PackedFacts, text?: string): Fact[] {
  return packed.facts.map((fact) => {
    if (fact.kind !== 'Capture') return fact;
    const table = fact.packets as PackedTable;
    if ('packets' in table) return { ...fact, packets: new ArrayPacketTable(table.packets) };
    const columns = (packed: PackedCapture) => {
      const where = packed.text;
      const own = 'text' in where ? where.text : (text ?? '').slice(where.offset, where.offset + where.length);
      return unpackColumns(packed, own);
    };
    if ('pieces' in table) {
      const bases = table.bases.map(columns);
      const pieces = table.pieces.map((piece): CaptureSegment => {
        if ('columns' in piece) {
          const { columns: packed, ...where } = piece;
          return { ...where, table: columns(packed) };
        }
        const { window, ...where } = piece;
        return { ...where, table: new RowWindow(bases[window[0]], window[1], window[2]) };
      });
      return { ...fact, packets: new SegmentedPackets(pieces) };
    }

    return { ...fact, packets: columns(table.columns) };
  });
}

/** A parsed document with its facts packed (each block's facts; the document's are their concatenation). */
export interface PackedDocument {
  uri: string;
  blocks: (Omit<DocumentResult['blocks'][number], 'result'> & {
    result: Omit<DocumentResult['blocks'][number]['result'], 'facts'> & { facts: PackedFacts };
  })[];
}

/**
 * A document parsed from `text` (after `normalizeLineEnds`, as parseDocument reads it) as data:
 * a capture whose text is a piece of `text` is sent as where that piece starts.
 */
export function packDocument(
  doc: DocumentResult,
  text: string,
  options: { transfer: boolean },
): { packed: PackedDocument; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const starts = blockStarts(text, doc.blocks);
  const blocks = doc.blocks.map((block, k) => {
    const textOf = (table: PacketColumns, at: number): TextOfCapture | undefined => {
      const offset = starts[k] + at;
      return text.startsWith(table.text, offset) ? { offset, length: table.text.length } : undefined;
    };
    const packed = packFacts(block.result.facts, { textOf, transfer: options.transfer });
    for (const buffer of packed.transfer) transfer.push(buffer);
    return { ...block, result: { ...block.result, facts: packed.packed } };
  });
  return { packed: { uri: doc.uri, blocks }, transfer };
}

export function unpackDocument(packed: PackedDocument, text: string): DocumentResult {
  const facts: Fact[] = [];
  const blocks = packed.blocks.map((block) => {
    const own = unpackFacts(block.result.facts, text);
    for (const fact of own) facts.push(fact);
    return { ...block, result: { ...block.result, facts: own } };
  });
  return { uri: packed.uri, blocks, facts };
}

/** Offset in `text` of each block's first line (blocks in line order), in one walk over the text. */
function blockStarts(text: string, blocks: readonly { startLine: number }[]): number[] {
  const out: number[] = [];
  let line = 1;
  let offset = 0;
  for (const block of blocks) {
    while (line < block.startLine && offset >= 0) {
      const next = text.indexOf('\n', offset);
      offset = next < 0 ? -1 : next + 1;
      line++;
    }
    out.push(offset < 0 ? text.length : offset);
  }
  return out;
}
