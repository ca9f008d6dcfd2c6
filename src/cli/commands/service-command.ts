import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, resolvePyramidPaths } from '../../config/index.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { followLog } from '../../service/follow-log.ts';
import { pinnedNodePath, pyramidPackageRoot } from '../../service/pinned-node-path.ts';
import { readLogTail } from '../../service/read-log-tail.ts';
import { createRunProgram } from '../../service/run-program.ts';
import type { ServiceSpec } from '../../service/service-spec.ts';
import { type ServiceStatus, serviceStatus } from '../../service/service-status.ts';
import { serviceBackendFor, serviceKindFor } from '../../service/service-target.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { exitCodes } from '../exit-codes.ts';

type TargetOptions = { platform?: string; name: string; system?: boolean; user?: string };

function target(io: CliIo, options: TargetOptions) {
  const kind = serviceKindFor(process.platform, options.platform);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(options.name)) {
    throw new PyramidError('usage', `--name takes letters, digits, '.', '_' and '-', not "${options.name}"`);
  }
  const backend = serviceBackendFor({
    kind,
    name: options.name,
    homedir: io.homedir,
    uid: process.getuid?.() ?? 0,
    system: options.system === true,
    xdgConfigHome: io.env.XDG_CONFIG_HOME,
  });
  return { kind, backend, run: createRunProgram({ ...io.env } as NodeJS.ProcessEnv) };
}

const withTargetOptions = (command: Command) =>
  command
    .option('--platform <manager>', 'systemd or launchd (default: this machine’s)')
    .option('--name <name>', 'the unit name (systemd <name>.service, launchd dev.pyramid.<name>)', 'pyramid')
    .option('--system', 'systemd: a system unit in /etc/systemd/system (with --user), not a user unit')
    .option('--user <name>', 'with --system: the user the service runs as');

