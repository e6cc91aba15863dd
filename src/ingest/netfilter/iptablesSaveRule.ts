import type { NatRule } from '../../model';
import {
  canonicalMarkMatch,
  canonicalMarkTarget,
  canonicalRecent,
  normalizeAddress,
  normalizeProtocol,
  parseNatTarget,
  parsePort,
  parseValueMask,
  type RecentOptions,
} from './iptablesFields';

/**
 * Splits an `iptables-save` rule into words the way iptables-restore does:
 * whitespace separates, double quotes group (`--comment "ns/svc:p cluster IP"`),
 * `\"` inside quotes is a quote. Returns undefined for an unterminated quote.
 */
export function tokenizeSaveLine(line: string): string[] | undefined {
  // Fast path: most rules have no quotes at all.
  if (!line.includes('"')) {
    // Single spaces (what iptables-save prints) split without a regex or a filter pass.
    return line.includes('  ') || line.includes('\t')
      ? line.split(/[ \t]+/).filter((word) => word.length > 0)
      : line.split(' ');
  }
  if (!line.includes('\\') && !line.includes('\t')) {
    const fast = splitQuotedBySpace(line);
    if (fast !== null) return fast;
  }
  const out: string[] = [];
  let position = 0;
  const length = line.length;
  while (position < length) {
    while (position < length && (line[position] === ' ' || line[position] === '\t')) position++;
    if (position >= length) break;
    const parts: string[] = [];
    let quoted = false;
    let from = position;
    while (position < length && (quoted || (line[position] !== ' ' && line[position] !== '\t'))) {
      const char = line[position];
      if (char === '\\' && quoted && position + 1 < length) {
        parts.push(line.slice(from, position));
        from = position + 1;
        position += 2;
        continue;
      }
      if (char === '"') {
        parts.push(line.slice(from, position));
        quoted = !quoted;
        position++;
        from = position;
        continue;
      }
      position++;
    }
    if (quoted) return undefined;
    parts.push(line.slice(from, position));
    out.push(parts.length === 1 ? parts[0] : parts.join(''));
  }
  return out;
}

/**
 * The common case of a quoted word (`--comment "ns/svc:p cluster IP"`): quotes only
 * around whole words, no escapes, no tabs. Returns undefined for an unterminated
 * quote, null when the line needs the general tokenizer (a quote inside a word).
 */
function splitQuotedBySpace(line: string): string[] | undefined | null {
  const parts = line.split(' ');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '') continue;
    if (part.charCodeAt(0) !== 34) {
      if (part.includes('"')) return null;
      out.push(part);
      continue;
    }
    if (part.length > 1 && part.endsWith('"')) {
      const inner = part.slice(1, -1);
      if (inner.includes('"')) return null;
      out.push(inner);
      continue;
    }
    let acc = part.slice(1);
    if (acc.includes('"')) return null;
    let closed = false;
    while (++i < parts.length) {
      const continued = parts[i];
      const at = continued.indexOf('"');
      if (at < 0) {
        acc += ' ' + continued;
        continue;
      }
      if (at !== continued.length - 1) return null;
      acc += ' ' + continued.slice(0, -1);
      closed = true;
      break;
    }
    if (!closed) return undefined;
    out.push(acc);
  }
  return out;
}

export type SaveRuleFields = Omit<NatRule, 'evidence' | 'text' | 'table'>;

const RECENT_ACTIONS = new Set(['--set', '--rcheck', '--update', '--remove']);

/** Options we skip that take one value. */
const VALUE_OPTIONS = new Set([
  '--mask',
  '--mode',
  '--dst-type',
  '--src-type',
  '--ctstate',
  '--reject-with',
  '--to-source',
  '--to-ports',
  '--dports',
  '--sports',
  '--state',
  '--limit',
  '--limit-burst',
  '--set-mss',
  '--nfacct-name',
]);

/**
 * The structured rule from the words after `-A` (or `-I`): `CHAIN [options] -j TARGET …`.
 * Options whose meaning we do not model are skipped (the rule text keeps them).
 * Returns a reason string when the words are not a rule.
 */
