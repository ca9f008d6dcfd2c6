import type { Migration } from '../migration.ts';
import { postgresSchema } from './migrations/0001-schema.ts';
import { postgresRunLeases } from './migrations/0002-run-leases.ts';
import { postgresLedgerBaselinesResponses } from './migrations/0003-ledger-baselines-responses.ts';
import { postgresProcesses } from './migrations/0004-processes.ts';
import { postgresRequestNotes } from './migrations/0005-request-notes.ts';
import { postgresSharedCapsBreakers } from './migrations/0006-shared-caps-breakers.ts';
import { postgresSchedulerFirstStart } from './migrations/0007-scheduler-first-start.ts';
import { postgresLaneHolds } from './migrations/0008-lane-holds.ts';
import { postgresSharedBreakerTrials } from './migrations/0009-shared-breaker-trials.ts';
import { postgresSharedAlertLimits } from './migrations/0010-shared-alert-limits.ts';
import { postgresSchedulerChangeCounters } from './migrations/0011-scheduler-change-counters.ts';
import { postgresSessionAppendFunction } from './migrations/0012-session-append-function.ts';

/**
 * PostgreSQL's schema steps, oldest first: append a file under migrations/ to change the schema, never
 * edit or reorder a shipped step (`pyramid_migrations` records which steps a database has applied).
 */
export const postgresMigrations: readonly Migration[] = [
  postgresSchema,
  postgresRunLeases,
  postgresLedgerBaselinesResponses,
  postgresProcesses,
  postgresRequestNotes,
  postgresSharedCapsBreakers,
  postgresSchedulerFirstStart,
  postgresLaneHolds,
  postgresSharedBreakerTrials,
  postgresSharedAlertLimits,
  postgresSchedulerChangeCounters,
  postgresSessionAppendFunction,
];
