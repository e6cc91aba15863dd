import { readFileSync } from 'node:fs';
import { runCli } from './app';

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path, 'utf8'),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`kube-packet-path: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
