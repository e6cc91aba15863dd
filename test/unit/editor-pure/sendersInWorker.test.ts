import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { withoutPackets } from '../../../src/editor/worker/heldDocuments.pure';
import { chooseClient, sendersTo, serviceAddresses } from '../../../src/editor/trace/targets.pure';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { WorkerClient } from '../../../src/editor/worker/workerClient.pure';
import { namespacedName, type ClusterModel, type Service } from '../../../src/model';
import { repeatedLab } from '../../support/largeLab';

// *Trace this Service* on a large open log: the parse worker holds its packets (the extension host
// keeps the rest, withoutPackets), so the host asks the worker who sent to the Service (`senders`)
// and picks the client with that answer. Driven through the real worker bundle (dist/worker.js,
// built by `npm test` before the unit tests) with the client the extension uses.
const WORKER = resolve('dist/worker.js');
const BROKEN = 'test/fixtures/broken';
const SCENARIOS = readdirSync(BROKEN).filter((name) => /^\d+-/.test(name));
/** Over the 1 MB from which the extension has the worker hold an open log (largeDocuments.ts). */
const LARGE = 1_100_000;

interface Session {
  uri: string;
  text: string;
  /** Every fact: the manifests and the whole log. */
  all: ClusterModel;
  /** What the extension host has while the worker holds the log: its facts but the packets. */
  host: ClusterModel;
}

function session(name: string): Session {
  const uri = `file:///w/${name}.txt`;
  const text = repeatedLab(readFileSync(`${BROKEN}/${name}/broken.txt`, 'utf8'), { bytes: LARGE });
  const manifests = manifestFacts(readFileSync(`${BROKEN}/${name}/manifests.yaml`, 'utf8'), 'file:///w/manifests.yaml');
  const doc = parseDocument(text, uri);
  return {
    uri,
    text,
    all: buildModel([manifests.facts, doc.facts]),
    host: buildModel([manifests.facts, withoutPackets(doc).facts]),
  };
}

/** The Services a user could trace to (those of kube-system too: the lens is on every Service). */
const servicesOf = (model: ClusterModel): Service[] => model.services;

/** What `clientFor` does with a choice: the pod picked, or a QuickPick of the candidates. */
const outcome = (choice: ReturnType<typeof chooseClient>): string =>
  choice.pick
    ? `pick ${namespacedName(choice.pick)}`
    : `QuickPick of ${choice.candidates.map((pod) => namespacedName(pod)).join(', ')}`;

async function heldSenders(client: WorkerClient, uri: string, addresses: string[]): Promise<Map<string, number>> {
  const answer = await client.request({ kind: 'senders', held: [uri], addresses });
  assert.equal(answer.kind, 'senders');
  return new Map((answer as { value: [string, number][] }).value);
}

test('Trace this Service on a large held log picks the client that all facts pick, from the worker senders', async () => {
  const client = new WorkerClient(WORKER);
  /** Services whose client the host model alone got wrong (a QuickPick or another pod). */
  const fixed: string[] = [];
  let services = 0;
  try {
    for (const name of SCENARIOS) {
      const { uri, text, all, host } = session(name);
      const parsed = await client.request({ kind: 'parse', uri, text, version: 1 }, { onPart: () => undefined });
      assert.ok(parsed.kind === 'parsed' && parsed.value.held, `${name}: the worker holds the log`);
      for (const service of servicesOf(host)) {
        const label = `${name} ${namespacedName(service)}`;
        const addresses = serviceAddresses(host, service);
        assert.deepEqual(addresses, serviceAddresses(all, service), `${label}: the host knows the same addresses`);
        const senders = await heldSenders(client, uri, addresses);
        // the worker counts the senders as the host would with the packets, found by the capture table
        assert.deepEqual(senders, sendersTo(all, new Set(addresses)), `${label}: senders`);
        assert.deepEqual(sendersTo(host, new Set(addresses)), new Map(), `${label}: the host has no packets`);
        const expected = outcome(chooseClient(all, service, 'file:///w/manifests.yaml'));
        const withWorker = outcome(chooseClient(host, service, 'file:///w/manifests.yaml', senders));
        assert.equal(withWorker, expected, label);
        if (outcome(chooseClient(host, service, 'file:///w/manifests.yaml')) !== expected) fixed.push(label);
        services++;
      }
      await client.request({ kind: 'forget', uri });
    }
  } finally {
    client.dispose();
  }
  // the gap this closes: without the worker's answer the host asked, or picked another pod
  assert.ok(services >= SCENARIOS.length * 4, `${services} Services`);
  assert.ok(fixed.length >= SCENARIOS.length / 2, `the host alone was wrong for ${fixed.join('; ')}`);
  assert.ok(
    fixed.some((label) => label.startsWith('1-no-listener default/web')),
    `1-no-listener's web among ${fixed.join('; ')}`,
  );
});

test('a client of the Service in a large held log: default/client, only with the worker senders', async () => {
  const client = new WorkerClient(WORKER);
  try {
    const { uri, text, host } = session('1-no-listener');
    await client.request({ kind: 'parse', uri, text, version: 1 }, { onPart: () => undefined });
    const web = host.findService('web', 'default')!;
    const senders = await heldSenders(client, uri, serviceAddresses(host, web));
    assert.equal(chooseClient(host, web, 'file:///w/manifests.yaml', senders).pick?.name, 'client');
    const asked = chooseClient(host, web, 'file:///w/manifests.yaml');
    assert.equal(asked.pick, undefined, 'the host model alone has no sender: the user is asked');
    assert.ok(asked.candidates.length > 1, `${asked.candidates.length} candidates`);
    // a document the worker does not hold is an error, not an empty answer
    await assert.rejects(client.request({ kind: 'senders', held: ['file:///w/closed.txt'], addresses: ['10.0.0.1'] }));
  } finally {
    client.dispose();
  }
});
