import type { Hono } from 'hono';
import type { ChatRequest } from '../../contracts/chat-request.ts';
import type { ChatResult } from '../../contracts/chat-result.ts';
import type { ChatMessage } from '../../contracts/message.ts';
import type { StoredResponse } from '../../contracts/response-store.ts';
import { jsonBody } from '../create-json-body-middleware.ts';
import type { GatewayCaller } from '../gateway-caller.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';
import { GatewayHttpError } from '../gateway-http-error.ts';
import { resolveModelField } from '../resolve-model-field.ts';
import { parseResponsesBody, withToolNames } from '../responses/parse-responses-body.ts';
import { responsesEventStream } from '../responses/responses-event-stream.ts';
import { finishedResponse } from '../responses/responses-shapes.ts';
import { resultHeaders, streamHeaders } from '../result-headers.ts';
import { routeRequest } from '../route-request.ts';

/**
 * POST /v1/responses, GET and DELETE /v1/responses/{id} (OpenAI's Responses API): the same router
 * call as chat completions, translated from and rendered back to Responses shapes. Responses are
 * stored unless `store: false`, so that `previous_response_id` continues a conversation; only the
 * token that created one (or an admin) can read or continue it.
 */
export function responsesRoute(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { metrics, logger, now, newId, responses: store } = context;
  app.post('/v1/responses', async (c) => {
    const receivedAt = now();
    // The config, router and gateway settings in use when the request came (a reload replaces them).
    const { router, config, gateway } = context;
    const requestId = newId();
    c.header('x-pyramid-request-id', requestId);
    const parsed = parseResponsesBody(jsonBody(c));
    const selection = resolveModelField(config, parsed.model, c.req.header('x-pyramid-task'));
    const caller = c.get('caller');
    let history: ChatMessage[] = [];
    if (parsed.previousResponseId) {
      const previous = store ? await store.get(parsed.previousResponseId) : undefined;
      if (!previous || !visibleTo(previous, caller))
        throw new GatewayHttpError(
          400,
          'invalid_request_error',
          'previous_response_not_found',
          `Previous response with id '${parsed.previousResponseId}' not found.${store ? ' It may have been created with store: false, by another token, or pruned.' : ' This gateway stores no responses.'}`,
          { param: 'previous_response_id' },
        );
      history = previous.conversation;
    }
    const turn = withToolNames([...history, ...parsed.input]);
    const routed = routeRequest(c, router, metrics, parsed.stream);
    const request: ChatRequest = {
      ...selection,
      messages: parsed.instructions ? [{ role: 'system', content: parsed.instructions }, ...turn] : turn,
      maxTokens: parsed.maxTokens,
      temperature: parsed.temperature,
      responseFormat: parsed.responseFormat,
      tools: parsed.tools,
      parameters: parsed.parameters,
      ...(gateway.strictParams ? { strictParameters: true } : {}),
      reasoning: parsed.reasoning,
      callerTag: caller.name,
      requestId,
      signal: routed.signal,
    };
    const id = `resp_${requestId.replaceAll('-', '')}`;
    const createdSeconds = Math.floor(receivedAt / 1000);
    const finish = async (result: ChatResult) => {
      const response = finishedResponse(id, createdSeconds, result, parsed.echo);
      if (parsed.store && store) {
        await store.put({
          id,
          createdAt: receivedAt,
          callerTag: caller.name,
          conversation: [...turn, ...outputMessages(result)],
          response,
        });
      }
      return response;
    };
    if (!parsed.stream) {
      const result = await routed.complete(request);
      return c.json(await finish(result), 200, resultHeaders(result));
    }
    const { start, iterator } = await routed.stream(request);
    const body = responsesEventStream(iterator, {
      id,
      createdSeconds,
      model: start.model,
      echo: parsed.echo,
      finish,
      onFirstToken: () => metrics.observeTimeToFirstToken(start.model, (now() - receivedAt) / 1000),
      cancel: routed.cancel,
      clientGone: routed.clientGone,
      fail: (error) => {
        logger.error({ err: error, path: c.req.path, requestId }, 'internal error after the stream started');
        return `Internal error in the gateway (request ${requestId}) after the stream started; the gateway log has the details.`;
      },
      end: () => metrics.requestEnded(),
    });
    return new Response(body, { status: 200, headers: streamHeaders(start) });
  });

  const notFound = (id: string) =>
    new GatewayHttpError(
      404,
      'invalid_request_error',
      'response_not_found',
      `No response found with id '${id}'.`,
    );

  app.get('/v1/responses/:id', async (c) => {
    const id = c.req.param('id');
    const stored = store ? await store.get(id) : undefined;
    if (!stored || !visibleTo(stored, c.get('caller'))) throw notFound(id);
    return c.json(stored.response);
  });

  app.delete('/v1/responses/:id', async (c) => {
    const id = c.req.param('id');
    const stored = store ? await store.get(id) : undefined;
    if (!store || !stored || !visibleTo(stored, c.get('caller'))) throw notFound(id);
    await store.delete(id);
    return c.json({ id, object: 'response', deleted: true });
  });
}

/** A stored response belongs to the token that created it; admins see every one. */
function visibleTo(stored: StoredResponse, caller: GatewayCaller): boolean {
  return stored.callerTag === caller.name || caller.scopes.includes('admin');
}

/** The answer as the conversation's next assistant turn. */
function outputMessages(result: ChatResult): ChatMessage[] {
  if (!result.text && result.toolCalls.length === 0) return [];
  return [
    {
      role: 'assistant',
      content: result.text,
      ...(result.toolCalls.length ? { toolCalls: result.toolCalls } : {}),
    },
  ];
}
