/** A CliIO that records what a command prints; files are served from `files`, else read from disk. */
import { readFileSync } from 'node:fs';
import type { CliIO } from '../../../src/cli/usage';

export function captureIO(files: Record<string, string> = {}, extra: Partial<CliIO> = {}) {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
    readFile: (path: string) => (path in files ? files[path] : readFileSync(path, 'utf8')),
    ...extra,
  };
  return io;
}
