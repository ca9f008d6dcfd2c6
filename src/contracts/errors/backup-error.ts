import { PyramidError } from './pyramid-error.ts';

/**
 * Why `pyramid backup` wrote no copy. `backup_no_database`: there is no pyramid.db yet;
 * `backup_target_exists`: the target exists and --force was not given; `backup_failed`: SQLite or the
 * file system refused (the message says which).
 */
export type BackupErrorCode = 'backup_no_database' | 'backup_target_exists' | 'backup_failed';

export class BackupError extends PyramidError {
  declare readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
