import { homedir } from 'node:os';
import { runCli } from './run-cli.ts';

// A reader that stops early (`pyramid usage | head -1`) closes the pipe: end quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  homedir: homedir(),
  cwd: process.cwd(),
});
