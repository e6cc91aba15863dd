import type { Fact, Unparsed } from '../model';

/** Format ids, as `kube-packet-path parse --json` prints them. */
export type FormatId =
  | 'tcpdump'
  | 'iptables-list'
  | 'iptables-save'
  | 'nft'
  | 'ipvsadm'
  | 'nslookup'
  | 'dig'
  | 'host'
  | 'kubectl-table'
  | 'kubectl-json'
  | 'kubectl-yaml'
  | 'kubectl-describe'
  | 'kubectl-events'
  | 'kubectl-logs'
  | 'kube-proxy-log'
  | 'ip-link'
  | 'ip-addr'
  | 'ip-route'
  | 'ip-neigh'
  | 'bridge-fdb'
  | 'resolv-conf'
  | 'hosts'
  | 'traceroute'
  | 'conntrack'
  | 'flannel-subnet-env'
  | 'manifest'
  | 'sysctl'
  | 'bridge-link'
  | 'sockets'
  | 'conntrack-stats'
  | 'iptables-version'
  | 'http-client'
  | 'ping'
  | 'unknown';

export interface ParseInput {
  text: string;
  /** Where the text lives; becomes Evidence.uri. */
  uri: string;
  /** Line number (1-based) of the text's first line within `uri`. Default 1. */
  firstLine?: number;
  /** The command that produced the text, when a transcript shows it. */
  command?: string;
  /** Which host/netns the command ran in, when the transcript shows it (prompt, kubectl exec target). */
  host?: string;
  /**
   * The caller already cut every line whose newlines were lost with this format's `unflatten`
   * (the transcript splitter does): the parser need not look for such lines again.
   */
  linesCut?: boolean;
}

export interface ParseResult {
  format: FormatId;
  facts: Fact[];
  /** How many records (packets, rules, rows, answers …) were understood. */
  records: number;
  unparsed: Unparsed[];
}

/**
 * A parser is total: it never throws and never hangs. Whatever it does not
 * understand goes to `unparsed` with its line number and a reason.
 */
export type Parser = (input: ParseInput) => ParseResult;

export interface FormatSpec {
  id: FormatId;
  /**
   * The command words its `commands` start with, wrappers aside (`sudo`, `timeout`, `kubectl exec … --`):
   * `tcpdump`; `cat` for `cat /etc/resolv.conf`. A transcript line that starts with one is a command
   * even without a prompt (src/ingest/transcript/prompt.ts).
   */
  tools: readonly string[];
  parse: Parser;
  /** Commands whose output this parses (`/^tcpdump\b/`, `/^iptables(-legacy|-nft)?\b.*-L/`). */
  commands: RegExp[];
  /**
   * How strongly some lines look like this format, 0..1, for blocks with no command.
   * Gets at most the first ~50 lines.
   */
  sniff(lines: readonly string[]): number;
  /**
   * Optional: cuts ONE line whose newlines were lost (text copied from a web page, e.g.
   * `Chain X (1 references) target prot opt source destination KUBE-MARK-MASQ ...`) into the
   * records it holds, in order. A piece is the text, or `{ text, start }` with `start` its
   * 0-based column in `line`. Must be idempotent: a line that holds one record comes back as
   * `[line]`. Total and linear like `parse`. The transcript splitter (src/ingest/document.ts) uses
   * it to sniff flattened blocks and, before `parse`, to split every line of a block of this
   * format; it maps line numbers (and columns) in facts and `unparsed` back to the original file.
   */
  unflatten?(line: string): (string | { text: string; start: number })[];
  /**
   * Optional: `parse` drops the `\r` before each `\n` itself, so a document with CRLF line ends
   * hands it its block as it is (a slice of the document) instead of a copy without the CRs: a
   * large capture is then held once, not twice.
   */
  readsCrlf?: boolean;
}
