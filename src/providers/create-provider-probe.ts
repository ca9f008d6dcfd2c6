import { MalformedResponseError } from '../contracts/errors/index.ts';
import type { ProviderProbe } from '../contracts/model-call.ts';
import type { ProviderConfig } from '../contracts/pyramid-config.ts';
import { createCallGuard } from './call-guard.ts';
import { classifyProviderError, type ErrorContext } from './classify-provider-error.ts';
import { createGuardedFetch } from './create-guarded-fetch.ts';
import { errorFromStatus } from './error-from-status.ts';
import { probeRequest } from './probe-request.ts';
import { providerSecrets } from './provider-secrets.ts';
import { readErrorBody } from './read-error-body.ts';
import { scrubSecrets } from './scrub-secrets.ts';

/**
 * A health probe that lists the provider's models (GET /models, or /api/tags for Ollama). A plain
 * GET: the protocol libraries have no list call, and the answer is only checked to be JSON. Failures
 * are classified like model calls; `timeoutMs` bounds the whole probe.
 */
export function createProviderProbe(options: {
  provider: ProviderConfig;
  fetch?: typeof fetch;
  now?: () => number;
}): ProviderProbe {
  const { provider } = options;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const context: ErrorContext = {
    provider: provider.name,
    model: '(probe)',
    secrets: providerSecrets(provider),
    now,
  };
  return {
    async probe({ signal, timeoutMs }) {
      const timeouts = { connectMs: timeoutMs, firstTokenMs: timeoutMs, totalMs: timeoutMs };
      const guard = createCallGuard({
        timeouts,
        signal,
        streaming: false,
        provider: provider.name,
        model: '(probe)',
      });
      const started = now();
      try {
        const { url, headers } = probeRequest(provider);
        const response = await guard.race(createGuardedFetch(baseFetch, guard)(url, { headers }));
        const text = await guard.race(response.text());
        const errorOptions = { provider: provider.name, statusCode: response.status };
        if (!response.ok) {
          const details = readErrorBody(text);
          const message = scrubSecrets(
            `${provider.name}: probe HTTP ${response.status}: ${details.message}`,
            context.secrets,
          );
          throw errorFromStatus({
            status: response.status,
            details,
            headers: guard.responseHeaders,
            message,
            errorOptions,
            now: now(),
          });
        }
        try {
          JSON.parse(text);
        } catch {
          throw new MalformedResponseError(`${provider.name}: the model list is not JSON`, errorOptions);
        }
        return { latencyMs: now() - started };
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        guard.dispose();
      }
    },
  };
}
