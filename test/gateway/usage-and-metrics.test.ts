import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

describe('usage API and metrics', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  const ask = (body: Record<string, unknown>) =>
    gw.call('/v1/chat/completions', {
      method: 'POST',
      token: clientToken,
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], ...body }),
    });

  test('requests show up in /api/usage by token name, in /api/requests/:id and in /metrics', async () => {
    gw.local.enqueue({ status: 503 });
    gw.cloud.enqueue({ text: 'ok', usage: { input: 100, output: 50 } });
    const failedOver = await ask({});
    assert.equal(failedOver.status, 200);
    const requestId = failedOver.headers.get('x-pyramid-request-id')!;
    await failedOver.json();

    gw.local.enqueue({ text: 'streamed answer', chunkSize: 4 });
    const streamed = await ask({ stream: true });
    await streamed.text();

    const usage = await gw.call('/api/usage?since=1h&by=agent');
    assert.equal(usage.status, 200);
    const report = (await usage.json()) as {
      rows: { key: string; requests: number }[];
      totals: { costUsd: number };
    };
    assert.deepEqual(
      report.rows.map((row) => [row.key, row.requests]),
      [['support-bot', 2]],
    );
    assert.equal(report.totals.costUsd.toFixed(6), ((100 * 1 + 50 * 2) / 1e6).toFixed(6));
    assert.equal((await gw.call('/api/usage?by=color')).status, 400);
    assert.equal((await gw.call('/api/usage?since=yesterdayish')).status, 400);

    const trace = (await (await gw.call(`/api/requests/${requestId}`)).json()) as {
      model: string;
      callerTag: string;
      attempts: { model: string; outcome: string; reason?: string }[];
    };
    assert.equal(trace.model, 'cloud-model');
    assert.deepEqual(
      trace.attempts.map((attempt) => [attempt.model, attempt.outcome]),
      [
        ['local-model', 'error'],
        ['cloud-model', 'ok'],
      ],
    );
    assert.equal((await gw.call('/api/requests/nope')).status, 404);

    const metrics = await gw.call('/metrics');
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = await metrics.text();
    assert.match(text, /pyramid_requests_total\{model="cloud-model",tier="1",outcome="ok"\} 1/);
    assert.match(text, /pyramid_requests_total\{model="local-model",tier="0",outcome="ok"\} 1/);
    assert.match(text, /pyramid_failovers_total\{reason="server_error:503"\} 1/);
    assert.match(text, /pyramid_tokens_total\{model="cloud-model",kind="input"\} 100/);
    assert.match(text, /pyramid_tokens_total\{model="cloud-model",kind="output"\} 50/);
    assert.match(text, /pyramid_cost_usd_total\{model="cloud-model"\} 0\.0002/);
    assert.match(text, /pyramid_time_to_first_token_seconds_count\{model="local-model"\} 1/);
    assert.match(text, /pyramid_request_duration_seconds_count\{outcome="ok"\} 2/);
    assert.match(text, /pyramid_breaker_state\{model="local-model"\} 0/);
    assert.match(text, /pyramid_requests_in_flight 0/);
    assert.doesNotMatch(text, /nodejs_|process_cpu/, 'no default metrics from a global registry');
  });

  test('escalations are counted by reason', async () => {
    gw.local.enqueue({ text: '' });
    gw.cloud.enqueue({ text: 'a real answer' });
    const response = await ask({});
    assert.equal(response.status, 200);
    const text = await (await gw.call('/metrics')).text();
    assert.match(text, /pyramid_escalations_total\{reason="empty_answer"\} 1/);
  });
});
