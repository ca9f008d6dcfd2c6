import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { APICallError } from '@ai-sdk/provider';
import { flattenHeaders } from './flatten-headers.ts';

/** One POST of a JSON body: the response once its headers arrive, status 2xx. */
export type PostJson = (request: {
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** Aborting destroys the request and its response (the read then fails with the reason). */
  signal: AbortSignal;
}) => Promise<IncomingMessage>;

/** Error bodies are read up to this size; the rest is dropped (the message is all that is needed). */
const maxErrorBodyBytes = 64 * 1024;
/** An idle pooled connection is closed after this long, before most servers close it themselves. */
const freeSocketTimeoutMs = 4_000;

/**
 * POSTs JSON over node:http(s) with one keep-alive connection pool per poster. Cheaper than `fetch`
 * (no WHATWG streams, measured in bench/RESULTS.md). A status of 400 or more rejects with the AI
 * SDK's APICallError (status, headers, body), which classifyProviderError reads like any other
 * protocol library's. A pooled connection the server closed as it was reused (ECONNRESET on a reused
 * socket, before any response) is retried once on a new connection: that is the transport's race,
 * not a failure of the provider, and the request never reached it.
 */
export function createJsonPoster(
  options: { proxyEnv?: NodeJS.ProcessEnv } = { proxyEnv: envProxySettings() },
): PostJson & { close(): void } {
  const agentOptions = { keepAlive: true, timeout: freeSocketTimeoutMs, proxyEnv: options.proxyEnv };
  const agents = { 'http:': new HttpAgent(agentOptions), 'https:': new HttpsAgent(agentOptions) };

  const send = (
    { url, headers, body, signal }: Parameters<PostJson>[0],
    mayRetry: boolean,
  ): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
      const request = (protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: agents[protocol],
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      let response: IncomingMessage | undefined;
      const onAbort = () => {
        request.destroy(signal.reason);
        response?.destroy(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal.removeEventListener('abort', onAbort);
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (response) return; // the response carries its own errors from here on
        settle();
        if (mayRetry && request.reusedSocket && error.code === 'ECONNRESET' && !signal.aborted) {
          resolve(send({ url, headers, body, signal }, false));
        } else {
          reject(signal.aborted ? signal.reason : error);
        }
      });
      request.on('response', (incoming) => {
        response = incoming;
        incoming.on('close', settle);
        const status = incoming.statusCode ?? 0;
        if (status < 400) return resolve(incoming);
        readErrorResponse(incoming).then(
          (text) =>
            reject(
              new APICallError({
                message: `HTTP ${status}`,
                url: url.href,
                requestBodyValues: undefined,
                statusCode: status,
                responseHeaders: flattenHeaders(incoming.headers),
                responseBody: text,
              }),
            ),
          reject,
        );
      });
      request.end(body);
    });

  return Object.assign((request: Parameters<PostJson>[0]) => send(request, true), {
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

/**
 * HTTP_PROXY, HTTPS_PROXY and NO_PROXY, when Node is told to use them (NODE_USE_ENV_PROXY=1 or
 * --use-env-proxy), as it does for fetch and its global agents; custom agents must be given them.
 */
function envProxySettings(): NodeJS.ProcessEnv | undefined {
  const enabled = process.env.NODE_USE_ENV_PROXY === '1' || process.execArgv.includes('--use-env-proxy');
  return enabled ? process.env : undefined;
}

/** A whole response body as text (bodies of successful non-streaming calls, and error bodies capped). */
export async function readBodyText(response: IncomingMessage, maxBytes = Number.POSITIVE_INFINITY) {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) {
    if (text.length < maxBytes) text += chunk;
  }
  return text;
}

const readErrorResponse = (response: IncomingMessage) => readBodyText(response, maxErrorBodyBytes);
