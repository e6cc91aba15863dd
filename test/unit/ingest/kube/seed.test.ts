import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ClusterModel, type HostInterface, type Pod, type Service } from '../../../../src/model';
import { formatForCommand, formatSpec } from '../../../../src/ingest/registry';

const SEED = 'test/fixtures/seed/flannel-network-flows-part1.ko.txt';
const lines = readFileSync(SEED, 'utf8').split('\n');

/** Parses seed output line `n` with the format its command (the line before) selects. */
function seedOutput(n: number, command = lines[n - 2]) {
  const spec = formatForCommand(command.replace(/^#\s*/, ''));
  assert.ok(spec, `format for ${command}`);
  return spec.parse({ text: lines[n - 1], uri: SEED, firstLine: n, command });
}

test('the A.2 lab from the seed: flattened kubectl outputs and the sample manifests merge without conflict', () => {
  const model = new ClusterModel();
  for (const f of [
    'samples/manifests/a2-clusterip-deployment/a-app.yaml',
    'samples/manifests/a2-clusterip-deployment/b-app.yaml',
    'samples/manifests/kube-system/kube-dns.yaml',
    'samples/manifests/kube-system/coredns.yaml',
  ]) {
    model.add(formatSpec('manifest')!.parse({ text: readFileSync(f, 'utf8'), uri: f }).facts);
  }
  for (const n of [131, 173, 178, 201, 219]) model.add(seedOutput(n).facts);
  model.add(seedOutput(98, 'ip link').facts);
  assert.deepEqual(model.conflicts, []);

  const svc = model.services.find((s: Service) => s.name === 'a-app')!;
  // ClusterIP from the glued `kubectl get svc` line, selector and target port from the manifest.
  assert.deepEqual([svc.clusterIP, svc.selector, svc.ports[0].targetPort], ['10.103.129.86', { app: 'a-app' }, 80]);
  assert.ok(
    svc.evidence.some((e) => e.source === 'manifest') && svc.evidence.some((e) => e.uri === SEED && e.line === 173),
  );
  const pods = model.pods.filter((p: Pod) => p.name.startsWith('a-app-57974fdb4'));
  assert.deepEqual(pods.map((p) => p.ip).sort(), ['10.244.0.143', '10.244.0.144']);
  assert.equal(model.pods.find((p: Pod) => p.name === 'b-app')!.ip, '10.244.0.147');
  const dns = model.services.find((s: Service) => s.name === 'kube-dns')!;
  assert.deepEqual([dns.namespace, dns.clusterIP, dns.ports.length], ['kube-system', '10.96.0.10', 3]);
  const veth = model.all('HostInterface').find((i: HostInterface) => i.name === 'vethded7ef9f')!;
  assert.deepEqual([veth.master, veth.mtu, veth.evidence[0].line], ['cni0', 1450, 98]);
});

test('the A.3 lab from the seed: the flattened statefulset.yaml and the flattened get output agree', () => {
  const spec = formatSpec('manifest')!;
  const pieces = spec.unflatten!(lines[307]).map((p) => (typeof p === 'string' ? p : p.text));
  const model = new ClusterModel()
    .add(spec.parse({ text: pieces.join('\n'), uri: SEED }).facts)
    .add(seedOutput(313).facts);
  assert.deepEqual(model.conflicts, []);
  const svc = model.services.find((s: Service) => s.name === 'a-app')!;
  assert.deepEqual([svc.clusterIP, svc.ports[0].targetPort, svc.ports[0].name], ['None', 'web', 'http']);
  assert.deepEqual(
    model.pods.filter((p: Pod) => /^a-app-\d$/.test(p.name)).map((p) => p.ready),
    [true, true, true],
  );
});
