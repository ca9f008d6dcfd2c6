import type { Migration } from '../../migration.ts';

/**
 * SchedulerStore.changes as two counters: `counter` for jobs added, removed, redefined or switched on
 * or off (no longer for a next slot moved: every claim moves one, and every process then reread every
 * job at every tick), and `runs_counter` for runs added. Each is bumped at most once per transaction
 * (a transaction-local setting remembers it), not once per row: a claim of 500 slots is one update of
 * the counters' row, not a thousand.
 */
export const postgresSchedulerChangeCounters: Migration = {
  name: '0011-scheduler-change-counters',
  sql: `
    ALTER TABLE store_changes ADD COLUMN runs_counter BIGINT NOT NULL DEFAULT 0;
    CREATE OR REPLACE FUNCTION bump_store_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('pyramid.jobs_bumped', true) IS DISTINCT FROM 'yes' THEN
          UPDATE store_changes SET counter = counter + 1 WHERE id = 1;
          PERFORM set_config('pyramid.jobs_bumped', 'yes', true);
        END IF;
        RETURN NULL;
      END $$;
    CREATE FUNCTION bump_run_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('pyramid.runs_bumped', true) IS DISTINCT FROM 'yes' THEN
          UPDATE store_changes SET runs_counter = runs_counter + 1 WHERE id = 1;
          PERFORM set_config('pyramid.runs_bumped', 'yes', true);
        END IF;
        RETURN NULL;
      END $$;
    DROP TRIGGER jobs_changed ON jobs;
    CREATE CONSTRAINT TRIGGER jobs_changed AFTER INSERT OR DELETE OR UPDATE OF source, definition, enabled_override
      ON jobs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_store_changes();
    DROP TRIGGER runs_added ON runs;
    CREATE CONSTRAINT TRIGGER runs_added AFTER INSERT ON runs
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_run_changes();
  `,
};
