import type { Env, Hono } from 'hono';
import type { DeliveryRecord, DeliveryState } from '../contracts/delivery.ts';
import type { Outbox } from './outbox.ts';

const states: DeliveryState[] = ['pending', 'delivered', 'failed'];

/** A delivery as the API and `pyramid deliveries --json` show it (no chunk bodies, no secrets). */
export function deliveryView(delivery: DeliveryRecord): Record<string, unknown> {
  return {
    ...delivery,
    createdAt: new Date(delivery.createdAt).toISOString(),
    updatedAt: new Date(delivery.updatedAt).toISOString(),
    nextAttemptAt: new Date(delivery.nextAttemptAt).toISOString(),
    ...(delivery.deliveredAt === undefined
      ? {}
      : { deliveredAt: new Date(delivery.deliveredAt).toISOString() }),
  };
}

/**
 * GET /api/deliveries?state=&runId=&limit= (newest first) and GET /api/deliveries/:id, for the gateway
 * to mount behind its admin auth: `routes: [..., deliveriesRoutes(outbox)]`.
 */
export function deliveriesRoutes(outbox: Pick<Outbox, 'list' | 'get'>) {
  return <E extends Env>(app: Hono<E>): void => {
    app.get('/api/deliveries', async (c) => {
      const state = c.req.query('state');
      const failedOnly = c.req.query('failed') !== undefined;
      if (state !== undefined && !states.includes(state as DeliveryState)) {
        return c.json(
          { error: { message: `state must be one of ${states.join(', ')}`, param: 'state' } },
          400,
        );
      }
      const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 1000);
      const runId = c.req.query('runId');
      const deliveries = await outbox.list({
        ...(failedOnly ? { state: 'failed' } : state ? { state: state as DeliveryState } : {}),
        ...(runId ? { runId } : {}),
        limit,
      });
      return c.json({ deliveries: deliveries.map(deliveryView) });
    });
    app.get('/api/deliveries/:id', async (c) => {
      const delivery = await outbox.get(c.req.param('id'));
      if (!delivery) return c.json({ error: { message: 'no such delivery' } }, 404);
      return c.json(deliveryView(delivery));
    });
  };
}
