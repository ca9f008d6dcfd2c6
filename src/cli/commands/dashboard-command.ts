import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveRunningGateway } from '../resolve-running-gateway.ts';

/** Opens a URL in the desktop's browser where there is one (never fails the command). */
function openBrowser(url: string, env: CliIo['env']): boolean {
  const command =
    process.platform === 'darwin'
      ? 'open'
      : process.platform === 'win32'
        ? undefined
        : env.DISPLAY || env.WAYLAND_DISPLAY
          ? 'xdg-open'
          : undefined;
  if (!command) return false;
  try {
    spawn(command, [url], { detached: true, stdio: 'ignore' })
      .on('error', () => {})
      .unref();
    return true;
  } catch {
    return false;
  }
}

/**
 * `pyramid dashboard`: asks the running pyramid start for a one-time sign-in link (valid 5 minutes, for
 * one sign-in) with the admin token, prints it, and opens it in a browser where there is one.
 */
export function registerDashboardCommand(program: Command, io: CliIo): void {
  program
    .command('dashboard')
    .description("print a one-time sign-in link to the running gateway's dashboard (and open a browser)")
    .option('--url <url>', 'the gateway (default: from gateway.bind and gateway.port in the config)')
    .option('--no-open', 'only print the link')
    .action(async (options: { url?: string; open: boolean }, command: Command) => {
      const { url, token } = await resolveRunningGateway(io, command, options.url);
      let response: Response;
      try {
        response = await (io.fetch ?? fetch)(`${url}/api/dashboard/links`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: '{}',
          signal: AbortSignal.timeout(5000),
        });
      } catch (error) {
        const cause =
          error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        throw new PyramidError(
          'not_running',
          `nothing answers at ${url} (${cause}): is pyramid start running?`,
        );
      }
      if (response.status === 401 || response.status === 403)
        throw new PyramidError(
          'token_refused',
          `${url} refused the token: set PYRAMID_TOKEN to an admin token of that gateway`,
        );
      if (!response.ok) throw new PyramidError('dashboard_failed', `${url} answered ${response.status}`);
      const link = (await response.json()) as { url: string; expiresAt: string };
      io.stdout.write(`${link.url}\n`);
      io.stderr.write(`a one-time sign-in link, valid until ${link.expiresAt}; it signs in once\n`);
      if (options.open) openBrowser(link.url, io.env);
    });
}
