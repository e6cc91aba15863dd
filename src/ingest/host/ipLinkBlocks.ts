import type { HostInterface, InterfaceAddress, InterfaceType } from '../../model';
import type { FormatId, ParseInput, ParseResult } from '../types';
import { hostLines, intAfter, after, words, MAC_RE } from './hostText';
import { parseBriefLine } from './ipBrief';
import { parseIpJson } from './ipJson';

/**
 * `ip link`, `ip -d link`, `ip addr` (and `ip -br …`): one block per interface, starting
 * `4178: vethded7ef9f@if2: <BROADCAST,…> mtu 1450 … master cni0 state UP …`, followed by
 * indented `link/ether`, `-d` detail (`vxlan id 1 … dstport 8472 nolearning`, `veth`,
 * `bridge …`) and `inet`/`inet6` lines. Text pasted from a web page may have lost the `<>`.
 */

// Header: index, name, optional @peer, flags with or without <>, rest. Linear: no nested quantifiers.
const HEADER =
  /^(?<ifindex>\d{1,10}):\s+(?<name>[^\s:@]+)(?:@(?<peer>[^\s:]+))?:\s+<?(?<flags>[A-Z0-9_,-]*)>?\s+(?<rest>.*)$/;
const DETAIL_KINDS: Record<string, InterfaceType> = {
  vxlan: 'vxlan',
  veth: 'veth',
  bridge: 'bridge',
  dummy: 'dummy',
  tun: 'tun',
  ipip: 'ipip',
  wireguard: 'wireguard',
};

/**
 * Splits a line whose newlines were lost into `ip link/addr` lines (FormatSpec.unflatten):
 * a piece starts at each `N: name[@peer]: <FLAGS>` and at each `link/…`, `inet`, `inet6`,
 * `valid_lft`, `vxlan id`, `veth`, `bridge_slave` sub-line; sub-lines get back an indent so
 * they read as continuation lines. `start` is the piece's column in the flattened line.
 */
/** `3: eth0@if5: <BROADCAST,…> `: a link's header line. */
const LINK_HEADER = String.raw`\d{1,10}: [^\s:@]+(?:@[^\s:]+)?: <?[A-Z0-9_,-]*>? `;
const SUB_LINE = String.raw`(?:link\/\S+|inet6?|valid_lft|vxlan id|bridge_slave|veth) `;
const PIECE_CUT = String.raw`(?<=\S)\s+(?:(?=${LINK_HEADER})|(?=${SUB_LINE}))`;

export function unflattenIpLinkPieces(line: string): { text: string; start: number }[] {
  // `(?<=\S)` makes each run of blanks a single match attempt: linear even for huge blank runs.
  const cut = new RegExp(PIECE_CUT, 'g');
  const starts: number[] = [];
  let match: RegExpExecArray | null;
  while ((match = cut.exec(line)) !== null) starts.push(match.index + match[0].length);
  if (starts.length === 0) return [{ text: line, start: 0 }];
  const lead = line.length - line.trimStart().length;
  const bounds = [lead, ...starts];
  return bounds.map((bound, i) => {
    const text = line.slice(bound, i + 1 < bounds.length ? bounds[i + 1] : line.length).trimEnd();
    const record = /^\d{1,10}: /.test(text) || i === 0;
    return { text: record ? text : `    ${text}`, start: bound };
  });
}

export function unflattenIpLink(line: string): string[] {
  return unflattenIpLinkPieces(line).map((piece) => piece.text);
}

function linkLine(iface: HostInterface, fields: string[]): void {
  const kind = fields[0].slice('link/'.length);
  if (kind === 'loopback') iface.type = 'loopback';
  if (fields[1] && MAC_RE.test(fields[1])) iface.mac = fields[1].toLowerCase();
  const ns = after(fields, 'link-netns');
  if (ns) iface.linkNetns = ns;
  const nsid = intAfter(fields, 'link-netnsid');
  if (nsid !== undefined) iface.linkNetnsId = nsid;
}

function detailLine(iface: HostInterface, fields: string[]): boolean {
  const kind = fields[0];
  if (kind === 'bridge_slave') return true;
  const type = DETAIL_KINDS[kind];
  if (!type) return false;
  iface.type = type;
  if (type === 'vxlan') {
    const vni = intAfter(fields, 'id');
    const port = intAfter(fields, 'dstport');
    const local = after(fields, 'local');
    const dev = after(fields, 'dev');
    iface.vxlan = {
      vni,
      port,
      local,
      dev,
      learning: fields.includes('nolearning') ? false : fields.includes('learning') ? true : undefined,
    };
    for (const key of Object.keys(iface.vxlan) as (keyof NonNullable<HostInterface['vxlan']>)[])
      if (iface.vxlan[key] === undefined) delete iface.vxlan[key];
  }
  return true;
}

function addressLine(iface: HostInterface, fields: string[]): void {
  const family: 4 | 6 = fields[0] === 'inet6' ? 6 : 4;
  const addr: InterfaceAddress = { cidr: fields[1], family };
  const scope = after(fields, 'scope');
  if (scope) addr.scope = scope;
  (iface.addresses ??= []).push(addr);
}

