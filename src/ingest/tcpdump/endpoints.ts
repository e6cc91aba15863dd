import { isIPv4, type Endpoint4 } from '../../model';
import { isDigit } from './scan';

/** Gives back one shared copy of a string (repeated hosts are kept once). */
export type Intern = (s: string) => string;

/** Service names tcpdump prints for well-known ports when it is run without `-nn`. */
const SERVICES: Record<string, number> = {
  http: 80,
  https: 443,
  domain: 53,
  mdns: 5353,
  ssh: 22,
  ntp: 123,
  bootps: 67,
  bootpc: 68,
  www: 80,
  'http-alt': 8080,
  webcache: 8080,
  syslog: 514,
  snmp: 161,
  smtp: 25,
  ftp: 21,
  telnet: 23,
  sunrpc: 111,
  ldap: 389,
  mysql: 3306,
  postgresql: 5432,
};

export function isServiceName(word: string): boolean {
  return Object.prototype.hasOwnProperty.call(SERVICES, word);
}

function allDigits(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

function looksLikeIPv6(text: string): boolean {
  return text.indexOf(':') >= 0;
}

/**
 * Splits tcpdump's `host.port` text. `withPort`: true for TCP/UDP (tcpdump always prints a port
 * then), false for ICMP/other, undefined when unknown (decided from the text).
 */
export function endpoint(text: string, withPort: boolean | undefined, intern: Intern): Endpoint4 {
  const dot = text.lastIndexOf('.');
  // `a.b.c.d` alone is an address without a port (ESP, IGMP, OSPF … print no ports).
  if (withPort !== false && dot > 0 && !(withPort === undefined && isIPv4(text))) {
    const host = text.slice(0, dot);
    const numericPort = allDigits(text, dot + 1, text.length);
    const hostIsIp = isIPv4(host) || (looksLikeIPv6(host) && host.indexOf('.') < 0);
    const portText = text.slice(dot + 1);
    const service = numericPort || !isServiceName(portText) ? undefined : SERVICES[portText];
    // With an IP host, whatever follows the last dot is the port (a number or a service name).
    if (hostIsIp || withPort === true || numericPort || service !== undefined) {
      if (withPort === undefined && !hostIsIp && !numericPort && service === undefined) return plain(text, intern);
      const ep: Endpoint4 = { ip: intern(host) };
      const port = numericPort ? Number(portText) : service;
      if (port !== undefined && port <= 65535) ep.port = port;
      if (!numericPort || !hostIsIp) ep.name = text;
      return ep;
    }
  }
  return plain(text, intern);
}

function plain(text: string, intern: Intern): Endpoint4 {
  const ep: Endpoint4 = { ip: intern(text) };
  if (!isIPv4(text) && !looksLikeIPv6(text)) ep.name = text;
  return ep;
}
