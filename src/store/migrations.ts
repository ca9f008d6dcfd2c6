import type { Migration } from './migration.ts';
import { ledgerTables } from './migrations/0001-ledger-tables.ts';
import { schedulerTables } from './migrations/0002-scheduler-tables.ts';
import { deliveryTables } from './migrations/0003-delivery-tables.ts';
import { deliveryNote } from './migrations/0004-delivery-note.ts';
import { historyIndexes } from './migrations/0005-history-indexes.ts';
import { runNotBefore } from './migrations/0006-run-not-before.ts';
import { runsAwaitingDelivery } from './migrations/0007-runs-awaiting-delivery.ts';
import { attemptDecisions } from './migrations/0008-attempt-decisions.ts';
import { ledgerBaselines } from './migrations/0009-ledger-baselines.ts';
import { ledgerRollups } from './migrations/0010-ledger-rollups.ts';
import { responsesTable } from './migrations/0011-responses.ts';
import { runLeases } from './migrations/0012-run-leases.ts';
import { processesTable } from './migrations/0013-processes.ts';
import { ledgerDayMonthRollups } from './migrations/0014-ledger-day-month-rollups.ts';
import { requestNotes } from './migrations/0015-request-notes.ts';
import { schedulerFirstStart } from './migrations/0016-scheduler-first-start.ts';

/**
 * Every schema step, oldest first. To change the schema, add a file under migrations/ and append it
 * here; never edit or reorder a step that has shipped (databases record how many steps they applied).
 */
export const migrations: readonly Migration[] = [
  ledgerTables,
  schedulerTables,
  deliveryTables,
  deliveryNote,
  historyIndexes,
  runNotBefore,
  runsAwaitingDelivery,
  attemptDecisions,
  ledgerBaselines,
  ledgerRollups,
  responsesTable,
  runLeases,
  processesTable,
  ledgerDayMonthRollups,
  requestNotes,
  schedulerFirstStart,
];
