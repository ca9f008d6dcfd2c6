import { PyramidError } from './pyramid-error.ts';

/** One problem in the config file: a dotted path (`providers.deepseek.api`), what is wrong, and the YAML line when known. */
export type ConfigIssue = { path: string; message: string; line?: number };

/** The message lists this many issues and counts the rest (`issues` keeps them all). */
export const printedConfigIssues = 50;

/**
 * The config file is missing, unreadable or invalid, or a definition checked by the same rules (a job
 * added by CLI or HTTP: `subject` says which). Lists every problem at once; the CLI exits 78.
 */
export class ConfigError extends PyramidError {
  readonly file?: string;
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], file?: string, subject = 'config') {
    const where = file ? ` in ${file}` : '';
    const lines = issues
      .slice(0, printedConfigIssues)
      .map(
        (issue) => `  ${issue.line ? `line ${issue.line}: ` : ''}${issue.path || '(root)'}: ${issue.message}`,
      );
    const rest = issues.length - printedConfigIssues;
    if (rest > 0) lines.push(`  ... and ${rest} more problem${rest === 1 ? '' : 's'} (fix these first)`);
    super('config_invalid', `invalid ${subject}${where}:\n${lines.join('\n')}`);
    this.file = file;
    this.issues = issues;
  }
}
