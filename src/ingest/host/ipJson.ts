import type { Fact, HostInterface, InterfaceAddress, InterfaceType, Route, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import { objectSpans, TextPositions } from '../kube/jsonDocuments';
import type { FormatId, ParseInput, ParseResult } from '../types';

/**
 * `ip -j link|addr|route` (and `-j -p`): the same facts as the text forms. Evidence points at
 * the line and column where each object starts (plain `-j` prints everything on one line).
 */

type Rec = Record<string, unknown>;
const isRec = (value: unknown): value is Rec => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);
const integerOf = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);

const KINDS: Record<string, InterfaceType> = {
  vxlan: 'vxlan',
  veth: 'veth',
  bridge: 'bridge',
  dummy: 'dummy',
  tun: 'tun',
  ipip: 'ipip',
  wireguard: 'wireguard',
};

function iface(rec: Rec): HostInterface | undefined {
  const name = stringOf(rec.ifname);
  if (!name) return undefined;
  const hostInterface: HostInterface = { kind: 'HostInterface', name, evidence: [] };
  const set = <K extends keyof HostInterface>(key: K, value: HostInterface[K] | undefined) => {
    if (value !== undefined) hostInterface[key] = value;
  };
  set('ifindex', integerOf(rec.ifindex));
  set('peerIfindex', integerOf(rec.link_index));
  set('peerName', stringOf(rec.link));
  set('linkNetnsId', integerOf(rec.link_netnsid));
  set('mtu', integerOf(rec.mtu));
  set('master', stringOf(rec.master));
  set('state', stringOf(rec.operstate));
  if (Array.isArray(rec.flags))
    hostInterface.flags = rec.flags.filter((flag): flag is string => typeof flag === 'string');
  if (stringOf(rec.link_type) === 'loopback') hostInterface.type = 'loopback';
  if (stringOf(rec.address) && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(stringOf(rec.address)!))
    hostInterface.mac = stringOf(rec.address)!.toLowerCase();
  const li = isRec(rec.linkinfo) ? rec.linkinfo : undefined;
  const kind = stringOf(li?.info_kind);
  if (kind && KINDS[kind]) hostInterface.type = KINDS[kind];
  if (kind === 'vxlan' && isRec(li?.info_data)) {
    const infoData = li.info_data;
    const vx: NonNullable<HostInterface['vxlan']> = {};
    if (integerOf(infoData.id) !== undefined) vx.vni = integerOf(infoData.id);
    if (integerOf(infoData.port) !== undefined) vx.port = integerOf(infoData.port);
    if (stringOf(infoData.local)) vx.local = stringOf(infoData.local);
    if (stringOf(infoData.link)) vx.dev = stringOf(infoData.link);
    if (typeof infoData.learning === 'boolean') vx.learning = infoData.learning;
    hostInterface.vxlan = vx;
  }
  if (Array.isArray(rec.addr_info)) {
    const addrs: InterfaceAddress[] = [];
    for (const address of rec.addr_info) {
      if (!isRec(address) || !stringOf(address.local) || integerOf(address.prefixlen) === undefined) continue;
      const addr: InterfaceAddress = {
        cidr: `${stringOf(address.local)}/${integerOf(address.prefixlen)}`,
        family: address.family === 'inet6' ? 6 : 4,
      };
      if (stringOf(address.scope)) addr.scope = stringOf(address.scope);
      addrs.push(addr);
    }
    if (addrs.length) hostInterface.addresses = addrs;
  }
  return hostInterface;
}

function route(rec: Rec): Route | undefined {
  const dst = stringOf(rec.dst);
  if (!dst) return undefined;
  const parsed: Route = { kind: 'Route', destination: dst, evidence: [] };
  if (stringOf(rec.gateway)) parsed.via = stringOf(rec.gateway);
  if (stringOf(rec.dev)) parsed.dev = stringOf(rec.dev);
  if (stringOf(rec.prefsrc)) parsed.src = stringOf(rec.prefsrc);
  if (stringOf(rec.protocol)) parsed.proto = stringOf(rec.protocol);
  if (stringOf(rec.scope)) parsed.scope = stringOf(rec.scope);
  if (integerOf(rec.metric) !== undefined) parsed.metric = integerOf(rec.metric);
  if (Array.isArray(rec.flags) && rec.flags.includes('onlink')) parsed.onlink = true;
  if (stringOf(rec.table)) parsed.table = stringOf(rec.table);
  return parsed;
}

/** Undefined when the text is not `ip -j` JSON (an array of objects). */
export function parseIpJson(input: ParseInput, format: FormatId): ParseResult | undefined {
  const text = input.text;
  if (!/^\s*\[/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const first = input.firstLine ?? 1;
  const positions = new TextPositions(text, first);
  const lines = text.split('\n');
  const spans = objectSpans(text).items;
  const facts: Fact[] = [];
  const unparsed: Unparsed[] = [];
  value.forEach((item, i) => {
    const at = positions.pos(spans[i]?.[0] ?? 0);
    const fact = isRec(item) ? (stringOf(item.ifname) ? iface(item) : route(item)) : undefined;
    if (!fact) {
      unparsed.push({ line: at.line, reason: `element ${i} is neither an interface nor a route` });
      return;
    }
    const span = spans[i] ? text.slice(spans[i][0], Math.min(spans[i][1], spans[i][0] + 200)) : lines[at.line - first];
    const ev = logEvidence(input.uri, at.line, span, format);
    ev.column = at.col;
    fact.evidence = [ev];
    if (input.host) fact.host = input.host;
    facts.push(fact);
  });
  return { format, facts, records: facts.length, unparsed };
}
