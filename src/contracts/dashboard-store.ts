import type { LedgerRequestRow, LedgerWindow } from './ledger-store.ts';

/** Which requests `listRequests` returns (newest first); every field narrows. */
export type RequestFilter = LedgerWindow & {
  task?: string;
  /** The tier that answered. */
  tier?: number;
  /** The model that answered. */
  model?: string;
  outcome?: 'ok' | 'error';
  /** The caller tag (token or agent name). */
  caller?: string;
  /** Only requests started before this time (ms): paging, from the last row's `startedAt`. */
  before?: number;
  limit: number;
};

/** Requests started in one minute (`minute`: ms since epoch, floored). */
export type MinuteCount = { minute: number; requests: number; errors: number };

/** Attempts over a window by what happened: rejected answers (escalations) and provider failures (failovers). */
export type AttemptReasons = { escalations: Record<string, number>; failovers: Record<string, number> };

/** Deliveries waiting, and those failed since a time. */
export type DeliveryCounts = { pending: number; failed: number };

/**
 * The dashboard's read queries, beside the ledger's reports: cheap over a year of history (indexes and
 * the hourly rollups), never a scan per page view.
 */
export interface DashboardStore {
  listRequests(filter: RequestFilter): Promise<LedgerRequestRow[]>;
  requestsPerMinute(window: LedgerWindow): Promise<MinuteCount[]>;
  attemptReasons(window: LedgerWindow): Promise<AttemptReasons>;
  deliveryCounts(failedSinceMs: number): Promise<DeliveryCounts>;
}
