import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { createPlatform, type Platform } from '../../src/cli/create-platform.ts';
import { defineJob, jobNames } from '../../src/config/define-job.ts';
import type { RunRecord } from '../../src/contracts/scheduler-store.ts';
import { jobsRoutes } from '../../src/scheduler/http/jobs-routes.ts';
import type { Scheduler } from '../../src/scheduler/index.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';

type WireMessage = { role: string; content: string };
type OllamaBody = { format?: unknown; tools?: unknown[]; messages: WireMessage[] };
type OpenaiBody = { response_format?: unknown; tools?: unknown[]; messages: WireMessage[] };

const labelSchema = {
  type: 'object',
  properties: { label: { enum: ['bug', 'billing', 'other'] } },
  required: ['label'],
  additionalProperties: false,
};

describe('scheduled agents with an output format: invalid JSON at tier 0 escalates', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  let platform: Platform;
  let scheduler: Scheduler;
  /** Every request the router recorded, with its attempts, in order. */
  const recorded: { requestId: string; callerTag?: string }[] = [];

  before(async () => {
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
    home = await mkdtemp(join(tmpdir(), 'pyramid-structured-'));
    await writeFile(
      join(home, 'pyramid.yaml'),
      `providers:
  local: { api: ollama, baseUrl: "${local.baseUrl}" }
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: test }
models:
  local-model: { provider: local, id: fake-model, cost: { input: 0, output: 0 } }
  cloud-model: { provider: cloud, id: fake-model, cost: { input: 1, output: 2 } }
tiers: [[local-model], [cloud-model]]
tasks: { classify: 0 }
agents:
  - { id: labeller, task: classify, prompt: "You label requests.", output: json }
  - { id: noter, task: classify, prompt: "You take notes.", tools: [remember], output: json }
  - { id: writer, task: classify, prompt: "You write." }
jobs:
  - id: label
    agent: labeller
    schedule: { at: "${new Date(Date.now() + 1500).toISOString()}" }
    payload: { kind: agentTurn, message: "Label: the app crashes." }
  - id: typed
    agent: writer
    schedule: { every: 1h }
    payload: { kind: agentTurn, message: "Label: I was charged twice." }
    output: { name: label, schema: ${JSON.stringify(labelSchema)} }
  - { id: notes, agent: noter, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Note it." } }
  - { id: prose, agent: labeller, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Write." }, output: text }
`,
    );
    const output = new PassThrough();
    platform = await createPlatform(
      { env: { PYRAMID_HOME: home }, stdout: output, stderr: output, homedir: home, cwd: home },
      {},
    );
    platform.onRequestRecorded((request) => recorded.push(request));
    scheduler = platform.createScheduler();
    await scheduler.start();
  });
  after(async () => {
    await scheduler.stop();
    await platform.close();
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });

  /** The stored attempts (tier, outcome, reason) of the requests an agent made, oldest first. */
  async function ledgerAttempts(agent: string) {
    const attempts: { tier: number; outcome: string; reason?: string }[] = [];
    for (const request of recorded.filter((entry) => entry.callerTag === agent)) {
      const stored = await platform.ledger.getRequest(request.requestId);
      assert.ok(stored, `request ${request.requestId} is in the ledger`);
      for (const attempt of stored.attempts)
        attempts.push({
          tier: attempt.tier,
          outcome: attempt.outcome,
          ...(attempt.reason ? { reason: attempt.reason } : {}),
        });
    }
    return attempts;
  }

  const reset = () => {
    local.requests.length = 0;
    cloud.requests.length = 0;
  };

  test('a scheduled slot whose tier-0 answer is cut-off JSON escalates; the run delivers the tier-1 JSON; the reason is in the run and the ledger', async () => {
    reset();
    local.enqueue({ text: '{"label": "bug", "confid', finishReason: 'length' });
    cloud.enqueue({ text: '{"label":"bug","confidence":0.9}' });
    let runs: RunRecord[] = [];
    const deadline = Date.now() + 20_000;
    while (runs.length === 0 && Date.now() < deadline) {
      runs = await scheduler.listRuns({ jobId: 'label' });
      if (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(runs.length > 0, 'the at: slot fired');
    const run = await scheduler.waitForRun(runs[0].id);
    assert.equal(run.status, 'ok', run.error);
    assert.equal(run.trigger, 'schedule');
    assert.equal(run.output, '{"label":"bug","confidence":0.9}');
    assert.deepEqual(run.tiers, [1]);
    assert.equal(run.escalations.length, 1);
    assert.equal(run.escalations[0].fromTier, 0);
    assert.equal(run.escalations[0].reason, 'invalid_json: the answer was cut off at the token limit');
    assert.deepEqual(await ledgerAttempts('labeller'), [
      { tier: 0, outcome: 'inadequate', reason: 'invalid_json' },
      { tier: 1, outcome: 'ok' },
    ]);

    // Carried natively: Ollama's format, OpenAI's json_object; the prompt says what the answer must be.
    const [asked] = local.requests.map((request) => request.body as OllamaBody);
    assert.equal(asked.format, 'json');
    assert.match(asked.messages[0].content, /^You label requests\.\n\n.*one JSON value/s);
    const [climbed] = cloud.requests.map((request) => request.body as OpenaiBody);
    assert.deepEqual(climbed.response_format, { type: 'json_object' });
    assert.match(climbed.messages[0].content, /JSON/);
  });

  test("a job's JSON Schema (over a text agent) is sent as Ollama's format; an answer that does not match escalates (schema_mismatch); a fenced answer is delivered as bare JSON", async () => {
    reset();
    local.enqueue({ text: '{"label": "feature"}' });
    cloud.enqueue({ text: '```json\n{"label": "billing"}\n```' });
    const run = await scheduler.waitForRun((await scheduler.runNow('typed')).id);
    assert.equal(run.status, 'ok', run.error);
    assert.equal(run.output, '{"label": "billing"}');
    assert.equal(run.escalations[0]?.fromTier, 0);
    assert.match(run.escalations[0]?.reason ?? '', /^schema_mismatch: label: /);
    assert.deepEqual(await ledgerAttempts('writer'), [
      { tier: 0, outcome: 'inadequate', reason: 'schema_mismatch' },
      { tier: 1, outcome: 'ok' },
    ]);
    const asked = local.requests[0].body as OllamaBody;
    assert.deepEqual(asked.format, labelSchema);
    // OpenAI-compatible servers get json_object only, so the schema is in the prompt.
    const climbed = cloud.requests[0].body as OpenaiBody;
    assert.ok(climbed.messages[0].content.includes(JSON.stringify(labelSchema)));
  });

  test('with tools the format applies to the final answer only: a tool step runs at tier 0 (no Ollama format beside tools), then invalid JSON escalates', async () => {
    reset();
    local.enqueue(
      { toolCalls: [{ name: 'remember', arguments: '{"key":"topic","value":"crash"}' }] },
      { text: 'I noted it.' },
    );
    cloud.enqueue({ text: '{"noted":"crash"}' });
    const run = await scheduler.waitForRun((await scheduler.runNow('notes')).id);
    assert.equal(run.status, 'ok', run.error);
    assert.equal(run.output, '{"noted":"crash"}');
    assert.deepEqual(run.tiers, [0, 1], 'the tool step at tier 0, the final answer at tier 1');
    assert.deepEqual(
      (await platform.sessions.recall('noter', 'topic')).map((note) => note.value),
      ['crash'],
      'the tool call ran',
    );
    for (const request of local.requests) {
      const body = request.body as OllamaBody;
      assert.equal(body.tools?.length, 1);
      assert.equal(body.format, undefined, 'Ollama cannot call tools under a format grammar');
    }
    const climbed = cloud.requests[0].body as OpenaiBody;
    assert.equal(climbed.tools?.length, 1);
    assert.deepEqual(climbed.response_format, { type: 'json_object' });
    assert.deepEqual(
      (await ledgerAttempts('noter')).map((attempt) => attempt.outcome),
      ['ok', 'inadequate', 'ok'],
    );
  });

  test("a job's output: text wins over its agent's json: no format, the prompt as written", async () => {
    reset();
    local.enqueue({ text: 'Plain words.' });
    const run = await scheduler.waitForRun((await scheduler.runNow('prose')).id);
    assert.equal(run.status, 'ok', run.error);
    assert.equal(run.output, 'Plain words.');
    assert.deepEqual(run.tiers, [0]);
    const asked = local.requests[0].body as OllamaBody;
    assert.equal(asked.format, undefined);
    assert.equal(asked.messages[0].content, 'You label requests.');
  });

  test('POST /api/jobs takes output (the schema checked, the error naming its path) and its runs escalate the same way', async () => {
    reset();
    const app = new Hono();
    jobsRoutes(app, { scheduler, defineJob: (raw) => defineJob(raw, jobNames(platform.config)) });
    const post = (body: unknown) =>
      app.request('/api/jobs', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const job = {
      id: 'added',
      agent: 'writer',
      schedule: { every: '1h' },
      payload: { kind: 'agentTurn', message: 'Label it.' },
    };
    const refused = await post({
      ...job,
      output: { schema: { type: 'object', properties: { label: { type: 'strin' } } } },
    });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as {
      error: { code: string; issues: { path: string; message: string }[] };
    };
    assert.equal(body.error.code, 'invalid_job');
    assert.deepEqual(body.error.issues, [
      {
        path: 'output.schema.properties.label.type',
        message: 'expected one of string, number, integer, boolean, object, array, null',
      },
    ]);

    const added = await post({ ...job, output: { schema: labelSchema } });
    assert.equal(added.status, 201);
    const { job: view } = (await added.json()) as { job: { definition: { output?: unknown } } };
    assert.deepEqual(view.definition.output, { type: 'json-schema', schema: labelSchema });

    local.enqueue({ text: '{"label": ' });
    cloud.enqueue({ text: '{"label":"other"}' });
    const started = await app.request('/api/jobs/added/run', { method: 'POST' });
    assert.equal(started.status, 202);
    const { run: queued } = (await started.json()) as { run: RunRecord };
    const run = await scheduler.waitForRun(queued.id);
    assert.equal(run.status, 'ok', run.error);
    assert.equal(run.output, '{"label":"other"}');
    assert.match(run.escalations[0]?.reason ?? '', /^invalid_json/);
  });
});
