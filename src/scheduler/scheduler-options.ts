import type { BackgroundFailures } from '../contracts/background-failures.ts';
import type { ConcurrencyLane } from '../contracts/concurrency-lane.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { SchedulerStore } from '../contracts/scheduler-store.ts';
import type { SessionStore } from '../contracts/session-store.ts';
import type { Router } from '../router/router.ts';
import type { Clock } from './clock.ts';
import type { RunOutputSink } from './run-output-sink.ts';
import type { SchedulerEvent } from './scheduler-event.ts';

/** What a Scheduler is made of: its config, router, stores, and the clock, ids and fetch tests control. */
export type SchedulerOptions = {
  config: PyramidConfig;
  router: Pick<Router, 'complete' | 'explain'>;
  store: SchedulerStore;
  sessions: SessionStore;
  clock?: Clock;
  newId?: () => string;
  fetch?: typeof fetch;
  /** Receives finished runs' output (delivery); without one, every run's deliveryStatus is `none`. */
  outputSink?: RunOutputSink;
  /** USD an agent spent since a time (the ledger), for agents' spend caps. */
  spentSince?: (sinceMs: number, agentId: string) => number | Promise<number>;
  /** A slot later than this when its time comes is a missed slot and follows the job's catchUp (default 60 s). */
  graceMs?: number;
  /** How often to look for jobs changed by another process (default 2 s). */
  pollMs?: number;
  /** Something worth a log line happened. */
  onEvent?: (event: SchedulerEvent) => void;
  /** What the timer does when the store fails it (default: back off and try again). */
  failures?: BackgroundFailures;
  /**
   * Several processes share the store (PostgreSQL): runs are started under a lease this process renews
   * (`owner`: a name unique to it; `leaseMs`, default 30 s), the agent lane counts every process's runs,
   * and a run whose holder died is interrupted (and retried) when its lease ends, instead of every
   * running run being interrupted at start, which is right only for the store's one process.
   */
  leases?: { owner: string; leaseMs?: number };
  /** The lane subagent tasks run in (default: one in this process's memory, concurrency.subagents wide). */
  subagents?: ConcurrencyLane;
};
