import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { createPlatform, type Platform } from '../../src/cli/create-platform.ts';
import { runPyramid } from '../cli/run-pyramid.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type FakeTelegram, startFakeTelegram } from './fake-telegram-server.ts';
import { botToken } from './outbox-harness.ts';
import { waitFor } from './wait-for.ts';

const answer = '**Morning brief**\n\nPrices are up < 5% & `rising`.\n\n- one\n- two';

describe('end to end: a scheduled job to a message at the fake Telegram', () => {
  let home: string;
  let model: FakeModelServer;
  let telegram: FakeTelegram;
  let platform: Platform;
  const env = () => ({ PYRAMID_HOME: home, TELEGRAM_BOT_TOKEN: botToken });

  before(async () => {
    model = await startFakeModelServer({ api: 'openai-completions' });
    model.setDefault({ text: answer });
    telegram = await startFakeTelegram(botToken);
    home = await mkdtemp(join(tmpdir(), 'pyramid-delivery-e2e-'));
    await writeFile(
      join(home, 'pyramid.yaml'),
      `providers:
  fake: { api: openai-completions, baseUrl: "${model.baseUrl}", apiKey: test }
models:
  m0: { provider: fake, id: m0, cost: { input: 1, output: 2 } }
tiers: [[m0]]
tasks: { classify: 0 }
channels:
  tg:  { type: telegram, botToken: "env:TELEGRAM_BOT_TOKEN", apiRoot: "${telegram.apiRoot}", footer: true }
  log: { type: file, path: deliveries.jsonl }
agents:
  - { id: analyst, task: classify, prompt: "You write briefs." }
jobs:
  - id: morning
    agent: analyst
    schedule: { at: "${new Date(Date.now() + 2500).toISOString()}" }
    payload: { kind: agentTurn, message: "Brief me." }
    deliver: [{ channel: tg, to: "42" }, log]
  - { id: brief, agent: analyst, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Brief me." }, deliver: [log] }
  - { id: quiet, agent: analyst, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Brief me." } }
  - { id: lost, agent: analyst, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Brief me." }, deliver: [{ channel: tg, to: "404" }, log] }
`,
    );
    const output = new PassThrough();
    platform = await createPlatform(
      { env: env(), stdout: output, stderr: output, homedir: home, cwd: home },
      {},
    );
  });
  after(async () => {
    await platform.outbox.stop();
    await platform.close();
    await model.close();
    await telegram.close();
    await rm(home, { recursive: true, force: true });
  });

  it('a scheduled slot runs the agent and delivers to Telegram (HTML, header, footer) and the file target from deliver:', async () => {
    const scheduler = platform.createScheduler();
    await scheduler.start();
    platform.outbox.start();
    try {
      await waitFor(
        async () => (await scheduler.listRuns({ jobId: 'morning' })).length > 0,
        10_000,
        'the at: slot to fire',
      );
      const run = await scheduler.waitForRun((await scheduler.listRuns({ jobId: 'morning' }))[0].id);
      assert.equal(run.status, 'ok');
      await waitFor(
        async () => (await platform.outbox.runStatus(run.id)) === 'delivered',
        10_000,
        'the run to be delivered',
      );

      await waitFor(
        async () => (await scheduler.getRun(run.id))?.deliveryStatus === 'delivered',
        5000,
        'the stored run to say delivered',
      );
      assert.equal(telegram.accepted.length, 1);
      const [message] = telegram.accepted;
      assert.equal(message.chatId, '42');
      assert.equal(message.parseMode, 'HTML');
      assert.match(
        message.text,
        /^<b>analyst · morning<\/b>\n\n<b>Morning brief<\/b>\n\nPrices are up &lt; 5% &amp; <code>rising<\/code>\./,
      );
      assert.match(message.text, /• one\n• two\n\n<i>tier 0 · m0 · \$0\.\d{4}<\/i>$/);
      assert.deepEqual(telegram.problems, []);

      const lines = (await readFile(join(home, 'deliveries.jsonl'), 'utf8')).trimEnd().split('\n');
      const record = JSON.parse(lines[0]) as { runId: string; jobId: string; text: string };
      assert.equal(record.runId, run.id);
      assert.equal(record.jobId, 'morning');
      assert.equal(record.text, answer);
    } finally {
      await scheduler.stop();
    }
  });

  it('a job with only a file target delivers there and nowhere else', async () => {
    const scheduler = platform.createScheduler();
    await scheduler.start();
    try {
      const run = await scheduler.waitForRun((await scheduler.runNow('brief')).id);
      await waitFor(async () => (await platform.outbox.runStatus(run.id)) === 'delivered', 10_000);
      const deliveries = await platform.outbox.list({ runId: run.id });
      assert.deepEqual(
        deliveries.map((delivery) => delivery.channel),
        ['log'],
      );
    } finally {
      await scheduler.stop();
    }
  });

  it('serves GET /api/deliveries with the run’s deliveries, failed ones filterable', async () => {
    const app = new Hono();
    platform.deliveriesRoutes(app);
    const response = await app.request('/api/deliveries?limit=10');
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      deliveries: { state: string; channel: string; createdAt: string }[];
    };
    assert.ok(body.deliveries.length >= 3);
    assert.ok(body.deliveries.every((delivery) => delivery.state === 'delivered'));
    assert.match(body.deliveries[0].createdAt, /^\d{4}-\d\d-\d\dT/);
    const failed = (await (await app.request('/api/deliveries?failed')).json()) as { deliveries: unknown[] };
    assert.deepEqual(failed.deliveries, []);
    assert.equal((await app.request('/api/deliveries?state=lost')).status, 400);
    assert.doesNotMatch(JSON.stringify(body), new RegExp(botToken));
  });

  it('a message whose HTML Telegram cannot parse arrives as plain text, and pyramid deliveries notes it', async () => {
    telegram.refuseHtml('Unsupported start tag "tg-emoji" at byte offset 0');
    try {
      const [id] = await platform.outbox.enqueue({
        kind: 'message',
        text: '**Up** < 5%',
        targets: [{ channel: 'tg', to: '43' }],
      });
      await waitFor(async () => (await platform.outbox.get(id))?.state === 'delivered', 30_000);
      assert.deepEqual(
        telegram.accepted.filter((message) => message.chatId === '43').map((message) => message.text),
        ['Up < 5%'],
      );
      const listed = await runPyramid(['deliveries', '--json', '--limit', '1'], env());
      const [delivery] = JSON.parse(listed.stdout) as { id: string; state: string; note: string }[];
      assert.deepEqual([delivery.id, delivery.state], [id, 'delivered']);
      assert.match(delivery.note, /^sent as plain text: .*can't parse entities: Unsupported start tag/);
      const table = await runPyramid(['deliveries', '--limit', '1'], env());
      assert.match(table.stdout, /reason or note[\s\S]*delivered .*sent as plain text/);
    } finally {
      telegram.refuseHtml(undefined);
    }
  });

  it('pyramid deliveries lists failures with the reason, and deliveries retry sends again', async () => {
    telegram.answerChat('404', { status: 400, description: 'Bad Request: chat not found' });
    const [id] = await platform.outbox.enqueue({
      kind: 'message',
      text: 'hello',
      targets: [{ channel: 'tg', to: '404' }],
    });
    await waitFor(async () => (await platform.outbox.get(id))?.state === 'failed', 30_000);

    const listed = await runPyramid(['deliveries', '--failed', '--json'], env());
    assert.equal(listed.code, 0, listed.stderr);
    const failed = JSON.parse(listed.stdout) as { id: string; state: string; lastError: string }[];
    assert.deepEqual(
      failed.map((delivery) => [delivery.id, delivery.state]),
      [[id, 'failed']],
    );
    assert.match(failed[0].lastError, /chat not found/);
    const table = await runPyramid(['deliveries', '--failed'], env());
    assert.match(table.stdout, /chat not found/);

    const stillBroken = await runPyramid(['deliveries', 'retry', id], env());
    assert.equal(stillBroken.code, 1);
    assert.match(stillBroken.stdout, /failed: telegram: Bad Request: chat not found/);

    telegram.answerChat('404', 'ok');
    const fixed = await runPyramid(['deliveries', 'retry', id], env());
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, new RegExp(`${id}: delivered`));
    assert.doesNotMatch(listed.stdout + table.stdout + fixed.stdout, new RegExp(botToken));
  });

  it('the stored run says none without targets, and partial when one target refuses and another takes it', async () => {
    const scheduler = platform.createScheduler();
    await scheduler.start();
    try {
      const quiet = await scheduler.waitForRun((await scheduler.runNow('quiet')).id);
      await waitFor(
        async () => (await scheduler.getRun(quiet.id))?.deliveryStatus === 'none',
        5000,
        'none without targets',
      );
      assert.deepEqual(await platform.outbox.list({ runId: quiet.id }), []);

      telegram.answerChat('404', { status: 400, description: 'Bad Request: chat not found' });
      const lost = await scheduler.waitForRun((await scheduler.runNow('lost')).id);
      await waitFor(
        async () => (await scheduler.getRun(lost.id))?.deliveryStatus === 'partial',
        10_000,
        'partial: the file target took it, Telegram refused it',
      );
      assert.equal(
        (await platform.outbox.list({ runId: lost.id })).find((delivery) => delivery.channel === 'tg')?.state,
        'failed',
      );
    } finally {
      await scheduler.stop();
    }
  });

  it('after a crash between a run and its delivery, the output is queued at the next start', async () => {
    const scheduler = platform.createScheduler();
    // What a crash leaves: the run committed with its output, its delivery status pending, no delivery.
    const orphan = {
      ...(await scheduler.listRuns({ jobId: 'brief' }))[0],
      id: 'run-orphan',
      // Finished, whatever the newest run of the job copied here was doing (a slot of it may have been
      // queued or running when the earlier test's scheduler stopped, on a loaded machine).
      status: 'ok' as const,
      finishedAt: Date.now(),
      output: 'Written before the crash.',
      deliveryStatus: 'pending',
    };
    await platform.schedulerStore.insertRun(orphan);
    assert.equal(await platform.recoverRunDeliveries(), 1);
    await waitFor(
      async () => (await platform.schedulerStore.getRun('run-orphan'))?.deliveryStatus === 'delivered',
      10_000,
    );
    const lines = (await readFile(join(home, 'deliveries.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.equal(JSON.parse(lines.at(-1) as string).text, 'Written before the crash.');
    assert.equal(await platform.recoverRunDeliveries(), 0, 'nothing is queued twice');
  });
});
