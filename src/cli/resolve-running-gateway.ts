import type { Command } from 'commander';
import { loadConfig, resolvePyramidPaths } from '../config/index.ts';
import type { CliIo, GlobalOptions } from './cli-io.ts';
import { adminToken } from './commands/status-command.ts';

/**
 * Where a command reaches the running `pyramid start` (`--url`, else gateway.bind and gateway.port from
 * the config, with 0.0.0.0 and :: asked on 127.0.0.1) and the admin token it sends, if any.
 */
export async function resolveRunningGateway(
  io: CliIo,
  command: Command,
  urlOption: string | undefined,
): Promise<{ url: string; token: string | undefined }> {
  const { home, configFile } = resolvePyramidPaths({
    env: io.env,
    explicitConfigPath: command.optsWithGlobals<GlobalOptions>().config,
    homedir: io.homedir,
    cwd: io.cwd,
  });
  const { config } = await loadConfig({ file: configFile, env: io.env });
  const gateway = config.gateway;
  const host = !gateway || gateway.bind === '0.0.0.0' || gateway.bind === '::' ? '127.0.0.1' : gateway.bind;
  const url = (
    urlOption ?? `http://${host.includes(':') ? `[${host}]` : host}:${gateway?.port ?? 18789}`
  ).replace(/\/+$/, '');
  return { url, token: await adminToken(io, home, gateway?.auth.tokens ?? []) };
}
