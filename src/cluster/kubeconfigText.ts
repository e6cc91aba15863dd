/**
 * The `current-context` of a kubeconfig file read as text, without the client library
 * (the status bar shows it at startup, when dist/cluster.js must not be loaded). Handles
 * the YAML kubectl writes and JSON; anything unusual gives undefined and the status bar
 * falls back to "current context".
 */
export function currentContextInText(text: string): string | undefined {
  // JSON: "current-context": "name"
  const json = /"current-context"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  if (json) {
    try {
      return (JSON.parse(`"${json[1]}"`) as string) || undefined;
    } catch {
      return undefined;
    }
  }
  // YAML: a top-level `current-context: name` (plain, 'single' or "double" quoted).
  const yaml = /^current-context:[ \t]*(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^#\r\n]*?))[ \t]*(?:#.*)?$/m.exec(
    text,
  );
  if (!yaml) return undefined;
  const value =
    yaml[1] !== undefined
      ? yaml[1].replace(/\\(.)/g, '$1')
      : yaml[2] !== undefined
        ? yaml[2].replace(/''/g, "'")
        : yaml[3];
  return value && value !== '""' && value !== "''" && value !== 'null' && value !== '~' ? value : undefined;
}

/** The first file (merge order) that names a current context, as kubectl merges them. */
export function currentContextOfFiles(texts: readonly (string | undefined)[]): string | undefined {
  for (const t of texts) {
    const c = t === undefined ? undefined : currentContextInText(t);
    if (c) return c;
  }
  return undefined;
}
