import type { ConfigIssue } from './errors/config-error.ts';

/**
 * What reloading the config file in a running `pyramid start` did. Only agents, jobs and retention
 * change in place; an invalid file, or a change anywhere else, leaves the running config as it was.
 */
export type ConfigReloadOutcome =
  | { ok: true; applied: string[]; warnings: ConfigIssue[] }
  | { ok: false; code: 'config_invalid'; message: string; issues: ConfigIssue[] }
  | { ok: false; code: 'restart_needed'; message: string; restartNeeded: string[] };
