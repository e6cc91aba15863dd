import type { AddressMatch } from '../../model';

/**
 * Normalisers shared by the `iptables -L` and `iptables-save` parsers, so that the
 * same rule read from either printout (or predicted by us) yields equal fields.
 */

const PROTOCOL_NUMBERS: Record<string, string> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '58': 'ipv6-icmp',
  '132': 'sctp',
};

/** `tcp`, `6` (iptables-nft prints numbers), `all`/`0` (any: undefined); a leading `!` is kept. */
export function normalizeProtocol(protocol: string | undefined): string | undefined {
  if (!protocol) return undefined;
  const neg = protocol.startsWith('!');
  const bare = (neg ? protocol.slice(1) : protocol).toLowerCase();
  if (bare === 'all' || bare === '0' || bare === '') return undefined;
  const name = PROTOCOL_NUMBERS[bare] ?? bare;
  return neg ? `!${name}` : name;
}

/** `0.0.0.0/0` and `::/0` match anything (undefined); `/32` and `/128` are dropped as `-L -n` does. */
export function normalizeAddress(text: string | undefined, negated = false): AddressMatch | undefined {
  if (!text) return undefined;
  let address = text;
  let neg = negated;
  if (address.startsWith('!')) {
    neg = !neg;
    address = address.slice(1);
  }
  if (address === '0.0.0.0/0' || address === '::/0' || address === 'anywhere' || address === '') return undefined;
  if (address.endsWith('/32') && !address.includes(':')) address = address.slice(0, -3);
  else if (address.endsWith('/128')) address = address.slice(0, -4);
  return { cidr: address, negated: neg };
}

/** `*` (any interface) is undefined; `!lo` is kept as printed. */
export function normalizeInterface(text: string | undefined): string | undefined {
  return !text || text === '*' ? undefined : text;
}

/** Names from Debian's /etc/services that `iptables -L` (without -n) prints for common Service ports. */
const SERVICE_PORTS: Record<string, number> = {
  domain: 53,
  http: 80,
  https: 443,
  ssh: 22,
  ntp: 123,
  'http-alt': 8080,
  mysql: 3306,
  postgresql: 5432,
  redis: 6379,
  smtp: 25,
  ftp: 21,
  ldap: 389,
  ldaps: 636,
  syslog: 514,
};

/** A port number (or a well-known service name), or undefined for ranges and names we do not know. */
export function parsePort(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (Object.prototype.hasOwnProperty.call(SERVICE_PORTS, text)) return SERVICE_PORTS[text];
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** `10.244.0.143:80`, `[fd00::1]:80`, `10.0.0.1` (no port). Ranges keep only their first address. */
export function parseNatTarget(text: string): { ip: string; port?: number } | undefined {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?/.exec(text);
  if (v6) return { ip: v6[1], port: parsePort(v6[2]) };
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?:-[\d.]+)?(?::(\d+))?/.exec(text);
  if (v4) return { ip: v4[1], port: parsePort(v4[2]) };
  return undefined;
}

const hex = (value: number) => `0x${(value >>> 0).toString(16)}`;

/**
 * The MARK target in the words `iptables -L` prints (`or 0x4000`, `xor 0x4000`,
 * `set 0x1`, `and 0xffffbfff`, `xset 0x4000/0x4000`), from the value/mask pair that
 * `iptables-save` prints as `--set-xmark V/M` (new = (old & ~M) ^ V).
 */
export function canonicalMarkTarget(value: number, mask: number): string {
  const bits = value >>> 0;
  const maskBits = mask >>> 0;
  if (maskBits === 0xffffffff) return `set ${hex(bits)}`;
  if (bits === 0) return `and ${hex(~maskBits)}`;
  if (bits === maskBits) return `or ${hex(bits)}`;
  if (maskBits === 0) return `xor ${hex(bits)}`;
  return `xset ${hex(bits)}/${hex(maskBits)}`;
}

/** `0x4000/0x4000` or `0x4000` → [value, mask]; undefined when not numeric. */
export function parseValueMask(text: string): [number, number] | undefined {
  const [valueText, maskText] = text.split('/', 2);
  const value = Number(valueText);
  const mask = maskText === undefined ? 0xffffffff : Number(maskText);
  if (!Number.isFinite(value) || !Number.isFinite(mask) || valueText === '' || maskText === '') return undefined;
  return [value, mask];
}

/** `match 0x4000/0x4000` or `match ! 0x4000/0x4000` (the mark match, as `-L` prints it). */
export function canonicalMarkMatch(valueMask: string, negated: boolean): string {
  const vm = parseValueMask(valueMask);
  const text = vm ? (vm[1] === 0xffffffff ? hex(vm[0]) : `${hex(vm[0])}/${hex(vm[1])}`) : valueMask;
  return `match ${negated ? '! ' : ''}${text}`;
}

/** The parts of `-m recent` that change behaviour, whichever printout they came from. */
export interface RecentOptions {
  action?: 'set' | 'rcheck' | 'update' | 'remove';
  seconds?: number;
  reap?: boolean;
  hitcount?: number;
  name?: string;
}

/**
 * One canonical text for `-m recent`, in `iptables-save` option words, leaving out the
 * defaults (`--mask 255.255.255.255 --rsource`) so `-L` and save printouts compare equal.
 */
export function canonicalRecent(recentOptions: RecentOptions): string {
  const parts: string[] = [];
  if (recentOptions.action) parts.push(`--${recentOptions.action}`);
  if (recentOptions.seconds !== undefined) parts.push(`--seconds ${recentOptions.seconds}`);
  if (recentOptions.reap) parts.push('--reap');
  if (recentOptions.hitcount !== undefined) parts.push(`--hitcount ${recentOptions.hitcount}`);
  if (recentOptions.name) parts.push(`--name ${recentOptions.name}`);
  return parts.join(' ');
}

/** True for the opt column of `iptables -L` (`--`, or fragment flags `-f`/`!f`). */
export function isOptColumn(token: string): boolean {
  return token === '--' || token === '-f' || token === '!f';
}

/** A token that can stand in the prot column: a name, a number, `all`, maybe negated. */
export function isProtColumn(token: string): boolean {
  return /^!?(?:all|tcp|udp|udplite|icmp|icmpv6|ipv6-icmp|esp|ah|sctp|mh|gre|ipv6|\d{1,3})$/i.test(token);
}
