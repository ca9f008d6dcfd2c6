import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestRecord } from '../../src/contracts/request-ledger.ts';
import { zeroUsage } from '../../src/contracts/usage.ts';
import { createGatewayMetrics } from '../../src/gateway/gateway-metrics.ts';
import { BreakerBoard } from '../../src/router/breaker-board.ts';

const request = (startedAt: number, finishedAt: number): RequestRecord => ({
  requestId: `r${finishedAt}`,
  task: 'default',
  resolvedTask: 'default',
  startedAt,
  finishedAt,
  outcome: 'ok',
  model: 'local-model',
  tier: 0,
  usage: zeroUsage(),
  costUsd: 0,
});

/** `le` -> count of a histogram's buckets with the given labels, in exposition order. */
function buckets(text: string, name: string, labels: string): [string, number][] {
  const line = new RegExp(`^${name}_bucket\\{le="([^"]+)",${labels}\\} (\\d+)$`, 'gm');
  return [...text.matchAll(line)].map((match) => [match[1], Number(match[2])]);
}

test('the latency buckets tell a 1.5 ms fast path from a 3 ms one, and count a 4-minute local answer in a finite bucket', async () => {
  const metrics = createGatewayMetrics({
    breakers: new BreakerBoard({ failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 }),
    models: ['local-model'],
  });
  metrics.observeRequest(request(0, 1.5), []);
  metrics.observeRequest(request(0, 3), []);
  // A local reasoning model within the default 300 s total timeout.
  metrics.observeRequest(request(0, 240_000), []);
  for (const seconds of [0.0015, 0.003, 240]) metrics.observeTimeToFirstToken('local-model', seconds);
  const text = await metrics.render();
  for (const [name, labels] of [
    ['pyramid_request_duration_seconds', 'outcome="ok"'],
    ['pyramid_time_to_first_token_seconds', 'model="local-model"'],
  ]) {
    const counts = buckets(text, name, labels);
    assert.ok(
      counts.some(([, count]) => count === 1),
      `${name}: some bucket holds the 1.5 ms one without the 3 ms one: ${JSON.stringify(counts)}`,
    );
    const finite = counts.filter(([le]) => le !== '+Inf');
    assert.equal(
      finite.at(-1)?.[1],
      3,
      `${name}: the 240 s one is in a finite bucket: ${JSON.stringify(counts)}`,
    );
  }
});
