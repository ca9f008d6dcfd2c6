import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { ChatMessage } from '../contracts/message.ts';

/** What `pyramid ask --url` asks a running gateway for (the flags it can express over HTTP). */
export type GatewayAsk = {
  url: string;
  token: string | undefined;
  messages: ChatMessage[];
  task?: string;
  model?: string;
  startTier?: number;
  maxTokens?: number;
  reasoning?: 'off' | 'low' | 'medium' | 'high';
  stream: boolean;
  fetch: typeof fetch;
  /** Each piece of text as it arrives (streaming). */
  onText?: (text: string) => void;
};

/** The answer as the gateway gave it: the text and the summary its headers and body carry. */
export type GatewayAnswer = {
  requestId: string;
  text: string;
  model: string;
  tier: number;
  attempts: number;
  costUsd: number;
  usage: { input: number; output: number; reasoning: number; cachedInput: number };
};

type OpenAiUsage = {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
};

/**
 * Sends one chat completion to a running `pyramid start` (`POST /v1/chat/completions`), so that its
 * breakers, its provider keys and the token's caller tag apply. Throws PyramidError: `gateway_unreachable`
 * when nothing answers at the URL, `gateway_auth` when the token is missing, refused or lacks the
 * client scope, and the gateway's own error code (`all_candidates_failed`, ...) when it answered one.
 */
export async function askThroughGateway(ask: GatewayAsk): Promise<GatewayAnswer> {
  const body = {
    model: ask.model ?? (ask.startTier !== undefined ? `tier:${ask.startTier}` : 'auto'),
    messages: ask.messages,
    ...(ask.maxTokens !== undefined ? { max_tokens: ask.maxTokens } : {}),
    ...(ask.reasoning ? { reasoning_effort: ask.reasoning === 'off' ? 'none' : ask.reasoning } : {}),
    ...(ask.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  let response: Response;
  try {
    response = await ask.fetch(`${ask.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(ask.token ? { authorization: `Bearer ${ask.token}` } : {}),
        ...(ask.task ? { 'x-pyramid-task': ask.task } : {}),
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new PyramidError(
      'gateway_unreachable',
      `no gateway answers at ${ask.url} (${cause}): start one with \`pyramid start\`, or give the URL it prints with --url`,
      { cause: error },
    );
  }
  if (!response.ok) throw await gatewayError(response, ask);
  const header = (name: string) => response.headers.get(name) ?? '';
  if (!ask.stream) {
    const completion = (await response.json()) as {
      model: string;
      choices: { message: { content: string | null } }[];
      usage?: OpenAiUsage;
      pyramid?: { request_id: string; tier: number; attempts: number; cost_usd: number };
    };
    return {
      requestId: completion.pyramid?.request_id ?? header('x-pyramid-request-id'),
      text: completion.choices[0]?.message.content ?? '',
      model: header('x-pyramid-model') || completion.model,
      tier: completion.pyramid?.tier ?? Number(header('x-pyramid-tier')),
      attempts: completion.pyramid?.attempts ?? Number(header('x-pyramid-attempts')),
      costUsd: completion.pyramid?.cost_usd ?? Number(header('x-pyramid-cost-usd')),
      usage: usageOf(completion.usage),
    };
  }
  let text = '';
  let usage: OpenAiUsage | undefined;
  let summary: { tier?: number; attempts?: number; cost_usd?: number } | undefined;
  let buffered = '';
  const decoder = new TextDecoder();
  const handle = (line: string) => {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') return;
    const chunk = JSON.parse(data) as {
      choices?: { delta?: { content?: string | null } }[];
      usage?: OpenAiUsage | null;
      pyramid?: typeof summary;
      error?: { message?: string; code?: string };
    };
    if (chunk.error)
      throw new PyramidError(
        chunk.error.code ?? 'stream_failed',
        `the stream broke after it started: ${chunk.error.message ?? 'no reason given'}`,
      );
    const piece = chunk.choices?.[0]?.delta?.content;
    if (piece) {
      text += piece;
      ask.onText?.(piece);
    }
    if (chunk.usage) usage = chunk.usage;
    if (chunk.pyramid) summary = chunk.pyramid;
  };
  for await (const bytes of response.body ?? []) {
    buffered += decoder.decode(bytes as Uint8Array, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) handle(line.trim());
  }
  handle(buffered.trim());
  return {
    requestId: header('x-pyramid-request-id'),
    text,
    model: header('x-pyramid-model'),
    tier: summary?.tier ?? Number(header('x-pyramid-tier')),
    attempts: summary?.attempts ?? 0,
    costUsd: summary?.cost_usd ?? 0,
    usage: usageOf(usage),
  };
}

function usageOf(usage: OpenAiUsage | undefined): GatewayAnswer['usage'] {
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    input: usage?.prompt_tokens ?? 0,
    output: (usage?.completion_tokens ?? 0) - reasoning,
    reasoning,
    cachedInput: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** The gateway's refusal as a PyramidError that says what to do. */
async function gatewayError(response: Response, ask: GatewayAsk): Promise<PyramidError> {
  const text = await response.text();
  let error: { message?: string; code?: string } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // Not one of our error bodies (a proxy's page): the status says enough.
  }
  if (response.status === 401)
    return new PyramidError(
      'gateway_auth',
      ask.token
        ? `the gateway at ${ask.url} refused the token (401): give one it accepts with --token or PYRAMID_TOKEN (\`pyramid token\` prints the generated admin token)`
        : `the gateway at ${ask.url} wants a token (401): give one with --token or PYRAMID_TOKEN (\`pyramid token\` prints the generated admin token)`,
    );
  if (response.status === 403)
    return new PyramidError(
      'gateway_auth',
      `the gateway at ${ask.url} refused the token (403): ${error.message ?? 'it lacks the client scope'}`,
    );
  return new PyramidError(
    error.code ?? `http_${response.status}`,
    error.message ?? `the gateway at ${ask.url} answered HTTP ${response.status}`,
  );
}
