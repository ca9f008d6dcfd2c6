import { CronPattern } from 'croner';

/** `scheduler.minInterval` when the config sets none: no job runs more often than every 10 s. */
export const defaultMinIntervalMs = 10_000;

/** The lowest `scheduler.minInterval` an operator may set (tests and benchmarks use 1 s). */
export const minIntervalFloorMs = 100;

/** The longest `every`: a rarer job is a cron (`0 9 1 1 *`) or an `at`. */
export const maxEveryMs = 365 * 86_400_000;

/** `5m`, `10s`, `1.5s`, `250ms`: a duration as short text for messages. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && (ms % size === 0 || unit === 's')) return `${Number((ms / size).toFixed(3))}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * The shortest time between two firings of a cron expression within a day (seconds, minutes and hours
 * only; from the last firing of a day to the first of the next is counted as if every day fired), or
 * undefined when croner cannot parse it (cronIssues reports that). Exact for `* * * * * *` (1 s),
 * `*\/5 * * * *` (5 min), `0,1 9 * * *` (1 min).
 */
export function shortestCronGapMs(expression: string): number | undefined {
  let pattern: CronPattern;
  try {
    pattern = new CronPattern(expression);
  } catch {
    return undefined;
  }
  const seconds = positions(pattern.second);
  const minutes = positions(pattern.minute);
  const hours = positions(pattern.hour);
  if (seconds.length === 0 || minutes.length === 0 || hours.length === 0) return undefined;
  const firstOfMinute = seconds[0];
  const lastOfMinute = seconds.at(-1)!;
  const firstOfHour = minutes[0] * 60 + firstOfMinute;
  const lastOfHour = minutes.at(-1)! * 60 + lastOfMinute;
  const gaps = [
    // Within a minute, then from one minute's last second to the next minute's first.
    smallestStep(seconds),
    smallestStep(minutes) * 60 - lastOfMinute + firstOfMinute,
    // From one hour's last firing to the next hour's first; and across midnight.
    smallestStep(hours) * 3600 - lastOfHour + firstOfHour,
    (hours[0] + 24 - hours.at(-1)!) * 3600 - lastOfHour + firstOfHour,
  ];
  return Math.min(...gaps) * 1000;
}

function positions(flags: readonly number[]): number[] {
  const found: number[] = [];
  flags.forEach((flag, index) => {
    if (flag) found.push(index);
  });
  return found;
}

/** The smallest difference between neighbours of a sorted list (Infinity for one value). */
function smallestStep(values: readonly number[]): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let index = 1; index < values.length; index++)
    smallest = Math.min(smallest, values[index] - values[index - 1]);
  return smallest;
}
