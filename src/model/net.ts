/** Small, dependency-free IP helpers shared by parsers, model and flow engine. */

export type IpFamily = 4 | 6;

/** Parses dotted IPv4 into a 32-bit unsigned number; undefined when not a valid address. */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let address = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    address = address * 256 + octet;
  }
  return address;
}

export function isIPv4(text: string): boolean {
  return ipv4ToNumber(text) !== undefined;
}

/** Loose IPv6 check: hex groups and colons, optional embedded IPv4, at most one `::`. */
export function isIPv6(text: string): boolean {
  if (!text.includes(':') || text.length > 45) return false;
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return false;
  if ((text.match(/::/g) ?? []).length > 1) return false;
  const groups = text.split(':');
  return groups.length >= 3 && groups.length <= 8;
}

export function ipFamily(text: string): IpFamily | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

export interface Cidr {
  address: string;
  prefix: number;
  family: IpFamily;
}

/** Parses `10.244.0.0/16`, or a bare address as a host route (/32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText] = text.split('/', 2);
  const family = ipFamily(address);
  if (!family) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family };
}

/** True when IPv4 `ip` lies inside `cidr` (IPv6 ranges are compared only for equality). */
export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  if (!range) return false;
  if (range.family === 6) return range.prefix === 128 ? range.address === ip : false;
  const base = ipv4ToNumber(range.address);
  const addr = ipv4ToNumber(ip);
  if (base === undefined || addr === undefined) return false;
  if (range.prefix === 0) return true;
  const size = 2 ** (32 - range.prefix);
  return Math.floor(base / size) === Math.floor(addr / size);
}

/** `ip:port` for IPv4, `[ip]:port` for IPv6, as Go's net.JoinHostPort writes it. */
export function joinHostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