/** `pyramid service install | uninstall | status | logs`: Pyramid as a supervised systemd or launchd service. */
export function registerServiceCommand(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  const service = program
    .command('service')
    .description('run Pyramid as a supervised service (systemd user unit or launchd LaunchAgent)');

  withTargetOptions(
    service
      .command('install')
      .description(
        'write the unit, then enable and start it (`--dry-run`: print what it would write and run)',
      )
      .option('--dry-run', 'print the unit and the commands, change nothing'),
  ).action(async (options: TargetOptions & { dryRun?: boolean }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const { kind, backend, run } = target(io, options);
    if (options.system && !options.user) {
      throw new PyramidError(
        'usage',
        '--system needs --user <name>: the user the service runs as (never root by default)',
      );
    }
    if (options.user && !options.system) throw new PyramidError('usage', '--user goes with --system');
    if (options.system && !io.env.PYRAMID_HOME) {
      throw new PyramidError(
        'usage',
        `--system needs PYRAMID_HOME set to the service's home (e.g. PYRAMID_HOME=/var/lib/pyramid), owned by ${options.user}`,
      );
    }
    const { home, configFile } = resolvePyramidPaths({
      env: io.env,
      explicitConfigPath: globals.config,
      homedir: io.homedir,
      cwd: io.cwd,
    });
    // A unit for a config that cannot start would only fail: check it first (ConfigError, exit 78).
    const { config } = await loadConfig({ file: configFile, env: io.env });
    const root = pyramidPackageRoot();
    const spec: ServiceSpec = {
      kind,
      name: options.name,
      home,
      configFile,
      nodePath: pinnedNodePath(root),
      entryPath: join(root, 'bin', 'pyramid.js'),
      drainMs: config.gateway?.drainMs ?? 10_000,
      systemUser: options.system ? options.user : undefined,
    };
    const text = backend.unitText(spec);
    const commands = [...backend.preInstallCommands, ...backend.installCommands];
    if (options.dryRun) {
      io.stdout.write(`would write ${backend.unitFile}:\n\n${text}\nwould run:\n`);
      for (const argv of commands) io.stdout.write(`  ${argv.join(' ')}\n`);
      return;
    }
    for (const argv of backend.preInstallCommands) await run(argv);
    mkdirSync(dirname(backend.unitFile), { recursive: true });
    mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
    // The unit holds no secret (they live in PYRAMID_HOME/env); the manager must read it.
    writeFileSync(backend.unitFile, text, { mode: 0o644 });
    for (const argv of backend.installCommands) {
      const result = await run(argv);
      if (result.code !== 0) {
        throw new PyramidError(
          'service_install_failed',
          `\`${argv.join(' ')}\` failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}; the unit is at ${backend.unitFile}`,
        );
      }
    }
    io.stdout.write(
      `installed and started ${backend.unitFile}\n` +
        `  logs: ${join(home, 'logs', 'pyramid.log')} (pyramid service logs -f)\n` +
        '  check: pyramid service status\n' +
        (kind === 'systemd' && !options.system
          ? '  to keep it running while you are logged out (and start it at boot): loginctl enable-linger $USER\n'
          : ''),
    );
  });

  withTargetOptions(
    service
      .command('uninstall')
      .description('stop and disable the service, and remove its unit (logs and data stay)')
      .option('--dry-run', 'print what it would run and remove, change nothing'),
  ).action(async (options: TargetOptions & { dryRun?: boolean }) => {
    const { backend, run } = target(io, options);
    if (options.dryRun) {
      io.stdout.write('would run:\n');
      for (const argv of backend.uninstallCommands) io.stdout.write(`  ${argv.join(' ')}\n`);
      io.stdout.write(`would remove ${backend.unitFile}\n`);
      return;
    }
    const installed = existsSync(backend.unitFile);
    for (const argv of backend.uninstallCommands) {
      const result = await run(argv);
      if (result.code !== 0 && installed) {
        io.stderr.write(`warning: \`${argv.join(' ')}\` exited ${result.code}: ${result.stderr.trim()}\n`);
      }
    }
    rmSync(backend.unitFile, { force: true });
    io.stdout.write(
      installed ? `stopped and removed ${backend.unitFile}\n` : `not installed (no ${backend.unitFile})\n`,
    );
  });

  withTargetOptions(
    service
      .command('status')
      .description(
        'installed, loaded, running (pid, uptime), restarts, the last exit and why; exit 1 when not running',
      )
      .option('--json', 'print the status as JSON'),
  ).action(async (options: TargetOptions & { json?: boolean }) => {
    const { kind, backend, run } = target(io, options);
    const { home } = resolvePyramidPaths({ env: io.env, homedir: io.homedir, cwd: io.cwd });
    const status = await serviceStatus({ kind, backend, home, run, now: io.now });
    if (!status.running) setExitCode(exitCodes.failure);
    if (options.json) {
      io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return;
    }
    io.stdout.write(formatServiceStatus(status));
  });

  service
    .command('logs')
    .description('the service log (PYRAMID_HOME/logs/pyramid.log and its rotated files)')
    .option('-f, --follow', 'keep printing lines as they are written (Ctrl-C ends)')
    .option('-n, --lines <n>', 'how many of the last lines', '50')
    .action(async (options: { follow?: boolean; lines: string }) => {
      const lines = Number(options.lines);
      if (!/^\d+$/.test(options.lines) || !Number.isSafeInteger(lines)) {
        throw new PyramidError('usage', `--lines takes a whole number, not "${options.lines}"`);
      }
      const { home } = resolvePyramidPaths({ env: io.env, homedir: io.homedir, cwd: io.cwd });
      const dir = join(home, 'logs');
      const tail = lines > 0 ? readLogTail(dir, lines) : [];
      if (tail.length === 0 && !options.follow) {
        io.stderr.write(
          `no service log in ${dir} yet (the service writes it; pyramid start in a terminal logs to stdout)\n`,
        );
      }
      for (const line of tail) io.stdout.write(`${line}\n`);
      if (!options.follow) return;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await followLog({ dir, write: (text) => io.stdout.write(text), signal: stop.signal });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

function formatServiceStatus(status: ServiceStatus): string {
  const lines = [
    `unit: ${status.unitFile} (${status.installed ? 'installed' : 'not installed'})`,
    `loaded: ${status.loaded ? 'yes' : 'no'} (${status.state})`,
    status.running
      ? `running: pid ${status.pid}${status.uptimeSeconds !== null ? `, up ${formatUptime(status.uptimeSeconds)}` : ''}${status.url ? `, ${status.url}` : ''}`
      : 'running: no',
  ];
  if (status.restarts !== null) lines.push(`restarts: ${status.restarts}`);
  const last = status.lastExit;
  if (last) {
    const code = last.code !== null ? `exit ${last.code}` : (last.signal ?? 'unknown');
    lines.push(
      `last exit: ${code}${last.reason ? ` (${last.reason})` : ''}${last.at ? ` at ${last.at}` : ''}${last.message ? `: ${last.message}` : ''}`,
    );
    for (const issue of last.issues) lines.push(`  ${issue}`);
    if (last.code === 78)
      lines.push('  fix the config (pyramid config validate), then: pyramid service install');
  }
  return `${lines.join('\n')}\n`;
}

function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m ${seconds % 60}s`;
}
