import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { resolvePyramidPaths } from '../../config/index.ts';
import { backupDatabase } from '../../service/backup-database.ts';
import type { CliIo } from '../cli-io.ts';

/** `pyramid backup <file> [--force]`: a consistent copy of $PYRAMID_HOME/pyramid.db, safe while it runs. */
export function registerBackupCommand(program: Command, io: CliIo): void {
  program
    .command('backup')
    .description(
      'write a consistent copy of $PYRAMID_HOME/pyramid.db to <file> (safe while pyramid start runs)',
    )
    .argument('<file>', 'where to write the copy (mode 0600)')
    .option('-f, --force', 'replace <file> if it exists')
    .action(async (file: string, options: { force?: boolean }) => {
      const { home } = resolvePyramidPaths({ env: io.env, homedir: io.homedir, cwd: io.cwd });
      const dbFile = join(home, 'pyramid.db');
      const target = resolve(io.cwd, file);
      const bytes = await backupDatabase({ dbFile, target, force: options.force === true });
      io.stdout.write(
        `backed up ${dbFile} to ${target} (${bytes} bytes, mode 0600)\nto restore: stop pyramid, remove ${dbFile}-wal and ${dbFile}-shm if present, move the copy to ${dbFile}, start pyramid\n`,
      );
    });
}
