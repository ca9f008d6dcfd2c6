/** Everything older than these times (ms since the epoch) may go; an absent kind is kept forever. */
export type PruneCutoffs = {
  transcriptsBefore?: number;
  runsBefore?: number;
  deliveriesBefore?: number;
  ledgerBefore?: number;
  /** Stored Responses API responses (`previous_response_id`, `GET /v1/responses/{id}`). */
  responsesBefore?: number;
  /**
   * Spend caps' working rows on a shared store (PostgreSQL's per-day totals and holds): those of UTC days
   * before this time's day, and holds that lapsed before it. The ledger keeps what was spent.
   */
  spendBefore?: number;
};

/** How many of each were removed (or, in a dry run, would be). */
export type PruneCounts = {
  /** Isolated and subagent sessions; their messages go with them. */
  sessions: number;
  sessionMessages: number;
  runs: number;
  deliveries: number;
  /** Ledger requests; their attempts go with them. */
  ledgerRequests: number;
  responses: number;
  /** Spend-cap totals and hold rows (a PostgreSQL store; SQLite keeps caps in memory: always 0). */
  spendRows: number;
};

/**
 * Removes finished history past its retention. Never touches what is still in play: queued or running
 * runs (nor the sessions they use), pending deliveries, main sessions, jobs, agent notes.
 */
export interface HistoryPruner {
  /** What a prune would remove now. */
  count(cutoffs: PruneCutoffs): Promise<PruneCounts>;
  /**
   * Removes one batch of one kind (kinds in turn) in one short transaction; `done` once nothing past
   * the cutoffs is left. Callers loop, yielding between calls, so a large backlog never blocks for long.
   * Pass the same cutoffs object through one prune.
   */
  pruneBatch(cutoffs: PruneCutoffs): Promise<{ counts: PruneCounts; done: boolean }>;
}
