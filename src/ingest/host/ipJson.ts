import type { Fact, HostInterface, InterfaceAddress, InterfaceType, Route, Unparsed } from '../../model';
import { logEvidence } from '../../model';
import { objectSpans, TextPositions } from '../kube/jsonDocuments';
import type { FormatId, ParseInput, ParseResult } from '../types';

/**
 * `ip -j link|addr|route` (and `-j -p`): the same facts as the text forms. Evidence points at
 * the line and column where each object starts (plain `-j` prints everything on one line).
 */

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
const n = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

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
  const name = s(rec.ifname);
  if (!name) return undefined;
  const hostInterface: HostInterface = { kind: 'HostInterface', name, evidence: [] };
  const set = <K extends keyof HostInterface>(k: K, v: HostInterface[K] | undefined) => {
    if (v !== undefined) hostInterface[k] = v;
  };
  set('ifindex', n(rec.ifindex));
  set('peerIfindex', n(rec.link_index));
  set('peerName', s(rec.link));
  set('linkNetnsId', n(rec.link_netnsid));
  set('mtu', n(rec.mtu));
  set('master', s(rec.master));
  set('state', s(rec.operstate));
  if (Array.isArray(rec.flags)) hostInterface.flags = rec.flags.filter((x): x is string => typeof x === 'string');
  if (s(rec.link_type) === 'loopback') hostInterface.type = 'loopback';
  if (s(rec.address) && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(s(rec.address)!))
    hostInterface.mac = s(rec.address)!.toLowerCase();
  const li = isRec(rec.linkinfo) ? rec.linkinfo : undefined;
  const kind = s(li?.info_kind);
  if (kind && KINDS[kind]) hostInterface.type = KINDS[kind];
  if (kind === 'vxlan' && isRec(li?.info_data)) {
    const d = li.info_data;
    const vx: NonNullable<HostInterface['vxlan']> = {};
    if (n(d.id) !== undefined) vx.vni = n(d.id);
    if (n(d.port) !== undefined) vx.port = n(d.port);
    if (s(d.local)) vx.local = s(d.local);
    if (s(d.link)) vx.dev = s(d.link);
    if (typeof d.learning === 'boolean') vx.learning = d.learning;
    hostInterface.vxlan = vx;
  }
  if (Array.isArray(rec.addr_info)) {
    const addrs: InterfaceAddress[] = [];
    for (const a of rec.addr_info) {
      if (!isRec(a) || !s(a.local) || n(a.prefixlen) === undefined) continue;
      const addr: InterfaceAddress = { cidr: `${s(a.local)}/${n(a.prefixlen)}`, family: a.family === 'inet6' ? 6 : 4 };
      if (s(a.scope)) addr.scope = s(a.scope);
      addrs.push(addr);
    }
    if (addrs.length) hostInterface.addresses = addrs;
  }
  return hostInterface;
}

function route(rec: Rec): Route | undefined {
  const dst = s(rec.dst);
  if (!dst) return undefined;
  const r: Route = { kind: 'Route', destination: dst, evidence: [] };
  if (s(rec.gateway)) r.via = s(rec.gateway);
  if (s(rec.dev)) r.dev = s(rec.dev);
  if (s(rec.prefsrc)) r.src = s(rec.prefsrc);
  if (s(rec.protocol)) r.proto = s(rec.protocol);
  if (s(rec.scope)) r.scope = s(rec.scope);
  if (n(rec.metric) !== undefined) r.metric = n(rec.metric);
  if (Array.isArray(rec.flags) && rec.flags.includes('onlink')) r.onlink = true;
  if (s(rec.table)) r.table = s(rec.table);
  return r;
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
  value.forEach((o, i) => {
    const at = positions.pos(spans[i]?.[0] ?? 0);
    const f = isRec(o) ? (s(o.ifname) ? iface(o) : route(o)) : undefined;
    if (!f) {
      unparsed.push({ line: at.line, reason: `element ${i} is neither an interface nor a route` });
      return;
    }
    const span = spans[i] ? text.slice(spans[i][0], Math.min(spans[i][1], spans[i][0] + 200)) : lines[at.line - first];
    const ev = logEvidence(input.uri, at.line, span, format);
    ev.column = at.col;
    f.evidence = [ev];
    if (input.host) f.host = input.host;
    facts.push(f);
  });
  return { format, facts, records: facts.length, unparsed };
}
