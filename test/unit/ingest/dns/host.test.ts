import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHost, unflattenHost } from '../../../../src/ingest/dns/host';
import { parseDig } from '../../../../src/ingest/dns/dig';
import { parseNslookup } from '../../../../src/ingest/dns/nslookup';
import { factsOf, fixture } from './helpers';

test('host answers agree with dig for the same names', () => {
  for (const [h, d] of [
    ['dns/host-headless.txt', 'dns/dig-headless.txt'],
    ['dns/host-a-app.txt', 'dns/dig-a-app.txt'],
  ]) {
    const hr = parseHost({ text: fixture(h), uri: h });
    assert.deepEqual(hr.unparsed, []);
    const [hl] = factsOf(hr, 'DnsLookup');
    const [dl] = factsOf(parseDig({ text: fixture(d), uri: d }), 'DnsLookup');
    assert.equal(hl.question.name, dl.question.name);
    assert.deepEqual(hl.answers.map((a) => a.data).sort(), dl.answers.map((a) => a.data).sort());
    assert.equal(hl.evidence.length, hl.answers.length, 'one evidence line per "has address" line');
  }
});

test('host NXDOMAIN, PTR, -v and timeout', () => {
  const [nx] = factsOf(parseHost({ text: fixture('dns/host-nxdomain.txt'), uri: 'n' }), 'DnsLookup');
  assert.deepEqual([nx.question.name, nx.status], ['nope.default.svc.cluster.local', 'NXDOMAIN']);
  const [ptr] = factsOf(parseHost({ text: fixture('dns/host-ptr.txt'), uri: 'p' }), 'DnsLookup');
  assert.deepEqual([ptr.question.type, ptr.answers[0].data], ['PTR', 'web.default.svc.cluster.local']);
  const v = parseHost({ text: fixture('dns/host-v.txt'), uri: 'v' });
  assert.deepEqual(v.unparsed, []);
  const [vl] = factsOf(v, 'DnsLookup');
  assert.deepEqual(
    [vl.question.name, vl.server, vl.serverPort, vl.status],
    ['web-0.web.default.svc.cluster.local', '10.96.0.10', 53, 'NOERROR'],
  );
  assert.deepEqual(
    vl.answers.map((a) => [a.data, a.ttl]),
    [['10.244.0.219', 30]],
  );
  const t = parseHost({
    text: fixture('dns/host-timeout.txt'),
    uri: 't',
    command: 'host -W 1 -R 1 a-app.default.svc.cluster.local 10.96.0.99',
  });
  const [tl] = factsOf(t, 'DnsLookup');
  assert.deepEqual(
    [tl.question.name, tl.status, tl.server],
    ['a-app.default.svc.cluster.local', 'timeout', '10.96.0.99'],
  );
});

test('unflattenHost cuts repeated "has address" records', () => {
  const line =
    'web.default.svc.cluster.local has address 10.244.0.219 web.default.svc.cluster.local has address 10.244.0.222 Host nope.x not found: 3(NXDOMAIN)';
  assert.deepEqual(
    unflattenHost(line).map((p) => p.text),
    [
      'web.default.svc.cluster.local has address 10.244.0.219',
      'web.default.svc.cluster.local has address 10.244.0.222',
      'Host nope.x not found: 3(NXDOMAIN)',
    ],
  );
});

test('an alias (ExternalName-like CNAME) and its address answer one question, in nslookup, busybox, dig and host alike', () => {
  const parsers = [
    ['dns/nslookup-cname.txt', parseNslookup],
    ['dns/busybox-nslookup-cname.txt', parseNslookup],
    ['dns/dig-cname.txt', parseDig],
    ['dns/host-cname.txt', parseHost],
  ] as const;
  for (const [file, parse] of parsers) {
    const r = parse({ text: fixture(file), uri: file });
    assert.deepEqual(r.unparsed, [], file);
    const lookups = factsOf(r, 'DnsLookup');
    assert.deepEqual(
      lookups.map((l) => l.question.name),
      ['ext.default.svc.cluster.local'],
      file,
    );
    assert.deepEqual(
      lookups[0].answers.map((a) => [a.type, a.data]),
      [
        ['CNAME', 'a-app.default.svc.cluster.local'],
        ['A', '10.103.129.86'],
      ],
      file,
    );
  }
});

test('"No answer" (NOERROR without records) in bind nslookup and host', () => {
  const [n] = factsOf(parseNslookup({ text: fixture('dns/nslookup-noanswer.txt'), uri: 'n' }), 'DnsLookup');
  assert.deepEqual([n.question.name, n.status, n.answers.length], ['a-app.default.svc.cluster.local', 'NOERROR', 0]);
  const [h] = factsOf(parseHost({ text: fixture('dns/host-noanswer.txt'), uri: 'h' }), 'DnsLookup');
  assert.deepEqual(
    [h.question.name, h.question.type, h.status, h.answers.length],
    ['a-app.default.svc.cluster.local', 'AAAA', 'NOERROR', 0],
  );
  const [b] = factsOf(
    parseNslookup({
      text: fixture('dns/busybox-nslookup-noanswer.txt'),
      uri: 'b',
      command: 'busybox nslookup -type=AAAA a-app.default.svc.cluster.local',
    }),
    'DnsLookup',
  );
  assert.deepEqual(
    [b.question.name, b.question.type, b.answers.length],
    ['a-app.default.svc.cluster.local', 'AAAA', 0],
  );
});

test('host with a server on the command line names it in a "Using domain server:" block; SRV records', () => {
  const r = parseHost({ text: fixture('dns/host-server.txt'), uri: 's' });
  assert.deepEqual(r.unparsed, []);
  const [l] = factsOf(r, 'DnsLookup');
  assert.deepEqual([l.server, l.serverPort, l.answers[0].data], ['10.96.0.10', 53, '10.103.129.86']);
  const srv = parseHost({ text: fixture('dns/host-srv.txt'), uri: 'v' });
  const [s] = factsOf(srv, 'DnsLookup');
  assert.equal(s.question.type, 'SRV');
  assert.deepEqual(
    s.answers.map((a) => a.data.split(' ')[3]).sort(),
    ['web-0', 'web-1', 'web-2'].map((p) => `${p}.web.default.svc.cluster.local`),
  );
});