export function parseIpLinkText(input: ParseInput, format: FormatId): ParseResult {
  const json = parseIpJson(input, format);
  if (json) return json;
  const source = hostLines(input, format);
  const facts: HostInterface[] = [];
  let cur: HostInterface | undefined;
  let curStart = 0;
  let afterStatsHeader = false;
  const close = (endIndex: number) => {
    if (cur && endIndex > curStart) cur.evidence[0] = source.evidence(curStart, endIndex);
    cur = undefined;
  };
  for (let i = 0; i < source.lines.length; i++) {
    const raw = source.lines[i];
    if (raw.trim() === '') continue;
    const header = HEADER.exec(raw.trim())?.groups;
    if (header) {
      close(i - 1);
      const rest = words(header.rest);
      const peer = header.peer;
      const iface: HostInterface = {
        kind: 'HostInterface',
        name: header.name,
        ifindex: Number(header.ifindex),
        evidence: [source.evidence(i)],
      };
      if (input.host) iface.host = input.host;
      if (peer) {
        const peerIndex = /^if(?<ifindex>\d{1,10})$/.exec(peer)?.groups?.ifindex;
        if (peerIndex !== undefined) iface.peerIfindex = Number(peerIndex);
        else if (peer !== 'NONE') iface.peerName = peer;
      }
      iface.flags = header.flags ? header.flags.split(',').filter(Boolean) : [];
      const mtu = intAfter(rest, 'mtu');
      if (mtu !== undefined) iface.mtu = mtu;
      const master = after(rest, 'master');
      if (master) iface.master = master;
      const state = after(rest, 'state');
      if (state) iface.state = state;
      // A veth shows its peer as @ifN; the name says veth. Other kinds need `ip -d`.
      if (/^veth/.test(iface.name) && iface.peerIfindex !== undefined) iface.type = 'veth';
      facts.push(iface);
      cur = iface;
      curStart = i;
      continue;
    }
    const fields = words(raw);
    const brief = !cur || !/^\s/.test(raw) ? parseBriefLine(raw) : undefined;
    if (brief) {
      close(i - 1);
      if (input.host) brief.host = input.host;
      brief.evidence = [source.evidence(i)];
      facts.push(brief);
      continue;
    }
    // Continuation lines are indented; an unindented line that is no header is foreign text.
    if (!cur || !/^\s/.test(raw)) {
      source.skip(i, 'not an interface line');
      continue;
    }
    // `ip -s link`: RX/TX header lines, each followed by a line of counters.
    if (/^(RX|TX):$/.test(fields[0]) || (/^(RX|TX)$/.test(fields[0]) && fields[1] === 'errors:')) {
      afterStatsHeader = true;
      continue;
    }
    if (afterStatsHeader && fields.every((word) => /^\d{1,20}$/.test(word))) {
      afterStatsHeader = false;
      continue;
    }
    afterStatsHeader = false;
    if (fields[0].startsWith('link/')) linkLine(cur, fields);
    else if (fields[0] === 'inet' || fields[0] === 'inet6') addressLine(cur, fields);
    else if (fields[0] === 'valid_lft' || fields[0] === 'altname' || fields[0] === 'prop') {
      /* lifetimes, alternative names */
    } else if (!detailLine(cur, fields)) {
      // `ip -d` prints the link kind first; other detail lines (alias, vf …) are not needed.
      if (!/^[a-z_]+$/.test(fields[0])) source.skip(i, 'unexpected line inside an interface block');
    }
  }
  close(source.lines.length - 1);
  // Trailing blank lines must not stretch the last block.
  const last = facts[facts.length - 1];
  if (last?.evidence[0]?.endLine !== undefined) {
    let end = last.evidence[0].endLine - (input.firstLine ?? 1);
    while (end > 0 && (source.lines[end] ?? '').trim() === '') end--;
    last.evidence[0].endLine = end + (input.firstLine ?? 1);
    if (last.evidence[0].endLine === last.evidence[0].line) delete last.evidence[0].endLine;
  }
  return { format, facts, records: facts.length, unparsed: source.unparsed };
}

/** How much lines look like `ip link` / `ip addr` output. */
export function sniffIpLink(lines: readonly string[], wantAddr: boolean): number {
  const head = lines.slice(0, 3).join('');
  if (/^\s*\[\s*\{\s*"ifindex"/.test(head)) return head.includes('"addr_info"') === wantAddr ? 0.9 : 0.5;
  let headers = 0,
    addrs = 0,
    links = 0;
  for (const line of lines) {
    if (HEADER.test(line.trim()) && / mtu \d/.test(line)) headers++;
    if (/^\s+inet6? /.test(line)) addrs++;
    if (/^\s+link\//.test(line)) links++;
  }
  if (headers === 0) return sniffBrief(lines, wantAddr);
  if (wantAddr) return addrs > 0 ? 0.9 : 0.3;
  return addrs > 0 ? 0.4 : links > 0 || headers > 0 ? 0.9 : 0;
}

/**
 * `ip -br addr` / `ip -br link` (one interface per line: name, state, then addresses or MAC and
 * flags): most lines must read as such; a MAC or flags tell link from addr.
 */
function sniffBrief(lines: readonly string[], wantAddr: boolean): number {
  let total = 0;
  let brief = 0;
  let linkish = false;
  let addressed = false;
  for (const line of lines) {
    if (!line.trim()) continue;
    total++;
    const iface = parseBriefLine(line);
    if (!iface) continue;
    brief++;
    if (iface.mac !== undefined || iface.flags !== undefined) linkish = true;
    if (iface.addresses !== undefined) addressed = true;
  }
  if (total === 0 || brief / total < 0.8) return 0;
  const link = linkish && !addressed;
  return link === !wantAddr ? 0.9 : 0.3;
}
