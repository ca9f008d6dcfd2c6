import type { Logger } from 'pino';
import { ProviderError } from '../contracts/errors/provider-error.ts';
import { RateLimitedError } from '../contracts/errors/rate-limited-error.ts';
import { TimeoutError } from '../contracts/errors/timeout-error.ts';
import { UnreachableError } from '../contracts/errors/unreachable-error.ts';
import type { ProviderProbe } from '../contracts/model-call.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { BreakerBoard } from '../router/breaker-board.ts';
import type { BreakerPermit } from '../router/circuit-breaker.ts';
import { describeError } from '../router/describe-error.ts';

/**
 * What the last probe of one provider found. `reachable` is null before the first probe, false when
 * the provider could not be reached (refused, no answer in time), true when it answered; `reason` says
 * why the last probe failed, reachable or not (a 429 is reachable and rate-limited).
 */
export type ProviderHealth = {
  reachable: boolean | null;
  /** Why the last probe failed (or why it is not probed): an error code and the provider's message, secrets removed. */
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

export type HealthTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type HealthMonitorOptions = {
  config: Pick<PyramidConfig, 'providers' | 'models'>;
  probes: Record<string, ProviderProbe>;
  breakers: BreakerBoard;
  intervalMs: number;
  timeoutMs: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
  /** For the recovery probe at a breaker's retry time; the global timers (unref'd) when omitted. */
  timers?: HealthTimers;
};

const systemTimers: HealthTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Failures that say the provider itself was down (not one model, and not a rate limit), which a model
 * list answering again cures: recorded by calls (`unreachable`, `timeout:connect`) or by a probe.
 */
const providerLevelReason = /^(unreachable|timeout:connect|probe:(?!rate_limited).+)$/;

/** What the log says of a failed probe, by the class of the error, as a request's failure is classified. */
function probeFailureMessage(error: unknown): string {
  if (error instanceof UnreachableError || error instanceof TimeoutError) return 'provider unreachable';
  if (error instanceof RateLimitedError) return 'provider rate-limited';
  return 'provider probe failed';
}

/**
 * A background probe per provider (a cheap model list) that feeds the model breakers, its failures
 * classified as a request's are: a refused connection opens the provider's model breakers at once, a
 * 429 counts as a rate limit (open for its Retry-After once the threshold is reached), a 5xx or a
 * timeout counts like a failed call; a non-retryable answer (401, 404 on the list) is reported but
 * leaves the breakers alone, since some servers have no model list. A probe never holds a breaker open
 * longer than the breaker's own cool-down: when a provider-level failure opened breakers, the next
 * probe runs at their retry time as their half-open trial, and when a probe succeeds again, breakers
 * opened for provider-level reasons close. A probe that started before a breaker changed (a stale
 * probe) can neither close nor reopen it.
 */
export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const { config, probes, breakers, intervalMs, timeoutMs, logger } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? systemTimers;
  const state: Record<string, ProviderHealth> = {};
  const lastMessage = new Map<string, string>();
  const recoveryTimers = new Map<string, unknown>();
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
  let stopped = false;

  /** Probes one provider; `permits` are the breakers' half-open slots it was given (else tickets). */
  async function probeOne(
    name: string,
    probe: ProviderProbe,
    permits: Map<string, BreakerPermit> = new Map(),
  ): Promise<void> {
    const before = state[name];
    const checkedAt = now();
    const models = modelsOf(name);
    for (const model of models) if (!permits.has(model)) permits.set(model, breakers.get(model).ticket());
    try {
      const { latencyMs } = await probe.probe({ timeoutMs });
      state[name] = { reachable: true, latencyMs, checkedAt };
      lastMessage.delete(name);
      for (const model of models) {
        const breaker = breakers.get(model);
        const snapshot = breaker.snapshot(now());
        const permit = permits.get(model)!;
        if (snapshot.state !== 'closed' && providerLevelReason.test(snapshot.lastFailureReason ?? ''))
          breaker.recordSuccess(permit);
        else breaker.release(permit);
      }
      if (before.reachable === false || before.reason)
        logger?.info({ provider: name, latencyMs }, 'provider reachable again');
    } catch (error) {
      const verdict = describeError(error);
      const reason = `${verdict.reason}: ${verdict.detail}`;
      const reachable = !(error instanceof UnreachableError || error instanceof TimeoutError);
      state[name] = { reachable, reason, checkedAt };
      for (const model of models) {
        const breaker = breakers.get(model);
        const permit = permits.get(model)!;
        if (error instanceof ProviderError && error.retryable) {
          breaker.recordFailure(now(), `probe:${verdict.reason}`, {
            immediate: verdict.opensImmediately,
            minCooldownMs: verdict.minCooldownMs,
            permit,
          });
        } else {
          breaker.release(permit);
        }
      }
      const message = probeFailureMessage(error);
      if (lastMessage.get(name) !== message) {
        logger?.warn(
          {
            provider: name,
            reason,
            ...(error instanceof RateLimitedError && error.retryAfterMs !== undefined
              ? { retryAfterMs: error.retryAfterMs }
              : {}),
          },
          message,
        );
      }
      lastMessage.set(name, message);
    }
    scheduleRecovery(name, probe);
  }

  /**
   * When breakers of this provider are open for provider-level reasons, probes again at the earliest of
   * their retry times, as their half-open trial: recovery is noticed within the breaker's cool-down,
   * not at the next probe interval, and without sending a user request to a provider still down.
   */
  function scheduleRecovery(name: string, probe: ProviderProbe): void {
    timers.clearTimeout(recoveryTimers.get(name));
    recoveryTimers.delete(name);
    if (stopped) return;
    const at = Math.min(
      ...modelsOf(name)
        .map((model) => breakers.snapshot(model, now()))
        .filter(
          (snapshot) =>
            snapshot.state !== 'closed' && providerLevelReason.test(snapshot.lastFailureReason ?? ''),
        )
        .map((snapshot) => snapshot.retryAt ?? now()),
    );
    if (!Number.isFinite(at)) return;
    const handle = timers.setTimeout(
      () => {
        recoveryTimers.delete(name);
        const permits = new Map<string, BreakerPermit>();
        for (const model of modelsOf(name)) {
          const snapshot = breakers.snapshot(model, now());
          if (snapshot.state === 'closed' || !providerLevelReason.test(snapshot.lastFailureReason ?? ''))
            continue;
          const permit = breakers.get(model).tryAcquire(now());
          if (permit) permits.set(model, permit);
        }
        void probeOne(name, probe, permits);
      },
      Math.max(0, at - now()),
    );
    recoveryTimers.set(name, handle);
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
      stopped = false;
      void probeAll();
      timer = setInterval(() => void probeAll(), intervalMs);
      timer.unref();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      for (const handle of recoveryTimers.values()) timers.clearTimeout(handle);
      recoveryTimers.clear();
    },
    providers: () => structuredClone(state),
  };
}
