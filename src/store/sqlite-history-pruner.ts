import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { HistoryPruner, PruneCounts, PruneCutoffs } from '../contracts/history-pruner.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { transaction } from './transaction.ts';

/** Rows deleted per transaction: short write locks, so gateway commits never wait long behind a prune. */
const defaultBatch = 100;

// Each kind: which rows are past the cutoff (`?1`) and free to go. Deletes cascade (foreign keys are on):
// a session's messages, a delivery's chunks, a request's attempts.
const sessionsPast = `
  FROM sessions s
  WHERE s.kind != 'main' AND s.created_at < ?1
    AND NOT EXISTS (
      SELECT 1 FROM runs r
      WHERE r.status IN ('queued', 'running') AND r.session_id IN (s.id, s.parent_id)
    )`;
// By when the run was queued (the index), and never one that finished after the cutoff. A run whose
// delivery is `pending` stays: if a crash came before its output reached the outbox, the run row is the
// only copy of that output, and the next start queues it from there (RunDeliverySink.recover).
const runsPast = `
  FROM runs
  WHERE queued_at < ?1 AND coalesce(finished_at, queued_at) < ?1 AND status NOT IN ('queued', 'running')
    AND delivery_status != 'pending'`;
// Never a pending delivery, nor one of a run whose status is not settled yet: after a crash between a
// delivery becoming final and its run learning it, recovery reads the run's deliveries; without them
// it would queue the output again.
const deliveriesPast = `
  FROM deliveries
  WHERE created_at < ?1 AND state != 'pending'
    AND (run_id IS NULL OR run_id NOT IN (SELECT id FROM runs WHERE delivery_status = 'pending'))`;
const requestsPast = 'FROM requests WHERE started_at < ?1';
const responsesPast = 'FROM responses WHERE created_at < ?1';

type Kind = {
  count: StatementSync;
  remove: StatementSync;
  cutoff: keyof PruneCutoffs;
  counted: keyof PruneCounts;
};

/** The SQLite HistoryPruner: deletes `batch` rows of one kind per call, in one transaction; kinds in turn. */
export function createSqliteHistoryPruner(
  db: DatabaseSync,
  options: { batch?: number } = {},
): Synchronous<HistoryPruner> {
  const batch = options.batch ?? defaultBatch;
  const kind = (
    table: string,
    key: string,
    past: string,
    cutoff: Kind['cutoff'],
    counted: Kind['counted'],
  ) => ({
    count: db.prepare(`SELECT COUNT(*) AS n ${past}`),
    remove: db.prepare(`DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} ${past} LIMIT ${batch})`),
    cutoff,
    counted,
  });
  const kinds: Kind[] = [
    kind('sessions', 'id', sessionsPast, 'transcriptsBefore', 'sessions'),
    kind('runs', 'id', runsPast, 'runsBefore', 'runs'),
    kind('deliveries', 'delivery_id', deliveriesPast, 'deliveriesBefore', 'deliveries'),
    kind('requests', 'request_id', requestsPast, 'ledgerBefore', 'ledgerRequests'),
    kind('responses', 'id', responsesPast, 'responsesBefore', 'responses'),
  ];
  const sessionMessages = db.prepare(
    `SELECT COUNT(*) AS n FROM session_messages WHERE session_id IN (SELECT s.id ${sessionsPast})`,
  );
  // The messages of the sessions the next batch removes (the same rows the delete's subquery picks).
  const batchMessages = db.prepare(
    `SELECT COUNT(*) AS n FROM session_messages WHERE session_id IN (SELECT id ${sessionsPast} LIMIT ${batch})`,
  );
  const zero = (): PruneCounts => ({
    sessions: 0,
    sessionMessages: 0,
    runs: 0,
    deliveries: 0,
    ledgerRequests: 0,
    responses: 0,
    spendRows: 0, // no such rows: SQLite's spend caps live in the process's memory
  });
  const count = (statement: StatementSync, cutoff: number) =>
    Number((statement.get(cutoff) as { n: number }).n);

  // Kinds found empty stay skipped until the cutoffs change (a new prune), so each call is one transaction.
  let finished = new Set<Kind>();
  // Compared by value: the cutoffs reach the store worker as a copy on every call.
  let lastCutoffs: string | undefined;
  const pruneBatch = (cutoffs: PruneCutoffs) => {
    const key = JSON.stringify(cutoffs);
    if (key !== lastCutoffs) {
      finished = new Set();
      lastCutoffs = key;
    }
    const counts = zero();
    for (const entry of kinds) {
      const before = cutoffs[entry.cutoff];
      if (before === undefined || finished.has(entry)) continue;
      const removed = transaction(db, () => {
        if (entry.counted === 'sessions') counts.sessionMessages = count(batchMessages, before);
        return Number(entry.remove.run(before).changes);
      });
      counts[entry.counted] = removed;
      if (removed < batch) finished.add(entry);
      const done = kinds.every((kind) => cutoffs[kind.cutoff] === undefined || finished.has(kind));
      return { counts, done };
    }
    return { counts, done: true };
  };

  return {
    count(cutoffs) {
      const counts = zero();
      for (const { count: statement, cutoff, counted } of kinds) {
        const before = cutoffs[cutoff];
        if (before === undefined) continue;
        counts[counted] = count(statement, before);
        if (counted === 'sessions') counts.sessionMessages = count(sessionMessages, before);
      }
      return counts;
    },
    pruneBatch,
  };
}
