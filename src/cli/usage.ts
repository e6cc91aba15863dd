/** A usage error: the CLI prints the message and the command's usage, and exits with code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a command writes; injected so tests capture output without spawning a process. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Reads a file the user named (path as given). */
  readFile(path: string): string;
  /** The cluster reader (src/cluster); the built CLI loads dist/cluster.js, tests pass the module. */
  loadCluster?: () => typeof import('../cluster');
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIO): Promise<number> | number;
}
