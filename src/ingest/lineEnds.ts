/**
 * Text whose lines end with a lone CR (classic Mac files, some serial consoles and copy
 * paths) becomes LF text before any parser splits it; the parsers split at LF (dropping one
 * CR before it) and read CR-only text as one long line. CR-only means no LF at all, or LFs
 * only at the very end (an editor added one). Any other text is returned as is after looking
 * at its first line only, so large captures are not scanned twice.
 */
export function normalizeLineEnds(text: string): string {
  const firstLf = text.indexOf('\n');
  if (firstLf >= 0 && !onlyLineEnds(text, firstLf)) return text;
  if (text.indexOf('\r') < 0) return text;
  return text.replace(/\r(?!\n)/g, '\n');
}

function onlyLineEnds(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 10 && code !== 13) return false;
  }
  return true;
}

/** How many line feeds `text` holds (its lines, less one). */
export function lineBreaks(text: string): number {
  let breaks = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) breaks++;
  return breaks;
}
