import type { CliCommand } from './usage';

/**
 * Every subcommand in one place. Each lives in its own module and is registered
 * here; `main.ts` only dispatches.
 */
export const commands: CliCommand[] = [];

export function registerCommand(cliCommand: CliCommand): void {
  if (commands.some((command) => command.name === cliCommand.name))
    throw new Error(`duplicate command ${cliCommand.name}`);
  commands.push(cliCommand);
}

export function findCommand(name: string): CliCommand | undefined {
  return commands.find((cliCommand) => cliCommand.name === name);
}
