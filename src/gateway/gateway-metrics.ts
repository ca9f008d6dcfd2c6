import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestRecord } from '../contracts/request-ledger.ts';
import type { Attempt } from '../contracts/trace.ts';
import type { BreakerBoard } from '../router/breaker-board.ts';

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

// From a fast path (about 1 ms through the gateway to an instant upstream) to a local reasoning model
// within the default 300 s total timeout, with a failover after it.
const latencyBuckets = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** Creates the metrics; breaker states are read from `breakers` at scrape time. */
export function createGatewayMetrics(options: {
  breakers: Pick<BreakerBoard, 'snapshot'>;
  /** Read at every scrape: a config reload changes it in place. */
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

  // The labelled children, looked up by a plain key: prom-client hashes and validates a label
  // object on every call otherwise. Label values are models, tiers, outcomes and reasons: few.
  const children = new Map<string, unknown>();
  const child = <T>(key: string, create: () => T): T => {
    let found = children.get(key) as T | undefined;
    if (found === undefined) {
      found = create();
      children.set(key, found);
    }
    return found;
  };
  const tokenKinds = [
    ['input', 'input'],
    ['cachedInput', 'cached_input'],
    ['output', 'output'],
    ['reasoning', 'reasoning'],
  ] as const;

  return {
    registry,
    observeRequest(request, attempts) {
      const model = request.model ?? 'none';
      const tier = request.tier ?? 'none';
      const { outcome } = request;
      child(`requests\0${model}\0${tier}\0${outcome}`, () => requests.labels({ model, tier, outcome })).inc();
      child(`latency\0${outcome}`, () => latency.labels({ outcome })).observe(
        (request.finishedAt - request.startedAt) / 1000,
      );
      // A request that succeeded ends with its answer; a pinned model's is returned even when
      // inadequate, and an answer returned was not rejected.
      const answer = outcome === 'ok' ? attempts.at(-1) : undefined;
      for (const attempt of attempts) {
        const { usage, model } = attempt;
        for (const [field, kind] of tokenKinds) {
          if (usage[field])
            child(`tokens\0${model}\0${kind}`, () => tokens.labels({ model, kind })).inc(usage[field]);
        }
        if (attempt.costUsd) child(`cost\0${model}`, () => cost.labels({ model })).inc(attempt.costUsd);
        const reason = attempt.reason ?? 'unknown';
        if (attempt.outcome === 'inadequate' && attempt !== answer)
          child(`escalations\0${reason}`, () => escalations.labels({ reason })).inc();
        else if (attempt.outcome === 'error' && attempt.reason !== 'aborted')
          child(`failovers\0${reason}`, () => failovers.labels({ reason })).inc();
      }
    },
    observeTimeToFirstToken(model, seconds) {
      child(`ttft\0${model}`, () => timeToFirstToken.labels({ model })).observe(seconds);
    },
    requestStarted: () => inFlight.inc(),
    requestEnded: () => inFlight.dec(),
    render: () => registry.metrics(),
  };
}
