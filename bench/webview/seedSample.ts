// The seed report's three labs traced by the real flow engine, as one TraceResult
// (the benchmark's "real" payload; the labs come from the flow engine's test models).
import { trace } from '../../src/flow';
import type { TraceResult } from '../../src/flow/types';
import { labA1, labA2, labA3 } from '../../test/unit/flow/seedModel';

export function seedTraceResult(): TraceResult {
  const runs = [
    trace(labA1(), 'b-pod', 'a-pod'),
    trace(labA2({ traceroute: true }), 'b-app', 'a-app.default.svc.cluster.local'),
    trace(labA3(), 'b-app', 'a-app.default.svc.cluster.local'),
  ];
  return {
    flows: runs.flatMap((sampleRun) => sampleRun.flows),
    unresolved: runs.flatMap((sampleRun) => sampleRun.unresolved),
  };
}
