import type { Logger } from 'pino';
import type {
  ConfigReloadOutcome,
  ConfigReloadSource,
  LastConfigReload,
  SectionChange,
} from '../contracts/config-reload.ts';
import { ConfigError } from '../contracts/errors/config-error.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { appliedSections } from './compare-config-sections.ts';
import type { Platform } from './create-platform.ts';

/** More to check and apply with a reloaded config (the gateway's tokens); throwing ConfigError changes nothing. */
export type ReloadStage = (config: PyramidConfig) => Promise<{ changes: SectionChange[]; apply(): void }>;

export type ConfigReloader = {
  /** Reads the config file again and applies it (one reload at a time); never throws ConfigError. */
  reload(source: ConfigReloadSource): Promise<ConfigReloadOutcome>;
  /** The last reload's outcome, for the dashboard; undefined before the first. */
  last(): LastConfigReload | undefined;
};

/**
 * For `pyramid start` (SIGHUP, POST /api/config/reload, the file watch): reloads the config file into
 * the platform, the scheduler and (through `stage`) the gateway, and logs what happened. A valid file
 * is applied in place except the settings that need a restart, which keep their running values and are
 * named in the outcome; an invalid one (or an unreadable credentials file) changes nothing.
 */
export function createConfigReloader(options: {
  platform: Pick<Platform, 'loadNextConfig' | 'configFile'>;
  scheduler: Pick<Scheduler, 'applyConfig'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  stage?: ReloadStage;
  /** Called after a reload that changed something (to re-check added jobs, restart the prune schedule). */
  onApplied?: (applied: string[]) => void | Promise<void>;
  now?: () => number;
}): ConfigReloader {
  const { platform, scheduler, logger } = options;
  const now = options.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();
  let last: LastConfigReload | undefined;

  const reloadOnce = async (source: ConfigReloadSource): Promise<ConfigReloadOutcome> => {
    const at = now();
    try {
      const staged = await platform.loadNextConfig();
      const more = await options.stage?.(staged.config);
      for (const warning of staged.warnings)
        logger.warn({ path: warning.path }, `config warning: ${warning.message}`);
      const changes = [...staged.changes, ...(more?.changes ?? [])];
      const { restartNeeded } = staged;
      const applied = appliedSections(changes);
      staged.apply();
      more?.apply();
      if (changes.length > 0) {
        await scheduler.applyConfig(staged.config);
        await options.onApplied?.(applied);
      }
      const message =
        restartNeeded.length > 0
          ? `config reloaded; ${restartNeeded.join(', ')} changed: restart pyramid to apply ${restartNeeded.length === 1 ? 'it' : 'them'} (the running value stays until then)`
          : applied.length > 0
            ? 'config reloaded'
            : 'config reloaded: no changes';
      const fields = { file: platform.configFile, source, sections: applied, changes };
      if (restartNeeded.length > 0) logger.warn({ ...fields, restartNeeded }, message);
      else logger.info(fields, message);
      return { ok: true, at, applied, changes, restartNeeded, warnings: staged.warnings, message };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logger.error(
        {
          file: error.file ?? platform.configFile,
          source,
          problems: error.issues.map((issue) => `${issue.path}: ${issue.message}`),
        },
        'config reload refused: the file is invalid; the running config stays',
      );
      return { ok: false, at, code: 'config_invalid', message: error.message, issues: error.issues };
    }
  };

  return {
    reload(source) {
      const next = queue.then(
        () => reloadOnce(source),
        () => reloadOnce(source),
      );
      queue = next.catch(() => undefined);
      return next.then((outcome) => {
        last = { ...outcome, source };
        return outcome;
      });
    },
    last: () => last,
  };
}
