import { join } from 'node:path';
import { ConfigError } from '../contracts/errors/config-error.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { openRotatingLogFile } from './rotating-log-file.ts';
import { readServiceExits, recordServiceExit, startLimitReached } from './service-exits.ts';
import { restartPolicy, type ServiceKind } from './service-spec.ts';

/** A `pyramid start` run by a service manager: its log streams, and what to do when it ends. */
export type SupervisedStart = {
  /** Pyramid's JSON log lines: the size-rotated PYRAMID_HOME/logs/pyramid.log. */
  stdout: NodeJS.WritableStream;
  /** Its notices and errors: written to the same log as JSON lines (level 40, `stream: stderr`). */
  stderr: NodeJS.WritableStream;
  /** Throws when launchd keeps restarting a start that keeps failing (see startLimitReached). */
  checkStartLimit(): void;
  /** Records how the start ended and returns the code to exit with (launchd: 0 for 78, see launchdPlistText). */
  finish(code: number, error: unknown): number;
};

/** Opens the service logs of `home` and the bookkeeping of a supervised start. */
export function beginSupervisedStart(options: {
  home: string;
  kind: ServiceKind;
  now?: () => number;
  pid?: number;
}): SupervisedStart {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  const log = openRotatingLogFile({ dir: join(options.home, 'logs') });
  const lineStream = (write: (text: string) => void) =>
    ({
      write(chunk: string | Uint8Array) {
        write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const stdout = lineStream((text) => log.write(text));
  const stderr = lineStream((text) => {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    for (const line of lines) {
      log.write(
        `${JSON.stringify({ level: 40, time: now(), service: 'pyramid', stream: 'stderr', msg: line })}\n`,
      );
    }
  });
  return {
    stdout,
    stderr,
    checkStartLimit() {
      if (options.kind !== 'launchd') return;
      const { startLimitBurst, startLimitIntervalSeconds } = restartPolicy;
      if (
        startLimitReached(
          readServiceExits(options.home),
          now(),
          startLimitBurst,
          startLimitIntervalSeconds * 1000,
        )
      ) {
        throw new PyramidError(
          'start_limit',
          `the last ${startLimitBurst} starts failed within ${startLimitIntervalSeconds / 60} minutes: not starting again (launchd would keep respawning it); see \`pyramid service logs\`, fix the cause, then \`pyramid service install\` or \`launchctl kickstart\``,
        );
      }
    },
    finish(code, error) {
      const reason =
        code === 0
          ? 'stopped'
          : error instanceof PyramidError
            ? error.code
            : code === 70
              ? 'internal_error'
              : 'failed';
      const exitedWith = options.kind === 'launchd' && (code === 78 || reason === 'start_limit') ? 0 : code;
      if (exitedWith !== code) {
        stderr.write(`exiting 0 instead of ${code}, so that launchd does not restart it until it is fixed\n`);
      }
      recordServiceExit(options.home, {
        at: now(),
        pid,
        code,
        exitedWith,
        reason,
        ...(error instanceof Error && code !== 0 ? { message: error.message.split('\n')[0] } : {}),
        ...(error instanceof ConfigError
          ? {
              issues: error.issues.map(
                (issue) =>
                  `${issue.line ? `line ${issue.line}: ` : ''}${issue.path || '(root)'}: ${issue.message}`,
              ),
            }
          : {}),
      });
      log.close();
      return exitedWith;
    },
  };
}
