import type { Command } from 'commander';
import { configJsonSchema, loadConfig, resolvePyramidPaths } from '../../config/index.ts';
import type { PyramidConfig } from '../../contracts/pyramid-config.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { printWarnings } from '../print-warnings.ts';

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

type Unavailable =
  | { provider: string; reason: string }
  | { token: string; reason: string }
  | { channel: string; reason: string };

/** Providers, gateway tokens and channels whose secret (an `env:` reference) is unset: valid, but not usable. */
function unavailableParts(config: PyramidConfig): Unavailable[] {
  const parts: Unavailable[] = [];
  for (const provider of Object.values(config.providers))
    if (provider.unavailableReason)
      parts.push({ provider: provider.name, reason: provider.unavailableReason });
  for (const token of config.gateway?.auth.tokens ?? [])
    if (token.unavailableReason) parts.push({ token: token.name, reason: token.unavailableReason });
  for (const [name, channel] of Object.entries(config.channels ?? {}))
    if ('unavailableReason' in channel && channel.unavailableReason)
      parts.push({ channel: name, reason: channel.unavailableReason });
  return parts;
}

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
      const unavailable = unavailableParts(loaded.config);
      if (options.json) {
        io.stdout.write(
          `${JSON.stringify({ ok: true, file: configFile, warnings: loaded.warnings, unavailable }, null, 2)}\n`,
        );
        return;
      }
      printWarnings(io, loaded.warnings);
      const { models, tiers, tasks } = loaded.config;
      io.stdout.write(
        `${configFile} is valid: ${count(Object.keys(models).length, 'model')} in ${count(tiers.length, 'tier')}, ${count(Object.keys(tasks).length, 'task type')}\n`,
      );
      for (const entry of unavailable) {
        const [kind, name] = Object.entries(entry).find(([key]) => key !== 'reason') ?? ['part', '?'];
        io.stdout.write(`  ${kind} ${name} is unavailable: ${entry.reason}\n`);
      }
    });
  config
    .command('schema')
    .description("print the config's JSON Schema (for editor completion and checks)")
    .action(() => {
      io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
