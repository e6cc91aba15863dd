import { normalizeLineEnds } from './lineEnds';
import { headOf, safeSniff } from './sniff';
import { FORMATS } from './formats';
import type { FormatId, FormatSpec } from './types';

/**
 * The parsers of src/ingest/formats.ts, in its order. Callers that take a parser from here get
 * CR-only text turned into LF text first (see lineEnds.ts) — except blocks the transcript splitter
 * cut (`linesCut`): it normalised the whole document already, and a one-line block holding a stray
 * CR would otherwise become two lines the document does not have.
 */
const SPECS: readonly FormatSpec[] = FORMATS.map((spec) => ({
  ...spec,
  parse: (input) => spec.parse(input.linesCut ? input : { ...input, text: normalizeLineEnds(input.text) }),
}));
const BY_ID = new Map<FormatId, FormatSpec>(SPECS.map((spec) => [spec.id, spec]));

export function formatSpec(id: FormatId): FormatSpec | undefined {
  return BY_ID.get(id);
}

export function allFormats(): FormatSpec[] {
  return [...SPECS];
}

/** The format whose command pattern matches, e.g. `sudo iptables -t nat -L KUBE-SERVICES -n`. */
export function formatForCommand(command: string): FormatSpec | undefined {
  const bare = command.trim().replace(/^(sudo\s+(-\S+\s+)*)/, '');
  return SPECS.find((formatSpec) => formatSpec.commands.some((regExp) => regExp.test(bare)));
}

/**
 * The best content match above `threshold` among `formats` (all parsers unless given), for output
 * with no known command. Sniffers see the head of the text (see sniff.ts); one that throws or
 * returns no number scores 0.
 */
export function sniffFormat(
  lines: readonly string[],
  threshold = 0.5,
  formats: readonly FormatSpec[] = SPECS,
): FormatSpec | undefined {
  let best: FormatSpec | undefined;
  let bestScore = threshold;
  const head = headOf(lines);
  for (const format of formats) {
    const score = safeSniff(format, head);
    if (score > bestScore) {
      best = format;
      bestScore = score;
    }
  }
  return best;
}
