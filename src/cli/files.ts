import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** True for a folder; false for a file or a path that cannot be read (the caller's read reports why). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The files a PATH argument names: the file itself, or every file under a folder (sorted,
 * recursively, skipping dot-files and dot-folders such as `.git`), kept when `accept` says so.
 * A path that cannot be read is returned as it is, so the caller reports why it failed.
 */
export function filesUnder(path: string, accept: (name: string) => boolean = () => true): string[] {
  if (!isFolder(path)) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      if (name.startsWith('.')) return [];
      const child = join(path, name);
      if (isFolder(child)) return filesUnder(child, accept);
      return accept(name) ? [child] : [];
    });
}
