import { readFileSync } from 'node:fs';
import { runCli } from './app';

runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readFile: (p) => readFileSync(p, 'utf8'),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`kube-packet-path: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
