/**
 * The filter of a tcpdump command line (pcap-filter), read well enough to say which forms of a
 * connection a capture can hold: `port 80` lets a pod's packets through but not the VXLAN packets
 * carrying them on the node's NIC, `host 10.96.0.10` the packets before kube-proxy's DNAT but not
 * those after it. Where a filter leaves a form out, the capture says nothing about it: it is no
 * proof that the packet was missing there.
 *
 * Read: `host`, `net` (CIDR or a dotted prefix), `port`, `portrange`, each with `src`/`dst`; the
 * protocols `ip`, `ip6`, `tcp`, `udp`, `icmp`, `arp`; `and`/`&&`, `or`/`||`, `not`/`!`, parentheses, and
 * pcap's shorthand that repeats the last qualifiers (`port 53 or 80`). Anything else (byte offsets
 * such as `tcp[13] & 2 != 0`, `vlan`, `greater`) makes the filter unread.
 */
import { cidrContains } from '../../model';

/** One form of a packet as a filter sees it; an unknown part is left out. */
export interface PacketShape {
  protocol?: 'tcp' | 'udp' | 'icmp';
  src?: { ip?: string; port?: number };
  dst?: { ip?: string; port?: number };
}

/** True: the filter passes the packet; false: it leaves it out; undefined: it depends on a part nobody knows. */
export type CaptureFilter = (shape: PacketShape) => boolean | undefined;

/** Options of tcpdump that take a value (the word after them is not part of the filter). */
const VALUE_OPTIONS = new Set([
  '-i',
  '--interface',
  '-c',
  '-s',
  '-w',
  '-r',
  '-C',
  '-W',
  '-G',
  '-E',
  '-F',
  '-y',
  '-z',
  '-Z',
  '-T',
  '-B',
  '-j',
  '-Q',
  '-M',
  '-m',
  '-V',
]);

