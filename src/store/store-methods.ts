import type { StoreSet } from '../contracts/stores.ts';

/** `write` calls tell whether the store can write again after a failure; `read` calls only read. */
export type MethodKind = 'read' | 'write';

type MethodNames<T> = Record<keyof T, MethodKind>;

/** Every method of every store interface, by store: what the store worker and the inline stores forward. */
export const storeMethods: { [K in keyof StoreSet]: MethodNames<StoreSet[K]> } = {
  ledger: { insert: 'write', sumCost: 'read', get: 'read', aggregate: 'read' },
  scheduler: {
    listJobs: 'read',
    getJob: 'read',
    putJob: 'write',
    deleteJob: 'write',
    setEnabledOverride: 'write',
    setNextRun: 'write',
    claimSlots: 'write',
    insertRun: 'write',
    updateRun: 'write',
    getRun: 'read',
    listRuns: 'read',
    activeRuns: 'read',
    queuedRuns: 'read',
    runsAwaitingDelivery: 'read',
    setDeliveryStatus: 'write',
    interruptRunning: 'write',
    startRuns: 'write',
    finishRun: 'write',
    renewRunLeases: 'write',
    expiredRuns: 'read',
    interruptExpired: 'write',
    recordFirstStart: 'write',
    batch: 'write',
    changes: 'read',
  },
  sessions: {
    ensure: 'write',
    get: 'read',
    append: 'write',
    messages: 'read',
    sessionsOfRun: 'read',
    remember: 'write',
    recall: 'read',
  },
  delivery: {
    insert: 'write',
    get: 'read',
    chunks: 'read',
    claimDue: 'write',
    markChunkSent: 'write',
    markDelivered: 'write',
    markRetry: 'write',
    markFailed: 'write',
    renewLease: 'write',
    release: 'write',
    requeue: 'write',
    list: 'read',
    nextClaimableAt: 'read',
  },
  pruner: { count: 'read', pruneBatch: 'write' },
  responses: { put: 'write', get: 'read', delete: 'write', prune: 'write' },
  processes: {
    register: 'write',
    heartbeat: 'write',
    deregister: 'write',
    list: 'read',
    removeStale: 'write',
  },
  dashboard: {
    listRequests: 'read',
    requestsPerMinute: 'read',
    attemptReasons: 'read',
    deliveryCounts: 'read',
  },
};

/**
 * Calls that must run however long they waited in line: a ledger row is money already spent, so it is
 * never dropped for being late (it is committed late instead). Every other call past its deadline is
 * answered `store_busy` without running.
 */
export const mustRun: ReadonlySet<string> = new Set(['ledger.insert']);
