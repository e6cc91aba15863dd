import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../../src/cli/app';
import { captureIO } from './io';

const capture = (files: Record<string, string> = {}) => captureIO(files);

test('parse --json prints files → blocks with format, command, lines, records and unparsed', async () => {
  const io = capture({
    'session.txt': [
      'root@node1:~# tcpdump -i any -nn',
      readFileSync('test/fixtures/tcpdump/ttl-exceeded.txt', 'utf8').trimEnd(),
      'this line is not tcpdump output',
      '/ # cat /etc/resolv.conf',
      readFileSync('test/fixtures/dns/resolv.conf.txt', 'utf8').trimEnd(),
    ].join('\n'),
  });
  const code = await runCli(['parse', 'session.txt', 'test/fixtures/tcpdump/vxlan-4789.txt', '--json'], io);
  assert.equal(code, 0, io.stderr);
  const out = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(out), ['files']);
  assert.deepEqual(
    out.files.map((f: { path: string }) => f.path),
    ['session.txt', 'test/fixtures/tcpdump/vxlan-4789.txt'],
  );
  const [s, v] = out.files;
  assert.deepEqual(Object.keys(s.blocks[0]), [
    'format',
    'command',
    'startLine',
    'endLine',
    'records',
    'unparsed',
    'unparsedTotal',
  ]);
  const ttlLines = readFileSync('test/fixtures/tcpdump/ttl-exceeded.txt', 'utf8').trimEnd().split('\n').length;
  assert.deepEqual(s.blocks[0], {
    format: 'tcpdump',
    command: 'tcpdump -i any -nn',
    startLine: 2,
    endLine: ttlLines + 2,
    records: ttlLines - 1 /* its blank line */,
    unparsed: [{ line: ttlLines + 2, reason: 'not a tcpdump line (no timestamp, header or packet summary)' }],
    unparsedTotal: 1,
  });
  assert.equal(s.blocks[1].format, 'resolv-conf');
  assert.equal(s.blocks[1].command, 'cat /etc/resolv.conf');
  assert.equal(s.blocks[1].startLine, ttlLines + 4);
  assert.deepEqual(
    v.blocks.map((b: { format: string; command: null; startLine: number }) => [b.format, b.command, b.startLine]),
    [['tcpdump', null, 1]],
  );
  assert.equal(
    v.blocks[0].endLine,
    readFileSync('test/fixtures/tcpdump/vxlan-4789.txt', 'utf8').trimEnd().split('\n').length,
  );
});

test('parse (text) summarises each block and shows unparsed lines with reasons', async () => {
  const io = capture();
  assert.equal(await runCli(['parse', 'test/fixtures/seed/flannel-network-flows-part1.ko.txt'], io), 0);
  assert.match(io.stdout, /^test\/fixtures\/seed\/flannel-network-flows-part1\.ko\.txt: \d+ blocks, \d+ facts/);
  assert.match(
    io.stdout,
    /\n {2}line 92 {2}tcpdump {2}15 records, 0 unparsed\n {4}\(no command; format recognised from the text\)/,
  );
  assert.match(
    io.stdout,
    /line 88 {2}ping {2}2 records, 0 unparsed {2}\[on b-pod\]\n {4}\$ kubectl exec -it b-pod -- \/bin\/sh \/ # ping -c 1 10\.244\.0\.53\n/,
  );
});

test('parse: no file or a bad option is a usage error (exit 2); an unreadable file exits 1', async () => {
  const none = capture();
  assert.equal(await runCli(['parse'], none), 2);
  assert.match(none.stderr, /at least one FILE is required/);
  assert.match(none.stderr, /Usage: kube-packet-path parse FILE\.\.\. \[--json\]/);
  const bad = capture();
  assert.equal(await runCli(['parse', 'x.txt', '--jsn'], bad), 2);
  assert.match(bad.stderr, /--jsn/);
  const missing = capture();
  assert.equal(await runCli(['parse', 'test/fixtures/tcpdump/does-not-exist.txt'], missing), 1);
  assert.match(missing.stderr, /cannot read test\/fixtures\/tcpdump\/does-not-exist\.txt: ENOENT/);
  const help = capture();
  assert.equal(await runCli(['parse', '--help'], help), 0);
  assert.match(help.stdout, /Usage: kube-packet-path parse/);
});

test('parse --json on 2 MB of junk stays small: unparsed lines capped per block, with the total', async () => {
  const junk = (size: number) => {
    // A prompt and a command make it a tcpdump block: every junk line is then reported unparsed.
    let text = 'root@node1:~# tcpdump -i any -nn\n';
    for (let k = 0; text.length < size; k++) text += `${k % 7 ? 'x' : 'zz'}\n`;
    return text;
  };
  const sizes: number[] = [];
  for (const size of [500_000, 2_000_000]) {
    const io = capture({ 'junk.txt': junk(size) });
    assert.equal(await runCli(['parse', 'junk.txt', '--json'], io), 0, io.stderr);
    sizes.push(io.stdout.length);
    const blocks = JSON.parse(io.stdout).files[0].blocks as { unparsed: unknown[]; unparsedTotal: number }[];
    for (const b of blocks) assert.ok(b.unparsed.length <= 200);
    assert.ok(blocks.reduce((n, b) => n + b.unparsedTotal, 0) > size / 3);
  }
  assert.ok(sizes[1] < 200_000, `${sizes[1]} characters of JSON for 2 MB of junk`);
  assert.equal(sizes[1], sizes[0], 'the JSON does not grow with the junk');
  const all = capture({ 'junk.txt': junk(50_000) });
  assert.equal(await runCli(['parse', 'junk.txt', '--json', '--max-unparsed', '0'], all), 0, all.stderr);
  const block = JSON.parse(all.stdout).files[0].blocks[0];
  assert.equal(block.unparsed.length, block.unparsedTotal, '--max-unparsed 0 lists them all');
});

test('parse --json on 2 MB of many small junk blocks: at most 2,000 unparsed lines listed per file', async () => {
  let text = '';
  for (let k = 0; text.length < 2_000_000; k++) text += `${k % 50 === 0 ? 'root@node1:~# iptables-save\n' : ''}z${k}\n`;
  const io = capture({ 'junk.txt': text });
  assert.equal(await runCli(['parse', 'junk.txt', '--json'], io), 0, io.stderr);
  const blocks = JSON.parse(io.stdout).files[0].blocks as { unparsed: unknown[]; unparsedTotal: number }[];
  assert.equal(
    blocks.reduce((n, b) => n + b.unparsed.length, 0),
    2000,
  );
  assert.ok(blocks.reduce((n, b) => n + b.unparsedTotal, 0) > 100_000);
  assert.ok(io.stdout.length < 4_000_000, `${io.stdout.length} characters`);
});
