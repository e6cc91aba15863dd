import { ArrayPacketTable, type ClusterModel, type Fact, type NatRule, type Packet } from '../../model';
import { ConversationFinder, type Conversation, type PacketPlace, type Segment } from './conversation.pure';

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
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** A capture segment's rows at `line`: its lines never decrease with the row, so a binary search finds the first. */
function rowsAt(seg: Segment, line: number): number[] {
  const t = seg.table;
  let lo = 0;
  let hi = t.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.lineOf(mid) < line) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < t.size && t.lineOf(i) === line; i++) out.push(i);
  return out;
}

/** Indexes `facts` of the document `uri`; `model` supplies veth names and Service IPs for the correlation. */
export function buildLineIndex(facts: readonly Fact[], uri: string, model: ClusterModel): LineIndex {
  const rules = new Map<number, NatRule[]>();
  const allRules: NatRule[] = [];
  const segments: Segment[] = [];
  // Plain Packet facts are objects already: their lines are mapped up front (they need not be sorted).
  const plainLines = new Map<number, Map<number, number[]>>();
  let plain: Packet[] | undefined;
  const places = new WeakMap<Packet, PacketPlace>();
  for (const f of facts) {
    const ev = f.evidence.find((e) => e.uri === uri && e.line !== undefined);
    if (!ev) continue;
    if (f.kind === 'Packet') {
      if (!plain) {
        plain = [];
        segments.push({ table: new ArrayPacketTable(plain) });
        plainLines.set(segments.length - 1, new Map());
      }
      const segment = segments.length - 1;
      places.set(f, { segment, row: plain.length });
      push(plainLines.get(segment)!, ev.line!, plain.length);
      plain.push(f);
    } else if (f.kind === 'Capture') {
      plain = undefined;
      segments.push({ table: f.packets });
    } else if (f.kind === 'NatRule') {
      push(rules, ev.line!, f);
      allRules.push(f);
    }
  }
  const lineOf = (r: NatRule) => r.evidence.find((e) => e.uri === uri)?.line ?? 0;
  allRules.sort((a, b) => lineOf(a) - lineOf(b));
  const finder = new ConversationFinder(segments, (p) => places.get(p), model);
  const packets = {
    get(line: number): Packet[] | undefined {
      const out: Packet[] = [];
      segments.forEach((seg, segment) => {
        const byLine = plainLines.get(segment);
        for (const row of byLine ? (byLine.get(line) ?? []) : rowsAt(seg, line)) {
          const p = seg.table.packet(row);
          if (!places.has(p)) places.set(p, { segment, row });
          out.push(p);
        }
      });
      return out.length > 0 ? out : undefined;
    },
  };
  return { packets, rules, allRules, around: (p) => finder.around(p) };
}
