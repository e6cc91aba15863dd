import { ArrayPacketTable, type Capture, type Fact, type Packet } from '../model';
import type { DocumentResult } from './document';
import { PacketColumns } from './tcpdump/columns/packetColumns';
import { packColumns, unpackColumns, type PackedCapture, type TextOfCapture } from './tcpdump/columns/transfer';

/**
 * Facts and parsed documents as data for `postMessage` (a worker thread and the extension host):
 * plain facts go as they are (the structured clone copies them), a capture's packet table as its
 * typed-array columns (see tcpdump/columns/transfer.ts), whose buffers are transferred when the
 * sender lets them go. A capture's text is not sent when the receiver holds it: only where it
 * starts in the document's text.
 */

type PackedTable = { columns: PackedCapture } | { packets: Packet[] };
type PackedFact = Fact | (Omit<Capture, 'packets'> & { packets: PackedTable });

export interface PackedFacts {
  facts: PackedFact[];
}

export interface PackFactsOptions {
  /** Where a capture's text is: an offset into the text the receiver holds, or undefined to send the text. */
  textOf?: (table: PacketColumns) => TextOfCapture | undefined;
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
    if (!(table instanceof PacketColumns)) return { ...fact, packets: { packets: table.all() } };
    const text = options.textOf?.(table) ?? { text: table.text };
    const packed = packColumns(table, text);
    if (options.transfer) for (const buffer of packed.transfer) transfer.push(buffer);
    return { ...fact, packets: { columns: packed.packed } };
  });
  return { packed: { facts: out }, transfer };
}

/** Facts from `packFacts`; `text` is the text the sender's `textOf` offsets point into. */
export function unpackFacts(packed: PackedFacts, text?: string): Fact[] {
  return packed.facts.map((fact) => {
    if (fact.kind !== 'Capture') return fact;
    const table = fact.packets as PackedTable;
    if ('packets' in table) return { ...fact, packets: new ArrayPacketTable(table.packets) };
    const where = table.columns.text;
    const own = 'text' in where ? where.text : (text ?? '').slice(where.offset, where.offset + where.length);
    return { ...fact, packets: unpackColumns(table.columns, own) };
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
    const textOf = (table: PacketColumns): TextOfCapture | undefined => {
      const offset = starts[k];
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
