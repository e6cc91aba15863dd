import { isIPv4, isIPv6 } from '../../model';

/** What a cell of a kubectl table column may hold; used to align cells when spacing was lost. */

const NONE = new Set(['<none>', 'none', '<pending>', '<unknown>', '<nil>']);
export const isNone = (value: string | undefined): boolean => value === undefined || value === '' || NONE.has(value);

const isIp = (text: string) => isIPv4(text) || isIPv6(text);
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const KIND_NAME = /^[a-z][a-z0-9.-]{0,80}\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const AGE = /^(\d{1,6}[smhdy]){1,4}$|^<unknown>$|^<invalid>$/;
const PORTS = /^(\d{1,5}(:\d{1,5})?\/(TCP|UDP|SCTP))(,\d{1,5}(:\d{1,5})?\/(TCP|UDP|SCTP)){0,200}$/;
const ENDPOINTS = /^([0-9a-fA-F.:[\]]{2,60}:\d{1,5})(,[0-9a-fA-F.:[\]]{2,60}:\d{1,5}){0,200}$/;
const KV_LIST = /^[^=\s]{1,253}=[^,\s]{0,63}(,[^=\s]{1,253}=[^,\s]{0,63}){0,100}$/;

export type CellCheck = (v: string) => boolean;

const CHECKS: Record<string, CellCheck> = {
  NAME: (value) => DNS_NAME.test(value) || KIND_NAME.test(value),
  NAMESPACE: (value) => DNS_NAME.test(value),
  'CLUSTER-IP': (value) => isIp(value) || value === 'None' || isNone(value),
  'EXTERNAL-IP': (value) => isNone(value) || value.split(',').every(isIp) || DNS_NAME.test(value),
  'PORT(S)': (value) => PORTS.test(value) || isNone(value),
  AGE: (value) => AGE.test(value),
  IP: (value) => isIp(value) || isNone(value),
  'INTERNAL-IP': (value) => isIp(value) || isNone(value),
  READY: (value) => /^\d{1,6}\/\d{1,6}$/.test(value),
  RESTARTS: (value) => /^\d{1,9}( \(.{1,20} ago\))?$/.test(value),
  'UP-TO-DATE': (value) => /^\d{1,9}$/.test(value),
  AVAILABLE: (value) => /^\d{1,9}$/.test(value),
  DESIRED: (value) => /^\d{1,9}$/.test(value),
  CURRENT: (value) => /^\d{1,9}$/.test(value),
  ENDPOINTS: (value) =>
    ENDPOINTS.test(value) || isNone(value) || /^[0-9a-fA-F.:,[\]]{1,2000}( \+ \d{1,6} more\.\.\.)?$/.test(value),
  SELECTOR: (value) => KV_LIST.test(value) || isNone(value),
  LABELS: (value) => KV_LIST.test(value) || isNone(value),
  NODE: (value) => DNS_NAME.test(value) || isNone(value),
  'NOMINATED NODE': (value) => DNS_NAME.test(value) || isNone(value),
  'READINESS GATES': (value) => isNone(value) || /^\d+\/\d+$/.test(value),
  'NODE SELECTOR': (value) => KV_LIST.test(value) || isNone(value),
  ADDRESSTYPE: (value) => /^(IPv4|IPv6|FQDN)$/.test(value),
  TYPE: (value) => /^[A-Z][A-Za-z]{1,60}$/.test(value),
  'KERNEL-VERSION': (value) => /^\d{1,4}\.\d{1,4}(\.\d{1,6})?[-+.\w]{0,80}$/.test(value) || isNone(value),
  'CONTAINER-RUNTIME': (value) => /^[a-z][a-z0-9.-]{0,40}:\/\/\S{0,80}$/.test(value) || isNone(value),
  VERSION: (value) => /^v\d{1,4}\.\d{1,4}/.test(value),
  ROLES: (value) => /^[a-z0-9.,_-]{1,200}$/.test(value) || isNone(value),
  STATUS: (value) => /^[A-Za-z][\w,:/()-]{0,60}$/.test(value),
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
export function parsePorts(value: string | undefined): PortSpec[] | undefined {
  if (isNone(value)) return [];
  const out: PortSpec[] = [];
  for (const part of value!.split(',')) {
    const match = /^(?<port>\d{1,5})(?::(?<nodePort>\d{1,5}))?\/(?<protocol>TCP|UDP|SCTP)$/.exec(part)?.groups;
    if (!match) return undefined;
    const protocol = match.protocol as PortSpec['protocol'];
    out.push(
      match.nodePort
        ? { port: Number(match.port), nodePort: Number(match.nodePort), protocol }
        : { port: Number(match.port), protocol },
    );
  }
  return out;
}

/** `ENDPOINTS`: `10.244.0.143:80,10.244.0.144:80 + 3 more...` → pairs and how many were cut. */
export function parseEndpointList(
  value: string | undefined,
): { pairs: { ip: string; port: number }[]; more: number } | undefined {
  if (isNone(value)) return { pairs: [], more: 0 };
  const match = /^(?<list>\S+?)(?: \+ (?<more>\d{1,6}) more\.\.\.)?$/.exec(value!.trim())?.groups;
  if (!match) return undefined;
  const pairs: { ip: string; port: number }[] = [];
  for (const part of match.list.split(',')) {
    const colon = part.lastIndexOf(':');
    if (colon <= 0) return undefined;
    const ip = part.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = part.slice(colon + 1);
    if (!isIp(ip) || !/^\d{1,5}$/.test(port)) return undefined;
    pairs.push({ ip, port: Number(port) });
  }
  return { pairs, more: match.more ? Number(match.more) : 0 };
}

/** `k=v,k2=v2` → map; undefined for `<none>`. */
export function parseKvList(value: string | undefined): Record<string, string> | undefined {
  if (isNone(value)) return undefined;
  const out: Record<string, string> = {};
  for (const part of value!.split(',')) {
    const equals = part.indexOf('=');
    if (equals <= 0) continue;
    out[part.slice(0, equals)] = part.slice(equals + 1);
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
  options.sort((left, right) => right.score - left.score);
  return {
    ip: options[0].ip,
    rest: options[0].rest,
    ambiguous: options.slice(1).map((option) => `${option.ip} + ${option.rest}`),
  };
}
