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
    const bad = args.find((a) => a !== '--json');
    if (bad) {
      io.err(`kube-packet-path samples: unknown option '${bad}'\n\n${usage}\n`);
      return 2;
    }
    const root = samplesRoot();
    const rows = SAMPLES.map((s) => ({
      name: s.name,
      title: s.title,
      from: s.from,
      to: s.to,
      description: s.description,
      files: [...s.logs.map((sampleInput) => sampleInput.file), ...s.manifests],
      missing: [...s.logs.map((sampleInput) => sampleInput.file), ...s.manifests].filter(
        (f) => !existsSync(join(root, f)),
      ),
    }));
    if (json) {
      io.out(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    const w = Math.max(...rows.map((r) => r.name.length));
    io.out(
      rows
        .map(
          (r) =>
            `${r.name.padEnd(w)}  ${r.title}\n${' '.repeat(w)}  trace --sample ${r.name}   (${r.from} → ${r.to}; ${r.files.length} files${r.missing.length ? `, MISSING ${r.missing.join(', ')}` : ''})`,
        )
        .join('\n') + '\n',
    );
    return 0;
  },
});
