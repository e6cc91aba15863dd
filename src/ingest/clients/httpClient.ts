/**
 * What curl and wget (GNU and busybox) say when a request fails or works:
 * `curl: (7) Failed to connect to web port 80 after 0 ms: Couldn't connect to server`,
 * `curl: (6) Could not resolve host: web`, `curl: (28) Connection timed out after 3000 milliseconds`,
 * `Connecting to 10.0.0.2:81... failed: Connection refused.`, `wget: bad address 'web'`,
 * `wget: can't connect to remote host (10.0.0.9): No route to host`, an HTTP status line of `curl -v`.
 * Progress meters, `curl -v` chatter and wget's notices are understood and skipped; a response
 * body is reported as such (its text is the server's, not the tool's).
 */
import type { Fact, Unparsed } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { fractionMatching, lineEvidence, logicalLines, unparsedLine, type LogicalLine } from '../dns/lines';
import { totalParse } from '../total';
import { clientResult, EXIT_STATUS, outcomeOfErrno, RUNNER_PREFIX } from './clientLines';
import type { ClientResult } from '../../model';

const FORMAT = 'http-client';
type Reading = Omit<ClientResult, 'kind' | 'evidence'> | 'skip';

const CURL_ERROR = /^curl: \((?<code>\d{1,3})\) (?<message>.*)$/;
const CURL_CONNECT = /^Failed to connect to (?<target>\S+) port (?<port>\d{1,5})\b/;
const CURL_RESOLVE = /^Could not resolve host: (?<target>\S+)/;
const CURL_STATUS = /^< HTTP\/[\d.]+ (?<status>\d{3})\b/;
const CURL_CHATTER_LINES = [
  String.raw`[*<>{}] ?.*`, // -v: `* Trying …`, `> GET …`, `< HTTP/1.1 …`
  String.raw`\s*% Total\s+% Received.*`, // the progress meter's two header lines
  String.raw`\s*Dload\s+Upload\b.*`,
  String.raw`\s*\d{1,3}\s+\S+\s+\d{1,3}\s+\S+\s+\d{1,3}\s+\S+\s+\S+\s+\S+\s+[-:\d]+\s+[-:\d]+\s+[-:\d]+\s+\S+.*`,
];
const CURL_CHATTER = new RegExp(`^(?:${CURL_CHATTER_LINES.join('|')})$`);
/** `Connecting to a-app (a-app)|10.96.0.1|:80... failed: Connection refused.` */
const WGET_CONNECT_FAILED = new RegExp(
  String.raw`^Connecting to (?<target>[^\s(|:]+)(?: \([^)]*\))?(?:\|(?<ip>[^|]+)\|)?` +
    String.raw`:(?<port>\d{1,5})\.\.\. failed: (?<message>.*)$`,
);
const WGET_RESOLVE_FAILED = /^Resolving (?<target>\S+) \([^)]*\)\.\.\. failed: (?<message>.*)$/;
const WGET_ERROR = /^wget: (?<message>.*)$/;
const WGET_HTTP_ERROR = /^(?:ERROR (?<status>\d{3}): .*|.*server returned error: HTTP\/[\d.]+ (?<bstatus>\d{3})\b.*)$/;
const WGET_NOTICE_LINES = [
  String.raw`--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s+\S+`,
  String.raw`Connecting to \S+.*`,
  String.raw`Resolving \S+.*`,
  String.raw`HTTP request sent, awaiting response\.\.\..*`,
  String.raw`Length: .*`,
  String.raw`Saving to: .*`,
  String.raw`Giving up\.`,
  String.raw`Retrying\.`,
  String.raw`saving to '.*'`,
  String.raw`writing to stdout`,
  String.raw`written to stdout`,
  String.raw`'.*' saved`,
  String.raw`.* saved \[\d+(?:\/\d+)?\]`,
  String.raw`\S+\s+\d{1,3}% \|[* ]*\|.*`, // busybox's progress bar
  String.raw`\s*\d+K[ .]+.*`, // GNU wget's progress dots
];
const WGET_NOTICE = new RegExp(`^(?:${WGET_NOTICE_LINES.join('|')})$`);

