import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UsageReport } from '../../src/ledger/ledger.ts';
import { clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Row = {
  key: string | null;
  requests: number;
  share: number;
  attempts: number;
  cloudOnlyCostUsd: number;
};
type Report = { rows: Row[]; totals: Row };

describe('usage report through the gateway', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  const ask = async (body: Record<string, unknown>) => {
    const response = await gw.call('/v1/chat/completions', {
      method: 'POST',
      token: clientToken,
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], ...body }),
    });
    await response.text();
    return response;
  };
  const usage = async (query: string) => (await (await gw.call(`/api/usage?${query}`)).json()) as Report;

  test('a pinned model that returns an empty answer answered the request: its tier gets it, priced on tier 1', async () => {
    // A pinned model never escalates: the client gets the empty answer with a 200.
    gw.local.enqueue({ text: '', usage: { input: 1000, output: 0 } });
    const response = await ask({ model: 'local-model' });
    assert.equal(response.status, 200);

    const report = await usage('since=1h&by=tier');
    assert.deepEqual(
      report.rows.map((row) => [row.key, row.requests, row.share, row.attempts]),
      [['0', 1, 1, 1]],
      'answered at tier 0, not counted among the requests nobody answered',
    );
    // The same 1000 input tokens on cloud-model ($1 per million).
    assert.equal(report.totals.cloudOnlyCostUsd.toFixed(6), '0.001000');
  });

  test("a pinned model's inadequate answer, returned as it is, is not counted as an escalation", async () => {
    gw.local.enqueue({ text: '' });
    assert.equal((await ask({ model: 'local-model' })).status, 200);
    const escalations = async () =>
      /pyramid_escalations_total\{reason="empty_answer"\} (\d+)/.exec(
        await (await gw.call('/metrics')).text(),
      )?.[1];
    assert.equal(await escalations(), undefined, 'nothing was rejected');

    gw.local.enqueue({ text: '' });
    gw.cloud.enqueue({ text: 'a real answer' });
    assert.equal((await ask({})).status, 200);
    assert.equal(await escalations(), '1', 'the unpinned empty answer escalated');
  });
});

describe('usage baselines and climbs through the gateway', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  const ask = async (model: string) => {
    const response = await gw.call('/v1/chat/completions', {
      method: 'POST',
      token: clientToken,
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.text();
    assert.equal(response.status, 200);
  };

  test('a request that fails over from tier 0 to tier 1 climbed; one that asked for tier 1 did not', async () => {
    gw.local.enqueue({ error: 'server' });
    gw.cloud.enqueue({ text: 'answer', usage: { input: 1000, output: 100 } });
    await ask('auto'); // task default: tier 0, where local-model fails
    gw.cloud.enqueue({ text: 'answer', usage: { input: 1000, output: 100 } });
    await ask('tier:1'); // started at tier 1 by request: answered where it started

    const report = (await (await gw.call('/api/usage?since=1h&by=tier')).json()) as UsageReport;
    // cloud-model at $1 / $2 per million: 1000 in, 100 out = $0.0012 per answer.
    assert.equal(report.topTierModel, 'cloud-model');
    assert.equal(report.requestsWithoutBaselines, 0);
    assert.deepEqual(Object.keys(report.totals.baselines), ['withoutTier0', 'allOnTopTier', 'cheapestCloud']);
    assert.equal(report.totals.baselines.allOnTopTier.costUsd?.toFixed(6), '0.002400');
    assert.equal(report.totals.climbed.requests, 1, 'only the failover climbed');
    assert.equal(report.totals.climbed.costUsd.toFixed(6), '0.001200');
    // Answered on tier 0 it would have cost nothing: the whole cost is what the failure cost.
    assert.equal(report.totals.climbed.extraCostUsd.toFixed(6), '0.001200');
    const tier1 = report.rows.find((row) => row.key === '1');
    assert.equal(tier1?.costShare, 1);
    assert.equal(tier1?.climbed.requests, 1);
  });
});
