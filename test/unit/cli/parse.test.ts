import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../../src/cli/app';

function capture(files: Record<string, string> = {}) {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
    readFile: (p: string) => {
      if (p in files) return files[p];
      return readFileSync(p, 'utf8');
    },
  };
  return io;
}

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
  assert.deepEqual(Object.keys(s.blocks[0]), ['format', 'command', 'startLine', 'endLine', 'records', 'unparsed']);
  const ttlLines = readFileSync('test/fixtures/tcpdump/ttl-exceeded.txt', 'utf8').trimEnd().split('\n').length;
  assert.deepEqual(s.blocks[0], {
    format: 'tcpdump',
    command: 'tcpdump -i any -nn',
    startLine: 2,
    endLine: ttlLines + 2,
    records: ttlLines - 1 /* its blank line */,
    unparsed: [{ line: ttlLines + 2, reason: 'not a tcpdump line (no timestamp, header or packet summary)' }],
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
