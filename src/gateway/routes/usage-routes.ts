import type { Hono } from 'hono';
import type { LedgerGroupBy } from '../../contracts/ledger-store.ts';
import { customQuery, oneOfQuery, parseQuery } from '../../contracts/parse-query.ts';
import { parseSince } from '../../ledger/parse-since.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';
import { GatewayHttpError } from '../gateway-http-error.ts';

const groupings: LedgerGroupBy[] = ['model', 'tier', 'task', 'agent', 'day'];

/** GET /api/usage?since=&by= (the ledger's report) and GET /api/requests/:id (one request's trace). */
export function usageRoutes(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { ledger, now } = context;
  app.get('/api/usage', async (c) => {
    const { since: sinceMs, by } = parseQuery(c.req.queries(), {
      since: customQuery((value) => parseSince(value, now()), '24h'),
      by: oneOfQuery(groupings, 'tier'),
    });
    return c.json(await ledger.usage({ sinceMs, by }));
  });

  app.get('/api/requests/:id', async (c) => {
    const request = await ledger.getRequest(c.req.param('id'));
    if (!request)
      throw new GatewayHttpError(
        404,
        'not_found_error',
        'request_not_found',
        `No request with id '${c.req.param('id')}'.`,
      );
    return c.json(request);
  });
}
