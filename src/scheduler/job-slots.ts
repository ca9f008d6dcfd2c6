import { Cron } from 'croner';
import type { JobSchedule } from '../contracts/pyramid-config.ts';

/** Slot arithmetic of one schedule: the first slot after a time, and the latest slot at or before one. */
export type JobSlots = {
  /** The first slot strictly after `after`, or undefined when none is left. */
  next(after: number): number | undefined;
  /** The latest slot at or before `at`, or undefined when none is. */
  latest(at: number): number | undefined;
};

/** Slots of a schedule: cron (through croner, with its time zone), every (aligned to the epoch), at. */
export function jobSlots(schedule: JobSchedule): JobSlots {
  if (schedule.kind === 'every') {
    const every = schedule.everyMs;
    return {
      next: (after) => Math.floor(after / every) * every + every,
      latest: (at) => Math.floor(at / every) * every,
    };
  }
  if (schedule.kind === 'at') {
    const at = schedule.atMs;
    return {
      next: (after) => (at > after ? at : undefined),
      latest: (time) => (at <= time ? at : undefined),
    };
  }
  const cron = new Cron(schedule.cron, { paused: true, ...(schedule.tz ? { timezone: schedule.tz } : {}) });
  return {
    next: (after) => cron.nextRun(new Date(after))?.getTime(),
    latest: (at) => cron.previousRuns(1, new Date(at + 1))[0]?.getTime(),
  };
}

/** A schedule as a short text (`cron 0 * * * * Europe/Berlin`, `every 15m`, `at 2026-12-01T09:00:00.000Z`). */
export function describeSchedule(schedule: JobSchedule): string {
  if (schedule.kind === 'cron') return `cron ${schedule.cron}${schedule.tz ? ` ${schedule.tz}` : ''}`;
  if (schedule.kind === 'at') return `at ${new Date(schedule.atMs).toISOString()}`;
  const ms = schedule.everyMs;
  const unit =
    ms % 3_600_000 === 0
      ? [3_600_000, 'h']
      : ms % 60_000 === 0
        ? [60_000, 'm']
        : ms % 1000 === 0
          ? [1000, 's']
          : [1, 'ms'];
  return `every ${ms / (unit[0] as number)}${unit[1]}`;
}
