/** The flow engine: trace(model, from, to) → flows with evidence; capture correlation; findings. */
export { trace } from './trace';
export { TraceCache } from './traceCache';
export { UnknownTargetError, parseDst, resolveTarget } from './resolve';
export { brokenAt } from './brokenAt';
export { diagnose, type Diagnosis } from './diagnose';
export type * from './types';
