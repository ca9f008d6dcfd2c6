import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';

/**
 * A read-only connection of its own to pyramid.db that leaves no file behind. While a process has the
 * database open (its -wal exists) it is an ordinary read-only connection, reading a consistent
 * snapshot beside the writer. When nobody has it open, even a read-only connection would create
 * -wal and -shm files it cannot remove again, so the file is opened `immutable` instead: no locks,
 * no side files (a writer starting during the read is not seen).
 */
export function openReadOnly(dbFile: string): DatabaseSync {
  if (existsSync(`${dbFile}-wal`) || existsSync(`${dbFile}-shm`)) {
    return new DatabaseSync(dbFile, { readOnly: true, timeout: 5000 });
  }
  const url = pathToFileURL(dbFile);
  url.searchParams.set('immutable', '1');
  return new DatabaseSync(url, { readOnly: true });
}
