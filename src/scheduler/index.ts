export { type Clock, systemClock } from './clock.ts';
export { type JobsRoutesOptions, jobsRoutes } from './http/jobs-routes.ts';
export { describeSchedule, jobSlots } from './job-slots.ts';
export type { RunOutputSink } from './run-output-sink.ts';
export { type JobView, Scheduler, type SchedulerEvent, type SchedulerOptions } from './scheduler.ts';
