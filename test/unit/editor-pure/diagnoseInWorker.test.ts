import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import '../../../src/ingest/all';
import { parseDocument } from '../../../src/ingest/document';
import { packFacts } from '../../../src/ingest/factTransfer';
import { diagnose, type Diagnosis } from '../../../src/flow';
import { withoutPackets } from '../../../src/editor/worker/heldDocuments.pure';
import { MAX_PROOFS } from '../../../src/editor/diagram/cappedProofs.pure';
import { buildModel, manifestFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { WorkerClient } from '../../../src/editor/worker/workerClient.pure';
import type { Fact } from '../../../src/model';
import { repeatedLab } from '../../support/largeLab';

// *Diagnose* of a held document in the real worker bundle (dist/worker.js, built by `npm test`
// before the unit tests), driven by the client the extension uses: the worker has the packets the
// extension host does not (withoutPackets), and answers what `diagnose` says with every fact.
const WORKER = resolve('dist/worker.js');
const BROKEN = 'test/fixtures/broken';
const SCENARIOS = readdirSync(BROKEN).filter((name) => /^\d+-/.test(name));

/** A broken-lab scenario's session (`broken.txt`, made `bytes` long when given) and its manifests' facts. */
function scenario(name: string, bytes?: number): { text: string; manifests: Fact[] } {
  const session = readFileSync(`${BROKEN}/${name}/broken.txt`, 'utf8');
  const manifests = manifestFacts(readFileSync(`${BROKEN}/${name}/manifests.yaml`, 'utf8'), 'file:///w/manifests.yaml');
  return { text: bytes ? repeatedLab(session, { bytes }) : session, manifests: manifests.facts };
}

/** Holds `text` in the worker as an open document and diagnoses it with the manifests there. */
async function diagnosedInWorker(client: WorkerClient, uri: string, text: string, manifests: Fact[]) {
  const parsed = await client.request({ kind: 'parse', uri, text, version: 1 }, { onPart: () => undefined });
  assert.ok(parsed.kind === 'parsed' && parsed.value.held, 'the worker holds the document');
  const manifestPart = { facts: packFacts(manifests, { transfer: false }).packed, cacheAs: 1 };
  const answer = await client.request({ kind: 'diagnose', parts: [manifestPart, { held: uri }] });
  assert.equal(answer.kind, 'diagnosed');
  return (answer as { value: Diagnosis }).value;
}

/**
 * `inWorker` is `expected` with each finding's proofs capped: its first MAX_PROOFS (and its first
 * proof with lines, the one *Diagnose* opens, when it came later), and a message that says so.
 */
function assertSameDiagnosis(inWorker: Diagnosis, expected: Diagnosis): void {
  assert.deepEqual(inWorker.requests, expected.requests);
  assert.deepEqual(
    inWorker.problems.map(({ finding, ...rest }) => ({
      ...rest,
      id: finding.id,
      title: finding.title,
      hop: finding.hop,
    })),
    expected.problems.map(({ finding, ...rest }) => ({
      ...rest,
      id: finding.id,
      title: finding.title,
      hop: finding.hop,
    })),
  );
  for (const [index, { finding }] of expected.problems.entries()) {
    const got = inWorker.problems[index].finding;
    const proof = (evidence: typeof finding.evidence) => evidence.find((one) => one.source !== 'derived');
    assert.deepEqual(proof(got.evidence), proof(finding.evidence), `${finding.id}: the proof Diagnose opens`);
    if (finding.evidence.length <= MAX_PROOFS) {
      assert.deepEqual(got, finding);
      continue;
    }
    assert.deepEqual(got.evidence.slice(0, MAX_PROOFS), finding.evidence.slice(0, MAX_PROOFS));
    assert.ok(got.evidence.length <= MAX_PROOFS + 1, `${got.evidence.length} proofs`);
    assert.equal(got.message, `${finding.message} (${MAX_PROOFS} of ${finding.evidence.length} proofs kept)`);
  }
}

test('Diagnose in the worker on each broken-lab session held there says what diagnose says with all facts', async () => {
  const client = new WorkerClient(WORKER);
  try {
    for (const name of SCENARIOS) {
      const { text, manifests } = scenario(name);
      const uri = `file:///w/${name}.txt`;
      const inWorker = await diagnosedInWorker(client, uri, text, manifests);
      const expected = diagnose(buildModel([manifests, parseDocument(text, uri).facts]));
      assert.ok(expected.problems.length > 0, `${name}: the lab's failure is found`);
      assertSameDiagnosis(inWorker, expected);
      await client.request({ kind: 'forget', uri });
    }
  } finally {
    client.dispose();
  }
});

test('a large held capture of a refused request: the worker finds it, the host model alone would not', async () => {
  const client = new WorkerClient(WORKER);
  try {
    const { text, manifests } = scenario('1-no-listener', 1_100_000);
    const uri = 'file:///w/large-no-listener.txt';
    const inWorker = await diagnosedInWorker(client, uri, text, manifests);
    const doc = parseDocument(text, uri);
    const expected = diagnose(buildModel([manifests, doc.facts]));
    assertSameDiagnosis(inWorker, expected);
    assert.match(inWorker.requests.join('\n'), /default\/client → 10\.96\.0\.20:80 \(refused(, \d+ connections)?\)/);
    const first = inWorker.problems[0].finding;
    assert.equal(first.title, 'Nothing listens on 10.244.0.20:8080');
    assert.ok(expected.problems[0].finding.evidence.length > MAX_PROOFS, 'its proofs were capped');
    // what the extension host diagnosed before: every fact of the log but its packets
    const onHost = diagnose(buildModel([manifests, withoutPackets(doc).facts]));
    assert.deepEqual([onHost.requests, onHost.problems], [[], []]);
  } finally {
    client.dispose();
  }
});
