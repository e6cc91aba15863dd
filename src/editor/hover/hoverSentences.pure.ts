import type { ClusterModel } from '../../model';
import type { LineIndex } from './captureIndex.pure';
import { annotatePacket } from './packetAnnotation.pure';
import { annotateRuleLine } from './ruleAnnotation.pure';

/**
 * What a hover at one position of an indexed document says, as plain sentences (no `vscode`): the
 * packet under the cursor and the rule of the line. The extension host asks it for small documents,
 * the parse worker for the large ones it holds.
 */

/** Characters of a line a rule hover reads. */
export const HOVER_LINE_CHARS = 4000;

export interface HoverPlace {
  /** 1-based line. */
  line: number;
  /** 0-based character. */
  character: number;
  /** The line's text (at most HOVER_LINE_CHARS are read). */
  lineText: string;
}

export function hoverSentences(model: ClusterModel, index: LineIndex, place: HoverPlace): string[] {
  const sentences: string[] = [];
  const packets = index.packets.get(place.line) ?? [];
  // A flattened capture holds many packets on one line: describe the one under the cursor.
  const under = (column: number | undefined, length: number) =>
    (column ?? 1) - 1 <= place.character && place.character < (column ?? 1) - 1 + length;
  const packet =
    packets.length > 1
      ? (packets.find((candidate) =>
          under(candidate.evidence[0]?.column, candidate.evidence[0]?.excerpt?.length ?? 0),
        ) ?? packets[0])
      : packets[0];
  if (packet) sentences.push(...annotatePacket(model, index, packet));
  const text = place.lineText.length > HOVER_LINE_CHARS ? place.lineText.slice(0, HOVER_LINE_CHARS) : place.lineText;
  if (/KUBE-|DNAT|statistic|probability/.test(text))
    sentences.push(...annotateRuleLine(model, index.allRules, text, index.rules.get(place.line) ?? []));
  return sentences;
}
