import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { ConnectionSummary, Flow, TraceResult } from '../../flow/types';
import type { Evidence } from '../../model';
import type { BuiltPayload } from '../../render/payload';
import { encodedShow } from '../diagram/panelPayload.pure';

/**
 * A trace's answer as the parse worker sends it (no `vscode`): what the diagram's webview shows,
 * ready to post, and the TraceResult in pieces the extension host reads one per turn of its event
 * loop. A 400,000-line capture's answer (20 flows sharing a list of 3,150 connections) is 5.8 MB:
 * read as one message it held the host for 40–80 ms, and posting its payload to the webview (VS Code
 * writes it as JSON, calling a replacer for every value) 35–55 ms more.
 */
export interface PackedTrace {
  /** What the panel's webview shows before any view state (see encodedShow): UTF-8 JSON. */
  show: Uint8Array;
  /** The panel's evidence table (the ids the webview names evidence by). */
  evidence: Evidence[];
  /** What the panel's title names: the first flow's title and how many flows there are. */
  title: { first?: string; flows: number };
  /**
   * The result, each piece by v8's serializer (as a message would be): all but its flows and which
   * flows share the connection list, then each flow (the shared list left out), then the list in
   * slices of CONNECTIONS_PER_PIECE.
   */
  pieces: Uint8Array[];
}

/** Connection summaries per piece (about 1 KB each: 200 read in 1–3 ms). */
export const CONNECTIONS_PER_PIECE = 200;

interface Head {
  /** The result but its flows (an empty list in their place). */
  result: TraceResult;
  /** Per flow: its `connections` is the list every sharing flow holds (sent once, in slices). */
  sharing: boolean[];
  slices: number;
  /** A digest of the list's slices as serialized: two lists of the same digest are the same. */
  listDigest: string;
}

/** The digest of each connection list read back (see listDigest). */
const digests = new WeakMap<readonly ConnectionSummary[], string>();

/**
 * A digest of `list` when it came from the worker (made there from its bytes): lists of the same
 * digest hold the same connections (other digests may too); undefined for other lists.
 */
export function listDigest(list: readonly ConnectionSummary[]): string | undefined {
  return digests.get(list);
}

/** An array of its own (a Buffer may sit in a shared pool, which must not be transferred). */
function own(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/**
 * `result` and its panel payload packed to cross to the host, `perPiece` connection summaries a
 * piece; `transfer`: the buffers to move, not copy.
 */
export function packTrace(
  result: TraceResult,
  built: BuiltPayload,
  perPiece = CONNECTIONS_PER_PIECE,
): { packed: PackedTrace; transfer: ArrayBuffer[] } {
  const shared = result.flows.find((flow) => flow.connections !== undefined)?.connections;
  const sharing = result.flows.map((flow) => shared !== undefined && flow.connections === shared);
  const list = shared ?? [];
  const slices = Math.ceil(list.length / perPiece);
  const listPieces: Uint8Array[] = [];
  for (let slice = 0; slice < slices; slice++)
    listPieces.push(serialize(list.slice(slice * perPiece, (slice + 1) * perPiece)));
  const hash = createHash('sha1');
  for (const bytes of listPieces) hash.update(bytes);
  const head: Head = { result: { ...result, flows: [] }, sharing, slices, listDigest: hash.digest('hex') };
  const pieces: Uint8Array[] = [serialize(head)];
  // the key stays where it was (undefined), so the flow reads back with its keys in the same order
  result.flows.forEach((flow, index) =>
    pieces.push(serialize(sharing[index] ? { ...flow, connections: undefined } : flow)),
  );
  pieces.push(...listPieces);
  const packed: PackedTrace = {
    show: own(encodedShow(result, built)),
    evidence: built.evidence,
    title: { ...(result.flows[0] ? { first: result.flows[0].title } : {}), flows: result.flows.length },
    pieces: pieces.map(own),
  };
  return { packed, transfer: [packed.show, ...packed.pieces].map((bytes) => bytes.buffer as ArrayBuffer) };
}

/**
 * The TraceResult of `packed`, read a piece at a time with `between()` awaited before each (the
 * host's next turn): the flows share one connection list again, as they did in the worker.
 */
export async function unpackTrace(packed: PackedTrace, between: () => Promise<void>): Promise<TraceResult> {
  const [first, ...rest] = packed.pieces;
  const head = deserialize(first) as Head;
  const flows: Flow[] = [];
  for (let index = 0; index < head.sharing.length; index++) {
    await between();
    flows.push(deserialize(rest[index]) as Flow);
  }
  const connections: ConnectionSummary[] = [];
  for (let slice = 0; slice < head.slices; slice++) {
    await between();
    for (const connection of deserialize(rest[head.sharing.length + slice]) as ConnectionSummary[])
      connections.push(connection);
  }
  digests.set(connections, head.listDigest);
  flows.forEach((flow, index) => {
    if (head.sharing[index]) flow.connections = connections;
  });
  head.result.flows = flows;
  return head.result;
}
