import { existsSync } from 'node:fs';
import { askRunningInstance } from './ask-running-instance.ts';
import { instanceSocketPath } from './instance-socket-path.ts';
import type { RunProgram } from './run-program.ts';
import type { ServiceBackend } from './service-backend.ts';
import { readServiceExits, type ServiceExit } from './service-exits.ts';
import type { ServiceKind } from './service-spec.ts';

/** `pyramid service status --json`. */
export type ServiceStatus = {
  kind: ServiceKind;
  unitFile: string;
  installed: boolean;
  loaded: boolean;
  running: boolean;
  pid: number | null;
  /** From the running process's instance socket. */
  url: string | null;
  uptimeSeconds: number | null;
  restarts: number | null;
  state: string;
  /** The last exit: the code Pyramid meant (78 even where launchd saw 0), its reason and, for 78, the config problems. */
  lastExit: {
    code: number | null;
    signal: string | null;
    reason: string | null;
    message: string | null;
    issues: string[];
    at: string | null;
  } | null;
};

/** Asks the manager, the instance socket and the recorded exits of `home` (read-only). */
export async function serviceStatus(options: {
  kind: ServiceKind;
  backend: ServiceBackend;
  home: string;
  run: RunProgram;
  now?: () => number;
}): Promise<ServiceStatus> {
  const { backend, home } = options;
  const now = options.now ?? Date.now;
  const installed = existsSync(backend.unitFile);
  const result = await options.run(backend.statusCommand);
  const manager =
    result.code === 127
      ? { loaded: false, running: false, state: `${backend.statusCommand[0]} not found` }
      : backend.parseStatus(result);
  const instance = await askRunningInstance(instanceSocketPath(home)).catch(() => undefined);
  const recorded: ServiceExit | undefined = readServiceExits(home).at(-1);
  let lastExit: ServiceStatus['lastExit'] = null;
  if (manager.lastExitCode !== undefined || manager.lastSignal !== undefined || recorded) {
    // The record explains the manager's code when they agree (launchd sees 0 for a recorded 78).
    const explained =
      recorded &&
      (manager.lastExitCode === undefined
        ? manager.lastSignal === undefined
        : manager.lastExitCode === recorded.exitedWith);
    lastExit = {
      code: explained ? recorded.code : (manager.lastExitCode ?? null),
      signal: manager.lastSignal ?? null,
      reason: explained ? recorded.reason : manager.lastSignal ? 'killed' : null,
      message: explained ? (recorded.message ?? null) : null,
      issues: explained ? (recorded.issues ?? []) : [],
      at: explained ? new Date(recorded.at).toISOString() : null,
    };
  }
  const samePid = instance && manager.pid === instance.pid;
  return {
    kind: options.kind,
    unitFile: backend.unitFile,
    installed,
    loaded: manager.loaded,
    running: manager.running,
    pid: manager.pid ?? null,
    url: samePid ? instance.url : null,
    uptimeSeconds: samePid ? Math.max(0, Math.round((now() - instance.startedAt) / 1000)) : null,
    restarts: manager.restarts ?? null,
    state: manager.state,
    lastExit,
  };
}
