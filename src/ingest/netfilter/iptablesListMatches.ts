import type { NatRule } from '../../model';
import { canonicalMarkMatch, canonicalRecent, parseNatTarget, parsePort, type RecentOptions } from './iptablesFields';

/** The fields `iptables -L` prints after the destination column, structured. */
export type ListMatchFields = Pick<
  NatRule,
  'comment' | 'dport' | 'sport' | 'probability' | 'mark' | 'recent' | 'dnatTo'
>;

const RECENT_ACTIONS: Record<string, RecentOptions['action']> = {
  CHECK: 'rcheck',
  SET: 'set',
  UPDATE: 'update',
  REMOVE: 'remove',
};
const RECENT_VALUE_WORDS = new Set(['seconds:', 'hit_count:', 'name:', 'side:', 'mask:']);

/**
 * The text of a `/* comment *\/` token: its markers and the spaces inside them removed.
 * Without regexes at the end: `\s*\*\/$` retried its run of spaces from every position,
 * quadratic on a comment with a long run of spaces (200k characters: 54 s).
 */
export function commentText(token: string): string {
  let text = token.replace(/^\/\*\s*/, '');
  if (text.endsWith('*/')) text = text.slice(0, -2).trimEnd();
  if (text.endsWith('*')) text = text.slice(0, -1).trimEnd();
  return text;
}

/**
 * Reads match and target words such as `tcp dpt:53`, `/* kube-system/kube-dns:dns *\/`,
 * `statistic mode random probability 0.50000000000`, `MARK or 0x4000`,
 * `mark match ! 0x4000/0x4000`, `recent: CHECK seconds: 10800 reap name: KUBE-SEP-…`,
 * `to:10.244.0.143:80`. Words it does not know are skipped (the rule text keeps them).
 */
export function parseListMatches(tokens: readonly string[]): ListMatchFields {
  const fields: ListMatchFields = {};
  const marks: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.startsWith('/*')) {
      if (fields.comment === undefined) fields.comment = commentText(token);
    } else if (token.startsWith('dpt:')) {
      const port = parsePort(token.slice(4));
      if (port !== undefined) fields.dport = port;
    } else if (token.startsWith('spt:')) {
      const port = parsePort(token.slice(4));
      if (port !== undefined) fields.sport = port;
    } else if (
      token === 'statistic' &&
      tokens[i + 1] === 'mode' &&
      tokens[i + 2] === 'random' &&
      tokens[i + 3] === 'probability'
    ) {
      const probability = Number(tokens[i + 4]);
      if (Number.isFinite(probability)) fields.probability = probability;
      i += 4;
    } else if (token === 'MARK' && /^(or|xor|and|set|xset)$/.test(tokens[i + 1] ?? '') && tokens[i + 2]) {
      marks.push(`${tokens[i + 1]} ${tokens[i + 2]}`);
      i += 2;
    } else if (token === 'mark' && tokens[i + 1] === 'match' && tokens[i + 2]) {
      const negated = tokens[i + 2] === '!';
      const value = tokens[i + (negated ? 3 : 2)];
      if (value) marks.push(canonicalMarkMatch(value, negated));
      i += negated ? 3 : 2;
    } else if (token === 'recent:') {
      const recentOptions: RecentOptions = {};
      let cursor = i + 1;
      for (; cursor < tokens.length; cursor++) {
        const word = tokens[cursor];
        if (RECENT_ACTIONS[word]) recentOptions.action = RECENT_ACTIONS[word];
        else if (word === 'reap') recentOptions.reap = true;
        else if (word === 'TTL-Match' || word === 'rttl') continue;
        else if (RECENT_VALUE_WORDS.has(word) && cursor + 1 < tokens.length) {
          const value = tokens[++cursor];
          if (word === 'seconds:') recentOptions.seconds = Number(value);
          else if (word === 'hit_count:') recentOptions.hitcount = Number(value);
          else if (word === 'name:') recentOptions.name = value;
        } else break;
      }
      fields.recent = canonicalRecent(recentOptions);
      i = cursor - 1;
    } else if (token.startsWith('to:')) {
      const target = parseNatTarget(token.slice(3));
      if (target) fields.dnatTo = target;
    }
  }
  if (marks.length) fields.mark = marks.join('; ');
  return fields;
}
