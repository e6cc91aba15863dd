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
const ACCESS = /^(\S+) \S+ (\S+) \[([^\]]*)\] "([^"]*)" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)"(?: "([^"]*)")?)?\s*$/;
const ERROR_LOG = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(debug|info|notice|warn|error|crit|alert|emerg)\] /;
const ENTRYPOINT =
  /^(\/docker-entrypoint\.sh: |\/docker-entrypoint\.d\/|\d+-[\w-]+\.sh: |10-listen-on-ipv6-by-default\.sh: )/;

const isIp = (s: string): boolean => isIPv4(s) || isIPv6(s);
/** `kubectl logs --prefix`: `[pod/web-0/nginx] ` in front of each line (the pod that wrote it). */
const PREFIX = /^\[pod\/([^/\]\s]+)\/[^\]\s]+\]$/;
/** `kubectl logs --timestamps`: the kubelet's RFC 3339 time in front of each line. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Strips the `--prefix` and `--timestamps` decorations; returns the pod named by the prefix. */
function stripKubectlDecorations(line: string): { text: string; pod?: string } {
  let rest = line.trimStart();
  let pod: string | undefined;
  const sp = rest.indexOf(' ');
  const m = sp > 0 ? PREFIX.exec(rest.slice(0, sp)) : null;
  if (m) {
    pod = m[1];
    rest = rest.slice(sp + 1);
  }
  const sp2 = rest.indexOf(' ');
  if (sp2 > 0 && TIMESTAMP.test(rest.slice(0, sp2))) rest = rest.slice(sp2 + 1);
  return { text: rest, pod };
}

/** Cuts flattened logs before each `[pod/…]` prefix, kubelet timestamp, `IP - user [` access line and error-log time. */
export function unflattenNginxLog(line: string): { text: string; start: number }[] {
  let quotes = 0;
  return splitBeforeTokens(line, (tokens: readonly Token[], i: number) => {
    quotes += (tokens[i - 1].text.match(/"/g) ?? []).length;
    if (quotes % 2 === 1) return false; // inside a quoted field
    const x = tokens[i].text;
    const prev = tokens[i - 1].text;
    if (PREFIX.test(x)) return true;
    if (TIMESTAMP.test(x)) return !PREFIX.test(prev);
    if (isIp(x) && tokens[i + 3]?.text.startsWith('[')) return !PREFIX.test(prev) && !TIMESTAMP.test(prev); // IP ident user [time
    return (
      /^\d{4}\/\d{2}\/\d{2}$/.test(x) &&
      /^\d{2}:\d{2}:\d{2}$/.test(tokens[i + 1]?.text ?? '') &&
      /^\[\w+\]$/.test(tokens[i + 2]?.text ?? '')
    );
  });
}

/** `\x22` → `"`: nginx's escaping of unsafe bytes in logged values. */
function unescapeNginx(s: string): string {
  return s.replace(/\\x([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function parseAccessLine(text: string): Omit<HttpAccess, 'kind' | 'evidence'> | undefined {
  const m = ACCESS.exec(text.trim());
  if (!m || !isIp(m[1])) return undefined;
  const a: Omit<HttpAccess, 'kind' | 'evidence'> = { client: m[1], time: m[3], status: Number(m[5]) };
  const req = m[4].split(' ');
  if (req.length >= 2 && /^[A-Z]+$/.test(req[0])) {
    a.method = req[0];
    a.path = unescapeNginx(req[1]);
  }
  if (m[6] !== '-') a.bytes = Number(m[6]);
  if (m[8] !== undefined && m[8] !== '-') a.userAgent = unescapeNginx(m[8]);
  return a;
}

export function parseKubectlLogs(input: ParseInput): ParseResult {
  return totalParse(FORMAT, input, () => {
    const head = input.text.split(/\r?\n/, 50);
    const pods = podsOfKubectlLogs(input.command);
    // `kubectl logs nslookup-pod` / `kubectl logs dig-pod`: the DNS tools' own output
    for (const spec of [digFormat, nslookupFormat]) {
      const cut = head
        .flatMap((l) => spec.unflatten?.(l).map((p) => (typeof p === 'string' ? p : p.text)) ?? [l])
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
      const { text: t, pod } = stripKubectlDecorations(logicalLine.text.trim());
      if (t === '') continue;
      const a = parseAccessLine(t);
      if (a) {
        const httpAccess: HttpAccess = {
          kind: 'HttpAccess',
          ...a,
          evidence: [lineEvidence(input.uri, logicalLine, FORMAT)],
        };
        if (pod ?? server) httpAccess.server = pod ?? server;
        facts.push(httpAccess);
        continue;
      }
      if (ERROR_LOG.test(t) || ENTRYPOINT.test(t) || isKubectlChatter(t)) continue; // nginx error log and image start-up: no traffic facts
      unparsed.push(unparsedLine(logicalLine, 'not an nginx access or error log line'));
    }
    return { format: FORMAT, facts, records: facts.length, unparsed };
  });
}

/** Only hand over to the DNS parsers when no access line is there. */
function nslookupOrDigWins(head: readonly string[]): boolean {
  return !head.some((l) => parseAccessLine(stripKubectlDecorations(l).text) !== undefined);
}

export const kubectlLogsFormat: FormatSpec = {
  id: FORMAT,
  tools: ['kubectl'],
  parse: parseKubectlLogs,
  unflatten: unflattenNginxLog,
  commands: [/^kubectl\s+(\S+\s+)*logs\b/],
  sniff(lines) {
    const plain = lines.map((l) => stripKubectlDecorations(l).text.trim());
    const f = fractionMatching(plain, (l) => ACCESS.test(l) || ERROR_LOG.test(l) || ENTRYPOINT.test(l));
    return plain.some((l) => ACCESS.test(l)) ? 0.4 + 0.55 * f : 0.3 * f;
  },
};
