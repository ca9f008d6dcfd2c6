import type { Hono } from 'hono';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';

/** GET /v1/models: the virtual models (`auto`, `task:*`, `tier:*`) and the configured ones. */
export function modelsRoute(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { config } = context;
  const entry = (id: string, ownedBy: string, description: string) => ({
    id,
    object: 'model',
    created: 0,
    owned_by: ownedBy,
    description,
  });
  const tierOf = (model: string) => config.tiers.findIndex((names) => names.includes(model));
  const data = [
    entry('auto', 'pyramid', 'the default task: starts at its tier and climbs the pyramid'),
    ...Object.values(config.tasks).map((task) =>
      entry(`task:${task.name}`, 'pyramid', `task type ${task.name}: starts at tier ${task.tier}`),
    ),
    ...config.tiers.map((models, tier) =>
      entry(`tier:${tier}`, 'pyramid', `starts at tier ${tier}: ${models.join(', ')}`),
    ),
    ...Object.values(config.models).map((model) =>
      entry(
        model.name,
        model.provider,
        `pinned to ${model.name} (tier ${tierOf(model.name)}): failover within its tier only`,
      ),
    ),
  ];
  app.get('/v1/models', (c) => c.json({ object: 'list', data }));
}
