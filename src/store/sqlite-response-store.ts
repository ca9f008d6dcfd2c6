import type { DatabaseSync } from 'node:sqlite';
import type { ResponseStore, StoredResponse } from '../contracts/response-store.ts';

/** ResponseStore's methods with synchronous results, for the store worker to run. */
export type SyncResponseStore = {
  [K in keyof ResponseStore]: (
    ...args: Parameters<ResponseStore[K]>
  ) => Awaited<ReturnType<ResponseStore[K]>>;
};

/** The ResponseStore on a node:sqlite database opened by openSqlite (synchronous results). */
export function createSqliteResponseStore(db: DatabaseSync): SyncResponseStore {
  const insert = db.prepare(
    'INSERT INTO responses (id, created_at, caller_tag, conversation, response) VALUES (?, ?, ?, ?, ?)',
  );
  const select = db.prepare('SELECT * FROM responses WHERE id = ?');
  const remove = db.prepare('DELETE FROM responses WHERE id = ?');
  const prune = db.prepare('DELETE FROM responses WHERE created_at < ?');
  return {
    put(response) {
      insert.run(
        response.id,
        response.createdAt,
        response.callerTag ?? null,
        JSON.stringify(response.conversation),
        JSON.stringify(response.response),
      );
    },
    get(id) {
      const row = select.get(id) as
        | {
            id: string;
            created_at: number;
            caller_tag: string | null;
            conversation: string;
            response: string;
          }
        | undefined;
      if (!row) return undefined;
      const stored: StoredResponse = {
        id: row.id,
        createdAt: row.created_at,
        conversation: JSON.parse(row.conversation),
        response: JSON.parse(row.response),
      };
      if (row.caller_tag !== null) stored.callerTag = row.caller_tag;
      return stored;
    },
    delete: (id) => Number(remove.run(id).changes) > 0,
    prune: (beforeMs) => Number(prune.run(beforeMs).changes),
  };
}
