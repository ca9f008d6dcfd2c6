import type { Context } from 'hono';
import { clientClosedRequest } from './client-closed-request.ts';
import type { GatewayEnv } from './gateway-env.ts';
import { GatewayHttpError } from './gateway-http-error.ts';

/** Reads the body as JSON; malformed JSON is a 400, a client that leaves mid-body a 499, never a crash. */
export async function readJsonBody(c: Context<GatewayEnv>): Promise<unknown> {
  let text: string;
  try {
    text = await c.req.raw.text();
  } catch (error) {
    throw c.env?.incoming?.readableAborted ? clientClosedRequest(error) : error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayHttpError(
      400,
      'invalid_request_error',
      'invalid_json',
      `We could not parse the JSON body of your request: ${(error as Error).message}`,
    );
  }
}
