import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNslookup, unflattenNslookup } from '../../../../src/ingest/dns/nslookup';
import { evidenceLinesExist, factsOf, fixture } from './helpers';

// The headless Service `web` has these three ready pods in test/fixtures/dns/generate.sh.
const WEB_PODS = ['10.244.0.219', '10.244.0.221', '10.244.0.222'];

for (const [variant, file, port] of [
  ['bind9', 'dns/nslookup-headless.txt', 53],
  ['busybox 1.35', 'dns/busybox-nslookup-headless.txt', 53],
] as const) {
  test(`${variant} nslookup of a headless Service: one lookup, every pod IP, the server and its port`, () => {
    const text = fixture(file);
    const r = parseNslookup({ text, uri: file });
    assert.deepEqual(r.unparsed, []);
    const [l, ...rest] = factsOf(r, 'DnsLookup');
    assert.equal(rest.length, 0);
    assert.equal(l.question.name, 'web.default.svc.cluster.local');
    assert.equal(l.server, '10.96.0.10');
    assert.equal(l.serverPort, port);
    assert.equal(l.status, 'NOERROR');
    assert.deepEqual(l.answers.map((a) => a.data).sort(), WEB_PODS);
    assert.ok(l.answers.every((a) => a.type === 'A' && a.name === 'web.default.svc.cluster.local'));
    evidenceLinesExist(r, text);
    // the first evidence spans the record: from `Server:` to the last address line
    const lines = text.split('\n');
    assert.match(lines[l.evidence[0].line! - 1], /^Server:/);
    assert.equal(
      l.evidence[0].endLine,
      lines.map((x) => x.startsWith('Address: ') && WEB_PODS.some((ip) => x.endsWith(ip))).lastIndexOf(true) + 1,
    );
  });
}

test('busybox nslookup of a short name shows the search list at work: the hit and the NXDOMAIN suffixes', () => {
  const text = fixture('dns/busybox-nslookup-short-name.txt');
  const r = parseNslookup({ text, uri: 'x', command: 'kubectl exec -it b-app -- nslookup a-app' });
  const lookups = factsOf(r, 'DnsLookup');
  const byName = new Map(lookups.map((l) => [l.question.name, l]));
  assert.equal(byName.get('a-app.default.svc.cluster.local')?.answers[0].data, '10.103.129.86');
  assert.equal(byName.get('a-app.svc.cluster.local')?.status, 'NXDOMAIN');
  assert.equal(byName.get('a-app.cluster.local')?.status, 'NXDOMAIN');
  // busybox prints each NXDOMAIN twice (A and AAAA queries); one lookup keeps both lines as evidence
  assert.equal(lookups.length, 3);
  assert.ok((byName.get('a-app.cluster.local')?.evidence.length ?? 0) >= 2);
  assert.ok(lookups.every((l) => l.client === 'b-app'));
});

test('NXDOMAIN, SRV and PTR answers from bind9 and busybox nslookup', () => {
  for (const f of ['dns/nslookup-nxdomain.txt', 'dns/busybox-nslookup-nxdomain.txt']) {
    const [l] = factsOf(parseNslookup({ text: fixture(f), uri: f }), 'DnsLookup');
    assert.equal(l.status, 'NXDOMAIN', f);
    assert.equal(l.answers.length, 0);
  }
  for (const f of ['dns/nslookup-srv.txt', 'dns/busybox-nslookup-srv.txt']) {
    const [l] = factsOf(parseNslookup({ text: fixture(f), uri: f }), 'DnsLookup');
    assert.equal(l.question.type, 'SRV', f);
    assert.deepEqual(
      l.answers.map((a) => a.data.split(' ').pop()).sort(),
      ['web-0', 'web-1', 'web-2'].map((p) => `${p}.web.default.svc.cluster.local`),
    );
    assert.ok(l.answers.every((a) => a.data.startsWith('0 33 80 ')));
  }
  for (const f of ['dns/nslookup-ptr.txt', 'dns/busybox-nslookup-ptr.txt']) {
    const [l] = factsOf(parseNslookup({ text: fixture(f), uri: f }), 'DnsLookup');
    assert.equal(l.question.name, '221.0.244.10.in-addr.arpa', f);
    assert.deepEqual(
      l.answers.map((a) => [a.type, a.data]),
      [['PTR', 'web.default.svc.cluster.local']],
    );
  }
});

