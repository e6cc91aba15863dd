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

/**
 * One entry of the `files.exclude` setting: a glob relative to the folder, and, when given, the
 * sibling that must exist for it to apply (`"**\/*.js": { "when": "$(basename).ts" }`).
 */
export interface ExcludeRule {
  glob: string;
  when?: string;
}

/** A workspace folder to list: its path on the disk and what is excluded in it. */
export interface ListedFolder {
  path: string;
  /** The folder's `files.exclude` entries that are on (findFiles applies them). */
  excludes: readonly ExcludeRule[];
  /** `search.followSymlinks` for the folder (findFiles follows links unless it is false). */
  followSymlinks: boolean;
}

/**
 * The `files.exclude` setting's entries that are on, as rules: `true` or a `{ when }` clause; `false`
 * (an entry a narrower scope turned off) and anything else excludes nothing.
 */
export function excludeRules(setting: unknown): ExcludeRule[] {
  if (!setting || typeof setting !== 'object') return [];
  const rules: ExcludeRule[] = [];
  for (const [glob, value] of Object.entries(setting as Record<string, unknown>)) {
    if (!glob.trim()) continue;
    if (value === true) rules.push({ glob });
    else if (value && typeof value === 'object' && typeof (value as { when?: unknown }).when === 'string')
      rules.push({ glob, when: (value as { when: string }).when });
  }
  return rules;
}

/** A search of listFiles: the files matching one of `globs`, at most `max`. */
export interface FileSearch {
  globs: readonly string[];
  max: number;
}

/**
 * For each search, the files under `folders` matching one of its globs, listed as
 * `vscode.workspace.findFiles(glob, SCAN_EXCLUDES)` lists them in VS Code 1.100: globs relative to
 * each folder (`**`, `*`, `?`, `{a,b}`, `[…]`; case-sensitive; dot files and folders included), the
 * folder's `files.exclude` applied but not `search.exclude`, `.gitignore` and other ignore files not
 * read, symbolic links followed unless `search.followSymlinks` is false (each real folder entered
 * once), an excluded folder not entered. Unlike findFiles, the order is fixed (folders in order,
 * then by path), so the model the scan builds does not depend on which file a search process met
 * first; at most `max` paths a search. The folders are walked once for all the searches.
 *
 * Read from the disk by the scan's worker: findFiles starts a ripgrep process from the extension
 * host's thread for each search (30-60 ms of that thread each on a busy machine). Never throws: a
 * folder that cannot be read lists nothing.
 */
export async function listFiles(request: {
  folders: readonly ListedFolder[];
  searches: readonly FileSearch[];
}): Promise<string[][]> {
  const searches = request.searches.map((search) => ({
    included: matcher(search.globs),
    max: search.max,
    found: [] as string[],
  }));
  const entered = new Set<string>();
  for (const folder of request.folders) {
    const before = searches.map((search) => search.found.length);
    await walk({
      root: folder.path,
      relative: '',
      searches,
      excluded: exclusions([...SCAN_EXCLUDES.map((glob) => ({ glob })), ...folder.excludes]),
      followSymlinks: folder.followSymlinks,
      entered,
    });
    searches.forEach((search, index) => {
      const inFolder = search.found.splice(before[index]).sort(byPath);
      search.found.push(...inFolder);
    });
  }
  return searches.map((search) => search.found);
}

const byPath = (one: string, other: string) => (one < other ? -1 : one > other ? 1 : 0);

/** Whether an entry (its path relative to the folder, and its siblings' names) is excluded. */
type Excluded = (relative: string, name: string, siblings: ReadonlySet<string>) => boolean;

/**
 * True for a path one of `globs` matches. A glob picomatch refuses (over 65,536 characters) matches
 * nothing: the listing never throws for a setting's value.
 */
function matcher(globs: readonly string[]): (path: string) => boolean {
  const matchers = globs.flatMap((glob) => {
    try {
      return [picomatch(glob, { dot: true })];
    } catch {
      return [];
    }
  });
  return (path) => matchers.some((matches) => matches(path));
}

function exclusions(rules: readonly ExcludeRule[]): Excluded {
  const matchesAlways = matcher(rules.filter((rule) => rule.when === undefined).map((rule) => rule.glob));
  const conditional = rules
    .filter((rule): rule is Required<ExcludeRule> => rule.when !== undefined)
    .map((rule) => ({ matches: matcher([rule.glob]), when: rule.when }));
  return (relative, name, siblings) =>
    matchesAlways(relative) ||
    conditional.some((rule) => rule.matches(relative) && siblings.has(rule.when.replaceAll('$(basename)', stem(name))));
}

/** A file name without its last extension (`$(basename)` of a `when` clause). */
function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Adds the files under `root`/`relative` to the searches they match, until each holds its `max`. */
async function walk(at: {
  root: string;
  relative: string;
  searches: readonly { included: (path: string) => boolean; max: number; found: string[] }[];
  excluded: Excluded;
  followSymlinks: boolean;
  entered: Set<string>;
}): Promise<void> {
  const full = () => at.searches.every((search) => search.found.length >= search.max);
  if (full()) return;
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
  // by name: which files a limit keeps does not depend on the order the disk gives
  entries.sort((one, other) => byPath(one.name, other.name));
  const siblings = new Set(entries.map((entry) => entry.name));
  for (const entry of entries) {
    if (full()) return;
    const relative = at.relative ? `${at.relative}/${entry.name}` : entry.name;
    if (at.excluded(relative, entry.name, siblings)) continue;
    let isFolder = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      if (!at.followSymlinks) continue;
      try {
        const target = await stat(join(folder, entry.name));
        isFolder = target.isDirectory();
        isFile = target.isFile();
      } catch {
        continue;
      }
    }
    if (isFolder) await walk({ ...at, relative });
    else if (isFile)
      for (const search of at.searches)
        if (search.found.length < search.max && search.included(relative)) search.found.push(join(at.root, relative));
  }
}
