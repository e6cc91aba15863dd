import { normalizeLineEnds } from './lineEnds';
import { headOf, safeSniff } from './sniff';
import type { FormatId, FormatSpec } from './types';

const specs = new Map<FormatId, FormatSpec>();

/**
 * Parser modules register themselves here (see src/ingest/all.ts for the list). Callers that
 * take a parser from here get CR-only text turned into LF text first (see lineEnds.ts) — except
 * blocks the transcript splitter cut (`linesCut`): it normalised the whole document already, and a
 * one-line block holding a stray CR would otherwise become two lines the document does not have.
 */
export function registerFormat(spec: FormatSpec): void {
  specs.set(spec.id, {
    ...spec,
    parse: (input) => spec.parse(input.linesCut ? input : { ...input, text: normalizeLineEnds(input.text) }),
  });
}

export function formatSpec(id: FormatId): FormatSpec | undefined {
  return specs.get(id);
}

export function allFormats(): FormatSpec[] {
  return [...specs.values()];
}

/** The format whose command pattern matches, e.g. `sudo iptables -t nat -L KUBE-SERVICES -n`. */
export function formatForCommand(command: string): FormatSpec | undefined {
  const c = command.trim().replace(/^(sudo\s+(-\S+\s+)*)/, '');
  return allFormats().find((s) => s.commands.some((r) => r.test(c)));
}

/**
 * The best content match above `threshold`, for output with no known command. Sniffers see the head
 * of the text (see sniff.ts); one that throws or returns no number scores 0.
 */
export function sniffFormat(lines: readonly string[], threshold = 0.5): FormatSpec | undefined {
  let best: FormatSpec | undefined;
  let bestScore = threshold;
  const head = headOf(lines);
  for (const s of allFormats()) {
    const score = safeSniff(s, head);
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}
