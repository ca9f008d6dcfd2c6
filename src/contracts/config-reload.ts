import type { ConfigIssue } from './errors/config-error.ts';

/**
 * What changed in one section of the config file: names of entries (providers, models, tasks, agents,
 * jobs, channels, aliases, tokens), tier numbers, or keys of a settings section (router, budgets,
 * gateway). Names only, never values: a secret is never in an outcome.
 */
export type SectionChange = { section: string; added: string[]; removed: string[]; changed: string[] };

/**
 * What reloading the config file in a running `pyramid start` did. A valid file is applied in place,
 * every section but the ones listed in `restartNeeded` (the gateway's port, bind address, allowed hosts
 * and connection limits, the agent lanes' sizes, the store), which keep their running values until a
 * restart. An invalid file (or an unreadable credentials file) changes nothing.
 */
export type ConfigReloadOutcome =
  | {
      ok: true;
      /** When the reload was done (ms since epoch). */
      at: number;
      /** The sections applied, in documentation order (the names of `changes`). */
      applied: string[];
      changes: SectionChange[];
      /** Changed settings that keep their running value until a restart (`gateway.port`, `store`). */
      restartNeeded: string[];
      warnings: ConfigIssue[];
      message: string;
    }
  | { ok: false; at: number; code: 'config_invalid'; message: string; issues: ConfigIssue[] };

/** Where a reload came from, for the log and the dashboard's "last reload". */
export type ConfigReloadSource = 'signal' | 'api' | 'watch';

/** The last reload of a running `pyramid start`, as GET /api/config shows it. */
export type LastConfigReload = ConfigReloadOutcome & { source: ConfigReloadSource };
