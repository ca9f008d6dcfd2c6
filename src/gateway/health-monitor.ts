import type { Logger } from 'pino';
import { ProviderError } from '../contracts/errors/provider-error.ts';
import type { ProviderProbe } from '../contracts/model-call.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { BreakerBoard } from '../router/breaker-board.ts';
import { describeError } from '../router/describe-error.ts';

/** What the last probe of one provider found. `reachable` is null before the first probe. */
export type ProviderHealth = {
  reachable: boolean | null;
  /** Why it is not reachable (or not probed): an error code and the provider's message, secrets removed. */
  reason?: string;
  latencyMs?: number;
  checkedAt?: number;
};

export type HealthMonitor = {
  /** Probes every provider once, in parallel, and feeds the breakers. */
  probeAll(): Promise<void>;
  /** Probes now, then every interval, until stop(). */
  start(): void;
  stop(): void;
  providers(): Record<string, ProviderHealth>;
};

export type HealthMonitorOptions = {
  config: Pick<PyramidConfig, 'providers' | 'models'>;
  probes: Record<string, ProviderProbe>;
  breakers: BreakerBoard;
  intervalMs: number;
  timeoutMs: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
};

// Failures recorded by the probe, or by calls, that say the provider itself is down (not one model).
const providerLevelReason = /^(probe:|unreachable$|timeout:connect$)/;

/**
 * A background probe per provider (a cheap model list) that feeds the model breakers: a provider
 * whose probe fails with a retryable error (refused, timeout, 5xx, 429) has its models' breakers
 * opened at once, for at least one probe interval, so user requests skip it without a network call;
 * when a probe succeeds again, breakers opened for provider-level reasons are closed. A non-retryable
 * probe failure (401, 404 on the list) is reported but leaves the breakers alone: some servers have
 * no model list, and a wrong key already fails calls without counting against the model.
 */
export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const { config, probes, breakers, intervalMs, timeoutMs, logger } = options;
  const now = options.now ?? Date.now;
  const state: Record<string, ProviderHealth> = {};
  const modelsOf = (provider: string) =>
    Object.values(config.models)
      .filter((model) => model.provider === provider)
      .map((model) => model.name);
  for (const provider of Object.values(config.providers)) {
    state[provider.name] = provider.unavailableReason
      ? { reachable: false, reason: `not configured: ${provider.unavailableReason}` }
      : { reachable: null };
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function probeOne(name: string, probe: ProviderProbe): Promise<void> {
    const before = state[name];
    const checkedAt = now();
    try {
      const { latencyMs } = await probe.probe({ timeoutMs });
      state[name] = { reachable: true, latencyMs, checkedAt };
      for (const model of modelsOf(name)) {
        const snapshot = breakers.snapshot(model, now());
        if (snapshot.state !== 'closed' && providerLevelReason.test(snapshot.lastFailureReason ?? ''))
          breakers.get(model).recordSuccess();
      }
      if (before.reachable === false) logger?.info({ provider: name, latencyMs }, 'provider reachable again');
    } catch (error) {
      const verdict = describeError(error);
      const reason = `${verdict.reason}: ${verdict.detail}`;
      state[name] = { reachable: false, reason, checkedAt };
      if (error instanceof ProviderError && error.retryable) {
        for (const model of modelsOf(name)) {
          breakers.get(model).recordFailure(now(), `probe:${verdict.reason}`, {
            immediate: true,
            minCooldownMs: Math.max(intervalMs, verdict.minCooldownMs ?? 0),
          });
        }
      }
      if (before.reachable !== false || before.reason?.split(':')[0] !== reason.split(':')[0])
        logger?.warn({ provider: name, reason }, 'provider unreachable');
    }
  }

  const probeAll = () => {
    running ??= Promise.all(
      Object.entries(probes)
        .filter(([name]) => !config.providers[name]?.unavailableReason)
        .map(([name, probe]) => probeOne(name, probe)),
    ).then(
      () => {
        running = undefined;
      },
      () => {
        running = undefined;
      },
    );
    return running;
  };

  return {
    probeAll,
    start() {
      if (timer) return;
      void probeAll();
      timer = setInterval(() => void probeAll(), intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    providers: () => structuredClone(state),
  };
}
