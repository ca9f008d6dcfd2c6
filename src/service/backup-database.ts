import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, link, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { BackupError } from '../contracts/errors/backup-error.ts';

/** How long the backup waits for a lock another connection holds (a checkpoint, a schema change). */
const busyTimeoutMs = 10_000;

/**
 * Writes a consistent copy of the SQLite database `dbFile` to `target` with `VACUUM INTO` on its own
 * connection: one read transaction, so the copy holds exactly what was committed when it began, while
 * other connections go on writing. The copy is written beside `target` (mode 0600) and then linked into
 * place, so a failed backup leaves no partial file and an existing `target` is replaced only with `force`.
 * Resolves to the copy's size in bytes.
 */
export async function backupDatabase(options: {
  dbFile: string;
  target: string;
  force?: boolean;
}): Promise<number> {
  const { dbFile, target, force = false } = options;
  if (!existsSync(dbFile))
    throw new BackupError('backup_no_database', `no pyramid.db at ${dbFile} yet: nothing to back up`);
  if (!force && existsSync(target))
    throw new BackupError(
      'backup_target_exists',
      `${target} already exists: choose another file, or add --force to replace it`,
    );
  const temporary = join(dirname(target), `.${basename(target)}.${randomUUID()}.partial`);
  try {
    // VACUUM INTO accepts an empty file: creating it first makes the copy owner-only from its first byte.
    await writeFile(temporary, '', { flag: 'wx', mode: 0o600 });
    await chmod(temporary, 0o600);
    const db = open(dbFile);
    try {
      db.prepare('VACUUM INTO ?').run(temporary);
    } finally {
      db.close();
    }
    if (force) await rename(temporary, target);
    else await link(temporary, target);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new BackupError(
        'backup_target_exists',
        `${target} already exists: choose another file, or add --force to replace it`,
      );
    throw new BackupError(
      'backup_failed',
      `cannot back up ${dbFile} to ${target}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await rm(temporary, { force: true });
  }
  return (await stat(target)).size;
}

/**
 * A read-only connection where SQLite allows one (VACUUM INTO only reads the source), else a read-write
 * one that never creates the file (`mode=rw`): a database deleted under a running Pyramid stays deleted.
 */
function open(dbFile: string): DatabaseSync {
  try {
    const db = new DatabaseSync(dbFile, { readOnly: true, timeout: busyTimeoutMs });
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch {
    const url = pathToFileURL(dbFile);
    url.searchParams.set('mode', 'rw');
    return new DatabaseSync(url, { timeout: busyTimeoutMs });
  }
}