test('timeouts: the name comes from the command, the silent server from the output or the command', () => {
  const bind = parseNslookup({
    text: fixture('dns/nslookup-timeout.txt'),
    uri: 'x',
    command: 'nslookup -timeout=1 -retry=1 a-app.default.svc.cluster.local 10.96.0.99',
  });
  const [b] = factsOf(bind, 'DnsLookup');
  assert.equal(b.status, 'timeout');
  assert.equal(b.question.name, 'a-app.default.svc.cluster.local');
  assert.equal(b.server, '10.96.0.99');
  const bb = parseNslookup({
    text: fixture('dns/busybox-nslookup-timeout.txt'),
    uri: 'x',
    command: 'busybox nslookup -timeout=1 -retry=1 a-app.default.svc.cluster.local 10.96.0.99',
  });
  const [c] = factsOf(bb, 'DnsLookup');
  assert.equal(c.status, 'timeout');
  assert.equal(c.server, '10.96.0.99');
  // without the command nothing is invented: the line is reported instead
  const bare = parseNslookup({ text: fixture('dns/busybox-nslookup-timeout.txt'), uri: 'x' });
  assert.equal(factsOf(bare, 'DnsLookup').length, 0);
  assert.equal(bare.unparsed.length, 1);
});

test('old busybox (1.28) output names the server, which proves the cluster domain and the kube-dns IP', () => {
  // Output of `kubectl exec -it busybox -- nslookup kube-dns.kube-system.svc.cluster.local` with
  // busybox 1.28 as quoted in public Kubernetes tutorials (that binary is not installable here).
  const text = [
    'Server:    10.96.0.10',
    'Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local',
    '',
    'Name:      hue-reminders',
    'Address 1: 10.108.163.209 hue-reminders.default.svc.cluster.local',
  ].join('\n');
  const r = parseNslookup({ text, uri: 'old.txt' });
  assert.deepEqual(r.unparsed, []);
  const [cd] = factsOf(r, 'ClusterDns');
  assert.equal(cd.domain, 'cluster.local');
  assert.equal(cd.serviceIP, '10.96.0.10');
  assert.equal(cd.evidence[0].line, 2);
  const [l] = factsOf(r, 'DnsLookup');
  assert.equal(l.server, '10.96.0.10');
  assert.equal(l.serverPort, undefined);
  assert.deepEqual(
    l.answers.map((a) => a.data),
    ['10.108.163.209'],
  );
});

test('bind9 CNAME chains and "No answer" are understood', () => {
  // The shape bind9's nslookup prints for an alias; the target's address answers the same question.
  const text =
    "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nNon-authoritative answer:\nwww.x.test\tcanonical name = web.x.test.\nName:\tweb.x.test\nAddress: 10.1.2.3\n\n*** Can't find other.x.test: No answer\n";
  const r = parseNslookup({ text, uri: 'x' });
  assert.deepEqual(r.unparsed, []);
  const names = factsOf(r, 'DnsLookup').map((l) => [l.question.name, l.status, l.answers.map((a) => a.type).join()]);
  assert.deepEqual(names, [
    ['www.x.test', 'NOERROR', 'CNAME,A'],
    ['other.x.test', 'NOERROR', ''],
  ]);
});

test('unflattenNslookup cuts a one-line busybox answer into its records, keeping columns', () => {
  const line = 'Server: 10.96.0.10 Address: 10.96.0.10:53 Name: a-app.default.svc.cluster.local Address: 10.103.129.86';
  const pieces = unflattenNslookup(line);
  assert.deepEqual(
    pieces.map((p) => p.text.split(' ')[0]),
    ['Server:', 'Address:', 'Name:', 'Address:'],
  );
  for (const p of pieces) assert.equal(line.slice(p.start, p.start + p.text.length), p.text);
});
