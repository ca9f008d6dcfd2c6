import type { Command } from 'commander';
import { resolvePyramidPaths } from '../../config/index.ts';
import type { DoctorCheck } from '../../service/doctor-check.ts';
import { createRunProgram } from '../../service/run-program.ts';
import { serviceStatus } from '../../service/service-status.ts';
import { serviceBackendFor, serviceKindFor } from '../../service/service-target.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { exitCodes } from '../exit-codes.ts';
import { runDoctor } from '../run-doctor.ts';

/** `pyramid doctor [--json] [--deep]`: read-only checks, each ok / warn / fail with its fix; exit 1 when one fails. */
export function registerDoctorCommand(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  program
    .command('doctor')
    .description(
      'check the install, config, providers, channels, gateway, service and store (read-only); exit 1 when a check fails',
    )
    .option('--json', 'print { ok, checks: [{ name, status, detail, fix }] }')
    .option('--deep', 'also send one tiny prompt to every model (costs a few tokens)')
    .action(async (options: { json?: boolean; deep?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { home, configFile } = resolvePyramidPaths({
        env: io.env,
        explicitConfigPath: globals.config,
        homedir: io.homedir,
        cwd: io.cwd,
      });
      const checks = await runDoctor({
        home,
        configFile,
        env: io.env,
        deep: options.deep === true,
        fetch: io.fetch,
        serviceCheck: () => serviceCheck(io, home),
      });
      const ok = checks.every((check) => check.status !== 'fail');
      if (!ok) setExitCode(exitCodes.failure);
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
        return;
      }
      for (const check of checks) {
        io.stdout.write(`${check.status.padEnd(4)}  ${check.name}: ${check.detail}\n`);
        if (check.fix && check.status !== 'ok') io.stdout.write(`      fix: ${check.fix}\n`);
      }
      const count = (status: DoctorCheck['status']) =>
        checks.filter((check) => check.status === status).length;
      io.stdout.write(`\n${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail\n`);
    });
}

async function serviceCheck(io: CliIo, home: string): Promise<DoctorCheck> {
  let kind: ReturnType<typeof serviceKindFor>;
  try {
    kind = serviceKindFor(process.platform);
  } catch (error) {
    return { name: 'service', status: 'warn', detail: (error as Error).message };
  }
  const backend = serviceBackendFor({
    kind,
    name: 'pyramid',
    homedir: io.homedir,
    uid: process.getuid?.() ?? 0,
    system: false,
    xdgConfigHome: io.env.XDG_CONFIG_HOME,
  });
  const status = await serviceStatus({
    kind,
    backend,
    home,
    run: createRunProgram({ ...io.env } as NodeJS.ProcessEnv),
  });
  if (!status.installed) {
    return {
      name: 'service',
      status: 'warn',
      detail: `not installed (${backend.unitFile})`,
      fix: 'pyramid service install',
    };
  }
  if (!status.running) {
    const last = status.lastExit;
    return {
      name: 'service',
      status: 'fail',
      detail: `installed but not running (${status.state})${last?.code !== null && last ? `; last exit ${last.code}${last.reason ? ` (${last.reason})` : ''}` : ''}`,
      fix: 'pyramid service status; pyramid service logs',
    };
  }
  return { name: 'service', status: 'ok', detail: `running, pid ${status.pid}` };
}
