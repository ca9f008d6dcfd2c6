import type { Env, Hono } from 'hono';
import type { ConfigReloadOutcome } from '../../contracts/config-reload.ts';

/**
 * POST /api/config/reload (admin, like every /api route): reads the config file again, as SIGHUP does.
 * 200 with what was applied per section (and `restartNeeded`: the changed settings that keep their
 * running value until a restart); 400 for an invalid file, with the running config untouched.
 */
export function configReloadRoute<E extends Env>(
  app: Hono<E>,
  reload: () => Promise<ConfigReloadOutcome>,
): void {
  app.post('/api/config/reload', async (c) => {
    const outcome = await reload();
    if (outcome.ok) return c.json(outcome);
    const { ok: _ok, ...error } = outcome;
    return c.json({ error }, 400);
  });
}
