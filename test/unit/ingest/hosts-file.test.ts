import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHosts, unflattenHosts } from '../../../src/ingest/dns/hostsFile';
import { factsOf, fixture } from './dns/helpers';

test("the kubelet-managed hosts file: localhost lines and the pod's own name", () => {
  const text = fixture('dns/hosts.txt');
  const r = parseHosts({ text, uri: 'hosts', command: 'kubectl exec b-app -- cat /etc/hosts' });
  assert.deepEqual(r.unparsed, []);
  const entries = factsOf(r, 'HostsEntry');
  assert.equal(entries.length, text.split('\n').filter((l) => l && !l.startsWith('#')).length);
  const own = entries.find((e) => e.names.includes('b-app'));
  assert.equal(own?.ip, '10.244.0.147');
  assert.equal(own?.owner, 'b-app');
  assert.deepEqual(entries.find((e) => e.ip === '::1')?.names, ['localhost', 'ip6-localhost', 'ip6-loopback']);
  // getent agrees with the file
  assert.equal(fixture('dns/getent-hosts-b-app.txt').split(/\s+/)[0], own?.ip);
});

test('`cat /etc/hosts /etc/resolv.conf` in one output: the resolv.conf part is read too', () => {
  const text = fixture('dns/hosts.txt') + fixture('dns/resolv.conf.txt');
  const r = parseHosts({ text, uri: 'both' });
  assert.deepEqual(r.unparsed, []);
  assert.equal(factsOf(r, 'DnsConfig')[0].ndots, 5);
  assert.equal(factsOf(r, 'DnsConfig')[0].evidence[0].line, fixture('dns/hosts.txt').split('\n').length);
  assert.ok(factsOf(r, 'HostsEntry').length >= 7);
});

test('a StatefulSet pod line, inline comments and junk', () => {
  const text =
    '10.244.0.219\ta-app-0.a-app.default.svc.cluster.local\ta-app-0 # hostname + subdomain\nnot a line\n10.0.0.1\n# 10.9.9.9 only a comment\n';
  const r = parseHosts({ text, uri: 'x' });
  const [e] = factsOf(r, 'HostsEntry');
  assert.deepEqual(e.names, ['a-app-0.a-app.default.svc.cluster.local', 'a-app-0']);
  assert.deepEqual(
    r.unparsed.map((u) => u.line),
    [2, 3],
  );
  assert.equal(factsOf(r, 'HostsEntry').length, 1);
});

test('unflattenHosts cuts the flattened kubelet file before each address', () => {
  const line =
    '# Kubernetes-managed hosts file. 127.0.0.1 localhost ::1 localhost ip6-localhost ip6-loopback 10.244.0.147 b-app';
  assert.deepEqual(
    unflattenHosts(line).map((p) => p.text),
    [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1 localhost',
      '::1 localhost ip6-localhost ip6-loopback',
      '10.244.0.147 b-app',
    ],
  );
});
