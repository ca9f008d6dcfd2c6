import type { ConfigIssue } from '../contracts/errors/config-error.ts';
import type { CliIo } from './cli-io.ts';

/** Config warnings on stderr; `brief` prints one line each, for commands whose output is something else. */
export function printWarnings(io: CliIo, warnings: ConfigIssue[], options: { brief?: boolean } = {}): void {
  for (const warning of warnings) {
    const where = warning.line ? `line ${warning.line}: ` : '';
    const message = options.brief ? warning.message.split('\n')[0] : warning.message;
    io.stderr.write(`warning: ${where}${warning.path}: ${message}\n`);
  }
}
