import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLES } from '../samples/registry';
import { registerCommand } from './commands';
import { samplesRoot } from './traceCommand';

const usage = `Usage: kube-packet-path samples [--json]

Lists the bundled samples (the seed report's labs). Trace one with
  kube-packet-path trace --sample NAME`;

registerCommand({
  name: 'samples',
  summary: 'list the bundled samples (seed report labs) for `trace --sample`',
  usage,
  run(args, io) {
    const json = args.includes('--json');
    const bad = args.find((arg) => arg !== '--json');
    if (bad) {
      io.err(`kube-packet-path samples: unknown option '${bad}'\n\n${usage}\n`);
      return 2;
    }
    const root = samplesRoot();
    const rows = SAMPLES.map((sample) => ({
      name: sample.name,
      title: sample.title,
      from: sample.from,
      to: sample.to,
      description: sample.description,
      files: [...sample.logs.map((sampleInput) => sampleInput.file), ...sample.manifests],
      missing: [...sample.logs.map((sampleInput) => sampleInput.file), ...sample.manifests].filter(
        (file) => !existsSync(join(root, file)),
      ),
    }));
    if (json) {
      io.out(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    const nameWidth = Math.max(...rows.map((row) => row.name.length));
    io.out(
      rows
        .map(
          (row) =>
            `${row.name.padEnd(nameWidth)}  ${row.title}\n${' '.repeat(nameWidth)}  trace --sample ${row.name}   ` +
            `(${row.from} → ${row.to}; ${row.files.length} ` +
            `files${row.missing.length ? `, MISSING ${row.missing.join(', ')}` : ''})`,
        )
        .join('\n') + '\n',
    );
    return 0;
  },
});
