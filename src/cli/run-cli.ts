import { Command, CommanderError } from 'commander';
import { resolvePyramidPaths } from '../config/index.ts';
import { ConfigError } from '../contracts/errors/config-error.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { loadEnvFile } from '../service/load-env-file.ts';
import { serviceEnvName } from '../service/service-spec.ts';
import { beginSupervisedStart, type SupervisedStart } from '../service/supervised-start.ts';
import type { CliIo } from './cli-io.ts';
import { registerAskCommand } from './commands/ask-command.ts';
import { registerBackupCommand } from './commands/backup-command.ts';
import { registerConfigCommand } from './commands/config-command.ts';
import { registerDashboardCommand } from './commands/dashboard-command.ts';
import { registerDeliveriesCommand } from './commands/deliveries-command.ts';
import { registerDoctorCommand } from './commands/doctor-command.ts';
import { registerInitCommand } from './commands/init-command.ts';
import { registerJobsCommand } from './commands/jobs-command.ts';
import { registerMigrateCommand } from './commands/migrate-command.ts';
import { registerPruneCommand } from './commands/prune-command.ts';
import { registerRouteCommand } from './commands/route-command.ts';
import { registerRunsCommand } from './commands/runs-command.ts';
import { registerServiceCommand } from './commands/service-command.ts';
import { registerStartCommand } from './commands/start-command.ts';
import { registerStatusCommand } from './commands/status-command.ts';
import { registerStoreCommand } from './commands/store-command.ts';
import { registerTokenCommand } from './commands/token-command.ts';
import { registerUsageCommand } from './commands/usage-command.ts';
import { exitCodes } from './exit-codes.ts';
import { pyramidVersion } from './pyramid-version.ts';

/** Runs the `pyramid` command with `argv` (without the node and script paths); resolves to the exit code. */
export async function runCli(argv: string[], baseIo: CliIo): Promise<number> {
  // Commands read this copy: the env file adds to its env, a supervised start swaps its streams.
  const io: CliIo = { ...baseIo };
  let supervised: SupervisedStart | undefined;
  let exitCode: number = exitCodes.ok;
  let failure: unknown;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const program = new Command('pyramid')
    .description('Pyramid: AI operations on a 4-tier model pyramid (local first, frontier last)')
    .version(pyramidVersion(), '-V, --version', 'print the version')
    .option('-c, --config <file>', 'config file (default: $PYRAMID_CONFIG, else $PYRAMID_HOME/pyramid.yaml)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerInitCommand(program, io);
  registerConfigCommand(program, io);
  registerAskCommand(program, io, setExitCode);
  registerRouteCommand(program, io);
  registerUsageCommand(program, io);
  registerJobsCommand(program, io, setExitCode);
  registerRunsCommand(program, io);
  registerStartCommand(program, io);
  registerStatusCommand(program, io);
  registerStoreCommand(program, io);
  registerTokenCommand(program, io);
  registerDashboardCommand(program, io);
  registerDeliveriesCommand(program, io, setExitCode);
  registerPruneCommand(program, io);
  registerBackupCommand(program, io);
  registerMigrateCommand(program, io);
  registerServiceCommand(program, io, setExitCode);
  registerDoctorCommand(program, io, setExitCode);
  program.hook('preAction', (_program, actionCommand) => {
    // Run by a service manager: logs go to the size-rotated PYRAMID_HOME/logs, and the exit is recorded.
    const kind = io.env[serviceEnvName];
    if (
      actionCommand.name() === 'start' &&
      actionCommand.parent === program &&
      (kind === 'systemd' || kind === 'launchd')
    ) {
      supervised = beginSupervisedStart({ home: homeOf(io), kind, now: io.now });
      io.stdout = supervised.stdout;
      io.stderr = supervised.stderr;
      supervised.checkStartLimit();
    }
    // Secrets for providers and channels, owner-only in PYRAMID_HOME/env (doctor checks the file itself).
    if (actionCommand.name() !== 'doctor') {
      io.processEnv = io.env;
      io.env = loadEnvFile(homeOf(io), io.env);
    }
  });

  const code = await run();
  return supervised ? supervised.finish(code, failure) : code;

  async function run(): Promise<number> {
    try {
      await program.parseAsync(argv, { from: 'user' });
      return exitCode;
    } catch (error) {
      failure = error;
      if (error instanceof CommanderError) {
        return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
      }
      if (error instanceof ConfigError) {
        io.stderr.write(`${error.message}\n`);
        return exitCodes.config;
      }
      if (error instanceof PyramidError) {
        io.stderr.write(`error: ${error.message}\n`);
        return error.code === 'usage' ? exitCodes.usage : exitCodes.failure;
      }
      io.stderr.write(
        `internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      return exitCodes.software;
    }
  }
}

/** PYRAMID_HOME (it does not depend on --config). */
function homeOf(io: CliIo): string {
  return resolvePyramidPaths({ env: io.env, homedir: io.homedir, cwd: io.cwd }).home;
}
