// The seed report's three labs traced by the real flow engine, as one TraceResult.
// Used by the bundled sample (media/sample/seed-trace.json) and by the benchmark.
import { trace } from '../../src/flow';
import type { TraceResult } from '../../src/flow/types';
import { SEED, labA1, labA2, labA3 } from '../../test/unit/flow/seedModel';

export const SAMPLE_NAME = 'flannel-network-flows-part1.ko.txt';

/** Evidence in the report becomes `sample:` evidence, resolved by the extension to media/sample/. */
function toSampleUris(result: TraceResult): TraceResult {
  return JSON.parse(JSON.stringify(result), (key, value) => (key === 'uri' && value === SEED ? `sample:${SAMPLE_NAME}` : value)) as TraceResult;
}

export function seedTraceResult(): TraceResult {
  const runs = [trace(labA1(), 'b-pod', 'a-pod'), trace(labA2({ traceroute: true }), 'b-app', 'a-app.default.svc.cluster.local'), trace(labA3(), 'b-app', 'a-app.default.svc.cluster.local')];
  return toSampleUris({ flows: runs.flatMap((r) => r.flows), unresolved: runs.flatMap((r) => r.unresolved) });
}
