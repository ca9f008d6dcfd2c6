import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Command } from 'commander';
import { loadConfig, resolvePyramidPaths } from '../../config/index.ts';
import { migrations } from '../../store/migrations.ts';
import { closeSqlite, openSqlite } from '../../store/open-sqlite.ts';
import { postgresUrl } from '../../store/open-stores.ts';
import { openPostgresStores } from '../../store/postgres/open-postgres-stores.ts';
import { postgresMigrations } from '../../store/postgres/postgres-migrations.ts';
import { runPostgresMigrations } from '../../store/postgres/run-postgres-migrations.ts';
import { schemaVersion } from '../../store/run-migrations.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';

type MigrateReport = {
  store: 'sqlite' | 'postgres';
  target: string;
  from: number;
  to: number;
  latest: number;
};

/**
 * `pyramid migrate [--json]`: brings the configured store's schema up to this Pyramid's (pyramid start
 * does it too); safe while other processes run, which wait for it or find it done.
 */
export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('apply pending schema migrations to the configured store (pyramid start does it too)')
    .option('--json', 'print { store, target, from, to, latest } as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { home, configFile } = resolvePyramidPaths({
        env: io.env,
        explicitConfigPath: globals.config,
        homedir: io.homedir,
        cwd: io.cwd,
      });
      const { config } = await loadConfig({ file: configFile, env: io.env });
      let report: MigrateReport;
      if (config.store?.kind === 'postgres') {
        // Opened without migrating, so that the steps applied here are counted.
        const stores = await openPostgresStores(postgresUrl(config.store, configFile), {
          poolMax: 1,
          migrate: false,
        });
        try {
          const { from, to } = await runPostgresMigrations(stores.pool, postgresMigrations, io.now);
          report = { store: 'postgres', target: stores.target, from, to, latest: postgresMigrations.length };
        } finally {
          await stores.close();
        }
      } else {
        const file = join(home, 'pyramid.db');
        const before = versionOf(file);
        const db = openSqlite(file);
        try {
          report = {
            store: 'sqlite',
            target: file,
            from: before,
            to: schemaVersion(db),
            latest: migrations.length,
          };
        } finally {
          closeSqlite(db);
        }
      }
      if (options.json) {
        io.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const steps = report.to - report.from;
      io.stdout.write(
        steps === 0
          ? `${report.target}: schema ${report.to}, up to date\n`
          : `${report.target}: schema ${report.from} -> ${report.to} (${steps} step${steps === 1 ? '' : 's'} applied)\n`,
      );
    });
}

/** The schema version of an existing pyramid.db without changing it (0 when there is none yet). */
function versionOf(file: string): number {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { readOnly: true });
    return schemaVersion(db);
  } catch {
    return 0;
  } finally {
    db?.close();
  }
}
