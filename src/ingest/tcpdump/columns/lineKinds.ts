/** What a tcpdump output line is, before it is parsed: cheap tests on its first characters. */

const TRAILER = /^\d+ packets? (captured|received by filter|dropped by (kernel|interface))\b/;

/** `tcpdump: ...`, `listening on ...`, `N packets captured`...: records that are not packets. */
export function headerOrTrailer(s: string): boolean {
  const c = s.charCodeAt(0);
  if (c === 116) return s.startsWith('tcpdump: ');
  if (c === 108) return s.startsWith('listening on ');
  if (c === 114) return s.startsWith('reading from file ');
  if (c === 100) return s.startsWith('dropped privs to ');
  if (c >= 48 && c <= 57) return TRAILER.test(s);
  if (c === 94) return s === '^C';
  return false;
}

/** Whether a record is a VXLAN/OTV packet, whose inner frame tcpdump prints on the next line. */
export function isEncapsulation(first: string, cont: readonly string[] | undefined): boolean {
  const has = (t: string) => t.indexOf('OTV, flags') >= 0 || t.indexOf('VXLAN, flags') >= 0;
  return has(first) || (cont !== undefined && cont.some(has));
}

const MAC_START = /^[0-9a-f]{2}(:[0-9a-f]{2}){5} > /;

/** Starts a frame without a timestamp (`-t`, or the inner frame of VXLAN): IP, IP6, ARP or a MAC. */
export function frameStart(s: string): boolean {
  return s.startsWith('IP ') || s.startsWith('IP6 ') || s.startsWith('ARP, ') || MAC_START.test(s);
}
