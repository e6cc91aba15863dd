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
  const f: ListMatchFields = {};
  const marks: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith('/*')) {
      if (f.comment === undefined) f.comment = commentText(t);
    } else if (t.startsWith('dpt:')) {
      const port = parsePort(t.slice(4));
      if (port !== undefined) f.dport = port;
    } else if (t.startsWith('spt:')) {
      const port = parsePort(t.slice(4));
      if (port !== undefined) f.sport = port;
    } else if (
      t === 'statistic' &&
      tokens[i + 1] === 'mode' &&
      tokens[i + 2] === 'random' &&
      tokens[i + 3] === 'probability'
    ) {
      const p = Number(tokens[i + 4]);
      if (Number.isFinite(p)) f.probability = p;
      i += 4;
    } else if (t === 'MARK' && /^(or|xor|and|set|xset)$/.test(tokens[i + 1] ?? '') && tokens[i + 2]) {
      marks.push(`${tokens[i + 1]} ${tokens[i + 2]}`);
      i += 2;
    } else if (t === 'mark' && tokens[i + 1] === 'match' && tokens[i + 2]) {
      const negated = tokens[i + 2] === '!';
      const value = tokens[i + (negated ? 3 : 2)];
      if (value) marks.push(canonicalMarkMatch(value, negated));
      i += negated ? 3 : 2;
    } else if (t === 'recent:') {
      const recentOptions: RecentOptions = {};
      let k = i + 1;
      for (; k < tokens.length; k++) {
        const w = tokens[k];
        if (RECENT_ACTIONS[w]) recentOptions.action = RECENT_ACTIONS[w];
        else if (w === 'reap') recentOptions.reap = true;
        else if (w === 'TTL-Match' || w === 'rttl') continue;
        else if (RECENT_VALUE_WORDS.has(w) && k + 1 < tokens.length) {
          const v = tokens[++k];
          if (w === 'seconds:') recentOptions.seconds = Number(v);
          else if (w === 'hit_count:') recentOptions.hitcount = Number(v);
          else if (w === 'name:') recentOptions.name = v;
        } else break;
      }
      f.recent = canonicalRecent(recentOptions);
      i = k - 1;
    } else if (t.startsWith('to:')) {
      const target = parseNatTarget(t.slice(3));
      if (target) f.dnatTo = target;
    }
  }
  if (marks.length) f.mark = marks.join('; ');
  return f;
}
