import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One end of a supervised `pyramid start`, as it recorded it. */
export type ServiceExit = {
  at: number;
  pid: number;
  /** The exit code Pyramid meant (78: invalid config), before any launchd translation. */
  code: number;
  /** What the process really exited with (launchd: 0 for 78 and for a start limit). */
  exitedWith: number;
  /** A stable reason: stopped, config_invalid, start_limit, already_running, port_in_use, ... */
  reason: string;
  message?: string;
  /** For config_invalid: each problem, as `pyramid config validate` prints it. */
  issues?: string[];
};

const kept = 20;

/** `$PYRAMID_HOME/service-exits.json`: the last supervised exits, newest last. */
export function serviceExitsPath(home: string): string {
  return join(home, 'service-exits.json');
}

/** The recorded exits, oldest first; none when the file is missing or unreadable. */
export function readServiceExits(home: string): ServiceExit[] {
  try {
    const parsed = JSON.parse(readFileSync(serviceExitsPath(home), 'utf8')) as { exits?: ServiceExit[] };
    return Array.isArray(parsed.exits) ? parsed.exits : [];
  } catch {
    return [];
  }
}

/** Appends an exit (keeping the last 20), written whole through a rename so a crash leaves the old file. */
export function recordServiceExit(home: string, exit: ServiceExit): void {
  const exits = [...readServiceExits(home), exit].slice(-kept);
  const path = serviceExitsPath(home);
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ exits }, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/**
 * launchd has no start limit: true when the last `burst` exits all failed within `windowMs`, so this
 * start should give up (exit 0, which launchd does not restart). The give-up is itself recorded as an
 * exit 0, so the operator's next start (after fixing the cause) goes ahead.
 */
export function startLimitReached(
  exits: readonly ServiceExit[],
  now: number,
  burst: number,
  windowMs: number,
): boolean {
  const last = exits.slice(-burst);
  return last.length === burst && last.every((exit) => exit.exitedWith !== 0 && now - exit.at <= windowMs);
}
