import type { RunRecord } from '../contracts/scheduler-store.ts';
import type { JobView } from './job-view.ts';

/** Something the scheduler did that is worth a log line. */
export type SchedulerEvent =
  | { type: 'run-finished'; run: RunRecord }
  | { type: 'sink-failed'; run: RunRecord; error: unknown }
  /** At start and at reload: an enabled job whose schedule fires more often than scheduler.minInterval. */
  | { type: 'job-throttled'; job: JobView; message: string }
  /**
   * A run this process ran under a lease ended after another process (or this one's sweeper) had
   * interrupted it once its lease ran out: `run` is the result that was not written over that.
   */
  | { type: 'run-lost'; run: RunRecord; message: string };
