import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { runPyramid } from './run-pyramid.ts';

/** A two-tier pyramid over two fakes: a local reasoning model and a cloud one that needs a key. */
function pyramidYaml(ollama: FakeModelServer, cloud: FakeModelServer): string {
  return `
providers:
  local: { api: ollama, baseUrl: "${ollama.baseUrl}" }
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: "env:CLOUD_KEY" }
models:
  qwen3-14b: { provider: local, id: "qwen3:14b", reasoning: true, minOutputTokens: 1024, cost: { input: 0, output: 0 } }
  flash: { provider: cloud, id: fake-model, cost: { input: 0.30, output: 2.50, cacheRead: 0.075 } }
tiers:
  - [qwen3-14b]
  - [flash]
tasks:
  default: 0
  classify: { tier: 0, reasoning: off }
  summarize: 1
`;
}

describe('pyramid CLI', () => {
  let home: string;
  let ollama: FakeModelServer;
  let cloud: FakeModelServer;
  let env: Record<string, string>;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-cli-'));
    ollama = await startFakeModelServer({ api: 'ollama' });
    cloud = await startFakeModelServer({ api: 'openai-completions' });
    await writeFile(join(home, 'pyramid.yaml'), pyramidYaml(ollama, cloud));
    env = { PYRAMID_HOME: home, CLOUD_KEY: 'sk-cloud-secret-value' };
  });

  after(async () => {
    await Promise.all([ollama.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });

  test('ask --json answers at tier 0 and prints the documented object', async () => {
    ollama.enqueue({
      text: 'billing',
      reasoning: 'The user mentions an invoice.',
      usage: { input: 40, output: 2, reasoning: 9 },
    });
    const run = await runPyramid(['ask', 'My invoice is wrong', '--task', 'classify', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.text, 'billing');
    assert.equal(result.model, 'qwen3-14b');
    assert.equal(result.tier, 0);
    // Ollama reports thinking and answer together in eval_count; the split is estimated from the text.
    assert.equal(result.usage.input, 40);
    assert.equal(result.usage.output + result.usage.reasoning, 11);
    assert.ok(result.usage.reasoning > 0);
    assert.equal(result.costUsd, 0);
    assert.equal(result.attempts.length, 1);
    assert.deepEqual(Object.keys(result.attempts[0]).sort(), [
      'costUsd',
      'latencyMs',
      'model',
      'outcome',
      'reason',
      'tier',
      'ttftMs',
      'usage',
    ]);
    const sent = ollama.requests.at(-1)!.body as { think?: boolean; options?: { num_predict?: number } };
    assert.equal(sent.think, false, 'classify has reasoning: off');
    assert.equal(sent.options?.num_predict, undefined, 'with thinking off, no budget floor is needed');
  });

  test('an empty answer from tier 0 escalates to tier 1, and usage reports the savings', async () => {
    ollama.enqueue({ emptyWithReasoning: true }, { emptyWithReasoning: true });
    cloud.enqueue({ text: 'A summary.', usage: { input: 1000, output: 100 } });
    const run = await runPyramid(['ask', 'Summarise this', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.model, 'flash');
    assert.deepEqual(
      result.attempts.map((a: { reason: string | null }) => a.reason),
      ['length_no_text', 'length_no_text', null],
    );
    assert.equal(result.costUsd.toFixed(6), (1000 * 0.3e-6 + 100 * 2.5e-6).toFixed(6));
    assert.equal(cloud.requests.at(-1)!.headers.authorization, 'Bearer sk-cloud-secret-value');

    // Both only read the ledger: the two CLI children run side by side.
    const [usage, table] = await Promise.all([
      runPyramid(['usage', '--by', 'tier', '--json'], env),
      runPyramid(['usage', '--by', 'model'], env),
    ]);
    assert.equal(usage.code, 0, usage.stderr);
    const report = JSON.parse(usage.stdout);
    const shares = Object.fromEntries(
      report.rows.map((row: { key: string; share: number }) => [row.key, row.share]),
    );
    assert.deepEqual(shares, { '0': 0.5, '1': 0.5 });
    // The tier-0 answer would have cost its tokens at flash prices: that is the saving.
    assert.ok(report.totals.savingsUsd > 0);
    assert.equal(report.totals.baselines.withoutTier0.savingsUsd, report.totals.savingsUsd);
    assert.equal(
      report.totals.climbed.requests,
      0,
      'an escalation on an empty answer is no provider failure',
    );
    assert.match(table.stdout, /qwen3-14b/);
    assert.match(table.stdout, /total/);
    // Every baseline is named in full, the top tier's model included.
    assert.match(
      table.stdout,
      /without tier 0 \(tier-0 answers priced on tier 1's first model\): \$[\d.]+, saved \$/,
    );
    assert.match(table.stdout, /everything on the top tier \(flash\): \$/);
    assert.match(table.stdout, /everything on the cheapest cloud model each request's tier allows: \$/);
    assert.match(table.stdout, /climbed because of provider failures: none/);
    assert.doesNotMatch(table.stdout, /recorded before/);
  });

  test('ask --stream prints the text as it arrives and a summary on stderr', async () => {
    ollama.enqueue({ text: 'streamed answer text', chunkSize: 4, reasoning: 'hmm', inlineThink: true });
    const run = await runPyramid(['ask', 'hi', '--stream', '--max-tokens', '300'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'streamed answer text\n');
    assert.match(run.stderr, /qwen3-14b \(tier 0\)/);
    const sent = ollama.requests.at(-1)!.body as { options?: { num_predict?: number } };
    assert.equal(sent.options?.num_predict, 1024, 'the token-budget guard raised 300 to minOutputTokens');
  });

  test('a provider without its key is skipped with the reason, not a crash', async () => {
    const [run, ask] = await Promise.all([
      runPyramid(['route', 'explain', 'summarize'], { PYRAMID_HOME: home }),
      runPyramid(['ask', 'hi', '--task', 'summarize'], { PYRAMID_HOME: home }),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /flash .*no: env:CLOUD_KEY is not set/);
    assert.equal(ask.code, 1);
    // The error line itself says why the plan was short, and the note is not repeated below it.
    assert.match(ask.stderr, /^error: every candidate failed .*; skipped flash: env:CLOUD_KEY is not set\n/);
    assert.equal(ask.stderr.split('skipped flash').length, 2);
  });

  test('every candidate failing exits 1 with the attempts, and never prints the key', async () => {
    ollama.enqueue({ error: 'server' });
    cloud.enqueue({ error: 'auth' });
    const run = await runPyramid(['ask', 'hi', '--json'], env);
    assert.equal(run.code, 1);
    const body = JSON.parse(run.stdout);
    assert.equal(body.error.code, 'all_candidates_failed');
    assert.deepEqual(
      body.attempts.map((a: { reason: string }) => a.reason),
      ['server_error:500', 'auth:401'],
    );
    assert.doesNotMatch(run.stdout + run.stderr, /sk-cloud-secret-value/);
  });

  test('an invalid config exits 78 and names every problem with its line', async () => {
    const file = join(home, 'broken.yaml');
    await writeFile(
      file,
      (await readFile(join(home, 'pyramid.yaml'), 'utf8'))
        .replace('api: openai-completions, ', '')
        .replace('tier: 0', 'tier: 9'),
    );
    const [run, ask] = await Promise.all([
      runPyramid(['config', 'validate', '--config', file], env),
      runPyramid(['ask', 'hi', '--config', file], env),
    ]);
    assert.equal(run.code, 78);
    assert.match(run.stderr, /providers\.cloud\.api/);
    assert.match(run.stderr, /openai-completions, anthropic-messages, google-generative-ai, ollama/);
    assert.match(run.stderr, /tasks\.classify/);
    assert.match(run.stderr, /line \d+/);
    assert.equal(ask.code, 78);
  });

  test('config validate lists providers, gateway tokens and channels whose env secret is unset', async () => {
    const file = join(home, 'unset-secrets.yaml');
    await writeFile(
      file,
      `
providers:
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: "env:PYRAMID_TEST_UNSET_KEY" }
models:
  flash: { provider: cloud, id: fake-model, cost: { input: 0.30, output: 2.50 } }
tiers:
  - [flash]
gateway:
  auth:
    tokens: [{ name: ops, token: "env:PYRAMID_TEST_UNSET_TOKEN", scopes: [admin] }]
channels:
  tg: { type: telegram, botToken: "env:PYRAMID_TEST_UNSET_BOT" }
`,
    );
    const [run, json] = await Promise.all([
      runPyramid(['config', 'validate', '--config', file], env),
      runPyramid(['config', 'validate', '--config', file, '--json'], env),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /is valid: 1 model in 1 tier, 1 task type\n/);
    assert.match(run.stdout, /provider cloud is unavailable: env:PYRAMID_TEST_UNSET_KEY is not set/);
    assert.match(run.stdout, /token ops is unavailable: env:PYRAMID_TEST_UNSET_TOKEN is not set/);
    assert.match(run.stdout, /channel tg is unavailable: env:PYRAMID_TEST_UNSET_BOT is not set/);
    assert.deepEqual(
      JSON.parse(json.stdout).unavailable.map((entry: Record<string, string>) => Object.keys(entry)[0]),
      ['provider', 'token', 'channel'],
    );
  });

  test('init writes a starter config that validates; a second init refuses to overwrite', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'pyramid-init-'));
    try {
      const init = await runPyramid(['init'], { PYRAMID_HOME: fresh });
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /wrote .*pyramid\.yaml/);
      const [validate, again, schema] = await Promise.all([
        runPyramid(['config', 'validate', '--json'], { PYRAMID_HOME: fresh }),
        runPyramid(['init'], { PYRAMID_HOME: fresh }),
        runPyramid(['config', 'schema'], { PYRAMID_HOME: fresh }),
      ]);
      assert.equal(validate.code, 0, validate.stderr);
      assert.equal(JSON.parse(validate.stdout).ok, true);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists; use --force/);
      assert.ok(JSON.parse(schema.stdout).properties.providers);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
