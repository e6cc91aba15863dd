import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccessLine, parseKubectlLogs, unflattenNginxLog } from '../../../src/ingest/misc/nginxAccess';
import { factsOf, fixture } from './dns/helpers';

test('kubectl logs of an nginx pod: one HttpAccess per access line, served by the pod the command names', () => {
  const text = fixture('nginx/access-combined.log');
  const r = parseKubectlLogs({ text, uri: 'logs', command: 'kubectl logs a-app-57974fdb4-mcz5n -f' });
  assert.deepEqual(r.unparsed, [], 'error-log and start-up lines are understood');
  const acc = factsOf(r, 'HttpAccess');
  const accessLines = text.split('\n').filter((l) => l.startsWith('10.244.0.147 '));
  assert.equal(acc.length, accessLines.length);
  assert.ok(acc.every((a) => a.server === 'a-app-57974fdb4-mcz5n' && a.client === '10.244.0.147'));
  assert.deepEqual(
    acc.map((a) => a.status),
    accessLines.map((l) => Number(l.split('" ')[1].split(' ')[0])),
  );
  assert.deepEqual(
    acc.map((a) => a.method),
    ['GET', 'GET', 'GET', 'POST', 'GET', 'GET'],
  );
  const quoted = acc.find((a) => a.path?.startsWith('/index.html'));
  assert.equal(quoted?.userAgent, 'Mozilla/5.0 (X11; Linux x86_64) "quoted"');
  for (const a of acc) assert.ok(text.split('\n')[a.evidence[0].line! - 1].startsWith(a.client));
});

test('the pod comes from `kubectl logs -n ns pod/NAME -c c`, else from the transcript host', () => {
  const line = fixture('nginx/access-combined.log')
    .split('\n')
    .find((l) => l.startsWith('10.'))!;
  const a = factsOf(
    parseKubectlLogs({ text: line, uri: 'x', command: 'kubectl logs -n default pod/a-app-0 -c nginx' }),
    'HttpAccess',
  );
  assert.equal(a[0].server, 'a-app-0');
  const b = factsOf(parseKubectlLogs({ text: line, uri: 'x', host: 'a-app-1' }), 'HttpAccess');
  assert.equal(b[0].server, 'a-app-1');
});

test('kubectl logs of a pod that ran nslookup is read as nslookup output', () => {
  const r = parseKubectlLogs({
    text: fixture('dns/busybox-nslookup-pod.txt'),
    uri: 'x',
    command: 'kubectl logs nslookup-pod-1',
  });
  const [l] = factsOf(r, 'DnsLookup');
  assert.equal(l.client, 'nslookup-pod-1');
  assert.equal(l.answers[0].data, '10.244.0.221');
});

test('plain combined format (no X-Forwarded-For) and a line that is neither access nor error log', () => {
  assert.equal(
    parseAccessLine('10.1.1.1 - bob [26/Mar/2025:12:00:00 +0000] "GET /x HTTP/1.1" 304 - "-" "curl/8"')?.bytes,
    undefined,
  );
  const r = parseKubectlLogs({ text: 'hello world\n', uri: 'x' });
  assert.equal(r.unparsed.length, 1);
});

test('unflattenNginxLog cuts before each client address, never inside quotes', () => {
  const line =
    '10.244.0.147 - - [26/Mar/2025:12:00:00 +0000] "GET / HTTP/1.1" 200 615 "-" "UA 10.0.0.1 - [x" "-" 10.244.0.148 - - [26/Mar/2025:12:00:01 +0000] "GET / HTTP/1.1" 200 615 "-" "Wget" "-"';
  const pieces = unflattenNginxLog(line).map((p) => p.text);
  assert.equal(pieces.length, 2);
  assert.ok(pieces[1].startsWith('10.244.0.148 '));
  assert.equal(parseAccessLine(pieces[0])?.userAgent, 'UA 10.0.0.1 - [x');
});

test('real `kubectl logs -l app=web --prefix [--timestamps]`: the prefix names the pod that served each request', () => {
  for (const file of ['nginx/kubectl-logs-prefix.log', 'nginx/kubectl-logs-prefix-timestamps.log']) {
    const text = fixture(file);
    const r = parseKubectlLogs({ text, uri: file, command: 'kubectl logs -l app=web --prefix' });
    assert.deepEqual(r.unparsed, [], file);
    const acc = factsOf(r, 'HttpAccess');
    assert.equal(acc.length, text.split('\n').filter(Boolean).length);
    // generate.sh sent five requests: web-0 and web-1 twice, web-2 once
    const per = new Map<string, number>();
    for (const a of acc) per.set(a.server ?? '?', (per.get(a.server ?? '?') ?? 0) + 1);
    assert.deepEqual(
      [...per].sort(),
      [
        ['web-0', 2],
        ['web-1', 2],
        ['web-2', 1],
      ],
      file,
    );
    assert.ok(acc.every((a) => a.client === '10.244.0.147' && a.status === 200 && a.time?.endsWith('+0000')));
  }
  const one = factsOf(
    parseKubectlLogs({ text: fixture('nginx/kubectl-logs-web-1.log'), uri: 'x', command: 'kubectl logs web-1' }),
    'HttpAccess',
  );
  assert.ok(one.length === 2 && one.every((a) => a.server === 'web-1'));
});

test('flattened --prefix --timestamps logs are cut per line, not inside one', () => {
  const text = fixture('nginx/kubectl-logs-prefix-timestamps.log');
  const pieces = unflattenNginxLog(text.replace(/\n/g, ' ').trim());
  assert.deepEqual(
    pieces.map((p) => p.text),
    text.trim().split('\n'),
  );
});
