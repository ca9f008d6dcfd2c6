/** One running task's slot in a platform-wide lane. */
export type LaneHold = {
  /** The lane (`subagents`). */
  lane: string;
  /** Unique to the task. */
  id: string;
  /** The process holding it (`host:pid:random`). */
  owner: string;
  /** When the hold stops counting unless renewed (its process died), ms since epoch. */
  expiresAt: number;
};

/**
 * The slots of lanes shared by every process on one store. Taking a slot counts the lane's live holds
 * and writes one in a single step, so processes taking slots at once can never together pass a limit.
 * A hold whose `expiresAt` has passed counts no more (its holder died or lost the store for a lease).
 */
export interface LaneHoldStore {
  /** Writes `hold` when fewer than `limit` live holds (`expiresAt > now`) are on its lane; false when full. */
  take(hold: LaneHold, limit: number, now: number): Promise<boolean>;
  /** Moves these holds' expiry to `expiresAt`; returns the ids still held (a lapsed one may be gone). */
  renew(lane: string, ids: readonly string[], expiresAt: number): Promise<string[]>;
  /** Ends a hold (nothing happens when it is already gone). */
  release(lane: string, id: string): Promise<void>;
}
