/**
 * Real paths for the access policy: symlinks resolved with the file system. A path that
 * does not exist yet keeps its missing tail under the real path of its nearest existing
 * ancestor, so `link/not-yet` still resolves through `link`.
 */
import { realpathSync } from 'node:fs';
import * as nodePath from 'node:path';

export function realPathOf(path: string): string | undefined {
  const missing: string[] = [];
  let current = nodePath.resolve(path);
  for (;;) {
    try {
      return nodePath.join(realpathSync.native(current), ...missing.reverse());
    } catch {
      const parent = nodePath.dirname(current);
      if (parent === current) return undefined;
      missing.push(nodePath.basename(current));
      current = parent;
    }
  }
}
