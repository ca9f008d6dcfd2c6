import type { Migration } from '../../migration.ts';

/**
 * Half-open trials for the platform: a breaker's row says which process holds its trial call and until
 * when (claimed by a conditional UPDATE once the retry time has passed, so one process sends it), and
 * the epoch its outage began at, which a reopening after a failed trial keeps (its alert is the same).
 */
export const postgresSharedBreakerTrials: Migration = {
  name: '0009-shared-breaker-trials',
  sql: `
    ALTER TABLE breaker_states ADD COLUMN opened_epoch BIGINT;
    ALTER TABLE breaker_states ADD COLUMN trial_by TEXT;
    ALTER TABLE breaker_states ADD COLUMN trial_until BIGINT;
    UPDATE breaker_states SET opened_epoch = epoch WHERE state = 'open';
  `,
};
