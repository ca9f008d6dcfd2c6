import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerBoard } from '../router/breaker-board.ts';
import type { RequestRecord } from '../spec/request-ledger.ts';
import type { Attempt } from '../spec/trace.ts';

const breakerValue = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The Prometheus metrics of one gateway, in a registry of its own (never prom-client's global one). */
export type GatewayMetrics = {
  readonly registry: Registry;
  /** Counts one routed request and its attempts (fed from the ledger, so every caller is counted). */
  observeRequest(request: RequestRecord, attempts: readonly Attempt[]): void;
  /** Time from the HTTP request to the first streamed token. */
  observeTimeToFirstToken(model: string, seconds: number): void;
  requestStarted(): void;
  requestEnded(): void;
  /** The text exposition format. */
  render(): Promise<string>;
};

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Creates the metrics; breaker states are read from `breakers` at scrape time. */
export function createGatewayMetrics(options: {
  breakers: BreakerBoard;
  models: readonly string[];
  now?: () => number;
}): GatewayMetrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  const requests = new Counter({
    name: 'pyramid_requests_total',
    help: 'Routed requests by the model and tier that answered (none when none did) and outcome.',
    labelNames: ['model', 'tier', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'pyramid_request_duration_seconds',
    help: 'Routed request latency, every attempt included.',
    labelNames: ['outcome'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const timeToFirstToken = new Histogram({
    name: 'pyramid_time_to_first_token_seconds',
    help: 'Streaming requests: time from the HTTP request to the first token sent, by the model that answered.',
    labelNames: ['model'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'pyramid_tokens_total',
    help: 'Tokens by model and kind (input, cached_input, output, reasoning), failed attempts included.',
    labelNames: ['model', 'kind'],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'pyramid_cost_usd_total',
    help: 'Cost in USD by model, failed attempts included.',
    labelNames: ['model'],
    registers: [registry],
  });
  const escalations = new Counter({
    name: 'pyramid_escalations_total',
    help: 'Answers rejected as inadequate (the router retried or escalated), by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const failovers = new Counter({
    name: 'pyramid_failovers_total',
    help: 'Attempts that failed (the router moved to the next candidate), by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'pyramid_requests_in_flight',
    help: 'Chat completion requests being answered now.',
    registers: [registry],
  });
  new Gauge({
    name: 'pyramid_breaker_state',
    help: 'Circuit breaker per model: 0 closed, 1 half-open, 2 open.',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      const at = now();
      for (const model of options.models) {
        this.set({ model }, breakerValue[options.breakers.snapshot(model, at).state]);
      }
    },
  });

  return {
    registry,
    observeRequest(request, attempts) {
      requests.inc({
        model: request.model ?? 'none',
        tier: request.tier ?? 'none',
        outcome: request.outcome,
      });
      latency.observe({ outcome: request.outcome }, (request.finishedAt - request.startedAt) / 1000);
      for (const attempt of attempts) {
        const { usage, model } = attempt;
        if (usage.input) tokens.inc({ model, kind: 'input' }, usage.input);
        if (usage.cachedInput) tokens.inc({ model, kind: 'cached_input' }, usage.cachedInput);
        if (usage.output) tokens.inc({ model, kind: 'output' }, usage.output);
        if (usage.reasoning) tokens.inc({ model, kind: 'reasoning' }, usage.reasoning);
        if (attempt.costUsd) cost.inc({ model }, attempt.costUsd);
        if (attempt.outcome === 'inadequate') escalations.inc({ reason: attempt.reason ?? 'unknown' });
        else if (attempt.outcome === 'error' && attempt.reason !== 'aborted')
          failovers.inc({ reason: attempt.reason ?? 'unknown' });
      }
    },
    observeTimeToFirstToken(model, seconds) {
      timeToFirstToken.observe({ model }, seconds);
    },
    requestStarted: () => inFlight.inc(),
    requestEnded: () => inFlight.dec(),
    render: () => registry.metrics(),
  };
}
