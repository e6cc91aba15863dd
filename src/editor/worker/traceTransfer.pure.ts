import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { ConnectionSummary, Flow, TraceResult } from '../../flow/types';
import type { Evidence } from '../../model';
import type { BuiltPayload } from '../../render/payload';
import { encodedShow } from '../diagram/panelPayload.pure';

/**
 * A trace's answer as the parse worker sends it (no `vscode`): first what the diagram's webview
 * shows, ready to post (ShownTrace), then the TraceResult in pieces (PackedTrace) the extension host
 * reads one per turn of its event loop, all but the connection list every flow shares: that is read
 * when something asks for it (the side view, a caller of the trace command). A 400,000-line
 * capture's answer (20 flows sharing a list of 3,150 connections) is 5.8 MB, 4.8 MB of it that list:
 * read as one message it held the host for 40–80 ms, and posting its payload to the webview (VS Code
 * writes it as JSON, calling a replacer for every value) 35–55 ms more.
 */
export interface ShownTrace {
  /** What the panel's webview shows before any view state (see encodedShow): UTF-8 JSON. */
  show: Uint8Array;
  /** The panel's evidence table (the ids the webview names evidence by). */
  evidence: Evidence[];
  /** What the panel's title names: the first flow's title and how many flows there are. */
  title: { first?: string; flows: number };
  /** Whether `show` holds the first flow only (see DiagramPayload.more): one with every flow follows. */
  first?: boolean;
}

export interface PackedTrace {
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
  /** Connections in the list. */
  count: number;
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
 * What the panel shows of `result` (its payload `built`), packed to cross to the host; `transfer`: the
 * buffer to move. `flowCount`: how many flows the trace holds when `result` holds the first only.
 */
export function shownTrace(
  result: TraceResult,
  built: BuiltPayload,
  flowCount = result.flows.length,
): { shown: ShownTrace; transfer: ArrayBuffer[] } {
  const shown: ShownTrace = {
    show: own(encodedShow(result, built)),
    evidence: built.evidence,
    title: { ...(result.flows[0] ? { first: result.flows[0].title } : {}), flows: flowCount },
    ...(flowCount > result.flows.length ? { first: true } : {}),
  };
  return { shown, transfer: [shown.show.buffer as ArrayBuffer] };
}

/**
 * `result` packed to cross to the host, `perPiece` connection summaries a piece; `transfer`: the
 * buffers to move, not copy.
 */
export function packTrace(
  result: TraceResult,
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
  const head: Head = {
    result: { ...result, flows: [] },
    sharing,
    slices,
    count: list.length,
    listDigest: hash.digest('hex'),
  };
  const pieces: Uint8Array[] = [serialize(head)];
  // the key stays where it was (undefined), so the flow reads back with its keys in the same order
  result.flows.forEach((flow, index) =>
    pieces.push(serialize(sharing[index] ? { ...flow, connections: undefined } : flow)),
  );
  pieces.push(...listPieces);
  const packed: PackedTrace = { pieces: pieces.map(own) };
  return { packed, transfer: packed.pieces.map((bytes) => bytes.buffer as ArrayBuffer) };
}

/** The connection list of a result read from the worker, until read (see unpackTrace). */
interface UnreadList {
  count: number;
  digest: string;
  slices: Uint8Array[];
  list?: ConnectionSummary[];
}

/** The connection list its flows share, of each result unpackTrace read. */
const unread = new WeakMap<TraceResult, UnreadList>();

/** The list of `unreadList` read now, at once (when read before, that list). */
function readList(unreadList: UnreadList): ConnectionSummary[] {
  if (unreadList.list) return unreadList.list;
  const list: ConnectionSummary[] = [];
  for (const slice of unreadList.slices)
    for (const connection of deserialize(slice) as ConnectionSummary[]) list.push(connection);
  unreadList.slices = [];
  digests.set(list, unreadList.digest);
  return (unreadList.list = list);
}

/**
 * The connection list `result`'s flows share, without reading it: how many connections it holds and
 * its digest (see listDigest); undefined for a result that did not come from the worker or shares none.
 */
export function sharedListOf(result: TraceResult): { count: number; digest: string } | undefined {
  const list = unread.get(result);
  return list && { count: list.count, digest: list.digest };
}

/**
 * Reads the connection list `result`'s flows share (when it came from the worker and was not read
 * yet), a slice at a time with `between()` awaited before each: reading `connections` then costs nothing.
 */
export async function readSharedList(result: TraceResult, between: () => Promise<void>): Promise<void> {
  const unreadList = unread.get(result);
  if (!unreadList || unreadList.list) return;
  const list: ConnectionSummary[] = [];
  for (const slice of unreadList.slices) {
    await between();
    if (unreadList.list) return; // read at once meanwhile
    for (const connection of deserialize(slice) as ConnectionSummary[]) list.push(connection);
  }
  unreadList.slices = [];
  digests.set(list, unreadList.digest);
  unreadList.list = list;
}

/**
 * The TraceResult of `packed`, read a piece at a time with `between()` awaited before each (the
 * host's next turn), but the connection list its flows share: their `connections` reads it when first
 * asked (at once; readSharedList reads it a slice per turn), and they share that one list again, as
 * they did in the worker.
 */
export async function unpackTrace(packed: PackedTrace, between: () => Promise<void>): Promise<TraceResult> {
  const [first, ...rest] = packed.pieces;
  const head = deserialize(first) as Head;
  const flows: Flow[] = [];
  for (let index = 0; index < head.sharing.length; index++) {
    await between();
    flows.push(deserialize(rest[index]) as Flow);
  }
  const unreadList: UnreadList = {
    count: head.count,
    digest: head.listDigest,
    slices: rest.slice(head.sharing.length, head.sharing.length + head.slices),
  };
  flows.forEach((flow, index) => {
    // the key is there (undefined): redefined in place, it keeps its order among the flow's keys
    if (head.sharing[index])
      Object.defineProperty(flow, 'connections', {
        get: () => readList(unreadList),
        set: (value: ConnectionSummary[] | undefined) =>
          Object.defineProperty(flow, 'connections', { value, writable: true, enumerable: true, configurable: true }),
        enumerable: true,
        configurable: true,
      });
  });
  head.result.flows = flows;
  if (head.sharing.some(Boolean)) unread.set(head.result, unreadList);
  return head.result;
}
