import type { JobSchedule } from '../contracts/pyramid-config.ts';
import { type JobSlots, jobSlots } from './job-slots.ts';

/**
 * JobSlots shared by every job with the same schedule, least recently used dropped past `limit`.
 * A parsed cron costs about 80 KB (croner keeps a 10,000-entry year table), so one per job made
 * 10,000 once-a-minute jobs cost 800 MB; jobs mostly share a few dozen schedules.
 */
export class JobSlotsCache {
  readonly #limit: number;
  readonly #entries = new Map<string, JobSlots>();

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  get(schedule: JobSchedule): JobSlots {
    const key =
      schedule.kind === 'cron'
        ? `cron\u0000${schedule.cron}\u0000${schedule.tz ?? ''}`
        : JSON.stringify(schedule);
    const cached = this.#entries.get(key);
    if (cached) {
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const slots = jobSlots(schedule);
    this.#entries.set(key, slots);
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    return slots;
  }

  get size(): number {
    return this.#entries.size;
  }
}
