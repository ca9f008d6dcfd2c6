import type { HttpBindings } from '@hono/node-server';
import type { GatewayCaller } from './gateway-caller.ts';

/**
 * The Hono environment of the gateway app: the authenticated caller, the parsed and bounded JSON body
 * (when the request has one: see createJsonBodyMiddleware), and Node's request bindings.
 */
export type GatewayEnv = {
  Bindings: Partial<HttpBindings>;
  Variables: { caller: GatewayCaller; jsonBody?: unknown };
};
