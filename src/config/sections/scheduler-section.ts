import { z } from 'zod';
import type { SchedulerConfig } from '../../contracts/pyramid-config.ts';
import type { ConfigSection } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { parseDuration } from '../parse-duration.ts';
import { defaultMinIntervalMs, formatDuration, maxEveryMs, minIntervalFloorMs } from '../schedule-limits.ts';

const schema = z
  .strictObject({
    minInterval: durationSchema(
      `The shortest interval a job may run at, for every, and for cron (its shortest gap): default 10s; lower it for tests or benchmarks (at least ${formatDuration(minIntervalFloorMs)}).`,
      { min: minIntervalFloorMs, max: maxEveryMs },
    ).default(formatDuration(defaultMinIntervalMs)),
  })
  .default({ minInterval: formatDuration(defaultMinIntervalMs) })
  .describe(
    'Limits on schedules, checked at every entry (this file, pyramid jobs add/edit, POST /api/jobs).',
  );

export const schedulerSection: ConfigSection<typeof schema, SchedulerConfig> = {
  schema,
  resolve: (scheduler) => ({ minIntervalMs: parseDuration(scheduler.minInterval) }),
};
