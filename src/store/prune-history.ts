import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { HistoryPruner, PruneCounts, PruneCutoffs } from '../contracts/history-pruner.ts';
import type { RetentionConfig } from '../contracts/pyramid-config.ts';

/** Spend caps read today's rows only (and yesterday's, while a day turns): older ones may always go. */
const spendKeptMs = 86_400_000;

/** The times before which each kind of history may go, from `retention:` and the current time. */
export function retentionCutoffs(retention: RetentionConfig, now: number): PruneCutoffs {
  const before = (keepMs: number | undefined) => (keepMs === undefined ? undefined : now - keepMs);
  const cutoffs: PruneCutoffs = {};
  const transcripts = before(retention.transcriptsMs);
  const runs = before(retention.runsMs);
  const deliveries = before(retention.deliveriesMs);
  const ledger = before(retention.ledgerMs);
  const responses = before(retention.responsesMs);
  if (transcripts !== undefined) cutoffs.transcriptsBefore = transcripts;
  if (runs !== undefined) cutoffs.runsBefore = runs;
  if (deliveries !== undefined) cutoffs.deliveriesBefore = deliveries;
  if (ledger !== undefined) cutoffs.ledgerBefore = ledger;
  if (responses !== undefined) cutoffs.responsesBefore = responses;
  cutoffs.spendBefore = now - spendKeptMs;
  return cutoffs;
}

/**
 * Prunes batch after batch until nothing past the cutoffs is left, yielding to the event loop between
 * batches; stops early (with what it removed so far) once `signal` aborts.
 */
export async function pruneHistory(
  pruner: HistoryPruner,
  cutoffs: PruneCutoffs,
  signal?: AbortSignal,
): Promise<PruneCounts> {
  const total: PruneCounts = {
    sessions: 0,
    sessionMessages: 0,
    runs: 0,
    deliveries: 0,
    ledgerRequests: 0,
    responses: 0,
    spendRows: 0,
  };
  for (;;) {
    const { counts, done } = await pruner.pruneBatch(cutoffs);
    for (const key of Object.keys(total) as (keyof PruneCounts)[]) total[key] += counts[key];
    if (done) return total;
    await yieldToEventLoop();
    if (signal?.aborted) return total;
  }
}
