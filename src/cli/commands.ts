import type { CliCommand } from './usage';

/**
 * Every subcommand in one place. Each lives in its own module and is registered
 * here; `main.ts` only dispatches.
 */
export const commands: CliCommand[] = [];

export function registerCommand(c: CliCommand): void {
  if (commands.some((x) => x.name === c.name)) throw new Error(`duplicate command ${c.name}`);
  commands.push(c);
}

export function findCommand(name: string): CliCommand | undefined {
  return commands.find((c) => c.name === name);
}
