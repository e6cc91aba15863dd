import { createHash } from 'node:crypto';
import { ipv4ToNumber, isIPv6, joinHostPort } from './net';
import type { NatRule } from './kubeProxy';

/**
 * kube-proxy's deterministic names and numbers, computed exactly as upstream does
 * (pkg/proxy/iptables and pkg/proxy/nftables), so predicted rules can be compared
 * line by line with what a node prints.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding), padding omitted: callers truncate anyway. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function sha256Base32(text: string): string {
  return base32(createHash('sha256').update(text, 'utf8').digest());
}

/** `ns/name:port` (`ns/name` when the port is unnamed): proxy.ServicePortName.String(). */
export function servicePortName(namespace: string, service: string, portName?: string): string {
  return `${namespace}/${service}${portName ? `:${portName}` : ''}`;
}

/** First 16 base32 chars of sha256(servicePortName + lower-case protocol). */
function portProtoHash(spn: string, protocol: string): string {
  return sha256Base32(spn + protocol.toLowerCase()).slice(0, 16);
}

export type IptablesServiceChainKind = 'SVC' | 'SVL' | 'EXT' | 'FW';

/** KUBE-SVC- (cluster policy), KUBE-SVL- (local policy), KUBE-EXT- (external), KUBE-FW- (LB firewall). */
export function iptablesServiceChain(kind: IptablesServiceChainKind, spn: string, protocol: string): string {
  return `KUBE-${kind}-${portProtoHash(spn, protocol)}`;
}

/** KUBE-SEP-: sha256(servicePortName + protocol + "ip:port"). */
export function iptablesEndpointChain(spn: string, protocol: string, ip: string, port: number): string {
  return `KUBE-SEP-${sha256Base32(spn + protocol.toLowerCase() + joinHostPort(ip, port)).slice(0, 16)}`;
}

const NFT_CHAIN_BASE_MAX = 128 - 16;

/** nftables mode: the name prefixed with 8 chars of its own hash, truncated to fit. */
function hashAndTruncate(name: string): string {
  const full = `${sha256Base32(name).slice(0, 8)}-${name}`;
  return full.length > NFT_CHAIN_BASE_MAX ? full.slice(0, NFT_CHAIN_BASE_MAX - 3) + '...' : full;
}

export type NftServiceChainKind = 'service' | 'local' | 'external' | 'firewall';

/** A Service port as kube-proxy's nftables chain names spell it: the port's *name* (may be empty), not its number. */
export interface NftServicePort {
  namespace: string;
  /** The Service's name. */
  name: string;
  protocol: string;
  portName?: string;
}

const nftServicePortName = ({ namespace, name, protocol, portName = '' }: NftServicePort) =>
  `${namespace}/${name}/${protocol.toLowerCase()}/${portName}`;

/** e.g. `service-ULMVA6XW-ns1/svc1/tcp/p80`. */
export function nftServiceChain(kind: NftServiceChainKind, servicePort: NftServicePort): string {
  return `${kind}-${hashAndTruncate(nftServicePortName(servicePort))}`;
}

/** e.g. `endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80` (IPv6 colons become dots). */
export function nftEndpointChain(servicePort: NftServicePort, endpoint: { ip: string; port: number }): string {
  const safeIp = endpoint.ip.includes(':') ? endpoint.ip.replace(/:/g, '.') : endpoint.ip;
  return `endpoint-${hashAndTruncate(`${nftServicePortName(servicePort)}__${safeIp}/${endpoint.port}`)}`;
}

/** What kube-proxy writes for endpoint i of n (0-based): 1/(n-i) as Go's `%0.10f`. */
function kubeProxyProbability(remaining: number): string {
  return (1 / remaining).toFixed(10);
}

/**
 * What `iptables -L`/`iptables-save` print back for a written probability: the
 * kernel keeps it as round(p * 2^31) and userspace prints `%.11f` of that.
 */
export function iptablesPrintedProbability(written: string | number): string {
  const fixed = Math.round(0x80000000 * Number(written));
  return (fixed / 0x80000000).toFixed(11);
}

/**
 * The probability string on each endpoint jump for n endpoints, in order; the last
 * endpoint has no statistic match (undefined). E.g. n=3: 0.3333333333, 0.5000000000, undefined.
 */
export function endpointProbabilities(count: number): (string | undefined)[] {
  return Array.from({ length: count }, (_, i) => (i < count - 1 ? kubeProxyProbability(count - i) : undefined));
}

/**
 * An address as kube-proxy reads it (netutils.ParseIPSloppy): surrounding spaces dropped and
 * IPv4 parts with leading zeros read as decimal (`172.30.0.041` → `172.30.0.41`); IPv6 is
 * lower-cased. Undefined when it is not an address, as kube-proxy then ignores it.
 */
export function sloppyIP(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(':')) return isIPv6(trimmed) ? trimmed.toLowerCase() : undefined;
  const parts = trimmed.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return parts.map(Number).join('.');
}

/** `203.0.113.000/025` → `203.0.113.0/25` (netutils.ParseCIDRSloppy, then the network's text). */
export function sloppyCIDR(text: string): string | undefined {
  const [addressText, prefixText] = text.trim().split('/', 2);
  const address = sloppyIP(addressText);
  if (!address || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (address.includes(':')) return prefix <= 128 ? `${address}/${prefix}` : undefined;
  if (prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (ipv4ToNumber(address)! & mask) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${prefix}`;
}

/**
 * kube-proxy's filter rule that drops a Local-policy Service's external traffic on a node without a
 * local endpoint: `KUBE-EXTERNAL-SERVICES … "ns/svc[:port] has no local endpoints" … -j DROP`.
 * `service` is `ns/name`; the comment names the Service port (`ns/name:http`) when the port has a name.
 */
export function isLocalEndpointDrop(rule: NatRule, service: string): boolean {
  if (rule.chain !== 'KUBE-EXTERNAL-SERVICES' || rule.target !== 'DROP') return false;
  const comment = rule.comment ?? '';
  const suffix = ' has no local endpoints';
  if (!comment.startsWith(service) || !comment.endsWith(suffix)) return false;
  const rest = comment.slice(service.length, comment.length - suffix.length);
  return rest === '' || /^:[\w-]+$/.test(rest);
}
