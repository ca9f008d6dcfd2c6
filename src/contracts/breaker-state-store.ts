/** A model's breaker as the whole platform knows it; `epoch` moves on at every platform-wide open and close. */
export type SharedBreakerState = {
  model: string;
  state: 'open' | 'closed';
  epoch: number;
  /** Open: when a call may try the model again (ms since epoch). */
  retryAt?: number;
  /** Open: the failure that opened it. */
  reason?: string;
  /**
   * Open: the epoch this outage began at (it opened from closed). A reopening after a failed trial
   * moves `epoch` on but keeps this, so it is heard as the same outage, not alerted again.
   */
  openedEpoch?: number;
  /** The process that made the change, and when. */
  changedBy: string;
  changedAt: number;
};

/** A process's own breaker for a model opened (from closed) or closed again. */
export type BreakerChange = {
  model: string;
  state: 'open' | 'closed';
  retryAt?: number;
  reason?: string;
  by: string;
  at: number;
};

/**
 * Breaker states and alert claims shared by the processes of one platform (a PostgreSQL store). The
 * platform state of a model moves only on a real change, so each change has one epoch, and the process
 * that claims an alert's key first is the one that sends it.
 */
export interface BreakerStateStore {
  /**
   * Opening moves the platform state to open from closed (or from an open whose retry time has passed:
   * the process that opened it never said more); closing moves it from open to closed. Resolves the
   * state after, `changed` telling whether this call moved it; undefined when closing a model the
   * platform never saw open.
   */
  transition(change: BreakerChange): Promise<{ state: SharedBreakerState; changed: boolean } | undefined>;
  /** Every model's platform state. */
  list(): Promise<SharedBreakerState[]>;
  /** True for the first caller with `key` on the platform, false for every later one (alerts are sent once). */
  claim(key: string, by: string, at: number): Promise<boolean>;
  /**
   * Claims the half-open trial call of an open model until `until` (its call's longest time): won by
   * one process once the platform's retry time has passed, and again by the same process. Won as well
   * when the platform holds no open state for it (nothing to share). Lost: `retryAt` is when the
   * platform lets a trial through at the soonest (`trialInFlight`: another process's trial may end sooner).
   */
  claimTrial(model: string, by: string, now: number, until: number): Promise<TrialClaim>;
}

/** The answer to claimTrial. */
export type TrialClaim = { won: true } | { won: false; retryAt: number; trialInFlight: boolean };
