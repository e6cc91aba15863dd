import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';

/** What the workspace scan never reads: dependencies, VCS data, build output, caches. */
export const SCAN_EXCLUDES = [
  '**/node_modules/**',
  '**/.vscode-test/**',
  '**/.git/**',
  '**/.cache/**',
  '**/out/**',
  '**/dist/**',
] as const;

/** The folders SCAN_EXCLUDES names: the walk does not enter them. */
const EXCLUDED_FOLDERS = new Set(SCAN_EXCLUDES.map((glob) => glob.slice('**/'.length, -'/**'.length)));

/**
 * The files under the folders `roots` (absolute paths) matching one of `globs` (VS Code's
 * `findFiles` syntax relative to each folder: `**`, `*`, `{a,b}`; dot files included), outside
 * SCAN_EXCLUDES, at most `max`, by folder then path. Read from the disk by the scan's worker:
 * `vscode.workspace.findFiles` starts a ripgrep process from the extension host's thread for each
 * search (30-60 ms of that thread each on a busy machine). Symbolic links are followed, each folder
 * entered once. Never throws: a folder that cannot be read lists nothing.
 */
export async function listFiles(request: {
  roots: readonly string[];
  globs: readonly string[];
  max: number;
}): Promise<string[]> {
  const matches = picomatch([...request.globs], { dot: true });
  const found: string[] = [];
  const entered = new Set<string>();
  for (const root of request.roots) {
    const inRoot: string[] = [];
    await walk({ root, relative: '', matches, entered, found: inRoot, max: request.max - found.length });
    found.push(...inRoot.sort((one, other) => (one < other ? -1 : one > other ? 1 : 0)));
    if (found.length >= request.max) break;
  }
  return found.slice(0, request.max);
}

/** Adds the matching files under `root`/`relative` to `found`, until it holds `max`. */
async function walk(at: {
  root: string;
  relative: string;
  matches: (path: string) => boolean;
  entered: Set<string>;
  found: string[];
  max: number;
}): Promise<void> {
  const folder = join(at.root, at.relative);
  let entries;
  try {
    const real = await realpath(folder);
    if (at.entered.has(real)) return;
    at.entered.add(real);
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (at.found.length >= at.max) return;
    const relative = at.relative ? `${at.relative}/${entry.name}` : entry.name;
    let isFolder = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = await stat(join(folder, entry.name));
        isFolder = target.isDirectory();
        isFile = target.isFile();
      } catch {
        continue;
      }
    }
    if (isFolder && !EXCLUDED_FOLDERS.has(entry.name)) await walk({ ...at, relative });
    else if (isFile && at.matches(relative)) at.found.push(join(at.root, relative));
  }
}
