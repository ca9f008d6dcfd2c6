import { ConfigError, type ConfigIssue } from '../contracts/errors/config-error.ts';
import type { JobConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import { flattenZodIssues } from './flatten-zod-issues.ts';
import { asMapping } from './raw-value.ts';
import { deliveryTargetIssues } from './sections/channels-section.ts';
import { jobIssues, jobSchema, resolveJob } from './sections/jobs-section.ts';
import { zodErrorMessage } from './zod-error-message.ts';

/** What a job may refer to: agent ids, and channel names with their types (for `deliver:` targets). */
export type JobNames = {
  agents: ReadonlySet<string>;
  /** Agents with `mainSession: true`: the only ones a `session: main` job may run on. */
  mainSessionAgents: ReadonlySet<string>;
  channels: ReadonlyMap<string, string>;
  /** scheduler.minInterval (default 10 s). */
  minIntervalMs?: number;
};

/** The agents and channels a loaded config defines, for defineJob. */
export function jobNames(config: Pick<PyramidConfig, 'agents' | 'channels' | 'scheduler'>): JobNames {
  return {
    ...(config.scheduler ? { minIntervalMs: config.scheduler.minIntervalMs } : {}),
    agents: new Set(Object.keys(config.agents ?? {})),
    mainSessionAgents: new Set(
      Object.values(config.agents ?? {})
        .filter((agent) => agent.mainSession)
        .map((agent) => agent.id),
    ),
    channels: new Map(Object.entries(config.channels ?? {}).map(([name, channel]) => [name, channel.type])),
  };
}

/**
 * Validates one job definition given outside the config file (CLI, HTTP) with the same rules as
 * `jobs:` in pyramid.yaml (an unknown agent or `deliver:` channel included). Throws ConfigError listing every problem.
 */
export function defineJob(raw: unknown, names: JobNames): JobConfig {
  const result = jobSchema.safeParse(raw, { error: zodErrorMessage });
  const issues: ConfigIssue[] = [
    ...(result.success ? [] : flattenZodIssues(result.error.issues, jobSchema)),
    ...jobIssues(raw, names.agents, names.mainSessionAgents, undefined, names.minIntervalMs),
    ...deliveryTargetIssues(asMapping(raw)?.deliver, names).map((issue) => ({
      ...issue,
      path: ['deliver', ...issue.path],
    })),
  ].map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  if (issues.length > 0 || !result.success) {
    const id = asMapping(raw)?.id;
    throw new ConfigError(issues, undefined, typeof id === 'string' && id ? `job "${id}"` : 'job');
  }
  return resolveJob(result.data);
}
