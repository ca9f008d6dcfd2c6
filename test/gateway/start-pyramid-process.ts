import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/pyramid.js', import.meta.url));

/** A `pyramid start` child: its URL, everything it printed so far, and its exit code once it exits. */
export type Started = {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
};

/**
 * Runs `pyramid start --port 0` as a child process and waits until it listens. `wrapper` runs it
 * through another command, as `['prlimit', '--nofile=256', '--']` to start it with fewer open files.
 */
export async function startPyramid(
  env: Record<string, string>,
  args: string[] = [],
  wrapper: string[] = [],
): Promise<Started> {
  const command = [...wrapper, process.execPath, bin, 'start', '--port', '0', ...args];
  const child = spawn(command[0], command.slice(1), {
    env: { PATH: process.env.PATH ?? '', HOME: env.PYRAMID_HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // A guard against a wedged child, not a speed check: a start on a loaded 2-core machine (another
  // suite beside this one) has taken over 15 s.
  const startedAt = Date.now();
  const deadline = startedAt + 120_000;
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match) return { child, url: match[1], output: () => output, exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      // Never leaves a child behind: its open pipes would hold the test runner until it is killed.
      child.kill('SIGKILL');
      throw new Error(
        `pyramid start did not listen (${child.exitCode === null ? `still starting after ${Math.round((Date.now() - startedAt) / 1000)} s` : `exit code ${child.exitCode}`}):\n${output}`,
      );
    }
    await sleep(25);
  }
}
