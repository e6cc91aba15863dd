import { readFileSync, statSync } from 'node:fs';

/**
 * A workspace file on the disk read by the scan's worker (no `vscode`), as the scan read it through
 * `vscode.workspace.fs` on the extension host: its key (mtime + size, as the scan's caches hold it),
 * its text decoded as UTF-8 (a byte order mark dropped, as TextDecoder does), and neither when the
 * scan knows that version already or when the file is over the size the scan reads.
 *
 * Read on the extension host, each file cost a stat and a read through VS Code's file system and
 * turns of that thread between them: while a large capture was opened (the host busy, other threads
 * waiting for the CPU) the lab's two workspace files took 0.9 s to reach the scan's worker, and the
 * first hover of the capture waited for them after the capture itself was read.
 */

/** Which file, the key the scan holds for it (if any), and the most bytes it reads of one. */
export interface WorkspaceFileRequest {
  path: string;
  known?: string;
  maxBytes: number;
}

export type WorkspaceFileText =
  /** The file has the key the scan holds: not read. */
  | { key: string; unchanged: true }
  /** Over `maxBytes`: not read. */
  | { key: string; size: number; tooLarge: true }
  | { key: string; text: string }
  | { error: string };

/** The key of a file's version: its modification time (whole milliseconds, as VS Code's stat gives it) and size. */
export const fileKey = (mtimeMs: number, size: number): string => `${Math.trunc(mtimeMs)}/${size}`;

/** Never throws: a file that cannot be read says why. */
export function readWorkspaceFile(request: WorkspaceFileRequest): WorkspaceFileText {
  try {
    const stat = statSync(request.path);
    const key = fileKey(stat.mtimeMs, stat.size);
    if (request.known === key) return { key, unchanged: true };
    if (stat.size > request.maxBytes) return { key, size: stat.size, tooLarge: true };
    return { key, text: new TextDecoder().decode(readFileSync(request.path)) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
