import { readFileSync } from 'node:fs';
import { runCli } from './run-cli.ts';

// The bin's entry: everything testable lives in run-cli.ts; this only binds the process.
// A closed pipe (`tiki-sign ... | head -1`) is a normal way for a reader to stop, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  now: () => Date.now(),
  readFile: (path) => readFileSync(path),
});
