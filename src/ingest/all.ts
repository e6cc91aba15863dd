// Every parser (the list is src/ingest/formats.ts) and the ways to find one.
export * from './registry';
export type * from './types';
