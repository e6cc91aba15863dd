/** Small, dependency-free IP helpers shared by parsers, model and flow engine. */

export type IpFamily = 4 | 6;

/** Parses dotted IPv4 into a 32-bit unsigned number; undefined when not a valid address. */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function isIPv4(s: string): boolean {
  return ipv4ToNumber(s) !== undefined;
}

/** Loose IPv6 check: hex groups and colons, optional embedded IPv4, at most one `::`. */
export function isIPv6(s: string): boolean {
  if (!s.includes(':') || s.length > 45) return false;
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return false;
  if ((s.match(/::/g) ?? []).length > 1) return false;
  const groups = s.split(':');
  return groups.length >= 3 && groups.length <= 8;
}

export function ipFamily(s: string): IpFamily | undefined {
  if (isIPv4(s)) return 4;
  if (isIPv6(s)) return 6;
  return undefined;
}

export interface Cidr {
  address: string;
  prefix: number;
  family: IpFamily;
}

/** Parses `10.244.0.0/16`, or a bare address as a host route (/32 or /128). */
export function parseCidr(s: string): Cidr | undefined {
  const [address, prefixText] = s.split('/', 2);
  const family = ipFamily(address);
  if (!family) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family };
}

/** True when IPv4 `ip` lies inside `cidr` (IPv6 ranges are compared only for equality). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  if (!c) return false;
  if (c.family === 6) return c.prefix === 128 ? c.address === ip : false;
  const base = ipv4ToNumber(c.address);
  const addr = ipv4ToNumber(ip);
  if (base === undefined || addr === undefined) return false;
  if (c.prefix === 0) return true;
  const size = 2 ** (32 - c.prefix);
  return Math.floor(base / size) === Math.floor(addr / size);
}

/** `ip:port` for IPv4, `[ip]:port` for IPv6, as Go's net.JoinHostPort writes it. */
export function joinHostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
