import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKubectlChatter, parseToolCommand, podOfKubectlLogs } from '../../../../src/ingest/dns/commandLine';
import { parseNslookup } from '../../../../src/ingest/dns/nslookup';
import { factsOf, fixture } from './helpers';
import { questionNameFromArgs, questionTypeFromArgs, serverFromArgs } from '../../../../src/ingest/dns/dnsFacts';

test('who ran the tool: kubectl exec/run, ip netns exec, or the transcript host', () => {
  assert.deepEqual(parseToolCommand('kubectl exec -it b-app -- nslookup a-app.default.svc.cluster.local'), {
    tool: 'nslookup',
    args: ['a-app.default.svc.cluster.local'],
    client: 'b-app',
  });
  assert.equal(
    parseToolCommand(
      'kubectl run nslookup-pod-0 --image=busybox -it --rm -- nslookup a-app-0.a-app.default.svc.cluster.local',
    ).client,
    'nslookup-pod-0',
  );
  assert.equal(parseToolCommand('kubectl exec -n default -c main pod/b-app -- busybox nslookup x').client, 'b-app');
  assert.equal(parseToolCommand('kubectl -n default exec b-app -- nslookup x').client, 'b-app');
  assert.equal(parseToolCommand('kubectl get pods -o wide').client, undefined);
  assert.deepEqual(parseToolCommand("kubectl exec b-app -- sh -c 'dig +short web'"), {
    tool: 'dig',
    args: ['+short', 'web'],
    client: 'b-app',
  });
  assert.deepEqual(parseToolCommand('sudo ip netns exec kpp-dns-cli timeout 20 dig a'), {
    tool: 'dig',
    args: ['a'],
    client: 'kpp-dns-cli',
  });
  assert.equal(parseToolCommand('dig a', 'node1').client, 'node1');
  assert.deepEqual(parseToolCommand(undefined), { args: [], client: undefined });
});

test('the question, its type and the server, per tool', () => {
  assert.equal(
    questionNameFromArgs(['+search', '+showsearch', '@10.96.0.10', 'SRV', '_http._tcp.web'], 'dig'),
    '_http._tcp.web',
  );
  assert.equal(questionTypeFromArgs(['SRV']), undefined, "dig's bare type is read from the QUESTION section instead");
  assert.equal(questionNameFromArgs(['-x', '10.103.129.86'], 'dig'), '86.129.103.10.in-addr.arpa');
  assert.equal(questionTypeFromArgs(['-x', '10.103.129.86']), 'PTR');
  assert.equal(questionTypeFromArgs(['-type=srv', 'x']), 'SRV');
  assert.equal(serverFromArgs(['-timeout=1', 'a-app', '10.96.0.99'], 'nslookup'), '10.96.0.99');
  assert.equal(serverFromArgs(['-W', '1', '-R', '1', 'a-app', '10.96.0.99'], 'host'), '10.96.0.99');
  assert.equal(questionNameFromArgs(['-W', '1', '-t', 'A', 'a-app'], 'host'), 'a-app');
  assert.equal(serverFromArgs(['@10.96.0.99', 'a'], 'dig'), '10.96.0.99');
});

test('the pod of `kubectl logs`', () => {
  assert.equal(podOfKubectlLogs('kubectl logs a-app-57974fdb4-mcz5n'), 'a-app-57974fdb4-mcz5n');
  assert.equal(podOfKubectlLogs('kubectl -n default logs -f --tail 20 pod/a-app-0 -c nginx'), 'a-app-0');
  assert.equal(podOfKubectlLogs('kubectl get pods'), undefined);
  assert.equal(podOfKubectlLogs('cat logs'), undefined);
});

test("kubectl run -it --rm chatter around a tool's output is understood, not reported", () => {
  // The lines kubectl prints around the tool (as seen in public transcripts), around a real busybox answer.
  const text = [
    "If you don't see a command prompt, try pressing enter.",
    fixture('dns/busybox-nslookup-pod.txt').trimEnd(),
    "Session ended, resume using 'kubectl attach dns-test -c dns-test -i -t' command",
    'pod "dns-test" deleted from default namespace',
  ].join('\n');
  const r = parseNslookup({
    text,
    uri: 'x',
    command:
      'kubectl run dns-test --image=busybox:1.36 -it --rm --restart=Never -- nslookup web-1.web.default.svc.cluster.local',
  });
  assert.deepEqual(r.unparsed, []);
  const [l] = factsOf(r, 'DnsLookup');
  assert.deepEqual([l.client, l.answers[0].data], ['dns-test', '10.244.0.221']);
  assert.equal(isKubectlChatter('pod "curl" deleted'), true);
  assert.equal(isKubectlChatter('Server: 10.96.0.10'), false);
});
