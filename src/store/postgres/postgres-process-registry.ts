import type { Pool } from 'pg';
import type { ProcessRegistry } from '../../contracts/process-registry.ts';
import { toProcessRecord } from '../sqlite-process-registry.ts';

/** The ProcessRegistry on PostgreSQL: one row per live process, beaten by its own heartbeat. */
export function createPostgresProcessRegistry(pool: Pool): ProcessRegistry {
  return {
    async register(record) {
      await pool.query(
        `INSERT INTO processes (id, host, pid, version, started_at, address, heartbeat_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
           started_at = excluded.started_at, address = excluded.address, heartbeat_at = excluded.heartbeat_at`,
        [
          record.id,
          record.host,
          record.pid,
          record.version,
          Math.round(record.startedAt),
          record.address,
          Math.round(record.heartbeatAt),
        ],
      );
    },
    async heartbeat(id, at, address) {
      const { rowCount } =
        address === undefined
          ? await pool.query('UPDATE processes SET heartbeat_at = $1 WHERE id = $2', [Math.round(at), id])
          : await pool.query('UPDATE processes SET heartbeat_at = $1, address = $2 WHERE id = $3', [
              Math.round(at),
              address,
              id,
            ]);
      return (rowCount ?? 0) > 0;
    },
    async deregister(id) {
      await pool.query('DELETE FROM processes WHERE id = $1', [id]);
    },
    async list(aliveSince) {
      const { rows } = await pool.query(
        'SELECT * FROM processes WHERE heartbeat_at >= $1 ORDER BY started_at, id',
        [Math.round(aliveSince)],
      );
      return rows.map(toProcessRecord);
    },
    async removeStale(before) {
      const { rowCount } = await pool.query('DELETE FROM processes WHERE heartbeat_at < $1', [
        Math.round(before),
      ]);
      return rowCount ?? 0;
    },
  };
}
