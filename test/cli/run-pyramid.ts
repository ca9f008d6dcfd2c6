import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compileCacheEnv } from '../compile-cache-env.ts';

const bin = fileURLToPath(new URL('../../bin/pyramid.js', import.meta.url));

/** What a run printed and how it ended; `killed` when the safety deadline had to end it (a hang). */
export type CliRun = { code: number | null; stdout: string; stderr: string; killed?: boolean };

export type RunPyramidOptions = {
  /** Run as this user and group (a root test that needs permissions to apply). */
  uid?: number;
  gid?: number;
  /** A safety net, never a measurement: SIGKILL after this long and report `killed`. */
  killAfterMs?: number;
};

/** Runs the real `pyramid` command in a child process (the same Node as the tests), with its own env. */
export function runPyramid(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
  options: RunPyramidOptions = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: env.PYRAMID_HOME ?? '/nonexistent',
        // Not for a child run as another user: it could not write to this user's cache.
        ...(options.uid === undefined ? compileCacheEnv() : {}),
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const deadline =
      options.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = true;
            child.kill('SIGKILL');
          }, options.killAfterMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr, ...(killed ? { killed } : {}) });
    });
    child.stdin.end(stdin ?? '');
  });
}
