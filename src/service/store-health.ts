import { statfsSync, statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import type { DoctorCheck } from './doctor-check.ts';
import { openReadOnly } from './open-read-only.ts';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * The store's health through a read-only connection of its own (never the platform's store objects,
 * never a write): quick_check, the database and WAL sizes, and the free disk beside it.
 */
export function storeHealthChecks(dbFile: string): DoctorCheck[] {
  let size: number;
  try {
    size = statSync(dbFile).size;
  } catch {
    return [
      {
        name: 'store',
        status: 'warn',
        detail: `${dbFile} does not exist yet`,
        fix: 'pyramid start creates it',
      },
    ];
  }
  const checks: DoctorCheck[] = [];
  let db: DatabaseSync | undefined;
  try {
    db = openReadOnly(dbFile);
    const rows = db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    const problems = rows.map((row) => row.quick_check).filter((text) => text !== 'ok');
    checks.push(
      problems.length === 0
        ? { name: 'store quick_check', status: 'ok', detail: `${dbFile}: ok` }
        : {
            name: 'store quick_check',
            status: 'fail',
            detail: `${dbFile}: ${problems.slice(0, 3).join('; ')}`,
            fix: 'stop Pyramid, restore the last backup (README: Backup and restore), or recover it with sqlite3 .recover',
          },
    );
  } catch (error) {
    checks.push({
      name: 'store quick_check',
      status: 'fail',
      detail: `cannot open ${dbFile} read-only: ${(error as Error).message}`,
      fix: 'check that it is a Pyramid database readable by this user',
    });
  } finally {
    db?.close();
  }
  let wal = 0;
  try {
    wal = statSync(`${dbFile}-wal`).size;
  } catch {
    // No WAL file: nothing written since the last clean close.
  }
  checks.push({
    name: 'store size',
    status: wal > 256 * 1024 * 1024 ? 'warn' : 'ok',
    detail: `database ${mib(size)}, WAL ${mib(wal)}`,
    ...(wal > 256 * 1024 * 1024
      ? { fix: 'a WAL this large means checkpoints are starved: a long reader holds it; restart Pyramid' }
      : {}),
  });
  try {
    const disk = statfsSync(dbFile);
    const free = disk.bavail * disk.bsize;
    const low = free < Math.max(1024 * 1024 * 1024, 2 * (size + wal));
    checks.push({
      name: 'free disk',
      status: low ? 'warn' : 'ok',
      detail: `${mib(free)} free beside ${dbFile}`,
      ...(low
        ? { fix: 'free disk space (a backup and a checkpoint need about the database size again)' }
        : {}),
    });
  } catch (error) {
    checks.push({ name: 'free disk', status: 'warn', detail: `cannot tell: ${(error as Error).message}` });
  }
  return checks;
}
