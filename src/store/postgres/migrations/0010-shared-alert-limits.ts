import type { Migration } from '../../migration.ts';

/**
 * Alert rate limits for the platform: each subject's last send and the alerts held back since, and the
 * sends of the last hour, checked and written by one function under one advisory lock (7310432130), so
 * that two processes deciding at once queue rather than both send.
 */
export const postgresSharedAlertLimits: Migration = {
  name: '0010-shared-alert-limits',
  sql: `
    CREATE TABLE alert_subjects (
      subject TEXT PRIMARY KEY,
      last_sent_at BIGINT,
      held_back INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE alert_sends (sent_at BIGINT NOT NULL);
    CREATE INDEX alert_sends_by_time ON alert_sends (sent_at);

    -- Whether an alert about p_subject goes out at p_now: not within p_repeat of the subject's last
    -- send (unless p_ignore_repeat), nor with p_max_per_hour sent in the hour before. Sent: the send is
    -- counted and the subject's held-back count returned and reset; held back: the count grows.
    CREATE FUNCTION pyramid_take_alert(
      p_subject TEXT, p_now BIGINT, p_repeat BIGINT, p_max_per_hour INTEGER, p_ignore_repeat BOOLEAN
    ) RETURNS TABLE (send BOOLEAN, held_back INTEGER)
    LANGUAGE plpgsql AS $$
    DECLARE
      last BIGINT;
      held INTEGER;
    BEGIN
      PERFORM pg_advisory_xact_lock(7310432130);
      DELETE FROM alert_sends WHERE sent_at <= p_now - 3600000;
      SELECT s.last_sent_at, s.held_back INTO last, held FROM alert_subjects s WHERE s.subject = p_subject;
      IF (NOT p_ignore_repeat AND last IS NOT NULL AND p_now - last < p_repeat)
         OR (SELECT COUNT(*) FROM alert_sends) >= p_max_per_hour THEN
        INSERT INTO alert_subjects AS s (subject, last_sent_at, held_back) VALUES (p_subject, NULL, 1)
          ON CONFLICT (subject) DO UPDATE SET held_back = s.held_back + 1;
        send := false;
        held_back := 0;
        RETURN NEXT;
        RETURN;
      END IF;
      INSERT INTO alert_sends (sent_at) VALUES (p_now);
      INSERT INTO alert_subjects AS s (subject, last_sent_at, held_back) VALUES (p_subject, p_now, 0)
        ON CONFLICT (subject) DO UPDATE SET last_sent_at = p_now, held_back = 0;
      send := true;
      held_back := COALESCE(held, 0);
      RETURN NEXT;
    END $$;
  `,
};
