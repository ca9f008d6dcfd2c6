import type { Env, Hono } from 'hono';
import type { DeliveryRecord, DeliveryState } from '../contracts/delivery.ts';
import { InvalidQueryError } from '../contracts/errors/invalid-query-error.ts';
import { flagQuery, integerQuery, oneOfQuery, parseQuery, textQuery } from '../contracts/parse-query.ts';
import type { Outbox } from './outbox.ts';

const states: DeliveryState[] = ['pending', 'delivered', 'failed'];

const deliveriesQuery = {
  state: oneOfQuery(states),
  failed: flagQuery(),
  runId: textQuery(),
  limit: integerQuery({ min: 1, max: 1000, fallback: 50 }),
};

const parseDeliveriesQuery = (query: Record<string, string[]>) => parseQuery(query, deliveriesQuery);

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
      let query: ReturnType<typeof parseDeliveriesQuery>;
      try {
        query = parseDeliveriesQuery(c.req.queries());
      } catch (error) {
        if (!(error instanceof InvalidQueryError)) throw error;
        return c.json({ error: { code: error.code, message: error.message, param: error.param } }, 400);
      }
      const { state, failed: failedOnly, runId, limit } = query;
      const deliveries = await outbox.list({
        ...(failedOnly ? { state: 'failed' } : state ? { state } : {}),
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
