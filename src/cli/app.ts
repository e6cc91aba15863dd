import { commands, findCommand } from './commands';
import { UsageError, type CliIO } from './usage';
import './registry';

declare const KPP_VERSION: string | undefined;

const VERSION: string = typeof KPP_VERSION === 'string' ? KPP_VERSION : '0.0.0-dev';

function helpText(): string {
  const width = Math.max(...commands.map((cliCommand) => cliCommand.name.length));
  return [
    'kube-packet-path — how a packet travels inside a Kubernetes cluster, hop by hop, with evidence.',
    '',
    'Usage: kube-packet-path <command> [options]',
    '',
    'Commands:',
    ...commands.map((cliCommand) => `  ${cliCommand.name.padEnd(width)}  ${cliCommand.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: kube-packet-path <command> --help)',
    '  -V, --version  print the version',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    if (first === 'help' && rest[0]) {
      const cliCommand = findCommand(rest[0]);
      if (cliCommand) {
        io.out(cliCommand.usage + '\n');
        return 0;
      }
    }
    io.out(helpText());
    return first === undefined ? 2 : 0;
  }
  if (first === '-V' || first === '--version') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const command = findCommand(first);
  if (!command) {
    const near = commands.filter((known) => known.name.startsWith(first.slice(0, 2))).map((known) => known.name);
    io.err(
      `kube-packet-path: unknown command ` +
        `'${first}'.${near.length ? ` Did you mean: ${near.join(', ')}?` : ''}\n\n${helpText()}`,
    );
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.out(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kube-packet-path ${command.name}: ${e.message}\n\n${e.usage ?? command.usage}\n`);
      return 2;
    }
    io.err(`kube-packet-path ${command.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
