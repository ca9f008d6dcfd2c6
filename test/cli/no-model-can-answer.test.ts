import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { starterConfigText } from '../../src/config/starter-config-text.ts';
import { refusedConnectionUrl } from '../fakes/refused-connection-url.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../gateway/start-pyramid-process.ts';
import { runPyramid } from './run-pyramid.ts';

/** Waits for `text` in the output (a generous deadline, never a fixed sleep). */
async function waitFor(started: Started, text: string, after = 0): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (started.output().split(text).length - 1 <= after) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${started.output()}`);
    await sleep(25);
  }
}

describe('a new user with neither Ollama nor a cloud key', () => {
  let home: string;
  let deepseek: FakeModelServer;
  let started: Started;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-no-model-'));
    deepseek = await startFakeModelServer({ api: 'openai-completions' });
    deepseek.setDefault({ text: 'hello from tier 2' });
    // The starter config, with Ollama where nothing listens and DeepSeek at a fake.
    const config = starterConfigText
      .replace('http://127.0.0.1:11434', await refusedConnectionUrl())
      .replace('https://api.deepseek.com/v1', deepseek.baseUrl);
    await writeFile(join(home, 'pyramid.yaml'), config);
    started = await startPyramid({ PYRAMID_HOME: home });
  });
  after(async () => {
    started.child.kill('SIGTERM');
    await started.exited;
    await deepseek.close();
    await rm(home, { recursive: true, force: true });
  });

  test('pyramid start says on one screen that no model can answer, and the two ways out, and keeps running', async () => {
    await waitFor(started, 'No model can answer');
    const screen = started.output().slice(started.output().indexOf('No model can answer'));
    assert.match(screen, /ollama: not reachable at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(screen, /gemini: env:GEMINI_API_KEY is not set/);
    assert.match(screen, /1\. Start Ollama .*\n\s+ollama pull qwen3:14b/);
    assert.match(screen, /2\. Set one cloud key/);
    for (const name of ['GEMINI_API_KEY', 'DEEPSEEK_API_KEY', 'ANTHROPIC_API_KEY'])
      assert.match(screen, new RegExp(`${name}=\\.\\.\\.`), `names ${name}`);
    assert.match(screen, new RegExp(`kill -HUP ${started.child.pid}`));
    assert.equal(started.output().split('No model can answer').length, 2, 'one screen, once');
    assert.equal((await fetch(`${started.url}/health`)).status, 200, 'it keeps running');
    assert.equal(started.child.exitCode, null);
  });

  test('a key added to $PYRAMID_HOME/env and a SIGHUP make a model answer, without a restart', async () => {
    const env = join(home, 'env');
    await writeFile(env, 'DEEPSEEK_API_KEY=sk-added-later\n', { mode: 0o600 });
    await chmod(env, 0o600);
    started.child.kill('SIGHUP');
    await waitFor(started, 'a model can answer again');
    const token = (await runPyramid(['token'], { PYRAMID_HOME: home })).stdout.trim();
    const answer = await fetch(`${started.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-v3', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.match(await answer.text(), /hello from tier 2/);
    assert.equal(deepseek.requests.at(-1)?.headers.authorization, 'Bearer sk-added-later');
  });
});
