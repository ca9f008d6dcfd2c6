/** One `pyramid start` process as it registered itself in the store. */
export type ProcessRecord = {
  /** `host:pid:random`, unique per start (the run and delivery lease owner on a shared store). */
  id: string;
  host: string;
  pid: number;
  version: string;
  /** When it started, ms since the epoch. */
  startedAt: number;
  /** The gateway's URL once it listens; null before. */
  address: string | null;
  /** Its last heartbeat, ms since the epoch. */
  heartbeatAt: number;
};

/**
 * The processes sharing a store: each `pyramid start` registers, beats every few seconds and removes
 * itself on a clean stop. One whose heartbeat is older than a lease died (kill -9, power loss).
 */
export interface ProcessRegistry {
  /** Adds the process, or replaces its row (a re-registration after its row was removed). */
  register(record: ProcessRecord): Promise<void>;
  /** Records a heartbeat (and the address, when given); false when the row is gone (register again). */
  heartbeat(id: string, at: number, address?: string | null): Promise<boolean>;
  /** Removes the process (on a clean stop). */
  deregister(id: string): Promise<void>;
  /** The processes that beat at or after `aliveSince`, oldest start first. */
  list(aliveSince: number): Promise<ProcessRecord[]>;
  /** Removes processes that last beat before `before` (dead ones); resolves with how many went. */
  removeStale(before: number): Promise<number>;
}
