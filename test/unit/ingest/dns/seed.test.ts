// The field report's outputs of labs A.2 and A.3 lost their newlines; these parsers must
// still find every record in them, with the report's line number and the record's column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDig } from '../../../../src/ingest/dns/dig';
import { parseNslookup } from '../../../../src/ingest/dns/nslookup';
import { parseHosts } from '../../../../src/ingest/dns/hostsFile';
import { parseResolvConf } from '../../../../src/ingest/dns/resolvConf';
import { parseTraceroute } from '../../../../src/ingest/misc/traceroute';
import {
  podHostnameDnsName,
  podSearchList,
  serviceDnsName,
  statefulSetPodName,
  type Evidence,
} from '../../../../src/model';
import type { ParseInput } from '../../../../src/ingest/types';
import { factsOf, fixture } from './helpers';

const URI = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';
const seed = fixture('seed/flannel-network-flows-part1.ko.txt').split('\n');

/** The seed line that starts with `prefix`, as a parse input whose command is the line before. */
function seedInput(prefix: string, command?: string): ParseInput {
  const idx = seed.findIndex((l) => l.startsWith(prefix));
  assert.ok(idx > 0, `seed line starting with ${prefix}`);
  return { text: seed[idx], uri: URI, firstLine: idx + 1, command: command ?? seed[idx - 1] };
}

/** The evidence points into the seed: its line, and its column where the excerpt starts. */
function pointsIntoSeed(e: Evidence): void {
  assert.equal(e.uri, URI);
  const line = seed[(e.line ?? 0) - 1];
  const first = (e.excerpt ?? '').split(' | ')[0];
  assert.ok(line.slice((e.column ?? 1) - 1).startsWith(first.slice(0, 30)), `${e.line}:${e.column} ${first}`);
}

test('A.2 resolv.conf: search list, ndots 5, nameserver 10.96.0.10, cluster domain', () => {
  const r = parseResolvConf(
    seedInput('search default.svc.cluster.local', 'kubectl exec b-app -- cat /etc/resolv.conf'),
  );
  assert.deepEqual(r.unparsed, []);
  const [cfg] = factsOf(r, 'DnsConfig');
  assert.deepEqual(cfg.search, podSearchList('default'));
  assert.equal(cfg.ndots, 5);
  assert.deepEqual(cfg.nameservers, ['10.96.0.10']);
  cfg.evidence.forEach(pointsIntoSeed);
  const [cd] = factsOf(r, 'ClusterDns');
  assert.deepEqual([cd.domain, cd.serviceIP], ['cluster.local', '10.96.0.10']);
});

test("A.2 /etc/hosts: the kubelet header, localhost lines and b-app's own line", () => {
  const r = parseHosts(seedInput('# Kubernetes-managed hosts file.'));
  assert.deepEqual(r.unparsed, []);
  const entries = factsOf(r, 'HostsEntry');
  assert.equal(entries.length, 7);
  assert.deepEqual(
    entries.map((e) => e.ip),
    ['127.0.0.1', '::1', 'fe00::0', 'fe00::0', 'fe00::1', 'fe00::2', '10.244.0.147'],
  );
  assert.deepEqual(entries[6].names, ['b-app']);
  assert.equal(entries[6].owner, 'b-app');
  entries.forEach((e) => pointsIntoSeed(e.evidence[0]));
});

