import type { AlertLimitStore } from './alert-limit-store.ts';
import type { BreakerStateStore } from './breaker-state-store.ts';
import type { DashboardStore } from './dashboard-store.ts';
import type { DeliveryStore } from './delivery.ts';
import type { HistoryPruner } from './history-pruner.ts';
import type { LaneHoldStore } from './lane-hold-store.ts';
import type { LedgerStore } from './ledger-store.ts';
import type { ProcessRegistry } from './process-registry.ts';
import type { ResponseStore } from './response-store.ts';
import type { SchedulerStore } from './scheduler-store.ts';
import type { SessionStore } from './session-store.ts';
import type { SpendReservationStore } from './spend-reservation-store.ts';

/** Every part's persistence on one store. */
export type StoreSet = {
  ledger: LedgerStore;
  scheduler: SchedulerStore;
  sessions: SessionStore;
  delivery: DeliveryStore;
  pruner: HistoryPruner;
  dashboard: DashboardStore;
  /** Responses API responses kept for `previous_response_id` and GET /v1/responses/{id}. */
  responses: ResponseStore;
  /** The `pyramid start` processes sharing this store, with their heartbeats. */
  processes: ProcessRegistry;
};

/**
 * What the processes sharing one store share besides rows: spend-cap reservations, breaker states
 * (with alert claims) and the subagent lane's holds. Only a store several processes can share has them
 * (PostgreSQL); with SQLite's single process they stay in its memory (the router's in-process
 * reservations, its own breakers, the agents' in-memory Lane).
 */
export type SharedStores = {
  spend: SpendReservationStore;
  breakers: BreakerStateStore;
  lanes: LaneHoldStore;
  /** The `alerts:` rate limits, for the platform. */
  alerts: AlertLimitStore;
};

/** `ok`; `degraded`: writes fail for a reason that ends by itself (busy, full, I/O); `gone`: the database file was deleted or replaced. */
export type StoreState = 'ok' | 'degraded' | 'gone';

export type StoreStatus = {
  state: StoreState;
  /** What failed, and what to do, when not ok. */
  reason?: string;
  /** Since when (ms) the state holds. */
  since: number;
};

/** An open store: the parts' interfaces, its health, and closing it. */
export type Stores = StoreSet & {
  /** Present on a store several processes share (PostgreSQL). */
  shared?: SharedStores;
  status(): StoreStatus;
  /** Listens for state changes (for logs and readiness); returns an unsubscribe. */
  onStatus(listener: (status: StoreStatus) => void): () => void;
  /** Commits what is waiting and closes. Calls after it fail with `store_closed`. */
  close(): Promise<void>;
};
