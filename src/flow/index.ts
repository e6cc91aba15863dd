/** The flow engine: trace(model, from, to) → flows with evidence; capture correlation; findings. */
export { trace, type TraceOptions } from './trace';
export { UnknownTargetError, parseDst, resolveTarget } from './resolve';
export { closeMatches } from './closeMatches';
export { brokenAt } from './brokenAt';
export { diagnose, type Diagnosis, type Problem } from './diagnose';
export { correlate } from './correlate';
export type * from './types';
