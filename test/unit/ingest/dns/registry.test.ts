import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatForCommand, formatSpec, sniffFormat } from '../../../../src/ingest/registry';
import { fixture } from './helpers';

test('commands from transcripts pick the right parser', () => {
  const cases: [string, string][] = [
    ['kubectl exec -it b-app -- nslookup a-app.default.svc.cluster.local', 'nslookup'],
    [
      'kubectl run nslookup-pod-0 --image=busybox -it --rm -- nslookup a-app-0.a-app.default.svc.cluster.local',
      'nslookup',
    ],
    ['busybox nslookup web', 'nslookup'],
    ['kubectl run dig-pod --image=tutum/dnsutils -it --rm -- dig a-app.default.svc.cluster.local', 'dig'],
    ['sudo ip netns exec kpp-dns-cli dig +short web.default.svc.cluster.local', 'dig'],
    ['host -v web-0.web', 'host'],
    ['kubectl exec b-app -- cat /etc/hosts /etc/resolv.conf', 'hosts'],
    ['kubectl exec b-app -- cat /etc/resolv.conf', 'resolv-conf'],
    ['kubectl exec -it b-app -- traceroute -m 10 a-app.default.svc.cluster.local', 'traceroute'],
    ['traceroute -n 10.244.0.26', 'traceroute'],
    ['kubectl logs a-app-0 -f', 'kubectl-logs'],
    ['kubectl -n default logs pod/a-app-57974fdb4-mcz5n', 'kubectl-logs'],
  ];
  for (const [cmd, id] of cases) assert.equal(formatForCommand(cmd)?.id, id, cmd);
  assert.equal(formatForCommand('hostname')?.id, undefined);
  assert.equal(formatForCommand('digest --help')?.id, undefined);
});

test('output with no command is recognised by content', () => {
  const cases: [string, string][] = [
    ['dns/dig-headless.txt', 'dig'],
    ['dns/nslookup-a-app.txt', 'nslookup'],
    ['dns/busybox-nslookup-headless.txt', 'nslookup'],
    ['dns/host-headless.txt', 'host'],
    ['dns/hosts.txt', 'hosts'],
    ['dns/resolv.conf.txt', 'resolv-conf'],
    ['traceroute/traceroute-n-server.txt', 'traceroute'],
    ['traceroute/busybox-traceroute-n-silent.txt', 'traceroute'],
    ['nginx/access-combined.log', 'kubectl-logs'],
    ['nginx/kubectl-logs-prefix-timestamps.log', 'kubectl-logs'],
  ];
  for (const [file, id] of cases) assert.equal(sniffFormat(fixture(file).split('\n'))?.id, id, file);
  for (const id of ['nslookup', 'dig', 'host', 'hosts', 'resolv-conf', 'traceroute', 'kubectl-logs'] as const)
    assert.ok(formatSpec(id), id);
});

test('the unflatten hooks are idempotent: a recovered record is not cut again', () => {
  // the seed report has no nginx log: a flattened copy of the real one stands in
  const seed = [
    ...fixture('seed/flannel-network-flows-part1.ko.txt').split('\n'),
    fixture('nginx/access-combined.log').replace(/\n/g, ' '),
  ];
  for (const id of ['nslookup', 'dig', 'host', 'hosts', 'resolv-conf', 'traceroute', 'kubectl-logs'] as const) {
    const unflatten = formatSpec(id)?.unflatten;
    assert.ok(unflatten, id);
    let cut = 0;
    for (const line of seed) {
      const pieces: (string | { text: string; start: number })[] = unflatten(line);
      if (pieces.length > 1) cut++;
      for (const p of pieces) {
        const text = typeof p === 'string' ? p : p.text;
        const again: string[] = unflatten(text).map((q) => (typeof q === 'string' ? q : q.text));
        assert.deepEqual(again, [text], `${id}: ${text.slice(0, 80)}`);
        if (typeof p !== 'string') assert.equal(line.slice(p.start, p.start + text.length), text);
      }
    }
    assert.ok(cut > 0, `${id} recovers some flattened seed line`);
  }
});
