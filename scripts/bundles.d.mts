import type { BuildOptions } from 'esbuild';

/** Types of scripts/bundles.mjs for the TypeScript tests that import it. */
export type BundleName = 'extension' | 'features' | 'cluster' | 'cli' | 'webview';
export function bundleTargets(options?: {
  production?: boolean;
}): Record<BundleName, BuildOptions & { metafile: true }>;