function readLine(text: string, tool: 'curl' | 'wget'): Reading | undefined {
  const curl = CURL_ERROR.exec(text);
  if (curl?.groups) {
    const message = curl.groups.message;
    const code = Number(curl.groups.code);
    const connect = CURL_CONNECT.exec(message)?.groups;
    const resolve = CURL_RESOLVE.exec(message)?.groups;
    const outcome: ClientResult['outcome'] =
      code === 6 || (code === 28 && /^Resolving timed out/.test(message))
        ? 'unresolved'
        : code === 22
          ? 'http-error'
          : (outcomeOfErrno(message) ?? (code === 7 ? 'connect-failed' : code === 28 ? 'timeout' : 'connect-failed'));
    const reading: Reading = { tool: 'curl', outcome, code, message: text };
    const target = connect?.target ?? resolve?.target;
    if (target) reading.target = target;
    if (connect?.port) reading.port = Number(connect.port);
    return reading;
  }
  const status = CURL_STATUS.exec(text)?.groups;
  if (status) {
    const code = Number(status.status);
    return { tool: 'curl', outcome: code >= 400 ? 'http-error' : 'ok', code, message: text };
  }
  const connectFailed = WGET_CONNECT_FAILED.exec(text)?.groups;
  if (connectFailed) {
    const reading: Reading = {
      tool: 'wget',
      outcome: outcomeOfErrno(connectFailed.message) ?? 'connect-failed',
      target: connectFailed.ip ?? connectFailed.target,
      port: Number(connectFailed.port),
      message: text,
    };
    return reading;
  }
  const resolveFailed = WGET_RESOLVE_FAILED.exec(text)?.groups;
  if (resolveFailed) return { tool: 'wget', outcome: 'unresolved', target: resolveFailed.target, message: text };
  const httpError = WGET_HTTP_ERROR.exec(text)?.groups;
  if (httpError && (text.startsWith('ERROR') || text.startsWith('wget:'))) {
    return { tool: 'wget', outcome: 'http-error', code: Number(httpError.status ?? httpError.bstatus), message: text };
  }
  const wget = WGET_ERROR.exec(text)?.groups;
  if (wget) {
    const message = wget.message;
    const bad = /^(?:bad address|unable to resolve host address) ['‘`](?<target>[^'’`]+)['’`]/.exec(message)?.groups;
    if (bad) return { tool: 'wget', outcome: 'unresolved', target: bad.target, message: text };
    const host = /^can't connect to remote host \((?<target>[^)]+)\)/.exec(message)?.groups;
    const outcome = outcomeOfErrno(message) ?? (/download timed out/.test(message) ? 'timeout' : undefined);
    if (outcome) {
      const reading: Reading = { tool: 'wget', outcome, message: text };
      if (host) reading.target = host.target;
      return reading;
    }
    return undefined;
  }
  if (EXIT_STATUS.test(text)) return 'skip';
  if (tool === 'curl' ? CURL_CHATTER.test(text) : WGET_NOTICE.test(text)) return 'skip';
  return undefined;
}

/** The host of the first http(s) URL of a command line. */
function urlHost(command: string | undefined): string | undefined {
  return /\bhttps?:\/\/(?<host>[A-Za-z0-9.-]{1,253})/.exec(command ?? '')?.groups?.host;
}

function toolOf(command: string | undefined): 'curl' | 'wget' | undefined {
  const match = new RegExp(`^${RUNNER_PREFIX}(?<tool>curl|wget)\\b`).exec((command ?? '').trim());
  return match?.groups?.tool as 'curl' | 'wget' | undefined;
}

function parseHttpClient(input: ParseInput): ParseResult {
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  const tool = toolOf(input.command);
  const lines: LogicalLine[] = logicalLines(input);
  for (const logicalLine of lines) {
    const text = logicalLine.text.trim();
    if (!text) continue;
    const reading = text.length < 4000 ? (readLine(text, tool ?? 'curl') ?? readLine(text, 'wget')) : undefined;
    if (reading === 'skip') continue;
    if (!reading) {
      unparsed.push(
        unparsedLine(
          logicalLine,
          tool ? `not a ${tool} message: the response body, or output of another command` : 'not curl or wget output',
        ),
      );
      continue;
    }
    // `curl: (28) Resolving timed out after 6000 milliseconds` names no host: the command's URL does.
    if (reading.outcome === 'unresolved' && reading.target === undefined) {
      const host = urlHost(input.command);
      if (host !== undefined) reading.target = host;
    }
    facts.push(clientResult(reading, lineEvidence(input.uri, { ...logicalLine, text }, FORMAT), input.host));
  }
  return { format: FORMAT, facts, records: facts.length, unparsed };
}

export const httpClientFormat: FormatSpec = {
  id: FORMAT,
  tools: ['curl', 'wget'],
  parse: (input) => totalParse(FORMAT, input, () => parseHttpClient(input)),
  commands: [new RegExp(`^${RUNNER_PREFIX}(curl|wget)(\\s|$)`)],
  sniff: (lines) =>
    0.9 *
    fractionMatching(lines, (line) => {
      const trimmed = line.trim();
      return (
        CURL_ERROR.test(trimmed) ||
        WGET_CONNECT_FAILED.test(trimmed) ||
        /^wget: (?:bad address|can't connect|unable to resolve)/.test(trimmed)
      );
    }),
};
