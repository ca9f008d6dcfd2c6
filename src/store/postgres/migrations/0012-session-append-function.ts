import type { Migration } from '../../migration.ts';

/**
 * SessionStore.append as one call: lock the session's row (so appends from several processes take turns),
 * then number the messages after the last one. Two statements, each with its own snapshot under READ
 * COMMITTED, so the last seq is read after the lock is granted (a subquery of one locking statement would
 * read it from before the wait); inside a function they cost one round trip, where BEGIN, the lock, the
 * insert and COMMIT cost four, twice a run.
 */
export const postgresSessionAppendFunction: Migration = {
  name: '0012-session-append-function',
  sql: `
    CREATE FUNCTION pyramid_append_session_messages(p_session TEXT, p_messages TEXT[], p_tokens INTEGER[], p_now BIGINT)
    RETURNS VOID LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM sessions WHERE id = p_session FOR UPDATE;
        INSERT INTO session_messages (session_id, seq, message, tokens, created_at)
        SELECT p_session, last.seq + m.ord, m.message, m.tokens, p_now
        FROM (SELECT COALESCE(MAX(seq), -1) AS seq FROM session_messages WHERE session_id = p_session) last,
          unnest(p_messages, p_tokens) WITH ORDINALITY AS m(message, tokens, ord);
      END $$;
  `,
};
