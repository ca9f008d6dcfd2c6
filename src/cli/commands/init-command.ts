import type { Command } from 'commander';
import { resolvePyramidPaths, writeStarterConfig } from '../../config/index.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';

/** `pyramid init`: writes the commented starter config. */
export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('write a commented starter config to $PYRAMID_HOME/pyramid.yaml (or --config)')
    .option('-f, --force', 'overwrite an existing config file')
    .action(async (options: { force?: boolean }, command: Command) => {
      const { configFile } = resolvePyramidPaths({
        env: io.env,
        explicitConfigPath: command.optsWithGlobals<GlobalOptions>().config,
        homedir: io.homedir,
        cwd: io.cwd,
      });
      await writeStarterConfig(configFile, { force: options.force });
      io.stdout.write(
        `wrote ${configFile}\nnext: set the API keys it names (GEMINI_API_KEY, DEEPSEEK_API_KEY, ANTHROPIC_API_KEY; a provider without one is skipped), then try:\n  npx pyramid ask "Say hello" --task classify\n`,
      );
    });
}
