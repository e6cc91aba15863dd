/**
 * `bridge link [show [dev X]]` and `bridge -d link`: one header per bridge port
 * (`6: vetha2e3a94e@eth0: <…> mtu 1450 master cni0 state forwarding priority 32 cost 2`), with
 * `-d` a second line of port options (`hairpin off guard off … learning on flood on …`).
 * The interfaces are read as `ip link` reads them (HostInterface facts); each port also becomes a
 * BridgePort fact, whose `hairpin` is known only from `-d`.
 */
import type { BridgePort, Fact } from '../../model';
import type { FormatSpec, ParseInput, ParseResult } from '../types';
import { parseIpLinkText, unflattenIpLinkPieces } from '../host/ipLinkBlocks';
import { after, hostLines, intAfter, words } from '../host/hostText';
import { totalParse } from '../total';

const FORMAT = 'bridge-link';
const PORT_STATES = 'disabled|listening|learning|forwarding|blocking';
const PORT_HEADER = new RegExp(
  String.raw`^(?<ifindex>\d{1,10}): (?<name>[^\s:@]+)(?:@(?<peer>[^\s:]+))?: (?:<[A-Z0-9_,-]*> )?` +
    String.raw`(?<rest>.*\bstate (?:${PORT_STATES})\b.*)$`,
);
const OPTION_LINE = /^(?:hairpin|guard|root_block|fastleave|learning|flood) (?:on|off)\b/;

const onOff = (tokens: readonly string[], key: string): boolean | undefined => {
  const value = after(tokens, key);
  return value === 'on' ? true : value === 'off' ? false : undefined;
};

function parseBridgeLink(input: ParseInput): ParseResult {
  const interfaces = parseIpLinkText(input, FORMAT);
  const source = hostLines(input, FORMAT);
  const ports: BridgePort[] = [];
  let current: BridgePort | undefined;
  let headerIndex = 0;
  for (let i = 0; i < source.lines.length; i++) {
    const text = source.lines[i].trim();
    if (text.length > 4000) continue; // left to the ip link reader, which reports what it cannot read
    const header = PORT_HEADER.exec(text);
    if (header?.groups) {
      const rest = words(header.groups.rest);
      headerIndex = i;
      current = { kind: 'BridgePort', name: header.groups.name, evidence: [source.evidence(i)] };
      current.ifindex = Number(header.groups.ifindex);
      if (header.groups.peer) current.peer = header.groups.peer;
      const master = after(rest, 'master');
      if (master) current.master = master;
      const state = after(rest, 'state');
      if (state) current.state = state;
      const mtu = intAfter(rest, 'mtu');
      if (mtu !== undefined) current.mtu = mtu;
      if (input.host) current.host = input.host;
      ports.push(current);
      continue;
    }
    if (current && OPTION_LINE.test(text)) {
      const options = words(text);
      const hairpin = onOff(options, 'hairpin');
      if (hairpin !== undefined) current.hairpin = hairpin;
      const learning = onOff(options, 'learning');
      if (learning !== undefined) current.learning = learning;
      const flood = onOff(options, 'flood');
      if (flood !== undefined) current.flood = flood;
      current.evidence[0] = source.evidence(headerIndex, i);
      current = undefined;
    }
  }
  const facts: Fact[] = [...interfaces.facts, ...ports];
  return { format: FORMAT, facts, records: facts.length, unparsed: interfaces.unparsed };
}

export const bridgeLinkFormat: FormatSpec = {
  id: FORMAT,
  tools: ['bridge'],
  parse: (input) => totalParse(FORMAT, input, () => parseBridgeLink(input)),
  unflatten: unflattenIpLinkPieces,
  commands: [/^bridge\s+(-\S+\s+)*(l|li|lin|link)\b/],
  sniff(lines) {
    let headers = 0;
    let seen = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      seen++;
      if (PORT_HEADER.test(line.trim()) || OPTION_LINE.test(line.trim())) headers++;
    }
    return seen ? 0.95 * (headers / seen) : 0;
  },
};
