import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { disposePki, sharedPki, startHarness, type Harness } from './harness';

const KUBECTL = '/usr/bin/kubectl';
const run = promisify(execFile);
let h: Harness;
before(async () => {
  sharedPki();
  h = await startHarness();
});
after(async () => {
  await h?.dispose();
  disposePki();
});

// Real kubectl against the fake server proves it speaks the protocol (discovery, paging, Status) well enough.
test(
  'kubectl get pods,services,endpointslices -A -o json works against the fake API server',
  { skip: !existsSync(KUBECTL) && 'kubectl not installed' },
  async () => {
    const kubeconfig = h.kubeconfig();
    const { stdout } = await run(
      KUBECTL,
      [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(h.dir, 'cache'),
        '--request-timeout=10s',
        'get',
        'pods,services,endpointslices',
        '-A',
        '-o',
        'json',
      ],
      { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: h.dir } },
    );
    const list = JSON.parse(stdout) as { kind: string; items: { kind: string; metadata: { name: string } }[] };
    assert.equal(list.kind, 'List');
    const count = (k: string) => list.items.filter((i) => i.kind === k).length;
    assert.deepEqual([count('Pod'), count('Service'), count('EndpointSlice')], [9, 3, 3]);
    assert.ok(list.items.some((i) => i.kind === 'Pod' && i.metadata.name === 'a-app-57974fdb4-mcz5n'));
    assert.deepEqual([...new Set(h.server.requests.map((q) => q.method))], ['GET']);
    const lists = h.server.requests.filter((q) =>
      /^\/(api\/v1\/(pods|services)|apis\/discovery\.k8s\.io\/v1\/endpointslices)$/.test(q.path),
    );
    assert.equal(lists.length, 3);
    assert.ok(
      lists.every((q) => q.query.limit === '500'),
      'kubectl pages with limit=500 like the reader',
    );
  },
);

test(
  "kubectl shows the fake server's 403 Status message verbatim",
  { skip: !existsSync(KUBECTL) && 'kubectl not installed' },
  async () => {
    h.server.fault('services', { type: 'status', code: 403 });
    try {
      await assert.rejects(
        run(
          KUBECTL,
          [
            '--kubeconfig',
            h.kubeconfig(),
            '--cache-dir',
            join(h.dir, 'cache'),
            '--request-timeout=10s',
            'get',
            'services',
            '-A',
            '-o',
            'json',
          ],
          { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: h.dir } },
        ),
        (e: { stderr: string }) => {
          assert.match(
            e.stderr,
            /services is forbidden: User "system:serviceaccount:default:reader" cannot list resource "services" in API group "" at the cluster scope/,
          );
          return true;
        },
      );
    } finally {
      h.server.clearFaults();
    }
  },
);
