import type { Hono } from 'hono';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';
import { GatewayHttpError } from '../gateway-http-error.ts';

/**
 * GET /v1/models and /v1/models/{id}: the virtual models (`auto`, `task:*`, `tier:*`), the configured
 * ones, the embedding models and the aliases. Beside OpenAI's fields (which SDKs read), `pyramid`
 * says what each is: its kind, its tier, and for configured models whether it can be used now (its
 * provider has its key and its breaker is not open) and why not.
 */
export function modelsRoute(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { now } = context;
  const entry = (id: string, ownedBy: string, description: string, pyramid: Record<string, unknown>) => ({
    id,
    object: 'model',
    created: 0,
    owned_by: ownedBy,
    description,
    pyramid,
  });
  const list = () => {
    // Read at each request: a reload replaces the config and the router.
    const { config, router } = context;
    const tierOf = (model: string) => config.tiers.findIndex((names) => names.includes(model));
    const availability = (name: string) => {
      const model = config.models[name];
      const reason = config.providers[model.provider].unavailableReason;
      if (reason) return { available: false, unavailable_reason: reason };
      const breaker = router.breakers.snapshot(name, now());
      if (breaker.state === 'open')
        return {
          available: false,
          unavailable_reason: `breaker open after ${breaker.lastFailureReason ?? 'failures'}`,
        };
      return { available: true };
    };
    const embeddings = new Set(config.embeddings ?? []);
    return [
      entry('auto', 'pyramid', 'the default task: starts at its tier and climbs the pyramid', {
        kind: 'virtual',
        tier: config.tasks.default?.tier ?? 0,
      }),
      ...Object.values(config.tasks).map((task) =>
        entry(`task:${task.name}`, 'pyramid', `task type ${task.name}: starts at tier ${task.tier}`, {
          kind: 'task',
          tier: task.tier,
        }),
      ),
      ...config.tiers.map((models, tier) =>
        entry(`tier:${tier}`, 'pyramid', `starts at tier ${tier}: ${models.join(', ')}`, {
          kind: 'tier',
          tier,
        }),
      ),
      ...Object.values(config.models).map((model) => {
        const tier = tierOf(model.name);
        const embedding = embeddings.has(model.name);
        return entry(
          model.name,
          model.provider,
          embedding
            ? `embedding model ${model.name} (POST /v1/embeddings)`
            : tier >= 0
              ? `pinned to ${model.name} (tier ${tier}): failover within its tier only`
              : `${model.name}: in no tier`,
          {
            kind: embedding ? 'embedding' : 'model',
            ...(tier >= 0 ? { tier } : {}),
            ...availability(model.name),
          },
        );
      }),
      ...Object.entries(config.aliases ?? {}).map(([alias, target]) =>
        entry(alias, 'pyramid', `alias of ${target}`, { kind: 'alias', target }),
      ),
    ];
  };
  app.get('/v1/models', (c) => c.json({ object: 'list', data: list() }));
  app.get('/v1/models/:id', (c) => {
    const id = c.req.param('id');
    const found = list().find((model) => model.id === id);
    if (!found)
      throw new GatewayHttpError(
        404,
        'invalid_request_error',
        'model_not_found',
        `The model '${id}' does not exist.`,
        {
          param: 'model',
        },
      );
    return c.json(found);
  });
}
