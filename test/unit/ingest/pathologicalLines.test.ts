/**
 * The two quadratic regexes the regex net found, on the pasted text that reached them: an
 * `iptables -L` comment with a long run of spaces, and an nslookup answer with an indented
 * line of spaces. The parse must give the same result as before and grow linearly: the time
 * at 400k characters over the time at 50k stays far below the 64× of a quadratic (asserted on
 * the ratio, with a margin wide enough for a loaded machine, never on the time itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { iptablesListFormat } from '../../../src/ingest/netfilter/iptablesList';
import { nslookupFormat } from '../../../src/ingest/dns/nslookup';
import { commentText } from '../../../src/ingest/netfilter/iptablesListMatches';
import { formatForCommand } from '../../../src/ingest/registry';
import type { FormatSpec, ParseResult } from '../../../src/ingest/types';
import type { NatRule } from '../../../src/model';

function bestMs(fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

/** Time at 8n over time at n for `text(n)` parsed by `spec` (linear: 8×; quadratic: 64×). */
function growth(spec: FormatSpec, text: (n: number) => string): number {
  const short = text(50_000);
  const long = text(400_000);
  return (
    bestMs(() => spec.parse({ text: long, uri: 'long' })) /
    Math.max(
      bestMs(() => spec.parse({ text: short, uri: 'short' })),
      0.5,
    )
  );
}

const IPTABLES = readFileSync('test/fixtures/netfilter/legacy.nat.L-n.txt', 'utf8');
const commentLine = IPTABLES.split('\n').find((l) => l.includes('/* kubernetes service portals */'))!;
const withSpaces = (n: number) =>
  IPTABLES.replace(commentLine, commentLine.replace('kubernetes service', `kubernetes${' '.repeat(n)}service`));

test('iptables -L: a comment holding 200k spaces parses linearly and keeps its text', () => {
  const result = iptablesListFormat.parse({ text: withSpaces(200_000), uri: 'spaces' }) as ParseResult;
  const comments = result.facts.filter((f): f is NatRule => f.kind === 'NatRule').map((r) => r.comment ?? '');
  assert.ok(comments.some((c) => c.startsWith('kubernetes ') && c.endsWith(' service portals') && c.length > 200_000));
  const ratio = growth(iptablesListFormat, withSpaces);
  assert.ok(ratio < 24, `8× the spaces took ${ratio.toFixed(1)}× the time`);
});

test('commentText strips the markers and the spaces inside them, like the regexes it replaces', () => {
  const cases: [string, string][] = [
    ['/* kube-system/kube-dns:dns */', 'kube-system/kube-dns:dns'],
    ['/*default/a-app*/', 'default/a-app'],
    ['/* cut at the screen edge *', 'cut at the screen edge'],
    ['/* a \t */', 'a'],
    ['/*', ''],
    ['/* ends */ *', 'ends */'],
  ];
  for (const [token, text] of cases) {
    const before = token
      .replace(/^\/\*\s*/, '')
      .replace(/\s*\*\/$/, '')
      .replace(/\s*\*$/, '');
    assert.equal(commentText(token), text, token);
    assert.equal(commentText(token), before, `${token}: same as the old regexes`);
  }
});

const NSLOOKUP = readFileSync('test/fixtures/dns/busybox-nslookup-a-app.txt', 'utf8');
const indentedSpaces = (n: number) =>
  NSLOOKUP.replace('Non-authoritative answer:', `${' '.repeat(n)}x\nNon-authoritative answer:`);

test('nslookup: an indented line of 200k spaces is reported as unparsed, in linear time', () => {
  const result = nslookupFormat.parse({ text: indentedSpaces(200_000), uri: 'spaces' });
  assert.deepEqual(
    result.unparsed.map((u) => u.line),
    [7],
  );
  const ratio = growth(nslookupFormat, indentedSpaces);
  assert.ok(ratio < 24, `8× the spaces took ${ratio.toFixed(1)}× the time`);
});

test('the SOA detail lines the rewritten regex must still skip', () => {
  const accepted = /^\s+(?:[a-z][a-z ]*| ) = \S/;
  const old = /^\s+[a-z ]+ = \S+/;
  for (const line of [
    '\torigin = ns.dns.cluster.local',
    '        mail addr = hostmaster.cluster.local',
    '\t   = x',
    '  serial = 1',
    'x = 1',
    '\t\t= x',
    '\t  A = 1',
  ]) {
    assert.equal(accepted.test(line), old.test(line), JSON.stringify(line));
  }
});

test('the ss/netstat command patterns match the same command lines as before, linearly', () => {
  const ss = formatForCommand('ss -tlnp');
  assert.equal(ss?.id, 'sockets');
  const old = [/^ss\s+(.*\s)?-[a-zA-Z]*l/, /^netstat\s+(.*\s)?-[a-zA-Z]*l/];
  for (const line of [
    'ss -tlnp',
    'ss  -t -l',
    'ss -n  -tl',
    'netstat -tlnp',
    'ss -tn',
    'ss',
    'ss\t-l',
    'netstat -an',
  ]) {
    const now = ss!.commands.some((re) => re.test(line));
    assert.equal(
      now,
      old.some((re) => re.test(line)),
      line,
    );
  }
});
