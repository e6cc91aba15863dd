/**
 * `kubectl logs POD` of an nginx container: access log lines in the official image's
 * `main` format (combined + `"$http_x_forwarded_for"`), or plain combined, mixed with
 * the error log and the image's entrypoint messages. Each access line becomes an
 * HttpAccess fact: which client reached which serving pod. When the logs are those of
 * a pod that ran nslookup or dig, the DNS parsers read them instead. `--prefix` names the
 * serving pod on every line (`kubectl logs -l app=web --prefix`); `--timestamps` is skipped.
 */
import type { Fact, HttpAccess, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import {
  fractionMatching,
  lineEvidence,
  logicalLines,
  splitBeforeTokens,
  totalParse,
  unparsedLine,
  type Token,
} from '../dns/lines';
import { isKubectlChatter, podsOfKubectlLogs } from '../dns/commandLine';
import { isIPv4, isIPv6 } from '../../model';
import { digFormat } from '../dns/dig';
import { nslookupFormat } from '../dns/nslookup';

const FORMAT = 'kubectl-logs';

/**
 * `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`
 * optionally followed by `"$http_x_forwarded_for"`. nginx escapes `"` inside values as `\x22`,
 * so a quoted field never contains a bare quote: `[^"]*` cannot backtrack badly.
 */
const ACCESS = new RegExp(
  String.raw`^(?<client>\S+) \S+ (?<user>\S+) \[(?<time>[^\]]*)\] "(?<request>[^"]*)" ` +
    String.raw`(?<status>\d{3}) (?<bytes>\d+|-)` +
    String.raw`(?: "(?<referer>[^"]*)" "(?<agent>[^"]*)"(?: "(?<forwarded>[^"]*)")?)?\s*$`,
);
const ERROR_LOG = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(debug|info|notice|warn|error|crit|alert|emerg)\] /;
const ENTRYPOINT =
  /^(\/docker-entrypoint\.sh: |\/docker-entrypoint\.d\/|\d+-[\w-]+\.sh: |10-listen-on-ipv6-by-default\.sh: )/;

const isIp = (text: string): boolean => isIPv4(text) || isIPv6(text);
/** `kubectl logs --prefix`: `[pod/web-0/nginx] ` in front of each line (the pod that wrote it). */
const PREFIX = /^\[pod\/(?<pod>[^/\]\s]+)\/[^\]\s]+\]$/;
/** `kubectl logs --timestamps`: the kubelet's RFC 3339 time in front of each line. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Strips the `--prefix` and `--timestamps` decorations; returns the pod named by the prefix. */
function stripKubectlDecorations(line: string): { text: string; pod?: string } {
  let rest = line.trimStart();
  let pod: string | undefined;
  const sp = rest.indexOf(' ');
  const prefix = sp > 0 ? PREFIX.exec(rest.slice(0, sp))?.groups : undefined;
  if (prefix) {
    pod = prefix.pod;
    rest = rest.slice(sp + 1);
  }
  const sp2 = rest.indexOf(' ');
  if (sp2 > 0 && TIMESTAMP.test(rest.slice(0, sp2))) rest = rest.slice(sp2 + 1);
  return { text: rest, pod };
}

/**
 * Cuts flattened logs before each `[pod/…]` prefix, kubelet timestamp, `IP - user [` access line and error-log time.
 */
