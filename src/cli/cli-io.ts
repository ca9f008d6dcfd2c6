import type { Env } from '../config/index.ts';

/** Everything the CLI touches outside itself, passed in so tests control it. */
export type CliIo = {
  env: Env;
  /** The environment before `$PYRAMID_HOME/env` was added to `env`: a config reload reads the file again over it. */
  processEnv?: Env;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  homedir: string;
  cwd: string;
  fetch?: typeof fetch;
  now?: () => number;
};

/** Options every command takes from the top-level program. */
export type GlobalOptions = { config?: string };
