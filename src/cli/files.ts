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

/** The options that take paths, repeatable: `--logs a --logs b`. */
const PATH_OPTIONS = new Set(['--logs', '--manifests']);

/**
 * `--logs a b c` (what a shell glob such as `--logs captures/*.txt` expands to) as parseArgs reads
 * repeatable options: `--logs a --logs b --logs c`. Every argument after a path option up to the
 * next one starting with `-` is another path of it; `--logs=a` and everything else stay as they are.
 */
export function spreadPathOptions(args: readonly string[]): string[] {
  const spread: string[] = [];
  let pathOption: string | undefined;
  let taken = 0;
  for (const arg of args) {
    if (arg.startsWith('-')) {
      pathOption = PATH_OPTIONS.has(arg) ? arg : undefined;
      taken = 0;
      spread.push(arg);
      continue;
    }
    if (pathOption !== undefined && taken > 0) spread.push(pathOption);
    if (pathOption !== undefined) taken++;
    spread.push(arg);
  }
  return spread;
}
