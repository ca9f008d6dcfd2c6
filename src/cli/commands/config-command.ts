import type { Command } from 'commander';
import { configJsonSchema, loadConfig, resolvePyramidPaths } from '../../config/index.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { printWarnings } from '../print-warnings.ts';

/** `pyramid config validate|schema`. */
export function registerConfigCommand(program: Command, io: CliIo): void {
  const config = program.command('config').description('check the config file, or print its JSON Schema');
  config
    .command('validate')
    .description('validate the config file; exit 78 listing every problem when it is invalid')
    .option('--json', 'print { ok, file, warnings, unavailable } as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { configFile } = resolvePyramidPaths({
        env: io.env,
        explicitConfigPath: command.optsWithGlobals<GlobalOptions>().config,
        homedir: io.homedir,
        cwd: io.cwd,
      });
      const loaded = await loadConfig({ file: configFile, env: io.env });
      const unavailable = Object.values(loaded.config.providers)
        .filter((provider) => provider.unavailableReason)
        .map((provider) => ({ provider: provider.name, reason: provider.unavailableReason! }));
      if (options.json) {
        io.stdout.write(
          `${JSON.stringify({ ok: true, file: configFile, warnings: loaded.warnings, unavailable }, null, 2)}\n`,
        );
        return;
      }
      printWarnings(io, loaded.warnings);
      const { models, tiers, tasks } = loaded.config;
      io.stdout.write(
        `${configFile} is valid: ${Object.keys(models).length} models in ${tiers.length} tiers, ${Object.keys(tasks).length} task types\n`,
      );
      for (const entry of unavailable)
        io.stdout.write(`  provider ${entry.provider} is unavailable: ${entry.reason}\n`);
    });
  config
    .command('schema')
    .description("print the config's JSON Schema (for editor completion and checks)")
    .action(() => {
      io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
