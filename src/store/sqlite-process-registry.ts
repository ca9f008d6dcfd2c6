import type { DatabaseSync } from 'node:sqlite';
import type { ProcessRecord, ProcessRegistry } from '../contracts/process-registry.ts';
import type { Synchronous } from '../contracts/synchronous.ts';

type Row = {
  id: string;
  host: string;
  pid: number;
  version: string;
  started_at: number;
  address: string | null;
  heartbeat_at: number;
};

/** A processes row as a ProcessRecord (both stores keep the same columns). */
export function toProcessRecord(row: Row): ProcessRecord {
  return {
    id: String(row.id),
    host: String(row.host),
    pid: Number(row.pid),
    version: String(row.version),
    startedAt: Number(row.started_at),
    address: row.address === null ? null : String(row.address),
    heartbeatAt: Number(row.heartbeat_at),
  };
}

/** The ProcessRegistry on a node:sqlite database opened by openSqlite (synchronous results). */
export function createSqliteProcessRegistry(db: DatabaseSync): Synchronous<ProcessRegistry> {
  const upsert = db.prepare(
    `INSERT INTO processes (id, host, pid, version, started_at, address, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
       started_at = excluded.started_at, address = excluded.address, heartbeat_at = excluded.heartbeat_at`,
  );
  const beat = db.prepare('UPDATE processes SET heartbeat_at = ? WHERE id = ?');
  const beatAt = db.prepare('UPDATE processes SET heartbeat_at = ?, address = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM processes WHERE id = ?');
  const alive = db.prepare('SELECT * FROM processes WHERE heartbeat_at >= ? ORDER BY started_at, id');
  const stale = db.prepare('DELETE FROM processes WHERE heartbeat_at < ?');
  return {
    register(record) {
      upsert.run(
        record.id,
        record.host,
        record.pid,
        record.version,
        Math.round(record.startedAt),
        record.address,
        Math.round(record.heartbeatAt),
      );
    },
    heartbeat(id, at, address) {
      const result =
        address === undefined ? beat.run(Math.round(at), id) : beatAt.run(Math.round(at), address, id);
      return Number(result.changes) > 0;
    },
    deregister(id) {
      remove.run(id);
    },
    list: (aliveSince) => (alive.all(Math.round(aliveSince)) as Row[]).map(toProcessRecord),
    removeStale: (before) => Number(stale.run(Math.round(before)).changes),
  };
}