/** The filter expression of a tcpdump command line (the words after its options), undefined when it has none. */
export function filterExpression(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  const start = words.findIndex((word) => /(^|\/)tcpdump$/.test(word));
  const filter: string[] = [];
  for (let k = start + 1; k < words.length; k++) {
    const word = words[k];
    if (word === '|' || word === '2>&1' || word.startsWith('>')) break;
    if (word.startsWith('-') && word.length > 1) {
      if (VALUE_OPTIONS.has(word)) k++;
      continue;
    }
    filter.push(word);
  }
  const text = filter
    .join(' ')
    .replace(/^(['"])(?<inner>.*)\1$/, '$<inner>')
    .trim();
  return text ? text : undefined;
}

type Direction = 'src' | 'dst' | undefined;
type Kind = 'host' | 'net' | 'port' | 'portrange';
type Protocol = 'ip' | 'ip6' | 'tcp' | 'udp' | 'icmp' | 'arp';

const PROTOCOLS = new Set<string>(['ip', 'ip6', 'tcp', 'udp', 'icmp', 'arp']);
const KINDS = new Set<string>(['host', 'net', 'port', 'portrange']);

const and = (left: boolean | undefined, right: boolean | undefined) =>
  left === false || right === false ? false : left === undefined || right === undefined ? undefined : true;
const or = (left: boolean | undefined, right: boolean | undefined) =>
  left === true || right === true ? true : left === undefined || right === undefined ? undefined : false;
const not = (value: boolean | undefined) => (value === undefined ? undefined : !value);

function protocolTest(protocol: Protocol): CaptureFilter {
  return (shape) => {
    if (protocol === 'ip') return true;
    if (protocol === 'ip6' || protocol === 'arp') return false;
    return shape.protocol === undefined ? undefined : shape.protocol === protocol;
  };
}

/** `10.244` → `10.244.0.0/16`; a CIDR as it is. */
function netOf(value: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value)) return value;
  const parts = value.split('.');
  if (parts.length > 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined;
  return `${[...parts, '0', '0', '0'].slice(0, 4).join('.')}/${parts.length * 8}`;
}

/** The test of one `[src|dst] host|net|port|portrange VALUE`; undefined when the value is not understood. */
function valueTest(direction: Direction, kind: Kind, value: string): CaptureFilter | undefined {
  let test: (end: { ip?: string; port?: number } | undefined, shape: PacketShape) => boolean | undefined;
  if (kind === 'host') {
    // A name (a capture without -n may be filtered by names): nothing here resolves it.
    const ip = /^\d{1,3}(\.\d{1,3}){3}$/.test(value) ? value : undefined;
    test = (end) => (ip === undefined || end?.ip === undefined ? undefined : end.ip === ip);
  } else if (kind === 'net') {
    const cidr = netOf(value);
    if (!cidr) return undefined;
    test = (end) => (end?.ip === undefined ? undefined : cidrContains(cidr, end.ip));
  } else {
    const range = kind === 'port' ? /^(?<low>\d{1,5})$/.exec(value) : /^(?<low>\d{1,5})-(?<high>\d{1,5})$/.exec(value);
    if (!range?.groups) return undefined;
    const low = Number(range.groups.low);
    const high = range.groups.high !== undefined ? Number(range.groups.high) : low;
    test = (end, shape) => {
      if (shape.protocol === 'icmp') return false;
      return end?.port === undefined ? undefined : end.port >= low && end.port <= high;
    };
  }
  if (direction === 'src') return (shape) => test(shape.src, shape);
  if (direction === 'dst') return (shape) => test(shape.dst, shape);
  return (shape) => or(test(shape.src, shape), test(shape.dst, shape));
}

/** A recursive-descent reader over the filter's words; `fail` set on the first word it does not know. */
class FilterReader {
  private index = 0;
  failed = false;
  /** pcap's shorthand: `port 53 or 80` repeats the last primitive's qualifiers. */
  private last: { protocol?: Protocol; direction: Direction; kind: Kind } | undefined;

  constructor(private readonly words: readonly string[]) {}

  read(): CaptureFilter | undefined {
    const filter = this.orExpression();
    return this.failed || this.index !== this.words.length ? undefined : filter;
  }

  private peek(): string | undefined {
    return this.words[this.index];
  }

  private orExpression(): CaptureFilter {
    return this.chain(['or', '||'], () => this.andExpression(), or);
  }

  private andExpression(): CaptureFilter {
    return this.chain(['and', '&&'], () => this.unary(), and);
  }

  /** `next (OPERATOR next)*`, combined left to right. */
  private chain(
    operators: readonly string[],
    next: () => CaptureFilter,
    combine: (left: boolean | undefined, right: boolean | undefined) => boolean | undefined,
  ): CaptureFilter {
    let left = next();
    while (operators.includes(this.peek() ?? '')) {
      this.index++;
      const [first, second] = [left, next()];
      left = (shape) => combine(first(shape), second(shape));
    }
    return left;
  }

  private unary(): CaptureFilter {
    const word = this.peek();
    if (word === 'not' || word === '!') {
      this.index++;
      const inner = this.unary();
      return (shape) => not(inner(shape));
    }
    if (word === '(') {
      this.index++;
      const inner = this.orExpression();
      if (this.peek() !== ')') this.failed = true;
      else this.index++;
      return inner;
    }
    return this.primitive();
  }

  private primitive(): CaptureFilter {
    const unknown: CaptureFilter = () => undefined;
    let word = this.peek();
    if (word === undefined) {
      this.failed = true;
      return unknown;
    }
    let protocol: Protocol | undefined;
    let direction: Direction;
    let kind: Kind | undefined;
    if (PROTOCOLS.has(word)) {
      protocol = word as Protocol;
      word = this.words[++this.index];
    }
    if (word === 'src' || word === 'dst') {
      direction = word;
      word = this.words[++this.index];
    }
    if (word !== undefined && KINDS.has(word)) {
      kind = word as Kind;
      word = this.words[++this.index];
    }
    if (kind === undefined && protocol !== undefined && direction === undefined) {
      this.last = undefined;
      return protocolTest(protocol);
    }
    // A bare value: `src 10.0.0.1` is a host; `or 80` after `port 53` repeats `port`.
    const shorthand = kind === undefined && direction === undefined && protocol === undefined ? this.last : undefined;
    if (shorthand) ({ protocol, direction, kind } = shorthand);
    kind ??= 'host';
    if (word === undefined || ['and', 'or', '&&', '||', ')', '(', 'not', '!'].includes(word)) {
      this.failed = true;
      return unknown;
    }
    this.index++;
    const test = valueTest(direction, kind, word);
    if (!test) {
      this.failed = true;
      return unknown;
    }
    this.last = { protocol, direction, kind };
    if (protocol === undefined) return test;
    const onProtocol = protocolTest(protocol);
    return (shape) => and(onProtocol(shape), test(shape));
  }
}

/** The filter as a test, or undefined when some part of it is not read (see the file's comment). */
export function parseCaptureFilter(expression: string): CaptureFilter | undefined {
  if (expression.length > 2000) return undefined;
  const words = expression
    .replace(/([()])/g, ' $1 ')
    .replace(/!(?!=)/g, ' ! ')
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');
  return words.length ? new FilterReader(words).read() : undefined;
}

/**
 * True only when the filter passes every form: a form it leaves out, or one it cannot judge (a part
 * unknown, a filter not read), means the capture does not cover that point for the connection.
 */
export function passesEvery(filter: CaptureFilter | undefined, shapes: readonly PacketShape[]): boolean {
  if (!filter) return false;
  return shapes.every((shape) => filter(shape) === true);
}
