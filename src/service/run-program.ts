import { execFile } from 'node:child_process';

/** What a program printed and exited with. */
export type ProgramResult = { code: number; stdout: string; stderr: string };

/** Runs a program (looked up on `env.PATH`) with its arguments; never throws for a non-zero exit. */
export type RunProgram = (argv: readonly string[]) => Promise<ProgramResult>;

/** A RunProgram over child processes, with the given environment (tests put stand-ins first on PATH). */
export function createRunProgram(env: NodeJS.ProcessEnv): RunProgram {
  return (argv) =>
    new Promise((resolve) => {
      execFile(
        argv[0],
        argv.slice(1),
        { env, encoding: 'utf8', timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
          resolve({
            code,
            stdout,
            stderr: stderr || (error && typeof error.code !== 'number' ? error.message : ''),
          });
        },
      );
    });
}
