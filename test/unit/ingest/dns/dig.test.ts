import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDig, unflattenDig } from '../../../../src/ingest/dns/dig';
import { parseResolvConf } from '../../../../src/ingest/dns/resolvConf';
import { searchExpansion } from '../../../../src/model';
import { evidenceLinesExist, factsOf, fixture } from './helpers';

test('full dig answer: status, server#port from ";; SERVER:", TTLs, trailing dots removed', () => {
  const text = fixture('dns/dig-a-app.txt');
  const r = parseDig({ text, uri: 'dig-a-app.txt' });
  assert.deepEqual(r.unparsed, []);
  assert.equal(r.records, 1);
  const [l] = factsOf(r, 'DnsLookup');
  assert.deepEqual(l.question, { name: 'a-app.default.svc.cluster.local', type: 'A' });
  assert.equal(l.status, 'NOERROR');
  assert.equal(l.server, '10.96.0.10');
  assert.equal(l.serverPort, 53);
  assert.deepEqual(l.answers, [{ name: 'a-app.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.103.129.86' }]);
  // the evidence spans the whole message, banner to MSG SIZE
  const lines = text.split('\n');
  assert.match(lines[l.evidence[0].line! - 1], /<<>> DiG/);
  assert.match(lines[l.evidence[0].endLine! - 1], /MSG SIZE/);
});

test('dig of a headless name answers every pod; +short gives the same set once the command names the question', () => {
  const full = factsOf(parseDig({ text: fixture('dns/dig-headless.txt'), uri: 'x' }), 'DnsLookup');
  const short = factsOf(
    parseDig({
      text: fixture('dns/dig-short-headless.txt'),
      uri: 'y',
      command: 'dig +short web.default.svc.cluster.local',
    }),
    'DnsLookup',
  );
  assert.equal(full.length, 1);
  assert.equal(short.length, 1);
  const ips = (l: (typeof full)[number]) => l.answers.map((a) => a.data).sort();
  assert.equal(full[0].answers.length, 3);
  assert.deepEqual(ips(short[0]), ips(full[0]));
  assert.equal(short[0].question.name, 'web.default.svc.cluster.local');
  // with no command the +short lines are reported, not guessed
  const bare = parseDig({ text: fixture('dns/dig-short-headless.txt'), uri: 'z' });
  assert.equal(bare.facts.length, 0);
  assert.equal(bare.unparsed.length, 3);
});

test('+search +showsearch: one lookup per search-list attempt, in the order ndots:5 makes the resolver try them', () => {
  const resolv = parseResolvConf({ text: fixture('dns/resolv.conf.txt'), uri: 'r' });
  const [cfg] = factsOf(resolv, 'DnsConfig');
  const text = fixture('dns/dig-search-showsearch-fqdn.txt');
  const r = parseDig({ text, uri: 'dig-search.txt' });
  assert.deepEqual(r.unparsed, []);
  const lookups = factsOf(r, 'DnsLookup');
  const expected = searchExpansion('a-app.default.svc.cluster.local', cfg.search, cfg.ndots);
  assert.deepEqual(
    lookups.map((l) => l.question.name),
    expected,
  );
  assert.deepEqual(
    lookups.map((l) => l.status),
    ['NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN', 'NOERROR'],
  );
  assert.equal(lookups[3].answers[0].data, '10.103.129.86');
  evidenceLinesExist(r, text);
  // and a name that exists nowhere: every suffix, then the bare name (REFUSED by this server)
  const nx = factsOf(parseDig({ text: fixture('dns/dig-search-showsearch-nxdomain.txt'), uri: 'n' }), 'DnsLookup');
  assert.deepEqual(
    nx.map((l) => l.question.name),
    searchExpansion('nope', cfg.search, cfg.ndots),
  );
});

test('SRV with an ADDITIONAL section, PTR from -x, NXDOMAIN', () => {
  const [srv] = factsOf(parseDig({ text: fixture('dns/dig-srv.txt'), uri: 's' }), 'DnsLookup');
  assert.equal(srv.question.type, 'SRV');
  assert.equal(srv.answers.length, 3);
  assert.ok(
    srv.answers.every((a) => a.type === 'SRV' && /^0 33 80 web-\d\.web\.default\.svc\.cluster\.local$/.test(a.data)),
  );
  const [ptr] = factsOf(parseDig({ text: fixture('dns/dig-ptr.txt'), uri: 'p' }), 'DnsLookup');
  assert.deepEqual(
    [ptr.question.name, ptr.question.type, ptr.answers[0].data],
    ['86.129.103.10.in-addr.arpa', 'PTR', 'a-app.default.svc.cluster.local'],
  );
  const [nx] = factsOf(parseDig({ text: fixture('dns/dig-nxdomain.txt'), uri: 'n' }), 'DnsLookup');
  assert.equal(nx.status, 'NXDOMAIN');
  assert.equal(nx.answers.length, 0);
});

test('timeout: the errors printed before the banner and the banner form one lookup against the silent server', () => {
  const r = parseDig({ text: fixture('dns/dig-timeout.txt'), uri: 't' });
  assert.deepEqual(r.unparsed, []);
  const lookups = factsOf(r, 'DnsLookup');
  assert.equal(lookups.length, 1);
  assert.equal(lookups[0].status, 'timeout');
  assert.equal(lookups[0].server, '10.96.0.99');
  assert.equal(lookups[0].question.name, 'a-app.default.svc.cluster.local');
});

test('unflattenDig splits comments and resource records of a one-line dig output', () => {
  const line =
    ';; QUESTION SECTION: ;a.default.svc.cluster.local. IN A ;; ANSWER SECTION: a.default.svc.cluster.local. 30 IN A 10.244.0.222 a.default.svc.cluster.local. 30 IN A 10.244.0.219';
  assert.deepEqual(
    unflattenDig(line).map((p) => p.text),
    [
      ';; QUESTION SECTION:',
      ';a.default.svc.cluster.local. IN A',
      ';; ANSWER SECTION:',
      'a.default.svc.cluster.local. 30 IN A 10.244.0.222',
      'a.default.svc.cluster.local. 30 IN A 10.244.0.219',
    ],
  );
});

test('dig +noall +answer: bare records, no header, read without the command', () => {
  const r = parseDig({ text: fixture('dns/dig-noall-answer-headless.txt'), uri: 'n' });
  assert.deepEqual(r.unparsed, []);
  const [l] = factsOf(r, 'DnsLookup');
  assert.equal(l.question.name, 'web.default.svc.cluster.local');
  assert.deepEqual(l.answers.map((a) => a.data).sort(), ['10.244.0.219', '10.244.0.221', '10.244.0.222']);
});
