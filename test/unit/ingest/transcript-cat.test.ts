import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../../src/ingest/document';
import type { DnsConfig, HostsEntry } from '../../../src/model';

test('`cat /etc/hosts /etc/resolv.conf` output is cut into a hosts part and a resolv.conf part', () => {
  // A real transcript from the network lab (test/fixtures/lab, written by test/lab/lab.sh).
  const uri = 'test/fixtures/lab/a2-pod-to-service.txt';
  const text = readFileSync(uri, 'utf8');
  const lines = text.split('\n');
  const doc = parseDocument(text, uri);
  const cmdLine = lines.findIndex((l) => l.endsWith('# cat /etc/hosts /etc/resolv.conf')) + 1;
  const parts = doc.blocks.filter((b) => b.command === 'cat /etc/hosts /etc/resolv.conf');
  assert.deepEqual(
    parts.map((b) => b.format),
    ['hosts', 'resolv-conf'],
  );
  assert.equal(parts[0].startLine, cmdLine + 1);
  assert.equal(parts[1].startLine, parts[0].endLine + 1);
  assert.match(lines[parts[1].startLine - 1], /^search /);
  assert.deepEqual(
    parts.map((b) => b.result.unparsed),
    [[], []],
  );
  assert.equal(
    parts.every((b) => b.host === 'b-app'),
    true,
  );
  const resolv = doc.facts.find((f): f is DnsConfig => f.kind === 'DnsConfig')!;
  assert.deepEqual(resolv.nameservers, ['10.96.0.10']);
  assert.equal(resolv.ndots, 5);
  assert.deepEqual(resolv.search, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  const own = doc.facts.find((f): f is HostsEntry => f.kind === 'HostsEntry' && f.names.includes('b-app'));
  assert.equal(own?.ip, '10.244.0.147');
});

test('a single-file cat and a cat with options stay one block', () => {
  const text =
    'root@b-app:/# cat /etc/resolv.conf\nsearch default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' +
    'root@b-app:/# cat -n /etc/hosts /etc/resolv.conf\n     1\t127.0.0.1\tlocalhost\n     2\tnameserver 10.96.0.10\n';
  const doc = parseDocument(text, 'inline');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.startLine, b.endLine]),
    [
      ['resolv-conf', 2, 4],
      ['hosts', 6, 7],
    ],
  );
});

test('tab-indented output lines that begin with a command word are not commands (nft listings)', () => {
  // From test/fixtures/netfilter (real `nft list ruleset` output): rule lines inside chains are tab-indented.
  const file = 'test/fixtures/netfilter/nftables-mode.nft-list-ruleset.txt';
  const text = readFileSync(file, 'utf8');
  const doc = parseDocument(text, file);
  assert.equal(doc.blocks.length, 1, doc.blocks.map((b) => `${b.format}@${b.startLine}`).join(' '));
  assert.equal(doc.blocks[0].format, 'nft');
});
