/** Loads the seed report's cluster (test/fixtures/cluster/seed/*.json) into a fake server. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeApiServer, KubeObject } from './server';

export const SEED_FIXTURE_DIR = join(process.cwd(), 'test', 'fixtures', 'cluster', 'seed');

export function loadSeedCluster(server: FakeApiServer, dir = SEED_FIXTURE_DIR): FakeApiServer {
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    server.loadList(JSON.parse(readFileSync(join(dir, f), 'utf8')) as { kind: string; items: KubeObject[] });
  }
  return server;
}
