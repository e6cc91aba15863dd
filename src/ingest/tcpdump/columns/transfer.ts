import type { Endpoint4 } from '../../../model';
import { Chunk } from './chunk';
import { PacketColumns } from './packetColumns';
import type { DnsAnswer } from './payloads';
import { RecordScanner } from './recordScanner';
import { SpanInterner } from './spanInterner';

/**
 * A PacketColumns table as data that crosses a thread boundary (`postMessage`): the columns stay
 * typed arrays whose buffers are transferred, not copied; the string tables go as arrays of
 * strings; the capture's text does not go at all (the receiver has it, see `TextOfCapture`). A
 * table read back answers every question (packets, lines, `touching` …) as the original did.
 * Built objects (Packets) do not cross: the receiver builds them from the rows on first use.
 */

/** What a table reads its Packets' text from: where it starts in the text the receiver holds, or the text itself. */
export type TextOfCapture = { offset: number; length: number } | { text: string };

export interface PackedColumns {
  size: number;
  /** One entry per chunk: its capacity and its columns in declaration order. */
  chunks: { capacity: number; columns: Record<string, ArrayBufferView> }[];
  /** Rows whose first line was a piece of a flattened line (see PacketColumns.columns). */
  columns: [number, number][];
  inners?: PackedColumns;
}

export interface PackedCapture {
  uri: string;
  text: TextOfCapture;
  table: PackedColumns;
  strings: string[];
  endpoints: {
    ipv4: string[];
    ipv4Num: number[];
    text: string[][];
    objects: Endpoint4[][];
    hosts: string[];
  };
  answers: [number, DnsAnswer[]][];
  wide: [number, number][];
}

/** The fields of the scanner's tables a reader needs, which they keep private to their writers. */
interface EndpointState {
  ipv4: string[];
  objects: Endpoint4[][];
  ipv4Num: number[];
  text: SpanInterner[];
  hosts: SpanInterner;
}

function packTable(table: PacketColumns, transfer: ArrayBuffer[]): PackedColumns {
  table.settleLines();
  const chunks = table.chunks.map((chunk) => {
    const columns: Record<string, ArrayBufferView> = {};
    for (const [name, value] of Object.entries(chunk))
      if (ArrayBuffer.isView(value)) {
        columns[name] = value;
        transfer.push(value.buffer as ArrayBuffer);
      }
    return { capacity: chunk.capacity, columns };
  });
  return {
    size: table.size,
    chunks,
    columns: [...table.columns],
    ...(table.inners ? { inners: packTable(table.inners, transfer) } : {}),
  };
}

/**
 * The table as transferable data, plus the buffers to transfer. After a transfer the sender's
 * table is empty (its buffers are detached): pack only a table that will not be read here again.
 */
export function packColumns(
  table: PacketColumns,
  text: TextOfCapture,
): { packed: PackedCapture; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const scanner = table.scanner;
  const eps = scanner.eps as unknown as EndpointState;
  const packed: PackedCapture = {
    uri: table.uri,
    text,
    table: packTable(table, transfer),
    strings: scanner.strings.values,
    endpoints: {
      ipv4: eps.ipv4,
      ipv4Num: eps.ipv4Num,
      text: eps.text.map((interner) => interner.values),
      objects: eps.objects,
      hosts: eps.hosts.values,
    },
    answers: [...scanner.answers],
    wide: [...scanner.wide],
  };
  return { packed, transfer };
}

function intern(into: SpanInterner, values: readonly string[]): void {
  for (const value of values) into.str(value);
}

function unpackTable(
  packed: PackedColumns,
  text: string,
  options: { uri: string; scanner: RecordScanner },
): PacketColumns {
  const inners = packed.inners ? unpackTable(packed.inners, text, options) : undefined;
  const table = new PacketColumns(text, options.uri, options.scanner, inners);
  for (const { capacity, columns } of packed.chunks) {
    // the same fields in the same order as the constructor makes them (Chunk.columns reads them in order)
    const chunk = Object.assign(Object.create(Chunk.prototype) as Chunk, { capacity }, columns);
    table.chunks.push(chunk);
  }
  table.size = packed.size;
  for (const [row, column] of packed.columns) table.columns.set(row, column);
  return table;
}

/** A table from `packColumns`'s data; `text` is the capture's text (`TextOfCapture` resolved). */
export function unpackColumns(packed: PackedCapture, text: string): PacketColumns {
  const scanner = new RecordScanner();
  intern(scanner.strings, packed.strings);
  const eps = scanner.eps as unknown as EndpointState;
  for (const ip of packed.endpoints.ipv4) eps.ipv4.push(ip);
  for (const ip of packed.endpoints.ipv4Num) eps.ipv4Num.push(ip);
  // the address lookup is only used while scanning, which a received table never does again
  packed.endpoints.text.forEach((values, kind) => intern(eps.text[kind], values));
  packed.endpoints.objects.forEach((list, kind) => {
    for (const endpoint of list) eps.objects[kind].push(endpoint);
  });
  intern(eps.hosts, packed.endpoints.hosts);
  for (const [row, list] of packed.answers) scanner.answers.set(row, list);
  for (const [key, value] of packed.wide) scanner.wide.set(key, value);
  return unpackTable(packed.table, text, { uri: packed.uri, scanner });
}
