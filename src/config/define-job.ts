import { ConfigError, type ConfigIssue } from '../spec/errors/config-error.ts';
import type { JobConfig } from '../spec/pyramid-config.ts';
import { flattenZodIssues } from './flatten-zod-issues.ts';
import { jobIssues, jobSchema, resolveJob } from './sections/jobs-section.ts';
import { zodErrorMessage } from './zod-error-message.ts';

/**
 * Validates one job definition given outside the config file (CLI, HTTP) with the same rules as
 * `jobs:` in pyramid.yaml. Throws ConfigError listing every problem.
 */
export function defineJob(raw: unknown, agents: ReadonlySet<string>): JobConfig {
  const result = jobSchema.safeParse(raw, { error: zodErrorMessage });
  const issues: ConfigIssue[] = [
    ...(result.success ? [] : flattenZodIssues(result.error.issues, jobSchema)),
    ...jobIssues(raw, agents),
  ].map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return resolveJob(result.data);
}
