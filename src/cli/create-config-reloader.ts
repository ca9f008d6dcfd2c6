import type { Logger } from 'pino';
import type { ConfigReloadOutcome } from '../contracts/config-reload.ts';
import { ConfigError } from '../contracts/errors/config-error.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Platform } from './create-platform.ts';

/**
 * For `pyramid start` (SIGHUP and POST /api/config/reload): reloads the config file into the platform,
 * hands the new agents and jobs to the scheduler, and logs what happened. One reload at a time; an
 * invalid file or a change that needs a restart is logged and leaves everything running as it was.
 */
export function createConfigReloader(options: {
  platform: Pick<Platform, 'reload' | 'config' | 'configFile'>;
  scheduler: Pick<Scheduler, 'applyConfig'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Called after a reload that changed something (to re-check added jobs, restart the prune schedule). */
  onApplied?: (applied: string[]) => void | Promise<void>;
}): () => Promise<ConfigReloadOutcome> {
  const { platform, scheduler, logger } = options;
  let last: Promise<unknown> = Promise.resolve();

  const reloadOnce = async (): Promise<ConfigReloadOutcome> => {
    try {
      const { applied, restartNeeded, warnings } = await platform.reload();
      for (const warning of warnings)
        logger.warn({ path: warning.path }, `config warning: ${warning.message}`);
      if (restartNeeded.length > 0) {
        const message = `${restartNeeded.join(', ')} changed: restart pyramid to apply them (nothing was reloaded; agents, jobs and retention reload in place)`;
        logger.warn({ file: platform.configFile, sections: restartNeeded }, message);
        return { ok: false, code: 'restart_needed', message, restartNeeded };
      }
      if (applied.length > 0) {
        await scheduler.applyConfig(platform.config);
        await options.onApplied?.(applied);
      }
      logger.info(
        { file: platform.configFile, sections: applied },
        applied.length > 0 ? 'config reloaded' : 'config reloaded: no changes',
      );
      return { ok: true, applied, warnings };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logger.error(
        {
          file: platform.configFile,
          problems: error.issues.map((issue) => `${issue.path}: ${issue.message}`),
        },
        'config reload refused: the file is invalid; the running config stays',
      );
      return { ok: false, code: 'config_invalid', message: error.message, issues: error.issues };
    }
  };

  return () => {
    const next = last.then(reloadOnce, reloadOnce);
    last = next.catch(() => undefined);
    return next;
  };
}
