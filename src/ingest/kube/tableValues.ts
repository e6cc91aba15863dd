import { isIPv4, isIPv6 } from '../../model';

/** What a cell of a kubectl table column may hold; used to align cells when spacing was lost. */

const NONE = new Set(['<none>', 'none', '<pending>', '<unknown>', '<nil>']);
export const isNone = (v: string | undefined): boolean => v === undefined || v === '' || NONE.has(v);

const isIp = (s: string) => isIPv4(s) || isIPv6(s);
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const KIND_NAME = /^[a-z][a-z0-9.-]{0,80}\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const AGE = /^(\d{1,6}[smhdy]){1,4}$|^<unknown>$|^<invalid>$/;
const PORTS = /^(\d{1,5}(:\d{1,5})?\/(TCP|UDP|SCTP))(,\d{1,5}(:\d{1,5})?\/(TCP|UDP|SCTP)){0,200}$/;
const ENDPOINTS = /^([0-9a-fA-F.:[\]]{2,60}:\d{1,5})(,[0-9a-fA-F.:[\]]{2,60}:\d{1,5}){0,200}$/;
const KV_LIST = /^[^=\s]{1,253}=[^,\s]{0,63}(,[^=\s]{1,253}=[^,\s]{0,63}){0,100}$/;

export type CellCheck = (v: string) => boolean;

const CHECKS: Record<string, CellCheck> = {
  NAME: (v) => DNS_NAME.test(v) || KIND_NAME.test(v),
  NAMESPACE: (v) => DNS_NAME.test(v),
  'CLUSTER-IP': (v) => isIp(v) || v === 'None' || isNone(v),
  'EXTERNAL-IP': (v) => isNone(v) || v.split(',').every(isIp) || DNS_NAME.test(v),
  'PORT(S)': (v) => PORTS.test(v) || isNone(v),
  AGE: (v) => AGE.test(v),
  IP: (v) => isIp(v) || isNone(v),
  'INTERNAL-IP': (v) => isIp(v) || isNone(v),
  READY: (v) => /^\d{1,6}\/\d{1,6}$/.test(v),
  RESTARTS: (v) => /^\d{1,9}( \(.{1,20} ago\))?$/.test(v),
  'UP-TO-DATE': (v) => /^\d{1,9}$/.test(v),
  AVAILABLE: (v) => /^\d{1,9}$/.test(v),
  DESIRED: (v) => /^\d{1,9}$/.test(v),
  CURRENT: (v) => /^\d{1,9}$/.test(v),
  ENDPOINTS: (v) => ENDPOINTS.test(v) || isNone(v) || /^[0-9a-fA-F.:,[\]]{1,2000}( \+ \d{1,6} more\.\.\.)?$/.test(v),
  SELECTOR: (v) => KV_LIST.test(v) || isNone(v),
  LABELS: (v) => KV_LIST.test(v) || isNone(v),
  NODE: (v) => DNS_NAME.test(v) || isNone(v),
  'NOMINATED NODE': (v) => DNS_NAME.test(v) || isNone(v),
  'READINESS GATES': (v) => isNone(v) || /^\d+\/\d+$/.test(v),
  'NODE SELECTOR': (v) => KV_LIST.test(v) || isNone(v),
  ADDRESSTYPE: (v) => /^(IPv4|IPv6|FQDN)$/.test(v),
  TYPE: (v) => /^[A-Z][A-Za-z]{1,60}$/.test(v),
  'KERNEL-VERSION': (v) => /^\d{1,4}\.\d{1,4}(\.\d{1,6})?[-+.\w]{0,80}$/.test(v) || isNone(v),
  'CONTAINER-RUNTIME': (v) => /^[a-z][a-z0-9.-]{0,40}:\/\/\S{0,80}$/.test(v) || isNone(v),
  VERSION: (v) => /^v\d{1,4}\.\d{1,4}/.test(v),
  ROLES: (v) => /^[a-z0-9.,_-]{1,200}$/.test(v) || isNone(v),
  STATUS: (v) => /^[A-Za-z][\w,:/()-]{0,60}$/.test(v),
};

/** Columns kubectl fills with `<none>`, which text copied from HTML often loses entirely. */
export const MAY_VANISH = new Set([
  'EXTERNAL-IP',
  'NOMINATED NODE',
  'NODE SELECTOR',
  'READINESS GATES',
  'SELECTOR',
  'LABELS',
  'IP',
  'NODE',
  'CLUSTER-IP',
  'ENDPOINTS',
  'PORT(S)',
]);

