import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse-config.ts';
import { starterConfigText } from '../../src/config/starter-config-text.ts';
import type { PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { Router } from '../../src/router/router.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';

const starterGemini =
  'gemini:    { api: openai-completions, baseUrl: "https://generativelanguage.googleapis.com/v1beta/openai", apiKey: "env:GEMINI_API_KEY" }';

/** The starter config with its Gemini provider pointed at a fake (its own api, or the native one). */
function starterWith(gemini: string, changes: (text: string) => string = (text) => text): PyramidConfig {
  assert.ok(starterConfigText.includes(starterGemini), 'the starter config still has this Gemini line');
  const text = changes(starterConfigText.replace(starterGemini, gemini));
  return parseConfig(text, { env: { GEMINI_API_KEY: 'test-gemini-key' } }).config;
}

function routerFor(config: PyramidConfig): Router {
  return new Router({
    config,
    ledger: { record() {}, spentSince: () => 0 },
    adapterFor: (name) =>
      createModelAdapter({
        provider: config.providers[config.models[name].provider],
        model: config.models[name],
      }),
  });
}

/** Asks Gemini (tier 1) directly, for a task of the starter config. */
const askGemini = (router: Router, task: string) =>
  router.complete({ task, startTier: 1, messages: [{ role: 'user', content: 'Label: the app crashes.' }] });

describe('Gemini 2.5 Flash in the starter config: reasoning: off really switches its thinking off', () => {
  let openai: FakeModelServer;
  let google: FakeModelServer;
  before(async () => {
    [openai, google] = await Promise.all([
      startFakeModelServer({ api: 'openai-completions' }),
      startFakeModelServer({ api: 'google-generative-ai' }),
    ]);
  });
  after(() => Promise.all([openai.close(), google.close()]));

  test('the starter marks gemini-2.5-flash reasoning: true and has a reasoning: off task', () => {
    const config = starterWith(starterGemini);
    assert.equal(config.models['gemini-flash'].id, 'gemini-2.5-flash');
    assert.equal(config.models['gemini-flash'].reasoning, true);
    assert.equal(config.models['gemini-flash'].minOutputTokens, 1024);
    assert.equal(config.tasks.classify.reasoning, 'off');
  });

  test('through the OpenAI-compatible endpoint (as in the starter): off is reasoning_effort "none"; no level sends none', async () => {
    const router = routerFor(
      starterWith(
        `gemini: { api: openai-completions, baseUrl: "${openai.baseUrl}", apiKey: "env:GEMINI_API_KEY" }`,
      ),
    );
    openai.requests.length = 0;
    const result = await askGemini(router, 'classify');
    assert.equal(result.model, 'gemini-flash');
    const body = openai.requests[0].body as { model: string; reasoning_effort?: string };
    assert.equal(body.model, 'gemini-2.5-flash');
    assert.equal(body.reasoning_effort, 'none');
    await askGemini(router, 'summarize');
    assert.equal('reasoning_effort' in (openai.requests[1].body as object), false, 'the model decides');
  });

  test('through the native Gemini API: off is thinkingConfig { thinkingBudget: 0 }; unmarked, nothing is sent and Gemini thinks', async () => {
    const native = `gemini: { api: google-generative-ai, baseUrl: "${google.baseUrl}", apiKey: "env:GEMINI_API_KEY" }`;
    const thinkingOf = (index: number) =>
      (google.requests[index].body as { generationConfig: { thinkingConfig?: unknown } }).generationConfig
        .thinkingConfig;
    google.requests.length = 0;
    await askGemini(routerFor(starterWith(native)), 'classify');
    assert.equal(google.requests[0].path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.deepEqual(thinkingOf(0), { thinkingBudget: 0 });

    // Without the flag (the starter before this change) the off task's request says nothing about thinking.
    const unmarked = starterWith(native, (text) =>
      text.replace('id: gemini-2.5-flash, reasoning: true, minOutputTokens: 1024,', 'id: gemini-2.5-flash,'),
    );
    assert.equal(unmarked.models['gemini-flash'].reasoning, false);
    await askGemini(routerFor(unmarked), 'classify');
    assert.equal(thinkingOf(1), undefined);
  });
});
