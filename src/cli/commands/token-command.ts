import type { Command } from 'commander';
import { resolvePyramidPaths } from '../../config/index.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { credentialsFile } from '../../gateway/load-gateway-tokens.ts';
import { readCredentials, rotateAdminToken } from '../../gateway/rotate-admin-token.ts';
import type { CliIo } from '../cli-io.ts';

/** `pyramid token [--rotate] [--json]`: prints (or replaces) the admin token in $PYRAMID_HOME/credentials. */
export function registerTokenCommand(program: Command, io: CliIo): void {
  program
    .command('token')
    .description('print the generated admin token from $PYRAMID_HOME/credentials (--rotate: replace it)')
    .option('--rotate', 'replace it with a new random token (a running pyramid start needs a restart)')
    .option('--json', 'print { name, token, file, rotated }')
    .action(async (options: { rotate?: boolean; json?: boolean }) => {
      const { home } = resolvePyramidPaths({ env: io.env, homedir: io.homedir, cwd: io.cwd });
      const file = credentialsFile(home);
      let entry: { name: string; token?: string } | undefined;
      if (options.rotate) {
        entry = await rotateAdminToken({ home });
      } else {
        const tokens = await readCredentials(home);
        entry =
          tokens?.find((token) => token.name === 'admin') ?? tokens?.find((t) => t.scopes.includes('admin'));
        if (!entry?.token)
          throw new PyramidError(
            'no_generated_token',
            `no generated admin token in ${file}: pyramid start generates one on its first run (when gateway.auth.tokens configures none), or run: pyramid token --rotate`,
          );
      }
      if (options.json) {
        const body = { name: entry.name, token: entry.token, file, rotated: options.rotate === true };
        io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      } else {
        io.stdout.write(`${entry.token}\n`);
      }
      if (options.rotate)
        io.stderr.write(
          `replaced the ${entry.name} token in ${file} (mode 0600); a running pyramid start still accepts only the old one until it is restarted\n`,
        );
    });
}
