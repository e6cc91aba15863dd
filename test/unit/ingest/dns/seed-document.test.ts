// The whole field report through the transcript splitter: the DNS, hosts, resolv.conf and
// traceroute blocks reach these parsers with their commands, and `kubectl logs` of the
// nslookup/dig pods is attributed pod by pod through the report's `# pod` labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../../../src/ingest/document';
import type { DnsLookup } from '../../../../src/model';
import type { FormatId } from '../../../../src/ingest/types';
import { fixture } from './helpers';

const doc = parseDocument(fixture('seed/flannel-network-flows-part1.ko.txt'), 'seed.txt');
const MINE: FormatId[] = ['nslookup', 'dig', 'host', 'hosts', 'resolv-conf', 'traceroute', 'kubectl-logs'];
const mine = doc.blocks.filter((b) => MINE.includes(b.format));

test('every DNS-related block of the report is read without leftovers', () => {
  assert.ok(mine.length >= 7, `blocks: ${mine.map((b) => b.format).join(',')}`);
  for (const b of mine) assert.deepEqual(b.result.unparsed, [], `${b.format} at ${b.startLine}`);
  const formats = new Set(mine.map((b) => b.format));
  for (const f of ['traceroute', 'hosts', 'resolv-conf', 'nslookup', 'kubectl-logs'] as const)
    assert.ok(formats.has(f), f);
});

test('kubectl logs of several nslookup/dig pods: each lookup belongs to the pod whose label precedes it', () => {
  const lookups = mine
    .filter((b) => b.format === 'kubectl-logs')
    .flatMap((b) => b.result.facts)
    .filter((f): f is DnsLookup => f.kind === 'DnsLookup');
  const nsl = lookups.filter((l) => l.tool === 'nslookup');
  const dig = lookups.filter((l) => l.tool === 'dig');
  assert.deepEqual(
    nsl.map((l) => l.client),
    ['nslookup-pod-0', 'nslookup-pod-1', 'nslookup-pod-2', 'nslookup-pod'],
  );
  assert.deepEqual(
    dig.map((l) => l.client),
    ['dig-pod-0', 'dig-pod-1', 'dig-pod-2', 'dig-pod'],
  );
  // the headless name: three pod IPs in both tools
  for (const l of [nsl[3], dig[3]])
    assert.deepEqual(l.answers.map((a) => a.data).sort(), ['10.244.0.219', '10.244.0.221', '10.244.0.222']);
});

test("b-app's lookups and traceroute carry b-app as the client", () => {
  const facts = mine.filter((b) => b.host === 'b-app').flatMap((b) => b.result.facts);
  const clients = facts.map((f) =>
    f.kind === 'DnsLookup' || f.kind === 'Traceroute' ? f.client : f.kind === 'HostsEntry' ? f.owner : 'b-app',
  );
  assert.ok(facts.length > 0);
  assert.ok(clients.every((c) => c === 'b-app'));
});