export function parseSaveRuleWords(words: readonly string[]): SaveRuleFields | string {
  const chain = words[0];
  if (!chain || chain.startsWith('-')) return 'rule without chain name';
  const rule: SaveRuleFields = { kind: 'NatRule', chain, target: '' };
  const marks: string[] = [];
  let recent: RecentOptions | undefined;
  let negate = false;
  let module = '';
  let unknownOption = false;
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    const afterUnknownOption = unknownOption;
    unknownOption = false;
    if (word === '!') {
      negate = true;
      continue;
    }
    const neg = negate;
    negate = false;
    switch (word) {
      case '-s':
      case '--source': {
        const addressMatch = normalizeAddress(words[++i], neg);
        if (addressMatch) rule.source = addressMatch;
        break;
      }
      case '-d':
      case '--destination': {
        const address = normalizeAddress(words[++i], neg);
        if (address) rule.destination = address;
        break;
      }
      case '-p':
      case '--protocol': {
        const protocol = normalizeProtocol(words[++i]);
        if (protocol) rule.protocol = neg ? `!${protocol}` : protocol;
        break;
      }
      case '-i':
      case '--in-interface':
        rule.inInterface = `${neg ? '!' : ''}${words[++i] ?? ''}`;
        break;
      case '-o':
      case '--out-interface':
        rule.outInterface = `${neg ? '!' : ''}${words[++i] ?? ''}`;
        break;
      case '-m':
      case '--match':
        module = words[++i] ?? '';
        if (module === 'recent') recent ??= {};
        break;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto':
        rule.target = words[++i] ?? '';
        module = '';
        break;
      case '-c':
      case '--set-counters':
        rule.packets = Number(words[++i]);
        rule.bytes = Number(words[++i]);
        break;
      case '--comment': {
        const comment = words[++i];
        if (comment !== undefined) rule.comment = comment;
        break;
      }
      case '--dport':
      case '--destination-port': {
        const port = parsePort(words[++i]);
        if (port !== undefined) rule.dport = port;
        break;
      }
      case '--sport':
      case '--source-port': {
        const port = parsePort(words[++i]);
        if (port !== undefined) rule.sport = port;
        break;
      }
      case '--probability': {
        const probability = Number(words[++i]);
        if (Number.isFinite(probability)) rule.probability = probability;
        break;
      }
      case '--mark':
        if (module === 'mark') marks.push(canonicalMarkMatch(words[++i] ?? '', neg));
        else i++;
        break;
      case '--or-mark':
      case '--xor-mark':
      case '--and-mark':
      case '--set-mark':
      case '--set-xmark': {
        const vm = parseValueMask(words[++i] ?? '');
        if (!vm) break;
        const [value, mask] = vm;
        if (word === '--or-mark') marks.push(canonicalMarkTarget(value, value));
        else if (word === '--xor-mark') marks.push(canonicalMarkTarget(value, 0));
        else if (word === '--and-mark') marks.push(canonicalMarkTarget(0, ~value));
        else if (word === '--set-mark') marks.push(canonicalMarkTarget(value, mask === 0xffffffff ? mask : mask));
        else marks.push(canonicalMarkTarget(value, mask));
        break;
      }
      case '--to-destination': {
        const target = parseNatTarget(words[++i] ?? '');
        if (target) rule.dnatTo = target;
        break;
      }
      case '--seconds':
        if (recent && module === 'recent') recent.seconds = Number(words[++i]);
        else i++;
        break;
      case '--hitcount':
        if (recent && module === 'recent') recent.hitcount = Number(words[++i]);
        else i++;
        break;
      case '--name':
        if (recent && module === 'recent') recent.name = words[++i] ?? '';
        else i++;
        break;
      case '--reap':
        if (recent) recent.reap = true;
        break;
      default:
        if (recent && module === 'recent' && RECENT_ACTIONS.has(word))
          recent.action = word.slice(2) as RecentOptions['action'];
        else if (VALUE_OPTIONS.has(word)) i++;
        else if (word === '--tcp-flags' || word === '--match-set') i += 2;
        else if (word.startsWith('-')) {
          // An option we do not model: a plain word right after it is its value.
          unknownOption = true;
          continue;
        } else if (!afterUnknownOption)
          // A word that is neither an option nor an option's value: a damaged line, not a rule.
          return `stray word '${word.slice(0, 40)}' (not an option or an option's value)`;
      // Flags without a value (`--rsource`, `--random-fully`, `--log-uid` …) need nothing.
    }
  }
  if (recent) rule.recent = canonicalRecent(recent);
  if (marks.length) rule.mark = marks.join('; ');
  return rule;
}
