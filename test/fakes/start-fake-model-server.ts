import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderApi } from '../../src/contracts/pyramid-config.ts';
import { planAnswer } from './answer-plan.ts';
import { anthropicFakeProtocol } from './anthropic-fake-protocol.ts';
import type { FakeBehaviour, RecordedRequest } from './fake-behaviour.ts';
import { errorKindForStatus, type FakeModels, type FakeProtocol } from './fake-protocol.ts';
import { googleFakeProtocol } from './google-fake-protocol.ts';
import { ollamaFakeProtocol } from './ollama-fake-protocol.ts';
import { openaiFakeProtocol } from './openai-fake-protocol.ts';

/** A fake model API on 127.0.0.1 speaking one wire protocol, scripted per request. */
export type FakeModelServer = {
  readonly api: ProviderApi;
  /** What goes in ProviderConfig.baseUrl (`http://127.0.0.1:PORT/v1` for OpenAI and Anthropic, `/v1beta` for Google, no path for Ollama). */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The behaviour for the next request not yet scripted (a queue: one behaviour per request). */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** The behaviour when the queue is empty (initially `{}`: a short successful answer). */
  setDefault(behaviour: FakeBehaviour): void;
  /**
   * Chooses the behaviour from the request itself when the queue is empty (before the default, which
   * applies when it returns undefined): answers sized by the prompt, failures in a time window.
   */
  setResponder(responder: ((request: RecordedRequest) => FakeBehaviour | undefined) | undefined): void;
  /** The model ids listed by the models endpoint (default `['fake-model']`). */
  setModels(models: string[]): void;
  /** Stops the server and drops every open connection, hanging ones included. */
  close(): Promise<void>;
};

const protocols: Record<ProviderApi, FakeProtocol> = {
  'openai-completions': openaiFakeProtocol,
  'anthropic-messages': anthropicFakeProtocol,
  'google-generative-ai': googleFakeProtocol,
  ollama: ollamaFakeProtocol,
};

/**
 * Starts a fake model server for `api` on 127.0.0.1 and a free port, or on `port` (a fake closed and
 * started again on its old port is a provider that refused connections for a while). Every model takes
 * images unless named in `textOnlyModels`.
 */
export async function startFakeModelServer(options: {
  api: ProviderApi;
  port?: number;
  /** Models that refuse image input the way the real API does for a text-only model (default: none). */
  textOnlyModels?: string[];
}): Promise<FakeModelServer> {
  const protocol = protocols[options.api];
  const textOnly = new Set(options.textOnlyModels ?? []);
  const facts: FakeModels = { takesImages: (model) => !textOnly.has(model) };
  const requests: RecordedRequest[] = [];
  const queue: FakeBehaviour[] = [];
  let fallback: FakeBehaviour = {};
  let responder: ((request: RecordedRequest) => FakeBehaviour | undefined) | undefined;
  let models = ['fake-model'];
  // Lets close() end hanging handlers instead of leaving timers behind.
  const closing = new AbortController();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (closing.signal.aborted) return;
      response.destroy(error instanceof Error ? error : undefined);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const raw = Buffer.concat(await Array.fromAsync(request)).toString('utf8');
    const body = parseJson(raw);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([key, value]) => [
        key,
        Array.isArray(value) ? value.join(', ') : (value ?? ''),
      ]),
    );
    const recorded = { method: request.method ?? 'GET', path: url.pathname + url.search, headers, body };
    requests.push(recorded);
    const behaviour = queue.shift() ?? responder?.(recorded) ?? fallback;
    const route = protocol.route(request.method ?? 'GET', url, body);
    const wait = (ms: number | undefined) =>
      ms ? sleep(ms, undefined, { signal: closing.signal }) : undefined;

    if (behaviour.hang) return;
    await wait(behaviour.delayMs);
    if (behaviour.release) await behaviour.release;
    const extraHeaders = behaviour.headers ?? {};
    if (!route)
      return sendJson(
        response,
        404,
        { error: { message: `no route ${request.method} ${url.pathname}` } },
        extraHeaders,
      );
    const verdict = route.kind === 'models' ? undefined : protocol.review?.(route, body, facts);
    if (verdict && 'refusal' in verdict)
      return sendJson(response, verdict.refusal.status, verdict.refusal.body, extraHeaders);
    const status = behaviour.status ?? 200;
    if (behaviour.error || status >= 400) {
      const canned = protocol.errorResponse(behaviour.error ?? errorKindForStatus(status), route.model);
      const errorStatus = behaviour.status ?? canned.status;
      const errorBody = behaviour.errorBody ?? canned.body;
      if (typeof errorBody === 'string') return sendText(response, errorStatus, errorBody, extraHeaders);
      return sendJson(response, errorStatus, errorBody, extraHeaders);
    }
    if (route.kind === 'models') return sendJson(response, status, protocol.modelsBody(models), extraHeaders);
    if (route.kind === 'embed')
      return sendJson(response, status, protocol.embedBody?.(body, route.model), extraHeaders);
    const planned = planAnswer(behaviour, route.model);
    const plan = verdict && 'constrain' in verdict ? verdict.constrain(planned) : planned;
    if (route.kind === 'generate') {
      if (behaviour.malformed)
        return sendText(response, status, '{"id": "broken", "choices": [', {
          'content-type': 'application/json',
          ...extraHeaders,
        });
      return sendJson(response, status, protocol.generateBody(plan), extraHeaders);
    }
    const chunks = behaviour.malformed
      ? protocol.malformedStreamChunks(plan)
      : protocol.streamChunks(plan, body);
    response.writeHead(status, {
      'content-type': protocol.streamContentType,
      'cache-control': 'no-cache',
      ...extraHeaders,
    });
    response.flushHeaders();
    await wait(behaviour.ttftMs);
    for (const [index, chunk] of chunks.entries()) {
      if (behaviour.cutAfterChunks !== undefined && index >= behaviour.cutAfterChunks) {
        response.socket?.destroy();
        return;
      }
      if (behaviour.endAfterChunks !== undefined && index >= behaviour.endAfterChunks) break;
      if (index > 0) await wait(behaviour.chunkDelayMs);
      response.write(chunk);
    }
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    api: options.api,
    baseUrl: origin + protocol.basePath,
    origin,
    requests,
    enqueue: (...behaviours) => queue.push(...behaviours),
    setDefault: (behaviour) => {
      fallback = behaviour;
    },
    setResponder: (chosen) => {
      responder = chosen;
    },
    setModels: (ids) => {
      models = ids;
    },
    close: async () => {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>) {
  sendText(response, status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string>) {
  response.writeHead(status, { 'content-type': 'text/plain', ...headers });
  response.end(text);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
