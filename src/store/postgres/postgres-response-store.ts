import type { Pool } from 'pg';
import type { ResponseStore, StoredResponse } from '../../contracts/response-store.ts';

type Row = Record<string, unknown>;

/** The ResponseStore on PostgreSQL: the JSON is kept as text, so it reads back as it was written. */
export function createPostgresResponseStore(pool: Pool): ResponseStore {
  return {
    async put(response) {
      await pool.query(
        'INSERT INTO responses (id, created_at, caller_tag, conversation, response) VALUES ($1, $2, $3, $4, $5)',
        [
          response.id,
          Math.round(response.createdAt),
          response.callerTag ?? null,
          JSON.stringify(response.conversation),
          JSON.stringify(response.response),
        ],
      );
    },
    async get(id) {
      const { rows } = await pool.query('SELECT * FROM responses WHERE id = $1', [id]);
      const row = rows[0] as Row | undefined;
      if (!row) return undefined;
      const stored: StoredResponse = {
        id: String(row.id),
        createdAt: Number(row.created_at),
        conversation: JSON.parse(String(row.conversation)),
        response: JSON.parse(String(row.response)),
      };
      if (row.caller_tag !== null) stored.callerTag = String(row.caller_tag);
      return stored;
    },
    async delete(id) {
      const { rowCount } = await pool.query('DELETE FROM responses WHERE id = $1', [id]);
      return (rowCount ?? 0) > 0;
    },
    async prune(beforeMs) {
      const { rowCount } = await pool.query('DELETE FROM responses WHERE created_at < $1', [
        Math.round(beforeMs),
      ]);
      return rowCount ?? 0;
    },
  };
}
