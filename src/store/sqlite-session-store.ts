import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { type ChatMessage, imageTokenEstimate, messageImages, messageText } from '../contracts/message.ts';
import type { SessionInfo, SessionStore } from '../contracts/session-store.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { transaction } from './transaction.ts';

type Row = Record<string, SQLInputValue>;

/** About four characters per token: enough to bound a context, not a tokenizer. */
export function estimateTokens(message: ChatMessage): number {
  const calls = message.role === 'assistant' ? JSON.stringify(message.toolCalls ?? []).length : 0;
  return (
    Math.ceil((messageText(message).length + calls) / 4) +
    messageImages([message]).length * imageTokenEstimate +
    4
  );
}

/** The SessionStore on a node:sqlite database opened by openSqlite. */
export function createSqliteSessionStore(db: DatabaseSync): Synchronous<SessionStore> {
  const insertSession = db.prepare(`
    INSERT OR IGNORE INTO sessions (id, kind, agent_id, job_id, run_id, parent_id, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const selectSession = db.prepare('SELECT * FROM sessions WHERE id = ?');
  const selectRunSessions = db.prepare('SELECT * FROM sessions WHERE run_id = ? ORDER BY created_at, id');
  const lastSeq = db.prepare(
    'SELECT COALESCE(MAX(seq), -1) AS seq FROM session_messages WHERE session_id = ?',
  );
  const insertMessage = db.prepare(
    'INSERT INTO session_messages (session_id, seq, message, tokens, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const selectMessages = db.prepare('SELECT * FROM session_messages WHERE session_id = ? ORDER BY seq');
  const upsertNote = db.prepare(`
    INSERT INTO agent_notes (agent_id, key, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (agent_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  const selectNotes = db.prepare('SELECT * FROM agent_notes WHERE agent_id = ? ORDER BY key');
  const selectNote = db.prepare('SELECT * FROM agent_notes WHERE agent_id = ? AND key = ?');

  return {
    ensure(session) {
      insertSession.run(
        session.id,
        session.kind,
        session.agentId,
        session.jobId ?? null,
        session.runId ?? null,
        session.parentId ?? null,
        Math.round(session.createdAt),
      );
    },
    get(id) {
      const row = selectSession.get(id) as Row | undefined;
      return row ? toSession(row) : undefined;
    },
    append(sessionId, messages, now) {
      transaction(db, () => {
        let seq = Number((lastSeq.get(sessionId) as Row).seq);
        for (const message of messages) {
          insertMessage.run(
            sessionId,
            ++seq,
            JSON.stringify(message),
            estimateTokens(message),
            Math.round(now),
          );
        }
      });
    },
    messages(sessionId) {
      return (selectMessages.all(sessionId) as Row[]).map((row) => ({
        seq: Number(row.seq),
        message: JSON.parse(String(row.message)) as ChatMessage,
        tokens: Number(row.tokens),
        createdAt: Number(row.created_at),
      }));
    },
    sessionsOfRun(runId) {
      return (selectRunSessions.all(runId) as Row[]).map(toSession);
    },
    remember(agentId, key, value, now) {
      upsertNote.run(agentId, key, value, Math.round(now));
    },
    recall(agentId, key) {
      const rows = (key === undefined ? selectNotes.all(agentId) : selectNote.all(agentId, key)) as Row[];
      return rows.map((row) => ({
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
