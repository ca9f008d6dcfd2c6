import type { Hono } from 'hono';
import { z } from 'zod';
import { clientClosedRequest } from '../client-closed-request.ts';
import { jsonBody } from '../create-json-body-middleware.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';
import { GatewayHttpError } from '../gateway-http-error.ts';
import { parseRequestBody } from '../parse-request-body.ts';

const body = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1, { error: 'must contain at least one string' })], {
    error: 'expected a string or an array of strings (token arrays are not supported)',
  }),
  dimensions: z.number().int().positive().nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().nullish(),
});

/**
 * POST /v1/embeddings (OpenAI's shape): the `embeddings:` models in failover order (`model` is `auto`,
 * or one of them to pin it), batch input, `dimensions`, `encoding_format` float or base64 (little-endian
 * float32, as OpenAI sends it and its SDK asks for by default). Ledgered under the task `embeddings`.
 */
export function embeddingsRoute(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { metrics, newId } = context;
  app.post('/v1/embeddings', async (c) => {
    // The config and router in use when the request came (a reload replaces them).
    const { router, config } = context;
    const requestId = newId();
    c.header('x-pyramid-request-id', requestId);
    const parsed = parseRequestBody(body, jsonBody(c));
    const listed = config.embeddings ?? [];
    if (listed.length === 0)
      throw new GatewayHttpError(
        404,
        'not_found_error',
        'embeddings_not_configured',
        'No embedding models are configured: list them under embeddings: in pyramid.yaml (docs/config.md).',
      );
    if (parsed.model !== 'auto' && !listed.includes(parsed.model))
      throw new GatewayHttpError(
        400,
        'invalid_request_error',
        'model_not_found',
        `The embedding model '${parsed.model}' does not exist. Valid models: auto, ${listed.join(', ')}.`,
        { param: 'model' },
      );
    const signal = c.req.raw.signal;
    metrics.requestStarted();
    let result: Awaited<ReturnType<typeof router.embed>>;
    try {
      result = await router.embed({
        inputs: typeof parsed.input === 'string' ? [parsed.input] : parsed.input,
        ...(parsed.dimensions ? { dimensions: parsed.dimensions } : {}),
        ...(parsed.model === 'auto' ? {} : { model: parsed.model }),
        callerTag: c.get('caller').name,
        requestId,
        signal,
      });
    } catch (error) {
      throw signal.aborted ? clientClosedRequest(error) : error;
    } finally {
      metrics.requestEnded();
    }
    const base64 = parsed.encoding_format === 'base64';
    return c.json(
      {
        object: 'list',
        data: result.vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        })),
        model: result.model,
        usage: { prompt_tokens: result.usage.input, total_tokens: result.usage.input },
      },
      200,
      {
        'x-pyramid-model': result.model,
        'x-pyramid-attempts': String(result.trace.attempts.length),
        'x-pyramid-cost-usd': result.costUsd.toFixed(8),
      },
    );
  });
}
