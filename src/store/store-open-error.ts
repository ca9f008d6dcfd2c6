import { statSync } from 'node:fs';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';

// SQLite's primary result codes (the low byte of an extended code) that mean "this file is not ours".
const sqliteCorrupt = 11;
const sqliteNotADatabase = 26;
// ... and those that mean "this process may not write here" (a read-only PYRAMID_HOME or file).
const sqliteReadonly = 8;
const sqliteCantOpen = 14;

const writableHome =
  'make PYRAMID_HOME writable by this user, or set PYRAMID_HOME to a folder Pyramid can write';

/**
 * A failure to open or prepare the database at `path` as a PyramidError that names the file and what to
 * do (the CLI exits 1), instead of SQLite's bare "file is not a database". Pyramid's own errors pass through.
 */
export function storeOpenError(path: string, error: unknown): unknown {
  if (error instanceof PyramidError) return error;
  const { code, errcode, errstr } = error as { code?: string; errcode?: number; errstr?: string };
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new PyramidError(
      'store_cannot_open',
      `cannot create the database ${path} (permission denied): ${writableHome}`,
      { cause: error },
    );
  }
  if (code === 'ERR_SQLITE_ERROR' && errcode !== undefined) {
    const primary = errcode & 0xff;
    if (primary === sqliteNotADatabase || primary === sqliteCorrupt)
      return notPyramidDatabase(path, errstr, error);
    if (isFolder(path)) {
      return new PyramidError(
        'store_cannot_open',
        `cannot open the database: ${path} is a folder; move it away (Pyramid creates the file), or set PYRAMID_HOME to another folder`,
        { cause: error },
      );
    }
    const advice = primary === sqliteReadonly || primary === sqliteCantOpen ? `: ${writableHome}` : '';
    return new PyramidError(
      'store_cannot_open',
      `cannot open the database ${path}: ${errstr ?? String(error)}${advice}`,
      {
        cause: error,
      },
    );
  }
  return error;
}

/** The file at `path` is not (or no longer) a Pyramid database: `reason` says what SQLite saw. */
export function notPyramidDatabase(path: string, reason: string | undefined, cause?: unknown): PyramidError {
  return new PyramidError(
    'store_not_database',
    `${path} is not a Pyramid database${reason ? ` (${reason})` : ''}: move it away (Pyramid then creates a new one), or set PYRAMID_HOME to another folder`,
    { cause },
  );
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
