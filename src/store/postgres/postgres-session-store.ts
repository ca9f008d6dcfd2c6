import type { Pool } from 'pg';
import type { ChatMessage } from '../../contracts/message.ts';
import type { SessionInfo, SessionStore } from '../../contracts/session-store.ts';
import { estimateTokens } from '../sqlite-session-store.ts';

type Row = Record<string, unknown>;

/** The SessionStore on PostgreSQL. */
export function createPostgresSessionStore(pool: Pool): SessionStore {
  return {
    async ensure(session) {
      await pool.query(
        `INSERT INTO sessions (id, kind, agent_id, job_id, run_id, parent_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
        [
          session.id,
          session.kind,
          session.agentId,
          session.jobId ?? null,
          session.runId ?? null,
          session.parentId ?? null,
          Math.round(session.createdAt),
        ],
      );
    },
    async get(id) {
      const { rows } = await pool.query('SELECT * FROM sessions WHERE id = $1', [id]);
      return rows.length > 0 ? toSession(rows[0] as Row) : undefined;
    },
    async append(sessionId, messages, now) {
      if (messages.length === 0) return;
      // One round trip (see migration 0012): the session's row lock orders appends from several
      // processes, and the last seq is read after it is granted.
      await pool.query('SELECT pyramid_append_session_messages($1, $2::text[], $3::int[], $4)', [
        sessionId,
        messages.map((message) => JSON.stringify(message)),
        messages.map((message) => estimateTokens(message)),
        Math.round(now),
      ]);
    },
    async messages(sessionId) {
      const { rows } = await pool.query('SELECT * FROM session_messages WHERE session_id = $1 ORDER BY seq', [
        sessionId,
      ]);
      return (rows as Row[]).map((row) => ({
        seq: Number(row.seq),
        message: JSON.parse(String(row.message)) as ChatMessage,
        tokens: Number(row.tokens),
        createdAt: Number(row.created_at),
      }));
    },
    async sessionsOfRun(runId) {
      const { rows } = await pool.query(
        'SELECT * FROM sessions WHERE run_id = $1 ORDER BY created_at, id COLLATE "C"',
        [runId],
      );
      return (rows as Row[]).map(toSession);
    },
    async remember(agentId, key, value, now) {
      await pool.query(
        `INSERT INTO agent_notes (agent_id, key, value, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (agent_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [agentId, key, value, Math.round(now)],
      );
    },
    async recall(agentId, key) {
      const { rows } =
        key === undefined
          ? await pool.query('SELECT * FROM agent_notes WHERE agent_id = $1 ORDER BY key COLLATE "C"', [
              agentId,
            ])
          : await pool.query('SELECT * FROM agent_notes WHERE agent_id = $1 AND key = $2', [agentId, key]);
      return (rows as Row[]).map((row) => ({
        key: String(row.key),
        value: String(row.value),
        updatedAt: Number(row.updated_at),
      }));
    },
  };
}

function toSession(row: Row): SessionInfo {
  return {
    id: String(row.id),
    kind: row.kind as SessionInfo['kind'],
    agentId: String(row.agent_id),
    ...(row.job_id !== null && { jobId: String(row.job_id) }),
    ...(row.run_id !== null && { runId: String(row.run_id) }),
    ...(row.parent_id !== null && { parentId: String(row.parent_id) }),
    createdAt: Number(row.created_at),
  };
}
