import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { refusedConnectionUrl } from '../fakes/refused-connection-url.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../gateway/start-pyramid-process.ts';
import { adminToken, clientToken, gatewayTestYaml } from '../gateway/start-test-gateway.ts';
import { runPyramid } from './run-pyramid.ts';

describe('pyramid ask --url sends through a running gateway', () => {
  let home: string;
  let elsewhere: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  let started: Started;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-ask-url-'));
    // The asking side has no config and no keys: everything comes from the gateway.
    elsewhere = await mkdtemp(join(tmpdir(), 'pyramid-ask-url-client-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
    await writeFile(join(home, 'pyramid.yaml'), gatewayTestYaml(local, cloud));
    started = await startPyramid({
      PYRAMID_HOME: home,
      ADMIN_TOKEN: adminToken,
      CLIENT_TOKEN: clientToken,
      CLOUD_KEY: 'sk-cloud',
    });
  });
  after(async () => {
    started.child.kill('SIGTERM');
    await started.exited;
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  test('the answer comes from the gateway, with its keys, under the token caller tag', async () => {
    cloud.setDefault({ text: 'a billing question' });
    const asked = await runPyramid(
      [
        'ask',
        'Bug or billing?',
        '--task',
        'summarize',
        '--url',
        started.url,
        '--token',
        clientToken,
        '--json',
      ],
      { PYRAMID_HOME: elsewhere },
    );
    assert.equal(asked.code, 0, asked.stderr);
    const answer = JSON.parse(asked.stdout) as {
      text: string;
      model: string;
      tier: number;
      requestId: string;
    };
    assert.equal(answer.text, 'a billing question');
    assert.equal(answer.model, 'cloud-model');
    assert.equal(answer.tier, 1);
    assert.equal(cloud.requests.at(-1)?.headers.authorization, 'Bearer sk-cloud', "the gateway's key");
    const recorded = (await (
      await fetch(`${started.url}/api/requests/${answer.requestId}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      })
    ).json()) as { callerTag: string };
    assert.equal(recorded.callerTag, 'support-bot', 'recorded under the token name, not "cli"');
  });

  test('--stream prints the text as it arrives and the summary on stderr', async () => {
    local.setDefault({ text: 'streamed words here' });
    const asked = await runPyramid(['ask', 'Hi', '--stream', '--url', started.url], {
      PYRAMID_HOME: elsewhere,
      PYRAMID_TOKEN: clientToken,
    });
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(asked.stdout, 'streamed words here\n');
    assert.match(asked.stderr, /local-model \(tier 0\) via http:\/\/127\.0\.0\.1:\d+/);
  });

  test('a refused token and an unreachable gateway are clear errors (exit 1)', async () => {
    const refused = await runPyramid(
      ['ask', 'Hi', '--url', started.url, '--token', 'wrong-token-0123456789'],
      {
        PYRAMID_HOME: elsewhere,
      },
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the token \(401\).*--token or PYRAMID_TOKEN/);
    assert.ok(!refused.stderr.includes('wrong-token'), 'the token is not echoed');

    const nowhere = await refusedConnectionUrl();
    const down = await runPyramid(['ask', 'Hi', '--url', nowhere, '--token', clientToken], {
      PYRAMID_HOME: elsewhere,
    });
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /no gateway answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start one with `pyramid start`/,
    );

    const usage = await runPyramid(['ask', 'Hi', '--url', started.url, '--max-tier', '1'], {
      PYRAMID_HOME: elsewhere,
    });
    assert.equal(usage.code, 64);
  });
});
