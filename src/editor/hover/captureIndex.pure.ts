import { ArrayPacketTable, partitionPoint, type ClusterModel, type Fact, type NatRule, type Packet } from '../../model';
import {
  ConversationFinder,
  type Conversation,
  type PacketPlace,
  type RowsEdit,
  type Segment,
} from './conversation.pure';

/**
 * A per-document index for hovers (no `vscode`): line → packets, line → rules, and the
 * correlation around a hovered packet. Nothing of a capture is built up front: the packets of a
 * line are found by binary search on the table's lines and built when hovered, and the
 * correlation is done on demand over the packets that share the hovered packet's addresses
 * (see conversation.pure.ts), so the first hover on a huge capture costs what its conversation costs.
 */

export interface LineIndex {
  /** The packets starting at a 1-based line (several in a flattened capture), built on request. */
  packets: { get(line: number): Packet[] | undefined };
  rules: Map<number, NatRule[]>;
  /** The document's rules in line order, for rule-position questions (n-th of m KUBE-SEP jumps). */
  allRules: NatRule[];
  /** Group, NAT partner and veth owners for a packet of this document. */
  around(p: Packet): Conversation;
  /** What the correlations found so far (see ConversationFinder.carried). */
  readonly finder?: ConversationFinder;
}

/**
 * The index of the same document before an edit that read rows of one capture again in place (its
 * facts the same objects), and which rows: its conversations' work is carried over.
 */
export interface IndexBefore {
  index: LineIndex;
  capture: Fact;
  rows: Omit<RowsEdit, 'segment'>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A capture segment's rows at `line`: its lines never decrease with the row, so a binary search finds the first. */
function rowsAt(seg: Segment, line: number): number[] {
  const table = seg.table;
  const first = partitionPoint(table.size, (row) => table.lineOf(row) < line);
  const out: number[] = [];
  for (let i = first; i < table.size && table.lineOf(i) === line; i++) out.push(i);
  return out;
}

/** Indexes `facts` of the document `uri`; `model` supplies veth names and Service IPs for the correlation. */
export function buildLineIndex(
  facts: readonly Fact[],
  uri: string,
  model: ClusterModel,
  before?: IndexBefore,
): LineIndex {
  const rules = new Map<number, NatRule[]>();
  const allRules: NatRule[] = [];
  const segments: Segment[] = [];
  // Plain Packet facts are objects already: their lines are mapped up front (they need not be sorted).
  const plainLines = new Map<number, Map<number, number[]>>();
  let plain: Packet[] | undefined;
  const places = new WeakMap<Packet, PacketPlace>();
  let edited: number | undefined;
  for (const fact of facts) {
    const ev = fact.evidence.find((evidence) => evidence.uri === uri && evidence.line !== undefined);
    if (!ev) continue;
    if (fact.kind === 'Packet') {
      if (!plain) {
        plain = [];
        segments.push({ table: new ArrayPacketTable(plain) });
        plainLines.set(segments.length - 1, new Map());
      }
      const segment = segments.length - 1;
      places.set(fact, { segment, row: plain.length });
      push(plainLines.get(segment)!, ev.line!, plain.length);
      plain.push(fact);
    } else if (fact.kind === 'Capture') {
      plain = undefined;
      if (fact === before?.capture) edited = segments.length;
      segments.push({ table: fact.packets });
    } else if (fact.kind === 'NatRule') {
      push(rules, ev.line!, fact);
      allRules.push(fact);
    }
  }
  const lineOf = (rule: NatRule) => rule.evidence.find((evidence) => evidence.uri === uri)?.line ?? 0;
  allRules.sort((first, second) => lineOf(first) - lineOf(second));
  const placeOf = (packet: Packet) => places.get(packet);
  const earlier = before?.index.finder;
  const finder =
    earlier && edited !== undefined && earlier.model === model && earlier.segmentCount === segments.length
      ? earlier.carried(segments, placeOf, { segment: edited, ...before.rows })
      : new ConversationFinder(segments, placeOf, model);
  const packets = {
    get(line: number): Packet[] | undefined {
      const out: Packet[] = [];
      segments.forEach((seg, segment) => {
        const byLine = plainLines.get(segment);
        for (const row of byLine ? (byLine.get(line) ?? []) : rowsAt(seg, line)) {
          const packet = seg.table.packet(row);
          if (!places.has(packet)) places.set(packet, { segment, row });
          out.push(packet);
        }
      });
      return out.length > 0 ? out : undefined;
    },
  };
  return { packets, rules, allRules, around: (packet) => finder.around(packet), finder };
}
