/**
 * The `current-context` of a kubeconfig file read as text, without the client library
 * (the status bar shows it at startup, when dist/cluster.js must not be loaded). Handles
 * the YAML kubectl writes and JSON; anything unusual gives undefined and the status bar
 * falls back to "current context".
 */
export function currentContextInText(text: string): string | undefined {
  // JSON: "current-context": "name"
  const json = /"current-context"\s*:\s*"(?<name>(?:[^"\\]|\\.)*)"/.exec(text)?.groups;
  if (json) {
    try {
      return (JSON.parse(`"${json.name}"`) as string) || undefined;
    } catch {
      return undefined;
    }
  }
  // YAML: a top-level `current-context: name` (plain, 'single' or "double" quoted). The line is
  // found first and read in pieces: one regex with a lazy plain value and trailing spaces
  // was quadratic on a long run of spaces (40k: 4.9 s), and the status bar reads this at startup.
  const found = /^current-context:(?<rest>[^\r\n]*)/m.exec(text);
  if (!found?.groups) return undefined;
  const rest = found.groups.rest.replace(/^[ \t]+/, '');
  const double = /^"(?<inner>(?:[^"\\]|\\.)*)"[ \t]*(?:#.*)?$/.exec(rest);
  const single = double ? null : /^'(?<inner>(?:[^']|'')*)'[ \t]*(?:#.*)?$/.exec(rest);
  const value = double?.groups
    ? double.groups.inner.replace(/\\(.)/g, '$1')
    : single?.groups
      ? single.groups.inner.replace(/''/g, "'")
      : trimTrailingBlanks(rest.split('#', 1)[0]);
  return value && value !== '""' && value !== "''" && value !== 'null' && value !== '~' ? value : undefined;
}

/** The first file (merge order) that names a current context, as kubectl merges them. */
export function currentContextOfFiles(texts: readonly (string | undefined)[]): string | undefined {
  for (const text of texts) {
    const context = text === undefined ? undefined : currentContextInText(text);
    if (context) return context;
  }
  return undefined;
}

/** `text` without the spaces and tabs at its end (a loop: `[ \t]+$` retries every run). */
function trimTrailingBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(0, end);
}
