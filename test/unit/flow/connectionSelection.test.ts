// Which captured connections a trace from SRC to DST takes as its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { modelOf } from '../../support/modelOf';
import { trace } from '../../../src/flow';

const LAB = 'test/fixtures/lab';

test("a NodePort's connection is not a connection to the Service's ClusterIP, whatever form its reply shows", () => {
  // C.2: the LAN client to node1's NodePort; the replies of the local endpoint show a DNATed form
  // (client → pod) at cni0 In
  const model = modelOf({
    manifests: [join(LAB, 'manifests', 'cluster.yaml')],
    transcripts: ['node1', 'node2', 'ext-client'].map((host) => join(LAB, `c2-nodeport.${host}.txt`)),
  });
  assert.equal(trace(model, '172.30.1.100', 'default/shop').flows[0].connections?.length ?? 0, 0);
  assert.equal(trace(model, '172.30.1.100', '172.30.1.48:30080').flows[0].connections?.length, 4);
});
