// The real outputs, pasted with no command (sniffed) and as a terminal session (with prompts):
// the transcript splitter must keep each multi-paragraph output in one block of the right format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseDocument } from '../../../../src/ingest/document';
import { formatSpec } from '../../../../src/ingest/registry';
import type { FormatId } from '../../../../src/ingest/types';
import { fixture } from './helpers';

/** Outputs that need their command to be understood (the name asked is not in them). */
const NEEDS_COMMAND = /timeout|short|getent|busybox-nslookup-noanswer|dnsmasq-queries/; // dnsmasq's log is the server's view, no parser reads it

function formatOf(file: string): FormatId {
  if (file.startsWith('traceroute/')) return 'traceroute';
  if (file.startsWith('nginx/')) return 'kubectl-logs';
  const base = file.replace(/^dns\//, '').replace(/^busybox-/, '');
  if (base.startsWith('dig-')) return 'dig';
  if (base.startsWith('nslookup-')) return 'nslookup';
  // `host -v` prints dig-style paragraphs between its `Trying "name"` and `Received N bytes`
  // lines: pasted without its command it is still one host block
  if (base.startsWith('host-')) return 'host';
  return base.startsWith('resolv') ? 'resolv-conf' : 'hosts';
}

const files = ['dns', 'traceroute', 'nginx'].flatMap((d) =>
  readdirSync(`test/fixtures/${d}`)
    .filter((f) => /\.(txt|log)$/.test(f))
    .map((f) => `${d}/${f}`),
);

test("each real output, pasted alone, is one block of its format with the parser's own facts", () => {
  let checked = 0;
  for (const file of files.filter((f) => !NEEDS_COMMAND.test(f))) {
    const text = fixture(file);
    const doc = parseDocument(text, file);
    const id = formatOf(file);
    // host-server.txt's `Using domain server:` paragraph is not taken into the host block by the
    // transcript splitter: it is reported (an unknown block), no longer dropped without a word
    const reportedHead = file === 'dns/host-server.txt' ? ['unknown'] : [];
    assert.deepEqual(
      doc.blocks.map((b) => b.format),
      [...reportedHead, id],
      file,
    );
    const direct = formatSpec(id)!.parse({ text, uri: file });
    assert.equal(doc.facts.length, direct.facts.length, file);
    assert.deepEqual(doc.blocks[reportedHead.length].result.unparsed, [], file);
    checked++;
  }
  assert.ok(checked >= 50, `${checked} files`);
});

test('host -v after its command is one block over its blank lines; its dig-style sections are not taken by dig', () => {
  const text = fixture('dns/host-v.txt');
  const doc = parseDocument(`$ host -v -t A web-0.web.default.svc.cluster.local\n${text}`, 'h');
  assert.deepEqual(
    doc.blocks.map((b) => [b.format, b.startLine, b.endLine]),
    [['host', 2, text.trimEnd().split('\n').length + 1]],
  );
  assert.equal(doc.facts.length, formatSpec('host')!.parse({ text, uri: 'h' }).facts.length);
  // and a dig output on its own, with the same kind of sections, stays dig's
  const dig = readdirSync('test/fixtures/dns').find(
    (f) => f.startsWith('dig-') && !NEEDS_COMMAND.test(f) && fixture(`dns/${f}`).includes('SECTION:'),
  )!;
  assert.deepEqual(
    parseDocument(fixture(`dns/${dig}`), 'd').blocks.map((b) => b.format),
    ['dig'],
    dig,
  );
});

test('a terminal session of several tools: one block per command, the commands reach the parsers', () => {
  const session = [
    ['dig +search +showsearch +ndots=5 a-app.default.svc.cluster.local', 'dns/dig-search-showsearch-fqdn.txt'],
    [
      'busybox nslookup -timeout=1 -retry=1 a-app.default.svc.cluster.local 10.96.0.99',
      'dns/busybox-nslookup-timeout.txt',
    ],
    ['dig +short web.default.svc.cluster.local', 'dns/dig-short-headless.txt'],
    ['cat /etc/resolv.conf', 'dns/resolv.conf.txt'],
    ['traceroute -n -m 5 -w 1 172.30.1.48', 'traceroute/traceroute-n-server.txt'],
  ];
  const text = session.map(([cmd, f]) => `root@b-app:/# ${cmd}\n${fixture(f).trimEnd()}`).join('\n') + '\n';
  const doc = parseDocument(text, 'session.txt');
  assert.deepEqual(
    doc.blocks.map((b) => b.format),
    ['dig', 'nslookup', 'dig', 'resolv-conf', 'traceroute'],
  );
  for (const b of doc.blocks) assert.deepEqual(b.result.unparsed, [], `${b.format} at ${b.startLine}`);
  const lookups = doc.facts.filter((f) => f.kind === 'DnsLookup');
  assert.equal(lookups.length, 4 + 1 + 1);
  const timeout = lookups.find((l) => l.status === 'timeout');
  assert.deepEqual([timeout?.question.name, timeout?.server], ['a-app.default.svc.cluster.local', '10.96.0.99']);
  // line numbers refer to the session as given
  const lines = text.split('\n');
  for (const f of doc.facts)
    for (const e of f.evidence)
      if (e.source === 'log')
        assert.ok(lines[e.line! - 1].includes((e.excerpt ?? '').split(' | ')[0].slice(0, 12)), `${f.kind} ${e.line}`);
});