/** Multi-word headers kubectl prints. */
export const TWO_WORD_HEADERS = new Set([
  'NOMINATED NODE',
  'READINESS GATES',
  'NODE SELECTOR',
  'ACCESS MODES',
  'RECLAIM POLICY',
  'LAST SEEN',
]);

export function cellFits(column: string, value: string): boolean {
  const cellCheck = CHECKS[column];
  return cellCheck ? cellCheck(value) : value.length > 0;
}

export interface PortSpec {
  port: number;
  nodePort?: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** `PORT(S)`: `80/TCP`, `80:30080/TCP`, `53/UDP,53/TCP,9153/TCP`; empty for `<none>`. */
export function parsePorts(v: string | undefined): PortSpec[] | undefined {
  if (isNone(v)) return [];
  const out: PortSpec[] = [];
  for (const part of v!.split(',')) {
    const match = /^(\d{1,5})(?::(\d{1,5}))?\/(TCP|UDP|SCTP)$/.exec(part);
    if (!match) return undefined;
    out.push(
      match[2]
        ? { port: Number(match[1]), nodePort: Number(match[2]), protocol: match[3] as PortSpec['protocol'] }
        : { port: Number(match[1]), protocol: match[3] as PortSpec['protocol'] },
    );
  }
  return out;
}

/** `ENDPOINTS`: `10.244.0.143:80,10.244.0.144:80 + 3 more...` → pairs and how many were cut. */
export function parseEndpointList(
  v: string | undefined,
): { pairs: { ip: string; port: number }[]; more: number } | undefined {
  if (isNone(v)) return { pairs: [], more: 0 };
  const match = /^(\S+?)(?: \+ (\d{1,6}) more\.\.\.)?$/.exec(v!.trim());
  if (!match) return undefined;
  const pairs: { ip: string; port: number }[] = [];
  for (const part of match[1].split(',')) {
    const i = part.lastIndexOf(':');
    if (i <= 0) return undefined;
    const ip = part.slice(0, i).replace(/^\[|\]$/g, '');
    const port = part.slice(i + 1);
    if (!isIp(ip) || !/^\d{1,5}$/.test(port)) return undefined;
    pairs.push({ ip, port: Number(port) });
  }
  return { pairs, more: match[2] ? Number(match[2]) : 0 };
}

/** `k=v,k2=v2` → map; undefined for `<none>`. */
export function parseKvList(v: string | undefined): Record<string, string> | undefined {
  if (isNone(v)) return undefined;
  const out: Record<string, string> = {};
  for (const part of v!.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

const COMMON_PORTS = new Set([80, 443, 53, 8080, 8443, 9153, 6443, 3306, 5432, 6379, 9090, 9100, 10250, 2379, 27017]);

/**
 * Text copied from a web page can glue a ClusterIP to the next cell once `<none>` (read as an
 * HTML tag) disappears: `10.103.129.8680/TCP`. Returns the possible splits, best first:
 * a well-known port wins, then the longest valid last octet. `ambiguous` when several fit.
 */
export function splitGluedIpPort(token: string): { ip: string; rest: string; ambiguous: string[] } | undefined {
  const match = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,6})(\/(?:TCP|UDP|SCTP)\S*|:\d{1,5}\/\S+)$/.exec(token);
  if (!match) return undefined;
  const [, head, digits, tail] = match;
  const options: { ip: string; rest: string; score: number }[] = [];
  for (let n = 1; n <= 3 && n < digits.length; n++) {
    const octet = digits.slice(0, n);
    const port = digits.slice(n);
    if ((octet.length > 1 && octet.startsWith('0')) || port.startsWith('0')) continue;
    if (Number(octet) > 255 || Number(port) > 65535 || Number(port) === 0) continue;
    const ip = head + octet;
    if (!isIPv4(ip)) continue;
    options.push({ ip, rest: port + tail, score: (COMMON_PORTS.has(Number(port)) ? 10 : 0) + n });
  }
  if (options.length === 0) return undefined;
  options.sort((a, b) => b.score - a.score);
  return { ip: options[0].ip, rest: options[0].rest, ambiguous: options.slice(1).map((o) => `${o.ip} + ${o.rest}`) };
}