export function unflattenNginxLog(line: string): { text: string; start: number }[] {
  let quotes = 0;
  return splitBeforeTokens(line, (tokens: readonly Token[], index: number) => {
    quotes += (tokens[index - 1].text.match(/"/g) ?? []).length;
    if (quotes % 2 === 1) return false; // inside a quoted field
    const word = tokens[index].text;
    const prev = tokens[index - 1].text;
    if (PREFIX.test(word)) return true;
    if (TIMESTAMP.test(word)) return !PREFIX.test(prev);
    // IP ident user [time
    if (isIp(word) && tokens[index + 3]?.text.startsWith('[')) return !PREFIX.test(prev) && !TIMESTAMP.test(prev);
    return (
      /^\d{4}\/\d{2}\/\d{2}$/.test(word) &&
      /^\d{2}:\d{2}:\d{2}$/.test(tokens[index + 1]?.text ?? '') &&
      /^\[\w+\]$/.test(tokens[index + 2]?.text ?? '')
    );
  });
}

/** `\x22` → `"`: nginx's escaping of unsafe bytes in logged values. */
function unescapeNginx(text: string): string {
  return text.replace(/\\x([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function parseAccessLine(text: string): Omit<HttpAccess, 'kind' | 'evidence'> | undefined {
  const match = ACCESS.exec(text.trim())?.groups;
  if (!match || !isIp(match.client)) return undefined;
  const access: Omit<HttpAccess, 'kind' | 'evidence'> = {
    client: match.client,
    time: match.time,
    status: Number(match.status),
  };
  const req = match.request.split(' ');
  if (req.length >= 2 && /^[A-Z]+$/.test(req[0])) {
    access.method = req[0];
    access.path = unescapeNginx(req[1]);
  }
  if (match.bytes !== '-') access.bytes = Number(match.bytes);
  if (match.agent !== undefined && match.agent !== '-') access.userAgent = unescapeNginx(match.agent);
  return access;
}

export function parseKubectlLogs(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const head = input.text.split(/\r?\n/, 50);
    const pods = podsOfKubectlLogs(input.command);
    // `kubectl logs nslookup-pod` / `kubectl logs dig-pod`: the DNS tools' own output
    for (const spec of [digFormat, nslookupFormat]) {
      const cut = head
        .flatMap(
          (line) => spec.unflatten?.(line).map((piece) => (typeof piece === 'string' ? piece : piece.text)) ?? [line],
        )
        .slice(0, 50);
      if (spec.sniff(cut) >= 0.8 && nslookupOrDigWins(head)) {
        // one pod: it ran the tool; several (`kubectl logs a kubectl logs b`): `# a` labels decide
        const parseResult = spec.parse({ ...input, host: pods.length === 1 ? pods[0] : input.host });
        return { ...parseResult, format: FORMAT };
      }
    }
    const server = pods.length === 1 ? pods[0] : input.host;
    const facts: Fact[] = [];
    const unparsed: Unparsed[] = [];
    for (const logicalLine of logicalLines(input, unflattenNginxLog)) {
      const { text, pod } = stripKubectlDecorations(logicalLine.text.trim());
      if (text === '') continue;
      const access = parseAccessLine(text);
      if (access) {
        const httpAccess: HttpAccess = {
          kind: 'HttpAccess',
          ...access,
          evidence: [lineEvidence(input.uri, logicalLine, FORMAT)],
        };
        if (pod ?? server) httpAccess.server = pod ?? server;
        facts.push(httpAccess);
        continue;
      }
      // nginx error log and image start-up: no traffic facts
      if (ERROR_LOG.test(text) || ENTRYPOINT.test(text) || isKubectlChatter(text)) continue;
      unparsed.push(unparsedLine(logicalLine, 'not an nginx access or error log line'));
    }
    return { format: FORMAT, facts, records: facts.length, unparsed };
  });
}

/** Only hand over to the DNS parsers when no access line is there. */
function nslookupOrDigWins(head: readonly string[]): boolean {
  return !head.some((line) => parseAccessLine(stripKubectlDecorations(line).text) !== undefined);
}

export const kubectlLogsFormat: FormatSpec = {
  id: FORMAT,
  tools: ['kubectl'],
  parse: parseKubectlLogs,
  unflatten: unflattenNginxLog,
  commands: [/^kubectl\s+(\S+\s+)*logs\b/],
  sniff(lines) {
    const plain = lines.map((line) => stripKubectlDecorations(line).text.trim());
    const fraction = fractionMatching(
      plain,
      (line) => ACCESS.test(line) || ERROR_LOG.test(line) || ENTRYPOINT.test(line),
    );
    return plain.some((line) => ACCESS.test(line)) ? 0.4 + 0.55 * fraction : 0.3 * fraction;
  },
};
