// A capture stopped just after a connection began shows neither its next hops nor its answer: that
// proves nothing, so nothing after its last line may be called missing. The lab's A.2 capture (the
// kernel's own output) is cut after the SYN's first line, as if tcpdump had been stopped there; the
// same capture whole draws the same connection with no step missing either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../../src/ingest/document';
import { formatSpec } from '../../../src/ingest/registry';
import { ClusterModel } from '../../../src/model';
import { trace } from '../../../src/flow';

const LAB = 'test/fixtures/lab';

function model(text: string): ClusterModel {
  const m = new ClusterModel();
  const manifests = `${LAB}/manifests/cluster.yaml`;
  m.add(formatSpec('manifest')!.parse({ text: readFileSync(manifests, 'utf8'), uri: manifests }).facts);
  m.add(parseDocument(text, 'a2.txt').facts);
  return m;
}

test('a capture that stopped right after a SYN calls none of the later hops missing', () => {
  const lines = readFileSync(`${LAB}/a2-pod-to-service.txt`, 'utf8').split('\n');
  const syn = lines.findIndex((line) =>
    / veth\w+ P +IP 10\.244\.0\.147\.\d+ > 10\.103\.129\.86\.80: Flags \[S\],/.test(line),
  );
  assert.ok(syn > 0, 'the SYN leaving b-app');
  const cut = lines.slice(0, syn + 1).join('\n');
  const statuses = (text: string) =>
    trace(model(text), 'b-app', '10.103.129.86:80').flows.flatMap((flow) =>
      flow.phases.flatMap((phase) => phase.steps.map((step) => step.status)),
    );
  const stopped = statuses(cut);
  assert.ok(stopped.includes('observed'), 'the SYN itself is observed');
  // Before: "reply … missing" and the hops after the SYN, from a capture that had ended.
  assert.deepEqual(
    stopped.filter((status) => status === 'missing' || status === 'contradicted'),
    [],
  );
  assert.deepEqual(
    statuses(lines.join('\n')).filter((status) => status === 'missing' || status === 'contradicted'),
    [],
  );
});
