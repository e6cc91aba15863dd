// Hovers name a Service's ClusterIP from what the paste shows: kube-proxy's rules (a real
// session on a netns "node", test/fixtures/editor/README.md) and DNS answers (the seed report's
// nslookup), with no Service object in the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildModel, logFacts } from '../../../src/editor/workspace/modelFacts.pure';
import { buildLineIndex } from '../../../src/editor/hover/captureIndex.pure';
import { annotatePacket, describeAddress } from '../../../src/editor/hover/packetAnnotation.pure';
import { parseDocument } from '../../../src/ingest/document';

test('capture hover: 10.96.45.7:8080 is named shop/cart:http by the pasted KUBE-SERVICES rule', () => {
  const uri = 'file:///fixtures/shop-cart-session.txt';
  const text = readFileSync('test/fixtures/editor/shop-cart-session.txt', 'utf8');
  const facts = logFacts(text, uri).facts;
  const model = buildModel([facts]);
  assert.equal(model.services.length, 0, 'no Service object: only the rules name the address');
  const index = buildLineIndex(facts, uri, model);
  const line = text.split('\n').findIndex((l) => l.includes('veth-cli In  IP 10.244.1.10.42772 > 10.96.45.7.8080')) + 1;
  const said = annotatePacket(model, index, index.packets.get(line)![0]).join('\n');
  assert.match(
    said,
    /To 10\.96\.45\.7:8080: Service shop\/cart \(ClusterIP, named by kube-proxy's rule .*KUBE-SERVICES/,
  );
  assert.match(said, /port 8080\/TCP of Service shop\/cart \(http\)/);
  // After DNAT the same connection goes to the endpoint, which the rules name too.
  const after =
    text.split('\n').findIndex((l) => l.includes('veth-srv Out IP 10.244.1.10.42772 > 10.244.2.23.8080')) + 1;
  assert.match(
    annotatePacket(model, index, index.packets.get(after)![0]).join('\n'),
    /To 10\.244\.2\.23:8080: endpoint of Service shop\/cart:http \(kube-proxy's rule/,
  );
});

test('an A answer for <service>.<namespace>.svc names the ClusterIP it gives', () => {
  const uri = 'samples/a2-pod-to-service/nslookup.txt';
  const doc = parseDocument(readFileSync(uri, 'utf8'), uri);
  const model = buildModel([doc.facts]);
  assert.equal(model.services.length, 0);
  assert.match(
    describeAddress(model, '10.103.129.86') ?? '',
    /^Service default\/a-app \(ClusterIP, named by a DNS answer/,
  );
});
