/**
 * The extension's own log languages (package.json `languages`): a document in one of them is a
 * capture or rule dump the extension reads when it opens (see lazyFeatures and WorkspaceModel).
 */
export const LOG_LANGUAGES: ReadonlySet<string> = new Set(['tcpdump', 'iptables-save']);

/** Languages a saved capture or rule dump may open as (`.txt`, `.log`): read when its head is recognised. */
export const PLAIN_LANGUAGES: ReadonlySet<string> = new Set(['plaintext', 'log']);
