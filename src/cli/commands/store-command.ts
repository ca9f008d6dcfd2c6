import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, resolvePyramidPaths } from '../../config/index.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { type CopyReport, copyStore } from '../../store/copy/copy-store.ts';
import { postgresTableEndpoint } from '../../store/copy/postgres-table-endpoint.ts';
import { sqliteTableEndpoint } from '../../store/copy/sqlite-table-endpoint.ts';
import type { TableEndpoint } from '../../store/copy/table-endpoint.ts';
import { postgresUrl } from '../../store/open-stores.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { copyProgress } from '../copy-progress.ts';

type CopyOptions = { to: string; force?: boolean; json?: boolean };

const postgresScheme = /^postgres(ql)?:\/\//i;

/** `--to`: a PostgreSQL URL (or `env:NAME` holding one, to keep the password out of the shell history), else a pyramid.db path. */
function resolveTarget(
  to: string,
  io: CliIo,
): { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string } {
  let value = to;
  if (to.startsWith('env:')) {
    const name = to.slice(4);
    const found = io.env[name];
    if (!found) throw new PyramidError('usage', `--to ${to}: ${name} is not set`);
    value = found;
  }
  return postgresScheme.test(value)
    ? { kind: 'postgres', url: value }
    : { kind: 'sqlite', path: resolve(io.cwd, value) };
}

/** `pyramid store copy --to <url|path> [--force] [--json]`: the configured store's contents into another store. */
export function registerStoreCommand(program: Command, io: CliIo): void {
  const store = program.command('store').description('work on the store as a whole (copy it to another one)');
  store
    .command('copy')
    .description(
      'copy every table of the configured store into another (SQLite to PostgreSQL or back), migrating it first and checking the row counts; stop pyramid start first or it keeps writing to the old one',
    )
    .requiredOption('--to <url|path>', 'a postgresql:// URL (or env:NAME holding one), or a pyramid.db path')
    .option('--force', 'replace the contents of a target that already holds rows')
    .option('--json', 'print the report as JSON')
    .action(async (options: CopyOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { home, configFile } = resolvePyramidPaths({
        env: io.env,
        explicitConfigPath: globals.config,
        homedir: io.homedir,
        cwd: io.cwd,
      });
      const { config } = await loadConfig({ file: configFile, env: io.env });
      const to = resolveTarget(options.to, io);
      const configured = config.store ?? { kind: 'sqlite' };
      const from =
        configured.kind === 'postgres'
          ? ({ kind: 'postgres', url: postgresUrl(configured, configFile) } as const)
          : ({ kind: 'sqlite', path: join(home, 'pyramid.db') } as const);
      if (
        (from.kind === 'sqlite' && to.kind === 'sqlite' && from.path === to.path) ||
        (from.kind === 'postgres' && to.kind === 'postgres' && from.url === to.url)
      )
        throw new PyramidError('usage', '--to names the configured store itself: give another database');
      const open = (side: typeof from | typeof to, role: 'source' | 'target'): Promise<TableEndpoint> =>
        side.kind === 'postgres'
          ? postgresTableEndpoint(side.url, role)
          : Promise.resolve(sqliteTableEndpoint(side.path, role));
      const source = await open(from, 'source');
      let report: CopyReport;
      try {
        const target = await open(to, 'target');
        const progress = copyProgress(io.stderr);
        try {
          report = await copyStore({
            source,
            target,
            force: options.force === true,
            onProgress: progress.update,
            ...(io.now ? { now: io.now } : {}),
          });
        } finally {
          progress.done();
          await target.close();
        }
      } finally {
        await source.close();
      }
      if (options.json) {
        io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      io.stdout.write(
        `copied ${report.rows} rows in ${report.tables.length} tables from ${report.from} to ${report.to} in ${(report.ms / 1000).toFixed(1)} s; row counts match\n`,
      );
      if (report.skipped.length > 0)
        io.stdout.write(`not copied (the target has no such table): ${report.skipped.join(', ')}\n`);
      io.stdout.write(
        to.kind === 'postgres'
          ? 'to use it: store: { kind: postgres, url: env:DATABASE_URL } in pyramid.yaml, with DATABASE_URL set\n'
          : `to use it: store: { kind: sqlite } with ${to.path} as PYRAMID_HOME/pyramid.db\n`,
      );
    });
}
