// Random and mutated input for every parser of this group: they must never throw (the
// safety net would report "internal error"), never hang (the test's timeout is the bound),
// and account for every line they did not understand with a valid line number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseDig } from '../../../../src/ingest/dns/dig';
import { parseNslookup } from '../../../../src/ingest/dns/nslookup';
import { parseHost } from '../../../../src/ingest/dns/host';
import { parseHosts } from '../../../../src/ingest/dns/hostsFile';
import { parseResolvConf } from '../../../../src/ingest/dns/resolvConf';
import { parseTraceroute } from '../../../../src/ingest/misc/traceroute';
import { parseKubectlLogs } from '../../../../src/ingest/misc/nginxAccess';
import type { Parser } from '../../../../src/ingest/types';
import { fixture } from './helpers';
import { rng } from '../../../support/random';

const PARSERS: [string, Parser, string[]][] = [
  ['nslookup', parseNslookup, ['dns/nslookup-', 'dns/busybox-nslookup-']],
  ['dig', parseDig, ['dns/dig-']],
  ['host', parseHost, ['dns/host-']],
  ['hosts', parseHosts, ['dns/hosts', 'dns/getent']],
  ['resolv-conf', parseResolvConf, ['dns/resolv']],
  ['traceroute', parseTraceroute, ['traceroute/']],
  ['kubectl-logs', parseKubectlLogs, ['nginx/access', 'nginx/kubectl-logs']],
];

const ALL_FIXTURES = ['dns', 'traceroute', 'nginx'].flatMap((d) =>
  readdirSync(`test/fixtures/${d}`)
    .filter((f) => !/\.(md|sh|mjs)$/.test(f))
    .map((f) => `${d}/${f}`),
);
const SEED = fixture('seed/flannel-network-flows-part1.ko.txt').split('\n');
const TOKENS = [
  'Server:',
  'Address:',
  'Address 1:',
  'Name:',
  '**',
  '***',
  ';;',
  ';',
  '#',
  'IN',
  'A',
  'SRV',
  '30',
  '10.96.0.10',
  '10.96.0.10#53',
  '10.96.0.10:53',
  '[fd00::1]:53',
  'has',
  'address',
  'name',
  '=',
  'canonical',
  'traceroute',
  'to',
  '1',
  '2',
  '*',
  '!H',
  'ms',
  '0.015',
  '(10.244.0.1)',
  'search',
  'nameserver',
  'options',
  'ndots:5',
  '"GET',
  '/',
  'HTTP/1.1"',
  '200',
  '[26/Mar/2025:12:00:00',
  '+0000]',
  '"',
  '\\x22',
  '-',
  '(',
  ')',
  '::',
  'a-app.default.svc.cluster.local.',
  '->>HEADER<<-',
  'status:',
  'NXDOMAIN',
  '<<>>',
  'DiG',
  '\t',
  '',
];

function mutate(line: string, r: () => number): string {
  const k = Math.floor(r() * 7);
  const pos = Math.floor(r() * (line.length + 1));
  const tok = TOKENS[Math.floor(r() * TOKENS.length)];
  switch (k) {
    case 0:
      return line.slice(0, pos);
    case 1:
      return line.slice(0, pos) + line.slice(pos + Math.floor(r() * 12));
    case 2:
      return line.slice(0, pos) + ` ${tok} ` + line.slice(pos);
    case 3:
      return line.split(' ').reverse().join(' ');
    case 4:
      return line.replace(/\d/g, () => String(Math.floor(r() * 10)));
    case 5:
      return line + ' ' + line;
    default:
      return [...line].map((c) => (r() < 0.05 ? String.fromCharCode(Math.floor(r() * 0x3000)) : c)).join('');
  }
}

function randomLine(r: () => number): string {
  const n = Math.floor(r() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++)
    words.push(
      r() < 0.8
        ? TOKENS[Math.floor(r() * TOKENS.length)]
        : String.fromCharCode(32 + Math.floor(r() * 95)).repeat(1 + Math.floor(r() * 4)),
    );
  return (r() < 0.3 ? ' ' : '') + words.join(r() < 0.5 ? ' ' : '  ');
}

function check(name: string, parse: Parser, text: string, firstLine: number): number {
  const res = parse({ text, uri: 'fuzz', firstLine, command: undefined });
  const last = firstLine + text.split(/\r?\n/).length - 1;
  for (const u of res.unparsed) {
    assert.ok(
      !u.reason.startsWith('internal error'),
      `${name} threw on ${JSON.stringify(text.slice(0, 300))}: ${u.reason}`,
    );
    assert.ok(u.line >= firstLine && u.line <= last, `${name}: unparsed line ${u.line} outside ${firstLine}..${last}`);
  }
  for (const f of res.facts) {
    assert.ok(f.evidence.length > 0, `${name}: ${f.kind} without evidence`);
    for (const e of f.evidence)
      if (e.source === 'log')
        assert.ok(e.line !== undefined && e.line >= firstLine && e.line <= last, `${name}: evidence line ${e.line}`);
  }
  return res.unparsed.length;
}

for (const [name, parse, prefixes] of PARSERS) {
  test(`fuzz ${name}: random lines, mutated real lines, other tools' output, huge lines`, { timeout: 60_000 }, (t) => {
    const r = rng(0x6b7070 + name.length);
    const own = ALL_FIXTURES.filter((f) => prefixes.some((p) => f.startsWith(p))).map(fixture);
    assert.ok(own.length > 0, 'has real fixtures to mutate');
    let unparsed = 0;
    let lines = 0;
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: 1 + Math.floor(r() * 8) }, () => randomLine(r)).join('\n');
      unparsed += check(name, parse, text, 1 + Math.floor(r() * 100));
      lines += text.split('\n').length;
    }
    for (const src of own) {
      for (let i = 0; i < 60; i++) {
        const text = src
          .split('\n')
          .map((l) => (r() < 0.3 ? mutate(l, r) : l))
          .join(r() < 0.2 ? ' ' : '\n');
        unparsed += check(name, parse, text, 1);
        lines += text.split('\n').length;
      }
    }
    // every other fixture and the whole seed report: foreign text is reported, never fatal
    for (const f of ALL_FIXTURES) {
      unparsed += check(name, parse, fixture(f), 1);
      lines += fixture(f).split('\n').length;
    }
    unparsed += check(name, parse, SEED.join('\n'), 1);
    // adversarial lengths: one 200 kB flattened line and a line of one repeated character
    const flat = own.join(' ').replace(/\n/g, ' ');
    check(name, parse, flat.repeat(Math.ceil(200_000 / flat.length)), 1);
    check(name, parse, '"'.repeat(100_000) + '\n' + ' 1'.repeat(50_000) + '\n' + ';'.repeat(100_000), 1);
    t.diagnostic(`${name}: ${lines} lines fed, ${unparsed} reported unparsed`);
  });
}
