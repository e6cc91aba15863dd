// The sample workspace as VS Code opens it: every manifest and every text file beside them,
// none opened. The README's first step (Trace this Service on a2's a-app.yaml) must be proven
// by the sample captures, not predicted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { trace } from '../../../src/flow';
import {
  buildModel,
  logFileFacts,
  looksLikeManifest,
  manifestFacts,
  preferManifest,
  sampleLabsOf,
  detectedLanguage,
  type SourcePart,
} from '../../../src/editor/workspace/modelFacts.pure';

const ROOT = resolve('samples');
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));

function workspaceParts(withLogs: boolean): { parts: SourcePart[]; unread: string[] } {
  const parts: SourcePart[] = [];
  const unread: string[] = [];
  for (const file of walk(ROOT)) {
    const uri = pathToFileURL(file).toString();
    const text = readFileSync(file, 'utf8');
    if (/\.(ya?ml|json)$/.test(file)) {
      if (looksLikeManifest(text)) parts.push({ uri, manifest: true, facts: manifestFacts(text, uri).facts });
    } else if (withLogs && /\.txt$/.test(file)) {
      const parsed = logFileFacts(text, uri);
      if (parsed) parts.push({ uri, manifest: false, facts: parsed.facts });
      else unread.push(file.slice(ROOT.length + 1));
    }
  }
  return { parts, unread };
}

function statuses(withLogs: boolean) {
  const { parts, unread } = workspaceParts(withLogs);
  const prefer = pathToFileURL(join(ROOT, 'manifests/a2-clusterip-deployment/a-app.yaml')).toString();
  const { facts, setAside } = preferManifest(parts, prefer);
  const result = trace(buildModel(facts), 'default/b-app', 'a-app.default.svc.cluster.local:80');
  const count: Record<string, number> = {};
  for (const flow of result.flows)
    for (const phase of flow.phases) for (const step of phase.steps) count[step.status] = (count[step.status] ?? 0) + 1;
  return { count, unresolved: result.unresolved, setAside, unread };
}

test('the README first step on the sample workspace: observed hops from the unopened sample captures', () => {
  const manifestsOnly = statuses(false);
  assert.equal(manifestsOnly.count.observed, undefined, 'without the logs nothing is observed');
  const withLogs = statuses(true);
  assert.ok((withLogs.count.observed ?? 0) >= 15, JSON.stringify(withLogs.count));
  assert.equal(withLogs.count.contradicted, undefined, JSON.stringify(withLogs.count));
  // a3's outputs (a headless a-app, another b-app) are another lab: set aside, no conflict left.
  assert.ok(
    withLogs.setAside.some((s) => s.includes('a3-headless/get-svc-sts-pod.txt')),
    withLogs.setAside.join('\n'),
  );
  assert.deepEqual(
    withLogs.unresolved.filter((u) => /sources disagree/.test(u)),
    [],
  );
  // ping.txt is context only (no parser reads ping output): reported, not silently used.
  assert.deepEqual(withLogs.unread, ['a1-pod-to-pod/ping.txt']);
});

test('sample labs: a file belongs to the labs the registry lists it in', () => {
  assert.deepEqual(sampleLabsOf('file:///ws/a2-pod-to-service/nslookup.txt'), ['a2-pod-to-service']);
  assert.deepEqual(sampleLabsOf('file:///ws/manifests/kube-system/kube-dns.yaml'), [
    'a2-pod-to-service',
    'a3-headless',
  ]);
  assert.deepEqual(sampleLabsOf('file:///ws/e2e/pod-to-service.tcpdump'), []);
});

test('the language of a .txt file by its content: tcpdump and iptables-save output, else none', () => {
  const language = (file: string) =>
    detectedLanguage(readFileSync(file, 'utf8').slice(0, 20_000), pathToFileURL(resolve(file)).toString());
  assert.equal(language('samples/a2-pod-to-service/capture-service.txt'), 'tcpdump');
  assert.equal(language('test/e2e/fixtures/rules.v4'), 'iptables-save');
  assert.equal(language('test/fixtures/editor/shop-cart-session.txt'), undefined, 'a session is several formats');
  assert.equal(language('samples/a2-pod-to-service/get-svc.txt'), undefined, 'kubectl output has no language');
});