test('A.2 busybox traceroute to the ClusterIP name leaves through 10.244.0.1 and the LAN gateway 172.30.1.254', () => {
  const r = parseTraceroute(seedInput('traceroute to a-app.default.svc.cluster.local'));
  assert.deepEqual(r.unparsed, []);
  const [t] = factsOf(r, 'Traceroute');
  assert.equal(t.client, 'b-app');
  assert.equal(t.target, serviceDnsName('a-app', 'default'));
  assert.equal(t.targetIp, '10.103.129.86');
  assert.equal(t.maxHops, 10);
  assert.deepEqual(
    t.hops.map((h) => h.ttl),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.deepEqual(
    t.hops.slice(0, 4).map((h) => h.probes.find((p) => p.ip)?.ip),
    ['10.244.0.1', '172.30.1.254', '61.77.108.1', '125.141.249.140'],
  );
  assert.deepEqual(
    t.hops[2].probes.map((p) => p.note ?? 'ok'),
    ['ok', '*', 'ok'],
  );
  assert.ok(t.hops.slice(4).every((h) => h.probes.every((p) => p.note === '*')));
});

test('A.2 busybox nslookup: the Service name answers its ClusterIP from the kube-dns server', () => {
  const r = parseNslookup(seedInput('Server: 10.96.0.10 Address: 10.96.0.10:53 Name: a-app.default.svc.cluster.local'));
  assert.deepEqual(r.unparsed, []);
  const [l] = factsOf(r, 'DnsLookup');
  assert.deepEqual(
    [l.client, l.server, l.serverPort, l.question.name],
    ['b-app', '10.96.0.10', 53, serviceDnsName('a-app', 'default')],
  );
  assert.deepEqual(
    l.answers.map((a) => a.data),
    ['10.103.129.86'],
  );
  l.evidence.forEach(pointsIntoSeed);
  // `nslookup cluster.local` printed only the server: asked, no answer
  const bare = factsOf(
    parseNslookup(
      seedInput('Server: 10.96.0.10 Address: 10.96.0.10:53', 'kubectl exec -it b-app -- nslookup cluster.local'),
    ),
    'DnsLookup',
  );
  assert.deepEqual(
    bare.map((x) => [x.question.name, x.answers.length, x.server]),
    [['cluster.local', 0, '10.96.0.10']],
  );
});

const PODS = [0, 1, 2].map((i) => podHostnameDnsName(statefulSetPodName('a-app', i), 'a-app', 'default'));
const HEADLESS_IPS = ['10.244.0.219', '10.244.0.221', '10.244.0.222'];

test('A.3 nslookup logs: per-pod names answer one pod IP, the headless name answers all three', () => {
  const r = parseNslookup(seedInput('# nslookup-pod-0 # nslookup'));
  assert.deepEqual(r.unparsed, []);
  const lookups = factsOf(r, 'DnsLookup');
  assert.deepEqual(
    lookups.map((l) => l.question.name),
    [...PODS, serviceDnsName('a-app', 'default')],
  );
  // the report lost the address of a-app-0; nothing is made up for it
  assert.deepEqual(
    lookups.map((l) => l.answers.length),
    [0, 1, 1, 3],
  );
  assert.deepEqual(lookups[3].answers.map((a) => a.data).sort(), HEADLESS_IPS);
  assert.ok(lookups.every((l) => l.server === '10.96.0.10'));
  lookups.forEach((l) => l.evidence.forEach(pointsIntoSeed));
});

test('A.3 dig logs: four full messages on one line, TTLs kept, three A records for the headless name', () => {
  const r = parseDig(seedInput('# dig-pod-0 # dig'));
  assert.deepEqual(r.unparsed, []);
  const lookups = factsOf(r, 'DnsLookup');
  assert.deepEqual(
    lookups.map((l) => l.question.name),
    [...PODS, serviceDnsName('a-app', 'default')],
  );
  assert.deepEqual(
    lookups.map((l) => l.answers.map((a) => a.data)),
    [['10.244.0.219'], ['10.244.0.221'], ['10.244.0.222'], ['10.244.0.222', '10.244.0.219', '10.244.0.221']],
  );
  assert.deepEqual(
    lookups.map((l) => l.answers[0].ttl),
    [26, 30, 25, 30],
  );
  assert.ok(lookups.every((l) => l.status === 'NOERROR' && l.server === '10.96.0.10' && l.serverPort === 53));
  lookups.forEach((l) => l.evidence.forEach(pointsIntoSeed));
  // each message starts at its own column of the same report line
  assert.equal(new Set(lookups.map((l) => l.evidence[0].column)).size, 4);
});
